/**
 * Zod -> structural OpenAPI v3 schema, and the helpers for what Zod has no word for
 * (int-or-string, quantities, embedded resources, list and map types, CEL rules, formats).
 *
 * The conversion runs in three steps: a walk over the Zod schema that refuses what a CRD
 * cannot express (with the field path), Zod's own `z.toJSONSchema` (OpenAPI 3.0, input side),
 * and a structural pass that rewrites its output into what the apiserver accepts.
 *
 * @module
 */

import { z } from "zod";
import type { JSONSchemaProps, ValidationRule } from "./types.ts";
import { toRe2 } from "./regex.ts";
import { re2, Re2SyntaxError } from "./_re2.ts";
import type { ZodLike, ZodSchema } from "./zod.ts";
import { QUANTITY_PATTERN } from "./quantity_pattern.ts";
import { applyDefaults, celIssues, structuralTypeIssues } from "./validate.ts";
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

// ---------------------------------------------------------------------------------------------
// Helpers

/** Adds entries to a schema's metadata, merging `x-kubernetes-validations` lists. */
function withMeta<T extends ZodLike>(schema: T, extra: Record<string, unknown>): T {
  const zs = schema as unknown as z.ZodType;
  const prev = (zs.meta() ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...prev, ...extra };
  const rules = extra["x-kubernetes-validations"];
  if (Array.isArray(rules) && Array.isArray(prev["x-kubernetes-validations"])) {
    merged["x-kubernetes-validations"] = [...prev["x-kubernetes-validations"], ...rules];
  }
  return zs.meta(merged) as unknown as T;
}

/**
 * An integer or a string (`x-kubernetes-int-or-string`), like a port name or number.
 *
 * @example
 * ```ts
 * import { intOrString } from "@kubeno/kube";
 * import { z } from "zod";
 * const Spec = z.object({ port: intOrString() }); // port: number | string
 * ```
 */
export function intOrString(): ZodSchema<number | string> {
  return z.union([z.int(), z.string()]).meta({
    "x-kubernetes-int-or-string": true,
  }) as ZodSchema<number | string>;
}

export { QUANTITY_PATTERN } from "./quantity_pattern.ts";

/**
 * A resource quantity such as `500m`, `1Gi` or `2`: an integer or a string in quantity syntax.
 *
 * @example
 * ```ts
 * import { quantity } from "@kubeno/kube";
 * import { z } from "zod";
 * const Spec = z.object({ memory: quantity() });
 * ```
 */
export function quantity(): ZodSchema<number | string> {
  return z.union([z.int(), z.string().regex(new RegExp(QUANTITY_PATTERN))]).meta({
    "x-kubernetes-int-or-string": true,
  }) as ZodSchema<number | string>;
}

/**
 * A whole Kubernetes object embedded in a field.
 *
 * @example
 * ```ts
 * import type { EmbeddedResource } from "@kubeno/kube";
 * const template: EmbeddedResource = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { a: "1" } };
 * ```
 */
export type EmbeddedResource = {
  apiVersion: string;
  kind: string;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
};

/**
 * A whole Kubernetes object embedded in a field (`x-kubernetes-embedded-resource`), such as a
 * Pod template: apiVersion and kind required, metadata validated by the server, other fields kept.
 *
 * @example
 * ```ts
 * import { embeddedResource } from "@kubeno/kube";
 * import { z } from "zod";
 * const Spec = z.object({ template: embeddedResource() });
 * ```
 */
export function embeddedResource(): ZodSchema<EmbeddedResource> {
  return z.looseObject({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.looseObject({}).optional(),
  }).meta({
    "x-kubernetes-embedded-resource": true,
    "x-kubernetes-preserve-unknown-fields": true,
  }) as unknown as ZodSchema<EmbeddedResource>;
}

/**
 * An object whose fields the schema does not describe; the server keeps them as they are
 * (`x-kubernetes-preserve-unknown-fields`).
 *
 * @example
 * ```ts
 * import { preserveUnknownFields } from "@kubeno/kube";
 * import { z } from "zod";
 * const Spec = z.object({ values: preserveUnknownFields() }); // values: Record<string, unknown>
 * ```
 */
