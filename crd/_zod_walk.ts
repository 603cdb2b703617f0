/**
 * Step 1 of the conversion: a walk over the Zod schema that refuses, with the field path, what
 * a CRD cannot express (refinements, transforms, recursion, restricted map keys, ...) before
 * Zod's own `z.toJSONSchema` sees it. Internal.
 *
 * @module
 */

import { CrdSchemaError } from "./schema_error.ts";
import { re2Pattern } from "./_crd_pattern.ts";
import { checkZodDefault } from "./_default_check.ts";
import { joinPath } from "./_field_path.ts";

type Def = Record<string, unknown> & { type: string };

interface ZodInternals {
  _zod: { def: Def };
}

function defOf(s: unknown): Def {
  return (s as ZodInternals)._zod.def;
}

const HINT_CEL = "express the condition as a CEL rule with celRules() instead";

/** What the walk carries from the root down. */
export interface WalkState {
  /** Schemas (and z.lazy getters) on the path from the root: seeing one again is recursion. */
  stack: Set<unknown>;
  /** RegExp source -> RE2 pattern, for sources whose flags change their meaning. */
  patterns: Map<string, string>;
}

function checkRegex(re: RegExp, path: string, st: WalkState): void {
  const rewritten = re2Pattern(re.source, re.flags, path);
  if (rewritten !== re.source) {
    const prev = st.patterns.get(re.source);
    if (prev !== undefined && prev !== rewritten) {
      throw new CrdSchemaError(
        path,
        `the pattern /${re.source}/ is used with different flags; give each use the same flags`,
      );
    }
    st.patterns.set(re.source, rewritten);
  }
}

function checkChecks(def: Record<string, unknown>, path: string, st: WalkState): void {
  const checks = (def.checks ?? []) as ZodInternals[];
  for (const c of checks) {
    const cd = c._zod.def;
    if (cd.check === "custom") {
      throw new CrdSchemaError(
        path,
        `.refine()/.check()/.superRefine() cannot be expressed in a CRD schema; ${HINT_CEL}`,
      );
    }
    if (cd.check === "overwrite") {
      throw new CrdSchemaError(
        path,
        "value-rewriting checks (.trim(), .toLowerCase(), .overwrite()) cannot be expressed in a CRD schema: " +
          "the server stores the value as sent; drop them and validate the form with .regex() or celRules()",
      );
    }
    if (cd.pattern instanceof RegExp) checkRegex(cd.pattern, path, st);
  }
  if (def.pattern instanceof RegExp) checkRegex(def.pattern, path, st);
}

/** Zod types a CRD cannot express, with what to use instead. */
export const UNSUPPORTED: Record<string, string> = {
  date: "z.date() has no JSON form; use z.iso.datetime() (a string the server checks as date-time)",
  bigint: "z.bigint() has no JSON form; use z.int() (integers up to 2^53) or a string",
  map: "z.map() has no JSON form; use z.record(z.string(), ...)",
  set: 'z.set() has no JSON form; use listType(z.array(...), "set")',
  function: "functions cannot be stored in an object",
  promise: "promises cannot be stored in an object",
  symbol: "symbols have no JSON form",
  undefined: "z.undefined() has no JSON form; use .optional()",
  void: "z.void() has no JSON form; use .optional()",
  never: "z.never() cannot be expressed; remove the field",
  nan: "NaN has no JSON form",
  file: 'files have no JSON form; use a base64 string (format(z.string(), "byte"))',
  custom: `z.custom()/z.instanceof() cannot be expressed in a CRD schema; ${HINT_CEL}`,
  transform: "transforms cannot be expressed in a CRD schema: the server stores what it is sent; " +
    "transform after parsing instead",
  catch:
    ".catch() cannot be expressed in a CRD schema: the server rejects what Zod would replace; " +
    "use .default() for absent values",
  success: "z.success() cannot be expressed in a CRD schema",
  tuple: "tuples cannot be expressed in a structural schema (array items share one schema); " +
    "use an object with named fields or a z.array() of one type",
};

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  return "an object without Zod's _zod.def";
}

/** The refusal of a schema that refers to itself. */
export const RECURSIVE =
  "recursive schema: a structural schema cannot refer to itself; write out the " +
  "levels you need, or use preserveUnknownFields() below some depth";

/**
 * How deep the walk goes before it calls the schema endless: far deeper than any real CRD (a
 * Pod template nests about 20 levels), and far short of the JavaScript stack.
 */
