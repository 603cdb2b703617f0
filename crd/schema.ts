/**
 * Zod -> structural OpenAPI v3 schema, and the helpers for what Zod has no word for
 * (int-or-string, quantities, embedded resources, list and map types, CEL rules, formats).
 *
 * The conversion runs in three steps: a walk over the Zod schema that refuses what a CRD
 * cannot express (with the field path; `_zod_walk.ts`), Zod's own `z.toJSONSchema` (OpenAPI
 * 3.0, input side), and a structural pass that rewrites its output into what the apiserver
 * accepts (`_structural.ts`); last, every default is checked as the apiserver checks it
 * (`_default_check.ts`). The markers live in `markers.ts`, the error in `schema_error.ts`.
 *
 * @module
 */

import { z } from "zod";
import type { JSONSchemaProps } from "./types.ts";
import type { ZodLike } from "./zod.ts";
import { CrdSchemaError } from "./schema_error.ts";
import { type WalkState, walkZod } from "./_zod_walk.ts";
import { convert, type JS } from "./_structural.ts";
import { checkDefaults } from "./_default_check.ts";

// The public names of the split-out modules stay importable from here, as before the split.
export * from "./schema_error.ts";
export * from "./markers.ts";
export { QUANTITY_PATTERN } from "./quantity_pattern.ts";

/**
 * Converts a Zod schema into a structural OpenAPI v3 schema node, as a CRD's
 * `openAPIV3Schema` holds it. Throws {@link CrdSchemaError} naming the field when the schema
 * uses something a CRD cannot express.
 *
 * @example
 * ```ts
 * import { structuralSchema } from "@kubeno/kube";
 * import { z } from "zod";
 * structuralSchema(z.object({ size: z.int().min(1) }));
 * // { type: "object", properties: { size: { type: "integer", minimum: 1, maximum: 9007199254740991 } }, required: ["size"] }
 * ```
 */
export function structuralSchema(schema: ZodLike, path = ""): JSONSchemaProps {
  const st: WalkState = { stack: new Set(), patterns: new Map() };
  walkZod(schema, path, st);
  let json: JS;
  try {
    json = z.toJSONSchema(schema as unknown as z.ZodType, {
      target: "openapi-3.0",
      io: "input",
      unrepresentable: "throw",
      cycles: "ref",
      reused: "inline",
    }) as JS;
  } catch (e) {
    throw new CrdSchemaError(path, `Zod cannot describe this schema: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const defs = {
    ...(json.definitions ?? {}) as Record<string, JS>,
    ...(json.$defs ?? {}) as Record<string, JS>,
  };
  const out = convert(json, path, { defs, refs: [], patterns: st.patterns });
  checkDefaults(out, path);
  return out;
}
