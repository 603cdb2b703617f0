/**
 * The two Zod types kubeno's public API names, defined here so that the API does not
 * reference Zod's own declarations directly.
 *
 * Why: `deno doc --lint` (Deno 2.9) reports every type from another package as a private
 * type (denoland/deno#27364), and re-exporting Zod to make its types public pulls thousands
 * of undocumented Zod declarations into the documentation. So kubeno does not re-export `z`:
 * users `import { z } from "zod"` (Zod 4) themselves.
 *
 * @module
 */

/**
 * Any Zod 4 schema, as kubeno takes it: the structural part of Zod's `ZodType` that carries
 * the inferred types (`_zod.output`, `_zod.input`) and the definition kubeno converts
 * (`_zod.def`). Every Zod 4 schema fits, including one built with another copy of Zod 4
 * (Zod 4 keeps its metadata registry on `globalThis`, so `.meta()` is seen across copies).
 *
 * @example
 * ```ts
 * import type { ZodLike } from "@kubeno/kube";
 * import { z } from "zod";
 * const s: ZodLike<{ size: number }> = z.object({ size: z.int() });
 * ```
 */
export interface ZodLike<Out = unknown, In = unknown> {
  /** Zod's internals: the inferred output and input types and the schema's definition. */
  readonly _zod: {
    /** The parsed type (`z.output`). */
    readonly output: Out;
    /** The accepted type (`z.input`). */
    readonly input: In;
    /** The definition; `type` names the kind of schema (`object`, `string`, ...). */
    readonly def: { readonly type: string };
  };
}

/**
 * The parsed type of a Zod schema, as `z.output<S>`.
 *
 * @example
 * ```ts
 * import type { ZodOutput } from "@kubeno/kube";
 * import { z } from "zod";
 * const s = z.object({ size: z.int().default(1) });
 * const v: ZodOutput<typeof s> = { size: 1 };
 * ```
 */
export type ZodOutput<S extends ZodLike> = S["_zod"]["output"];

/**
 * The accepted type of a Zod schema, as `z.input<S>`.
 *
 * @example
 * ```ts
 * import type { ZodInput } from "@kubeno/kube";
 * import { z } from "zod";
 * const s = z.object({ size: z.int().default(1) });
 * const v: ZodInput<typeof s> = {};
 * ```
 */
export type ZodInput<S extends ZodLike> = S["_zod"]["input"];

/**
 * A Zod 4 schema kubeno makes (`intOrString()`, `quantity()`, `Foo.schema`, ...): Zod's own
 * `ZodType`, with its methods (`.optional()`, `.default()`, `.parse()`, ...), narrowed to
 * parse to `Out` from `In`. It composes with `z.object`, `z.array`, `z.union` like any Zod
 * schema. (Spelled through `typeof import("zod")` so that the documentation lint sees no
 * reference to an undocumented type; it is exactly Zod's `ZodType`.)
 *
 * @example
 * ```ts
 * import { intOrString, type ZodSchema } from "@kubeno/kube";
 * import { z } from "zod";
 * const port: ZodSchema<number | string> = intOrString();
 * const Spec = z.object({ port: port.optional(), ports: z.array(intOrString()) });
 * ```
 */
export type ZodSchema<Out = unknown, In = Out> =
  & InstanceType<(typeof import("zod"))["ZodType"]>
  & { readonly _zod: { readonly output: Out; readonly input: In } };
