// The crd module's errors are one family with the rest of kubeno: each is a KubeError, has a
// guard, and keeps the error that caused it.
import assert from "node:assert/strict";
import { z } from "zod";
import {
  CrdNotEstablishedError,
  customResource,
  isCrdNotEstablishedError,
  isCrdSchemaError,
  isResourceValidationError,
  KubeError,
  structuralSchema,
} from "../../mod.ts";
import { CrdInputError, isCrdInputError, parseCrds } from "../../crd/codegen/main.ts";
import { toRe2 } from "../../crd/regex.ts";

Deno.test("crd errors: CrdSchemaError is a KubeError with a guard and the field path", () => {
  let caught: unknown;
  try {
    structuralSchema(z.object({ when: z.date() }));
  } catch (e) {
    caught = e;
  }
  assert.ok(isCrdSchemaError(caught));
  assert.ok(caught instanceof KubeError);
  assert.equal(caught.name, "CrdSchemaError");
  assert.equal(caught.path, "when");
  assert.equal(isCrdSchemaError(new Error("x")), false);
});

Deno.test("crd errors: a pattern RE2 rejects keeps the engine's error as cause", () => {
  let caught: unknown;
  try {
    structuralSchema(z.object({ s: z.string().regex(/(?<=a)b/) }));
  } catch (e) {
    caught = e;
  }
  assert.ok(isCrdSchemaError(caught));
  assert.equal(caught.path, "s");
  assert.ok(caught.cause instanceof KubeError, "cause kept");
  assert.throws(() => toRe2("(?<=a)b"), (e) => e instanceof KubeError && /RE2/.test(e.message));
});

Deno.test("crd errors: ResourceValidationError is a KubeError with a guard and issues", () => {
  const Foo = customResource({
    group: "clux.dev",
    version: "v1",
    kind: "Foo",
    namespaced: true,
    spec: z.object({ n: z.int() }),
  });
  let caught: unknown;
  try {
    Foo.parse({ metadata: { name: "a" }, spec: { n: "x" } });
  } catch (e) {
    caught = e;
  }
  assert.ok(isResourceValidationError(caught));
  assert.ok(caught instanceof KubeError);
  assert.equal(caught.name, "ResourceValidationError");
  assert.equal(caught.issues[0].path, "spec.n");
  assert.equal(isResourceValidationError(new Error("x")), false);
});

Deno.test("crd errors: CrdInputError keeps the YAML parser's error as cause", () => {
  let caught: unknown;
  try {
    parseCrds("a: [unclosed", "bad.yaml");
  } catch (e) {
    caught = e;
  }
  assert.ok(isCrdInputError(caught));
  assert.ok(caught instanceof CrdInputError);
  assert.ok(caught instanceof KubeError);
  assert.match(caught.message, /^bad\.yaml:\d+:\d+: not valid YAML/);
  assert.ok(caught.cause instanceof Error, "cause kept");
});

Deno.test("crd errors: CrdNotEstablishedError is a KubeError with a guard", () => {
  const e: unknown = new CrdNotEstablishedError("foos.clux.dev", "names not accepted", []);
  assert.ok(isCrdNotEstablishedError(e));
  assert.ok(e instanceof KubeError);
  assert.equal(e.name, "CrdNotEstablishedError");
  assert.equal(e.message, "CustomResourceDefinition foos.clux.dev: names not accepted");
  assert.equal(isCrdNotEstablishedError(new Error("x")), false);
});
