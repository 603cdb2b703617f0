// One CRD type (#20): crd/'s CRD types are the generated apiextensions.k8s.io/v1 types,
// narrowed. A CRD that customResource() builds must go where the generated type is expected
// without a cast; the narrowing must still refuse what a CRD kubeno writes cannot be.

import assert from "node:assert/strict";
import { z } from "zod";
import { customResource, type CustomResourceDefinition, type JSONSchemaProps } from "../../mod.ts";
import type * as v1 from "../../core/k8s/apiextensions.k8s.io/v1.ts";

// Cluster-scoped, with a status: the narrowed scope and subresources go through as well.
const Gadget = customResource({
  group: "gadgets.example.com",
  version: "v1beta1",
  kind: "Gadget",
  namespaced: false,
  spec: z.object({ color: z.enum(["red", "blue"]), size: z.int().min(1) }),
  status: z.object({ ready: z.boolean() }),
});

Deno.test("crd types: a built CRD is the generated type, without a cast", () => {
  const crd: CustomResourceDefinition = Gadget.crd();
  // Type-checked by `deno test`: this line fails to compile if the narrowing is not a subtype.
  const generated: v1.CustomResourceDefinition = crd;
  const schema: v1.JSONSchemaProps | undefined = generated.spec.versions[0].schema?.openAPIV3Schema;
  assert.equal(generated.spec.scope, "Cluster");
  assert.deepEqual(generated.spec.versions[0].subresources, { status: {} });
  assert.equal(schema?.type, "object");
});

Deno.test("crd types: the narrowing refuses what a structural CRD cannot carry", () => {
  // @ts-expect-error a structural schema has no $ref
  const withRef: JSONSchemaProps = { $ref: "#/definitions/x" };
  // @ts-expect-error scope is Namespaced or Cluster
  const badScope: CustomResourceDefinition["spec"]["scope"] = "Global";
  assert.ok(withRef && badScope);
});
