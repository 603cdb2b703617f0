/**
 * crd_derive: a custom resource declared with Zod, as kube-rs' `#[derive(CustomResource)]`
 * example: spec, status (the status subresource), scale, printer columns, short names.
 * Run it to print the CRD as YAML (no cluster needed):
 *
 *   deno run examples/crd_derive.ts
 *
 * @module
 */

import { stringify } from "yaml";
import { z } from "zod";
import { customResource, type InferResource } from "../mod.ts";

/** Our custom resource. */
export const Foo = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Foo",
  namespaced: true,
  spec: z.object({
    name: z.string().describe("A name"),
    info: z.string().optional(),
    replicas: z.int().min(0).default(1),
  }).describe("Our Foo custom resource spec"),
  status: z.object({
    isBad: z.boolean(),
    replicas: z.int().optional(),
  }),
  shortNames: ["f"],
  categories: ["kubeno"],
  printerColumns: [
    { name: "Name", type: "string", jsonPath: ".spec.name" },
    { name: "Bad", type: "boolean", jsonPath: ".status.isBad" },
  ],
  scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
});
/** The object type of Foo. */
export type Foo = InferResource<typeof Foo>;

if (import.meta.main) {
  console.log(stringify(Foo.crd()));
  const foo: Foo = Foo.new("baz", { name: "baz", info: "old baz" });
  console.log(JSON.stringify(foo)); // spec.replicas defaulted to 1
}
