// Type-level tests of crd/: never run; `deno check tests/` (the check task) must pass, which also
// proves every `@ts-expect-error` line below is an error.

import {
  Api,
  applyCrd,
  type Client,
  type CustomResource,
  customResource,
  type CustomResourceDefinition,
  embeddedResource,
  type InferResource,
  intOrString,
  listType,
  mergeCrds,
  preserveUnknownFields,
  quantity,
  type ZodInput,
  type ZodOutput,
  type ZodSchema,
} from "../../mod.ts";
import { z } from "zod";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function expectType<T extends true>(): T | void {}

// kubeno's helpers are real Zod schemas: they compose with z.object / z.array / z.union and keep
// Zod's methods (.optional(), .default()).
const Spec = z.object({
  port: intOrString(),
  maybePort: intOrString().optional(),
  memory: quantity().default("1Gi"),
  limits: z.array(quantity()),
  either: z.union([intOrString(), z.boolean()]),
  values: preserveUnknownFields().optional(),
  template: embeddedResource().optional(),
  tags: listType(z.array(z.string()), "set").default([]),
  replicas: z.int().min(0).default(1),
});
type SpecOut = z.output<typeof Spec>;
expectType<Equal<SpecOut["port"], number | string>>();
expectType<Equal<SpecOut["maybePort"], number | string | undefined>>();
expectType<Equal<SpecOut["memory"], number | string>>();
expectType<Equal<SpecOut["limits"], (number | string)[]>>();
expectType<Equal<SpecOut["either"], number | string | boolean>>();
expectType<Equal<ZodOutput<typeof Spec>, SpecOut>>();
expectType<Equal<ZodInput<typeof Spec>, z.input<typeof Spec>>>();
const port: ZodSchema<number | string> = intOrString();
expectType<Equal<ReturnType<typeof port.parse>, number | string>>();

const Foo = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Foo",
  namespaced: true,
  spec: Spec,
  status: z.object({ ready: z.boolean() }),
});
type Foo = InferResource<typeof Foo>;
expectType<Equal<Foo["spec"], SpecOut>>();
expectType<Equal<Foo["status"], { ready: boolean } | undefined>>();
expectType<Equal<z.infer<typeof Foo.schema>, Foo>>();
expectType<Equal<ReturnType<typeof Foo.parse>, Foo>>();

// new() takes the spec's input side: defaulted fields may be left out, wrong types may not.
export const foo: Foo = Foo.new("a", { port: 80, limits: [], either: true });
// @ts-expect-error port must be an integer or a string
Foo.new("a", { port: true, limits: [], either: true });
// @ts-expect-error limits is required
Foo.new("a", { port: 80, either: true });

// Without status, status is never set.
const Bar = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Bar",
  namespaced: false,
  spec: z.object({ n: z.int() }),
});
expectType<Equal<InferResource<typeof Bar>["status"], undefined>>();

// Every custom resource is a CustomResource (of the defaults): mergeCrds and functions taking
// one accept them.
export function crdName(r: CustomResource): string | undefined {
  return r.crd().metadata.name;
}
crdName(Foo);
crdName(Bar);
const FooV2 = customResource({
  group: "clux.dev",
  version: "v2",
  kind: "Foo",
  namespaced: true,
  spec: z.object({ name: z.string() }),
});
export const merged: CustomResourceDefinition = mergeCrds([Foo, FooV2], { storage: "v2" });

// Api over a custom resource is typed by it.
declare const client: Client;
const foos = Api.namespaced(client, Foo, "default");
expectType<Equal<Awaited<ReturnType<typeof foos.get>>, Foo>>();

// applyCrd returns the CustomResourceDefinition type the package exports at the top level.
export async function applied(): Promise<"Namespaced" | "Cluster"> {
  const crd: CustomResourceDefinition = await applyCrd(client, Foo);
  return crd.spec.scope;
}
