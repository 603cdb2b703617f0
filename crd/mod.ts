/**
 * Custom resources declared as Zod schemas: {@link customResource} builds a descriptor for
 * `Api`, the CustomResourceDefinition with a structural schema the apiserver accepts, and a
 * validator (Zod + the CRD's CEL rules) that agrees with the apiserver.
 *
 * kubeno does not re-export Zod: `import { z } from "zod"` (Zod 4) in your own code.
 *
 * @example
 * ```ts
 * import { customResource, intOrString } from "@kubeno/kube";
 * import { z } from "zod";
 * export const Foo = customResource({
 *   group: "clux.dev", version: "v1", kind: "Foo", namespaced: true,
 *   spec: z.object({ name: z.string(), port: intOrString() }),
 * });
 * console.log(Foo.crd().spec.versions[0].schema);
 * ```
 *
 * @module
 */

export * from "./zod.ts";
export * from "./types.ts";
export * from "./regex.ts";
export * from "./names.ts";
export * from "./schema.ts";
export * from "./validate.ts";
export * from "./custom_resource.ts";
