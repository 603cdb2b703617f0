/**
 * A pattern as a CRD carries it: rewritten for RE2 and refused as the apiserver refuses it.
 * Internal; the Zod walk checks `.regex()` sources with it, the structural pass the patterns
 * Zod's string formats emit.
 *
 * @module
 */

import { toRe2 } from "./regex.ts";
import { re2, Re2SyntaxError } from "./_re2.ts";
import { CrdSchemaError } from "./schema_error.ts";

/**
 * `source` (with `flags`) as the RE2 pattern the CRD carries, refused as the apiserver refuses
 * it: constructs whose meaning RE2 lacks or changes are named, and a pattern Go's regexp cannot
 * compile gets the apiserver's own words ("must be a valid regular expression, but isn't: ...").
 */
export function re2Pattern(source: string, flags: string, path: string): string {
  const fix = "rewrite it without that construct, or drop it and check with celRules()";
  let rewritten: string;
  try {
    rewritten = toRe2(source, flags);
  } catch (e) {
    throw new CrdSchemaError(
      path,
      `the pattern /${source}/ cannot be used: ${(e as Error).message}; ${fix}`,
      { cause: e },
    );
  }
  try {
    re2(rewritten);
  } catch (e) {
    if (!(e instanceof Re2SyntaxError)) throw e;
    throw new CrdSchemaError(
      path,
      `the pattern /${source}/ cannot be used: the apiserver refuses it (pattern: Invalid value: ` +
        `${
          JSON.stringify(rewritten)
        }: must be a valid regular expression, but isn't: ${e.message}); ${fix}`,
      { cause: e },
    );
  }
  return rewritten;
}
