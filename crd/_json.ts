/**
 * The JSON value an object would be sent as, for local validation. Internal.
 *
 * What kubeno validates must be what the client sends: `JSON.stringify` of the object. This
 * makes that copy without recursion (any nesting depth) and without throwing, and refuses what
 * JSON cannot carry instead of letting `JSON.stringify` drop it or fail later:
 *
 * - functions, symbols and BigInt values: an issue (JSON.stringify drops the first two from
 *   objects and throws on BigInt);
 * - NaN and ±Infinity: an issue (JSON.stringify would send `null`);
 * - cycles: an issue naming the path the value refers back to;
 * - Map and Set: an issue (JSON.stringify sends `{}`);
 * - deeper than {@link MAX_JSON_DEPTH} levels: an issue, as the apiserver refuses it.
 *
 * As JSON.stringify does: object properties whose value is `undefined` are left out, `undefined`
 * in an array becomes `null`, `toJSON()` is called (a Date becomes its ISO string), and only own
 * enumerable string keys are copied.
 *
 * @module
 */

import type { ValidationIssue } from "./validate.ts";

/** The apiserver's limit on the nesting depth of a JSON object it decodes. */
export const MAX_JSON_DEPTH = 10000;

type Frame = {
  src: object;
  dst: Record<string, unknown> | unknown[];
  keys: string[];
  i: number;
  path: string;
};

function childPath(path: string, key: string, array: boolean): string {
  if (array) return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(v: unknown): string {
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "bigint") return "a BigInt (use a number or a string)";
  if (v instanceof Map) return "a Map (JSON.stringify would send {}; use a plain object)";
  if (v instanceof Set) return "a Set (JSON.stringify would send {}; use an array)";
  return String(v);
}

/**
 * The JSON copy of `value`, or the issues that keep it from being JSON. Never throws.
 */
export function jsonCopy(
  value: unknown,
): { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const issue = (path: string, message: string) => issues.push({ path, message, source: "schema" });
  // Objects on the path from the root to the current one, with their paths: a cycle is a value
  // that is its own ancestor (the same object twice side by side is fine, as in JSON).
  const ancestors = new Map<object, string>();
  const stack: Frame[] = [];

  // Converts one value; containers get a frame and are filled in the loop below.
  const convert = (raw: unknown, key: string, path: string): { keep: boolean; v?: unknown } => {
    let v = raw;
    try {
      if (
        v !== null && typeof v === "object" &&
        typeof (v as { toJSON?: unknown }).toJSON === "function"
      ) {
        v = (v as { toJSON(k: string): unknown }).toJSON(key);
      }
    } catch (e) {
      issue(path, `its toJSON() threw: ${(e as Error)?.message ?? e}`);
      return { keep: false };
    }
    switch (typeof v) {
      case "undefined":
        return { keep: false };
      case "string":
      case "boolean":
        return { keep: true, v };
      case "number":
        if (!Number.isFinite(v)) {
          issue(path, `${v} is not a JSON number (JSON.stringify would send null)`);
          return { keep: false };
        }
        return { keep: true, v };
      case "object": {
        if (v === null) return { keep: true, v };
        if (v instanceof Map || v instanceof Set) {
          issue(path, `cannot be sent as JSON: ${describe(v)}`);
          return { keep: false };
        }
        const seen = ancestors.get(v);
        if (seen !== undefined) {
          issue(path, `cycle: refers back to ${seen || "<root>"}; JSON cannot carry cycles`);
          return { keep: false };
        }
        if (stack.length >= MAX_JSON_DEPTH) {
          issue(path, `nested deeper than ${MAX_JSON_DEPTH} levels, which the apiserver refuses`);
          return { keep: false };
        }
        const dst: Record<string, unknown> | unknown[] = Array.isArray(v) ? [] : {};
        ancestors.set(v, path);
        stack.push({ src: v, dst, keys: Array.isArray(v) ? [] : Object.keys(v), i: 0, path });
        return { keep: true, v: dst };
      }
      default:
        issue(path, `cannot be sent as JSON: ${describe(v)}`);
        return { keep: false };
    }
  };

  try {
    const root = convert(value, "", "");
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      const isArray = Array.isArray(f.src);
      const n = isArray ? (f.src as unknown[]).length : f.keys.length;
      if (f.i >= n) {
        ancestors.delete(f.src);
        stack.pop();
        continue;
      }
      const key = isArray ? String(f.i) : f.keys[f.i];
      f.i++;
      const c = convert(
        (f.src as Record<string, unknown>)[key],
        key,
        childPath(f.path, key, isArray),
      );
      if (isArray) (f.dst as unknown[]).push(c.keep ? c.v : null);
      else if (c.keep) (f.dst as Record<string, unknown>)[key] = c.v;
    }
    if (issues.length) return { ok: false, issues };
    return { ok: true, value: root.keep ? root.v : undefined };
  } catch (e) {
    // A getter or proxy trap that throws.
    issue(stack[stack.length - 1]?.path ?? "", `cannot be read: ${(e as Error)?.message ?? e}`);
    return { ok: false, issues };
  }
}