const MAX_SCHEMA_DEPTH = 300;

/** Walks `schema` at `path`; throws {@link CrdSchemaError} at the first thing a CRD cannot say. */
export function walkZod(schema: unknown, path: string, st: WalkState): void {
  if (st.stack.has(schema)) throw new CrdSchemaError(path, RECURSIVE);
  if (st.stack.size >= MAX_SCHEMA_DEPTH) {
    // A z.lazy() whose getter builds a new schema on each call is never seen twice.
    throw new CrdSchemaError(
      path,
      `the schema nests more than ${MAX_SCHEMA_DEPTH} levels: a z.lazy() whose getter builds a ` +
        "new schema on each call recurses without end; " +
        RECURSIVE.replace("recursive schema: ", ""),
    );
  }
  const def = (schema as Partial<ZodInternals> | null | undefined)?._zod?.def;
  if (typeof def?.type !== "string") {
    throw new CrdSchemaError(
      path,
      `not a Zod 4 schema (got ${describeValue(schema)}); use z.* from "zod" 4`,
    );
  }
  const why = UNSUPPORTED[def.type];
  if (why) throw new CrdSchemaError(path, why);
  st.stack.add(schema);
  try {
    checkChecks(def, path, st);
    walkKind(def, path, st);
  } finally {
    st.stack.delete(schema);
  }
}

/** The kind-specific part of the walk: refusals of that kind, then its inner schemas. */
function walkKind(def: Def, path: string, st: WalkState): void {
  switch (def.type) {
    case "object":
      return walkObject(def, path, st);
    case "record":
      return walkRecord(def, path, st);
    case "array":
      return walkZod(def.element, `${path}[*]`, st);
    case "union":
      for (const o of def.options as unknown[]) walkZod(o, path, st);
      return;
    case "intersection":
      walkZod(def.left, path, st);
      return walkZod(def.right, path, st);
    case "default":
    case "prefault":
      checkZodDefault(def, path);
      return walkZod(def.innerType, path, st);
    case "optional":
    case "nullable":
    case "readonly":
    case "nonoptional":
      return walkZod(def.innerType, path, st);
    case "lazy":
      return walkLazy(def, path, st);
    case "pipe":
      return refusePipe(def, path);
    case "literal":
      return checkLiterals(def, path);
  }
}

function walkObject(def: Def, path: string, st: WalkState): void {
  const shape = def.shape as Record<string, unknown>;
  for (const key of Object.keys(shape)) walkZod(shape[key], joinPath(path, key), st);
  const catchall = def.catchall as unknown;
  if (catchall !== undefined) {
    const ct = defOf(catchall).type;
    if (ct !== "unknown" && ct !== "any" && ct !== "never") {
      throw new CrdSchemaError(
        path,
        ".catchall(schema) cannot be expressed: a structural object has either named fields or " +
          "map values of one schema; use z.record() for the extra fields in a field of their own",
      );
    }
  }
}

function walkRecord(def: Def, path: string, st: WalkState): void {
  const kd = defOf(def.keyType);
  if (kd.type !== "string" || (kd.checks as unknown[] | undefined)?.length || kd.format) {
    throw new CrdSchemaError(
      path,
      "z.record() keys must be plain z.string(): a structural schema cannot restrict map keys; " +
        'check the keys with celRules(..., "self.all(k, ...)")',
    );
  }
  walkZod(def.valueType, `${path}{*}`, st);
}

function walkLazy(def: Def, path: string, st: WalkState): void {
  // The same getter again (z.lazy(node) inside node()) is recursion even when it builds a
  // new schema each time.
  const getter = def.getter as () => unknown;
  if (st.stack.has(getter)) throw new CrdSchemaError(path, RECURSIVE);
  st.stack.add(getter);
  try {
    walkZod(getter(), path, st);
  } finally {
    st.stack.delete(getter);
  }
}

function refusePipe(def: Def, path: string): never {
  const out = defOf(def.out).type;
  if (out === "transform") throw new CrdSchemaError(path, UNSUPPORTED.transform);
  throw new CrdSchemaError(
    path,
    ".pipe() cannot be expressed in a CRD schema (the server sees only the input side); " +
      "validate the input directly",
  );
}

function checkLiterals(def: Def, path: string): void {
  for (const v of def.values as unknown[]) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw new CrdSchemaError(path, `the literal ${String(v)} has no JSON form`);
    }
  }
}