export function preserveUnknownFields(): ZodSchema<Record<string, unknown>> {
  return z.record(z.string(), z.unknown()).meta({
    "x-kubernetes-preserve-unknown-fields": true,
  }) as ZodSchema<Record<string, unknown>>;
}

/**
 * How server-side apply merges a list (`x-kubernetes-list-type`): `atomic` (replaced whole),
 * `set` (unique scalars, merged), or `map` (objects merged by `keys`).
 *
 * @example
 * ```ts
 * import { listType } from "@kubeno/kube";
 * import { z } from "zod";
 * const Ports = listType(z.array(z.object({ name: z.string(), port: z.int() })), "map", ["name"]);
 * ```
 */
export function listType<T extends ZodLike>(
  schema: T,
  type: "atomic" | "set" | "map",
  keys?: readonly string[],
): T {
  if (type === "map" && (!keys || keys.length === 0)) {
    throw new TypeError('listType(..., "map", keys): a map list needs at least one key field');
  }
  return withMeta(schema, {
    "x-kubernetes-list-type": type,
    ...(type === "map" ? { "x-kubernetes-list-map-keys": [...keys!] } : {}),
  });
}

/**
 * How server-side apply merges an object or map (`x-kubernetes-map-type`).
 *
 * @example
 * ```ts
 * import { mapType } from "@kubeno/kube";
 * import { z } from "zod";
 * const Selector = mapType(z.record(z.string(), z.string()), "atomic");
 * ```
 */
export function mapType<T extends ZodLike>(schema: T, type: "atomic" | "granular"): T {
  return withMeta(schema, { "x-kubernetes-map-type": type });
}

/**
 * Attaches CEL validation rules (`x-kubernetes-validations`) to any node. The apiserver
 * enforces them, and so does `Foo.parse` (see {@link customResource}). A string is a rule
 * with the default message.
 *
 * @example
 * ```ts
 * import { celRules } from "@kubeno/kube";
 * import { z } from "zod";
 * const Spec = celRules(
 *   z.object({ min: z.int(), max: z.int() }),
 *   { rule: "self.min <= self.max", message: "min must not exceed max" },
 * );
 * ```
 */
export function celRules<T extends ZodLike>(
  schema: T,
  ...rules: readonly (string | ValidationRule)[]
): T {
  return withMeta(schema, {
    "x-kubernetes-validations": rules.map((r) => typeof r === "string" ? { rule: r } : { ...r }),
  });
}

/**
 * Sets the OpenAPI `format` of a node (`int32`, `int64`, `date-time`, `duration`, `byte`, ...).
 * The server validates the known formats; CEL sees `date-time` as a timestamp and `duration`
 * as a duration.
 *
 * @example
 * ```ts
 * import { format } from "@kubeno/kube";
 * import { z } from "zod";
 * const Spec = z.object({ timeout: format(z.string(), "duration") });
 * ```
 */
export function format<T extends ZodLike>(schema: T, fmt: string): T {
  return withMeta(schema, { format: fmt });
}

// ---------------------------------------------------------------------------------------------
// Step 1: the walk over Zod

interface ZodInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}

function defOf(s: unknown): Record<string, unknown> & { type: string } {
  return (s as ZodInternals)._zod.def;
}

const HINT_CEL = "express the condition as a CEL rule with celRules() instead";

interface WalkState {
  /** Schemas (and z.lazy getters) on the path from the root: seeing one again is recursion. */
  stack: Set<unknown>;
  /** RegExp source -> RE2 pattern, for sources whose flags change their meaning. */
  patterns: Map<string, string>;
}

function joinPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * `source` (with `flags`) as the RE2 pattern the CRD carries, refused as the apiserver refuses
 * it: constructs whose meaning RE2 lacks or changes are named, and a pattern Go's regexp cannot
 * compile gets the apiserver's own words ("must be a valid regular expression, but isn't: ...").
 */
