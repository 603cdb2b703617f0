/**
 * A copy of a Zod schema whose regex checks run on RE2, for local validation. Internal.
 *
 * Zod tests `.regex()` (and its string formats) with JavaScript's backtracking engine: a
 * pattern such as `^(a+)+$` takes exponential time on a 33-character non-match, and JavaScript
 * and RE2 disagree on some inputs (`\s`, Unicode classes). The apiserver checks the same
 * patterns with RE2, so kubeno validates with a copy of the user's schema whose patterns are
 * RE2-backed; the user's own schema is left as it is.
 *
 * @module
 */

import { re2RegExp, Re2SyntaxError } from "./_re2.ts";

interface Internals {
  _zod: { def: Def; constr: new (def: Def) => Internals };
}
type Def = Record<string, unknown> & { type: string };

const KIDS: Record<string, readonly string[]> = {
  array: ["element"],
  record: ["keyType", "valueType"],
  intersection: ["left", "right"],
  optional: ["innerType"],
  nullable: ["innerType"],
  default: ["innerType"],
  prefault: ["innerType"],
  readonly: ["innerType"],
  nonoptional: ["innerType"],
  catch: ["innerType"],
  pipe: ["in", "out"],
};

/**
 * `schema` with every RegExp in its checks and string formats replaced by an RE2-backed one
 * (the very pattern text its CRD carries). Parts without patterns are shared, not copied.
 *
 * @throws {Re2SyntaxError} if a pattern does not compile on RE2 (the CRD conversion refuses
 *   such patterns first, with the field's path).
 */
export function withRe2Patterns<T>(schema: T): T {
  return swap(schema as unknown as Internals, new Map()) as unknown as T;
}

function swap(s: Internals, memo: Map<Internals, Internals>): Internals {
  const seen = memo.get(s);
  if (seen) return seen;
  const def = s._zod.def;
  const nd: Def = { ...def };
  let changed = false;
  const child = (v: unknown): unknown => {
    const n = swap(v as Internals, memo);
    if (n !== v) changed = true;
    return n;
  };
  if (Array.isArray(def.checks) && def.checks.length) {
    nd.checks = (def.checks as Internals[]).map((c) => {
      const cd = c._zod.def;
      if (!(cd.pattern instanceof RegExp)) return c;
      const pattern = re2RegExp(cd.pattern);
      if (pattern === cd.pattern) return c;
      changed = true;
      return new c._zod.constr({ ...cd, pattern });
    });
  }
  if (def.pattern instanceof RegExp) {
    // A string format's own pattern (Zod's, e.g. z.email()). One RE2 cannot compile never
    // reaches a CRD (the conversion refuses it), so the format is then checked as Zod does.
    try {
      nd.pattern = re2RegExp(def.pattern);
      changed ||= nd.pattern !== def.pattern;
    } catch (e) {
      if (!(e instanceof Re2SyntaxError)) throw e;
    }
  }
  switch (def.type) {
    case "object": {
      const shape: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        shape[k] = child(v);
      }
      nd.shape = shape;
      if (def.catchall !== undefined) nd.catchall = child(def.catchall);
      break;
    }
    case "union":
      nd.options = (def.options as unknown[]).map(child);
      break;
    case "tuple":
      nd.items = (def.items as unknown[]).map(child);
      if (def.rest) nd.rest = child(def.rest);
      break;
    case "lazy": {
      // Deferred, as the original: the inner schema may refer back to this one.
      const getter = def.getter as () => Internals;
      nd.getter = () => swap(getter(), memo);
      changed = true;
      break;
    }
    default:
      for (const k of KIDS[def.type] ?? []) if (def[k] !== undefined) nd[k] = child(def[k]);
  }
  const out = changed ? new s._zod.constr(nd) : s;
  memo.set(s, out);
  return out;
}
