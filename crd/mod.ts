/**
 * Custom resources declared as Zod schemas: {@link customResource} builds a descriptor for
 * `Api`, the CustomResourceDefinition with a structural schema the apiserver accepts, and a
 * validator (Zod + the CRD's CEL rules) that agrees with the apiserver.
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

/**
 * Zod, re-exported so that schemas and kubeno share one Zod instance (and its types).
 */
export { z } from "zod";
export * from "./types.ts";
export * from "./regex.ts";
export * from "./schema.ts";
export * from "./validate.ts";
export * from "./custom_resource.ts";