function re2Pattern(source: string, flags: string, path: string): string {
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

const UNSUPPORTED: Record<string, string> = {
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

const RECURSIVE = "recursive schema: a structural schema cannot refer to itself; write out the " +
  "levels you need, or use preserveUnknownFields() below some depth";

/**
 * How deep the walk goes before it calls the schema endless: far deeper than any real CRD (a
 * Pod template nests about 20 levels), and far short of the JavaScript stack.
 */
const MAX_SCHEMA_DEPTH = 300;

function walkZod(schema: unknown, path: string, st: WalkState): void {
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
    switch (def.type) {
      case "object": {
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
        break;
      }
      case "record": {
        const kd = defOf(def.keyType);
        if (kd.type !== "string" || (kd.checks as unknown[] | undefined)?.length || kd.format) {
          throw new CrdSchemaError(
            path,
            "z.record() keys must be plain z.string(): a structural schema cannot restrict map keys; " +
              'check the keys with celRules(..., "self.all(k, ...)")',
          );
        }
        walkZod(def.valueType, `${path}{*}`, st);
        break;
      }
      case "array":
        walkZod(def.element, `${path}[*]`, st);
        break;
      case "union":
        for (const o of def.options as unknown[]) walkZod(o, path, st);
        break;
      case "intersection":
        walkZod(def.left, path, st);
        walkZod(def.right, path, st);
        break;
      case "default":
      case "prefault":
        checkZodDefault(def, path);
        walkZod(def.innerType, path, st);
        break;
      case "optional":
      case "nullable":
      case "readonly":
      case "nonoptional":
        walkZod(def.innerType, path, st);
        break;
      case "lazy": {
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
        break;
      }
      case "pipe": {
        const out = defOf(def.out).type;
        if (out === "transform") throw new CrdSchemaError(path, UNSUPPORTED.transform);
        throw new CrdSchemaError(
          path,
          ".pipe() cannot be expressed in a CRD schema (the server sees only the input side); " +
            "validate the input directly",
        );
      }
      case "literal":
        for (const v of def.values as unknown[]) {
          if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
            throw new CrdSchemaError(path, `the literal ${String(v)} has no JSON form`);
          }
        }
        break;
      default:
        break;
    }
  } finally {
    st.stack.delete(schema);
  }
}

/**
 * The apiserver rejects a CRD whose default does not validate against its own field (after
 * the defaults inside it are applied); Zod's `.default()` never checks its value. This is the
 * Zod half of that check (bounds, patterns, lengths, required fields); {@link checkDefaults}
 * does the rest on the converted schema.
 */
function checkZodDefault(def: Record<string, unknown>, path: string): void {
  const value = def.defaultValue;
  if (value === undefined || value === null) return;
  const r = z.safeParse(def.innerType as z.ZodType, structuredClone(value));
  if (!r.success) {
    const why = r.error.issues.map((i) =>
      (i.path.length ? i.path.join(".") + ": " : "") + i.message
    ).join("; ");
    throw new CrdSchemaError(path, defaultMessage(value, why));
  }
}

function defaultMessage(value: unknown, why: string): string {
  return `the default ${JSON.stringify(value)} is invalid (${why}); the apiserver rejects a CRD ` +
    "whose default does not validate against its own field: fix the default or the field's checks";
}

/** Names of fields a default holds that its schema does not know (the server rejects them). */
function unknownFields(s: JSONSchemaProps, v: unknown, path: string): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => out.push(...unknownFields(s.items!, x, `${path}[${i}]`)));
  } else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      const c = s.properties?.[k] ??
        (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
      const p = path ? `${path}.${k}` : k;
      if (c) out.push(...unknownFields(c, x, p));
      else if (
        s["x-kubernetes-preserve-unknown-fields"] !== true &&
        !(s["x-kubernetes-embedded-resource"] === true &&
          (k === "apiVersion" || k === "kind" || k === "metadata"))
      ) out.push(p);
    }
  }
  return out;
}

/**
 * The schema half of the server's default check: every `default` in the converted schema,
 * with the defaults inside it applied, must have no unknown fields, the right types and
 * formats, and pass the CEL rules of its node and below.
 */
