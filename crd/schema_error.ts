/**
 * The error for a Zod schema that cannot become a structural CRD schema, and its guard.
 *
 * @module
 */

import { KubeError } from "../core/error.ts";

/**
 * A schema that cannot become a structural CRD schema. `path` names the field
 * (`spec.items[*].name`), the message says what to do instead.
 *
 * @example
 * ```ts
 * import { CrdSchemaError, structuralSchema } from "@kubeno/kube";
 * import { z } from "zod";
 * try {
 *   structuralSchema(z.object({ when: z.date() }));
 * } catch (e) {
 *   if (e instanceof CrdSchemaError) console.log(e.path); // "when"
 * }
 * ```
 */
export class CrdSchemaError extends KubeError {
  /** Class name. */
  override name: string = "CrdSchemaError";
  /** Path of the offending field, dotted, `[*]` for array items and `{*}` for map values. */
  readonly path: string;
  /**
   * Creates the error; the message is prefixed with the path.
   *
   * @param path the offending field, `""` for the root
   * @param message what is wrong and what to do instead
   * @param options `cause`: the underlying error (Zod's, or the regex engine's)
   */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path || "<root>"}: ${message}`, options);
    this.path = path;
  }
}

/**
 * Whether `err` is a {@link CrdSchemaError}: a Zod schema that cannot become a CRD schema.
 *
 * @example
 * ```ts
 * import { isCrdSchemaError, structuralSchema } from "@kubeno/kube";
 * import { z } from "zod";
 * try {
 *   structuralSchema(z.object({ when: z.date() }));
 * } catch (e) {
 *   if (isCrdSchemaError(e)) console.log(e.path); // "when"
 * }
 * ```
 */
export function isCrdSchemaError(err: unknown): err is CrdSchemaError {
  return err instanceof CrdSchemaError;
}