function checkDefaults(s: JSONSchemaProps, path: string): void {
  if (s.default !== undefined && s.default !== null) {
    const v = applyDefaults(s, structuredClone(s.default));
    const unknown = unknownFields(s, v, "");
    if (unknown.length) {
      throw new CrdSchemaError(
        path,
        defaultMessage(s.default, `unknown fields: ${unknown.join(", ")}`),
      );
    }
    const issues = [
      ...structuralTypeIssues(s, v),
      ...celIssues(s, v).filter((i) => i.source === "cel"),
    ];
    if (issues.length) {
      const why = issues.map((i) => (i.path ? `${i.path}: ` : "") + i.message).join("; ");
      throw new CrdSchemaError(path, defaultMessage(s.default, why));
    }
  }
  for (const [k, c] of Object.entries(s.properties ?? {})) checkDefaults(c, joinPath(path, k));
  if (typeof s.additionalProperties === "object") {
    checkDefaults(s.additionalProperties, `${path}{*}`);
  }
  if (s.items) checkDefaults(s.items, `${path}[*]`);
}

// ---------------------------------------------------------------------------------------------
// Step 3: the structural pass over z.toJSONSchema's output

type JS = Record<string, unknown>;

/** Value validations: allowed inside junctors (anyOf/oneOf/allOf/not). */
const VALIDATION_KEYS = new Set([
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "required",
  "format",
]);
/** Keys describing the shape; forbidden inside junctors. */
const SHAPE_KEYS = new Set([
  "type",
  "nullable",
  "description",
  "title",
  "default",
  "example",
  "externalDocs",
  "properties",
  "items",
  "additionalProperties",
]);
/** Annotations Zod may emit that a CRD has no field for; dropped. */
const DROPPED_KEYS = new Set([
  "$schema",
  "$id",
  "id",
  "$comment",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "contentEncoding",
  "contentMediaType",
  "definitions",
  "$defs",
]);
/** Formats the apiserver knows (k8s.io/kube-openapi strfmt and apiextensions). */
const KNOWN_FORMATS = new Set([
  "int32",
  "int64",
  "float",
  "double",
  "byte",
  "binary",
  "date",
  "date-time",
  "datetime",
  "duration",
  "password",
  "bsonobjectid",
  "uri",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "cidr",
  "mac",
  "uuid",
  "uuid3",
  "uuid4",
  "uuid5",
  "isbn",
  "isbn10",
  "isbn13",
  "creditcard",
  "ssn",
  "hexcolor",
  "rgbcolor",
]);
/** Zod's bounds of `z.int()`; carried, they only restate JSON's safe-integer range. */
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

interface PassState {
  defs: Record<string, JS>;
  refs: string[];
  patterns: Map<string, string>;
}

function isNullBranch(b: JS): boolean {
  return b.type === "null" ||
    (Array.isArray(b.enum) && b.enum.length === 1 && b.enum[0] === null);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function convert(node: JS, path: string, st: PassState): JSONSchemaProps {
  if (typeof node.$ref === "string") {
    const ref = node.$ref;
    const name = ref.replace(/^#\/(definitions|\$defs)\//, "");
    if (ref === "#" || st.refs.includes(ref) || !(name in st.defs)) {
      throw new CrdSchemaError(
        path,
        "recursive schema: a structural schema cannot refer to itself; write out the levels you " +
          "need, or use preserveUnknownFields() below some depth",
      );
    }
    const { $ref: _, ...rest } = node;
    st.refs.push(ref);
    try {
      return convert({ ...st.defs[name], ...rest }, path, st);
    } finally {
      st.refs.pop();
    }
  }
  const out: JSONSchemaProps & Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (DROPPED_KEYS.has(k)) continue;
    if (k.startsWith("x-kubernetes-")) {
      out[k] = v;
      continue;
    }
    if (VALIDATION_KEYS.has(k) || SHAPE_KEYS.has(k)) {
      out[k] = v;
      continue;
    }
    if (k === "anyOf" || k === "oneOf" || k === "allOf") continue;
    if (k === "const") {
      out.enum = [v];
      continue;
    }
    throw new CrdSchemaError(
      path,
      `the JSON Schema keyword "${k}" has no place in a structural CRD schema; ` +
        "remove the Zod feature that produces it",
    );
  }
  delete out.properties;
  delete out.items;
  delete out.additionalProperties;

  if (
    out.type === "null" ||
    (Array.isArray(out.enum) && out.enum.length === 1 && out.enum[0] === null && !node.anyOf)
  ) {
    throw new CrdSchemaError(
      path,
      "a field that can only be null cannot be expressed; use .nullable() on a typed field",
    );
  }

  // Junctors first: they decide the node's type.
  if (node["x-kubernetes-int-or-string"] === true) {
    Object.assign(out, intOrStringNode(node, path, st));
  } else if (Array.isArray(node.anyOf) || Array.isArray(node.oneOf)) {
    const kind = Array.isArray(node.anyOf) ? "anyOf" : "oneOf";
    const merged = reduceUnion(node[kind] as JS[], kind, path, st);
    for (const [k, v] of Object.entries(merged)) {
      if (k in out && k !== "nullable") {
        if (!deepEqual(out[k], v)) {
          if (k === "description" || k === "default") continue; // the outer one wins
          throw new CrdSchemaError(path, `union conflicts with its own "${k}"`);
        }
      }
      out[k] = v;
    }
  }
  if (Array.isArray(node.allOf)) {
    const parts = (node.allOf as JS[]).map((b) => convert(b, path, st));
    let skeleton: JSONSchemaProps = shapeOf(out);
    const rest: JSONSchemaProps[] = [];
    for (const p of parts) {
      skeleton = mergeShape(skeleton, shapeOf(p), path);
      const v = validationsOf(p, path);
      if (Object.keys(v).length) rest.push(v);
    }
    Object.assign(out, skeleton);
    if (rest.length === 1 && !Object.keys(rest[0]).some((k) => k in out)) {
      Object.assign(out, rest[0]);
    } else if (rest.length) out.allOf = [...(out.allOf ?? []), ...rest];
  }

  // Children.
  if (node.properties !== undefined || node.additionalProperties !== undefined) {
    if (out.type === undefined) out.type = "object";
  }
  if (node.properties !== undefined) {
    const props: Record<string, JSONSchemaProps> = {};
    for (const [k, v] of Object.entries(node.properties as Record<string, JS>)) {
      props[k] = convert(v, joinPath(path, k), st);
    }
    out.properties = props;
  }
  if (node.additionalProperties !== undefined) {
    const ap = node.additionalProperties;
    if (node.properties !== undefined) {
      if (ap === false) {
        // z.strictObject: the server prunes (or, with fieldValidation=Strict, rejects) unknown fields.
      } else if (typeof ap === "object" && ap !== null && Object.keys(ap).length === 0) {
        out["x-kubernetes-preserve-unknown-fields"] = true; // z.looseObject
      } else if (ap !== true) {
        throw new CrdSchemaError(
          path,
          "an object cannot have both named fields and typed extra fields; put the map in a field of its own",
        );
      } else {
        out["x-kubernetes-preserve-unknown-fields"] = true;
      }
    } else if (
      ap === true || (typeof ap === "object" && ap !== null && Object.keys(ap).length === 0)
    ) {
      out["x-kubernetes-preserve-unknown-fields"] = true;
    } else if (ap === false) {
      out.properties = {};
    } else if (out["x-kubernetes-preserve-unknown-fields"] !== true) {
      out.additionalProperties = convert(ap as JS, `${path}{*}`, st);
    }
  }
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) throw new CrdSchemaError(path, UNSUPPORTED.tuple);
    out.items = convert(node.items as JS, `${path}[*]`, st);
  }
  if (out.type === "array" && out.items === undefined) {
    throw new CrdSchemaError(path, "an array needs an item schema");
  }
  delete (out as JS).uniqueItems;

  // Untyped nodes: only int-or-string and preserve-unknown-fields may be.
  if (out.type === undefined) {
    if (Array.isArray(out.enum)) {
      const types = new Set(out.enum.map((e) => e === null ? "null" : typeof e));
      types.delete("null");
      if (types.size === 1) {
        const t = [...types][0];
        out.type = t === "number"
          ? (out.enum.every((e) => e === null || Number.isInteger(e)) ? "integer" : "number")
          : t;
        if (out.enum.includes(null)) out.nullable = true;
      } else {
        throw new CrdSchemaError(
          path,
          "literals of different types cannot share a field; use literals of one type",
        );
      }
    } else if (
      out["x-kubernetes-int-or-string"] !== true &&
      out["x-kubernetes-preserve-unknown-fields"] !== true
    ) {
      if (Object.keys(out).every((k) => k === "description" || k === "default" || k === "title")) {
        out["x-kubernetes-preserve-unknown-fields"] = true; // z.unknown() / z.any()
      } else {
        throw new CrdSchemaError(path, "this schema has no single type; give the field one type");
      }
    }
  }
  if (
    out["x-kubernetes-preserve-unknown-fields"] === true && out.type !== undefined &&
    out.type !== "object"
  ) {
    throw new CrdSchemaError(path, "preserve-unknown-fields applies to objects only");
  }

  if (typeof out.format === "string" && !KNOWN_FORMATS.has(out.format)) delete out.format;
  if (typeof out.pattern === "string") out.pattern = fixPattern(out.pattern, path, st);
  if (out.type === "integer" && out.minimum === -SAFE_MAX && out.maximum === SAFE_MAX) {
    // Zod's implicit safe-integer bounds on z.int(): carried, they are true of every JS number.
  }
  if (out.nullable !== true) delete out.nullable;
  if (out.nullable === true && Array.isArray(out.enum)) {
    throw new CrdSchemaError(
      path,
      "a nullable enum or literal: the apiserver rejects null for enum fields even with nullable: true " +
        "(measured on v1.37); use .optional() instead (the server prunes a null it is sent)",
    );
  }
  if (typeof out.multipleOf === "number" && !Number.isInteger(out.multipleOf)) {
    throw new CrdSchemaError(
      path,
      `multipleOf ${out.multipleOf} is not an integer: the apiserver checks integral values against ` +
        "the factor truncated to an integer (2 with multipleOf 0.5 is rejected); use an integer " +
        "factor, or scale the field (store tenths as an integer)",
    );
  }
  if (
    out["x-kubernetes-preserve-unknown-fields"] === true && out.properties &&
    Object.keys(out.properties).length === 0
  ) delete out.properties;
  checkListType(out, path);
  checkRules(out, path);
  return ordered(out);
}

/** The order keys are written in, so that the YAML reads top-down: what it is, then its parts. */
const KEY_ORDER = [
  "type",
  "description",
  "title",
  "format",
  "nullable",
  "default",
  "example",
  "enum",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "x-kubernetes-validations",
];

function ordered<T extends object>(n: T): T {
  const rank = (k: string) => {
    const i = KEY_ORDER.indexOf(k);
    return i < 0 ? KEY_ORDER.length : i;
  };
  return Object.fromEntries(
    Object.entries(n).sort(([a], [b]) => rank(a) - rank(b)),
  ) as T;
}

function fixPattern(p: string, path: string, st: PassState): string {
  const mapped = st.patterns.get(p);
  if (mapped !== undefined) return mapped;
  return re2Pattern(p, "", path);
}

function checkListType(out: JSONSchemaProps, path: string): void {
  const lt = out["x-kubernetes-list-type"];
  if (lt === undefined) return;
  if (out.type !== "array") throw new CrdSchemaError(path, "listType() applies to arrays only");
  const items = out.items!;
  if (lt === "set" && items.type === "object") {
    throw new CrdSchemaError(
      path,
      'a "set" list holds scalars; use "map" with key fields for objects',
    );
  }
  if (lt === "map") {
    if (items.type !== "object" || !items.properties) {
      throw new CrdSchemaError(path, 'a "map" list holds objects with named fields');
    }
    for (const key of out["x-kubernetes-list-map-keys"] ?? []) {
      const p = items.properties[key];
      if (!p) throw new CrdSchemaError(path, `list map key "${key}" is not a field of the items`);
      if (p.type === "object" || p.type === "array") {
        throw new CrdSchemaError(path, `list map key "${key}" must be a scalar field`);
      }
      if (!(items.required ?? []).includes(key) && p.default === undefined) {
        throw new CrdSchemaError(
          path,
          `list map key "${key}" must be required or have a default in the items`,
        );
      }
    }
  }
}

function checkRules(out: JSONSchemaProps, path: string): void {
  const rules = out["x-kubernetes-validations"];
  if (rules === undefined) return;
  if (!Array.isArray(rules) || rules.some((r) => typeof r?.rule !== "string" || r.rule === "")) {
    throw new CrdSchemaError(path, "x-kubernetes-validations must be a list of { rule, message? }");
  }
}

/** The int-or-string node exactly as the apiserver wants it, keeping string/number checks. */
function intOrStringNode(node: JS, path: string, st: PassState): JSONSchemaProps {
  const out: JSONSchemaProps = {
    "x-kubernetes-int-or-string": true,
    anyOf: [{ type: "integer" }, { type: "string" }],
  };
  const branches = (node.anyOf ?? node.oneOf ?? []) as JS[];
  for (const b of branches) {
    for (const [k, v] of Object.entries(b)) {
      if (k === "type" || k === "description") continue;
      if (
        b.type === "integer" && (k === "minimum" || k === "maximum") &&
        Math.abs(v as number) === SAFE_MAX
      ) {
        continue;
      }
      if (k === "pattern") {
        out.pattern = fixPattern(v as string, path, st);
        continue;
      }
      if (VALIDATION_KEYS.has(k) && k !== "enum" && k !== "format") {
        (out as JS)[k] = v;
        continue;
      }
      throw new CrdSchemaError(path, `int-or-string cannot carry "${k}" on one of its sides`);
    }
  }
  return out;
}

/** The shape part of a converted node: type, properties, items, annotations, extensions. */
function shapeOf(n: JSONSchemaProps): JSONSchemaProps {
  const out: JSONSchemaProps & JS = {};
  for (const [k, v] of Object.entries(n)) {
    if (k === "properties") {
      const p: Record<string, JSONSchemaProps> = {};
      for (const [pk, pv] of Object.entries(v as Record<string, JSONSchemaProps>)) {
        p[pk] = shapeOf(pv);
      }
      out.properties = p;
    } else if (k === "items") out.items = shapeOf(v as JSONSchemaProps);
    else if (k === "additionalProperties" && typeof v === "object") {
      out.additionalProperties = shapeOf(v as JSONSchemaProps);
    } else if (SHAPE_KEYS.has(k) || k.startsWith("x-kubernetes-")) out[k] = v;
  }
  return out;
}

/** The validation part of a converted node, fit for a junctor. */
function validationsOf(n: JSONSchemaProps, path: string): JSONSchemaProps {
  const out: JSONSchemaProps & JS = {};
  for (const [k, v] of Object.entries(n)) {
    if (k === "properties") {
      const p: Record<string, JSONSchemaProps> = {};
      for (const [pk, pv] of Object.entries(v as Record<string, JSONSchemaProps>)) {
        const pvv = validationsOf(pv, joinPath(path, pk));
        if (Object.keys(pvv).length) p[pk] = pvv;
      }
      if (Object.keys(p).length) out.properties = p;
    } else if (k === "items") {
      const iv = validationsOf(v as JSONSchemaProps, `${path}[*]`);
      if (Object.keys(iv).length) out.items = iv;
    } else if (k === "additionalProperties" && typeof v === "object") {
      const av = validationsOf(v as JSONSchemaProps, `${path}{*}`);
      if (Object.keys(av).length) {
        throw new CrdSchemaError(
          path,
          "a union variant cannot constrain map values differently from the others; " +
            "give every variant the same map schema",
        );
      }
    } else if (k === "x-kubernetes-validations") {
      throw new CrdSchemaError(
        path,
        "CEL rules inside one union variant cannot be expressed (junctors take no extensions); " +
          "put the rule on the union itself, e.g. `!has(self.a) || ...`",
      );
    } else if (
      VALIDATION_KEYS.has(k) || k === "anyOf" || k === "oneOf" || k === "allOf" || k === "not"
    ) {
      out[k] = v;
    }
  }
  return out;
}

function mergeShape(a: JSONSchemaProps, b: JSONSchemaProps, path: string): JSONSchemaProps {
  if (a.type !== undefined && b.type !== undefined && a.type !== b.type) {
    throw new CrdSchemaError(
      path,
      `the union mixes ${a.type} and ${b.type}; a structural schema gives each field one type ` +
        "(use intOrString() for integer | string, or preserveUnknownFields())",
    );
  }
  const out: JSONSchemaProps & JS = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (cur === undefined) {
      out[k] = v;
    } else if (k === "properties") {
      const p = { ...(cur as Record<string, JSONSchemaProps>) };
      for (const [pk, pv] of Object.entries(v as Record<string, JSONSchemaProps>)) {
        p[pk] = p[pk] ? mergeShape(p[pk], pv, joinPath(path, pk)) : pv;
      }
      out.properties = p;
    } else if (k === "items") {
      out.items = mergeShape(cur as JSONSchemaProps, v as JSONSchemaProps, `${path}[*]`);
    } else if (k === "additionalProperties" && typeof cur === "object" && typeof v === "object") {
      out.additionalProperties = mergeShape(
        cur as JSONSchemaProps,
        v as JSONSchemaProps,
        `${path}{*}`,
      );
    } else if (k === "nullable") {
      out.nullable = Boolean(cur) || Boolean(v);
    } else if (k === "description" || k === "title") {
      // keep the first
    } else if (!deepEqual(cur, v)) {
      throw new CrdSchemaError(
        path,
        `union variants disagree on "${k}" (${JSON.stringify(cur)} vs ${JSON.stringify(v)}); ` +
          "a structural schema has one shape per field",
      );
    }
  }
  return out;
}

function reduceUnion(
  raw: JS[],
  kind: "anyOf" | "oneOf",
  path: string,
  st: PassState,
): JSONSchemaProps {
  const nullable = raw.some(isNullBranch);
  const branches = raw.filter((b) => !isNullBranch(b)).map((b) => convert(b, path, st));
  if (branches.length === 0) {
    throw new CrdSchemaError(path, "a field that can only be null cannot be expressed");
  }
  const withNull = (n: JSONSchemaProps): JSONSchemaProps => nullable ? { ...n, nullable: true } : n;
  if (branches.length === 1) return withNull(branches[0]);

  // Literals of one type: one enum.
  const pureEnum = branches.every((b) =>
    Array.isArray(b.enum) &&
    Object.keys(b).every((k) => k === "type" || k === "enum" || k === "description")
  );
  const types = new Set(branches.map((b) => b.type));
  if (pureEnum && types.size === 1) {
    const values: unknown[] = [];
    for (const b of branches) {
      for (const e of b.enum!) if (!values.some((x) => deepEqual(x, e))) values.push(e);
    }
    return withNull({ type: branches[0].type, enum: values });
  }
  if (types.size === 2 && types.has("integer") && types.has("string") && branches.length === 2) {
    return withNull(intOrStringNode({ anyOf: branches as JS[] }, path, st));
  }
  if (types.size === 2 && types.has("integer") && types.has("number")) {
    throw new CrdSchemaError(path, "a union of integer and number: use z.number() alone");
  }

  let shape: JSONSchemaProps = {};
  for (const b of branches) shape = mergeShape(shape, shapeOf(b), path);
  const variants = branches.map((b) => validationsOf(b, path));
  hoistCommon(shape as JSONSchemaProps & JS, variants as (JSONSchemaProps & JS)[]);
  const trivial = kind === "anyOf"
    ? variants.some((v) => Object.keys(v).length === 0)
    : variants.every((v) => Object.keys(v).length === 0);
  const out: JSONSchemaProps = { ...shape };
  if (!trivial) out[kind] = variants;
  return ordered(withNull(out));
}

/** Moves validations every variant shares to the outer node (keeps the junctor small). */
function hoistCommon(outer: JSONSchemaProps & JS, variants: (JSONSchemaProps & JS)[]): void {
  const first = variants[0];
  for (const k of Object.keys(first)) {
    if (k === "properties" || k === "anyOf" || k === "oneOf" || k === "allOf" || k === "not") {
      continue;
    }
    if (k === "required") {
      const common = (first.required ?? []).filter((r) =>
        variants.every((v) => (v.required ?? []).includes(r))
      );
      if (common.length) {
        outer.required = [...new Set([...(outer.required ?? []), ...common])];
        for (const v of variants) {
          v.required = v.required!.filter((r) => !common.includes(r));
          if (v.required.length === 0) delete v.required;
        }
      }
      continue;
    }
    if (variants.every((v) => deepEqual(v[k], first[k])) && outer[k] === undefined) {
      outer[k] = first[k];
      for (const v of variants) delete v[k];
    }
  }
}

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
