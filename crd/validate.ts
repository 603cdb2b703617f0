/**
 * Local validation of custom resources as the apiserver validates them: null pruning,
 * defaulting from the structural schema, the structural type check, and the CEL rules
 * (`x-kubernetes-validations`), evaluated with `@bufbuild/cel` plus the Kubernetes CEL
 * libraries kubeno implements (lists, regex, quantity checks, a part of url and ip).
 *
 * @module
 */

import {
  type CelEnv,
  celEnv,
  celFunc,
  type CelInput,
  celMethod,
  CelScalar,
  type CelValue,
  isCelError,
  isCelList,
  listType,
  parse as celParse,
  plan as celPlan,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import type { JSONSchemaProps, ValidationRule } from "./types.ts";
import { QUANTITY_PATTERN } from "./quantity_pattern.ts";
import { re2FindAll } from "./_re2.ts";

/**
 * One problem found in an object: where, what, and whether it came from a CEL rule.
 *
 * @example
 * ```ts
 * import type { ValidationIssue } from "@kubeno/kube";
 * const i: ValidationIssue = { path: "spec.size", message: "must be at least 1", source: "schema" };
 * ```
 */
export interface ValidationIssue {
  /** Dotted path of the field, `spec.items[2].name`; empty for the root. */
  path: string;
  /** What is wrong. */
  message: string;
  /** `schema` (Zod / structural type), `cel` (a rule failed), `unevaluated` (a rule kubeno cannot run). */
  source: "schema" | "cel" | "unevaluated";
  /** The CEL rule, for `cel` and `unevaluated`. */
  rule?: string;
  /** The rule's reason, as the server would report it. */
  reason?: string;
}

/**
 * Any JSON value (what a decoded object holds).
 *
 * @example
 * ```ts
 * import { type Json, pruneNulls } from "@kubeno/kube";
 * const value: Json = JSON.parse('{"a":null}');
 * pruneNulls({ type: "object", properties: { a: { type: "string" } } }, value); // {}
 * ```
 */
export type Json = unknown;
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * Removes `null` from fields whose schema is not nullable, as the apiserver does before
 * defaulting (it then applies the field's default, if any). Mutates and returns `value`.
 *
 * @example
 * ```ts
 * import { pruneNulls } from "@kubeno/kube";
 * pruneNulls({ type: "object", properties: { a: { type: "string" } } }, { a: null }); // {}
 * ```
 */
export function pruneNulls(schema: JSONSchemaProps, value: Json): Json {
  if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      const s = schema.properties?.[k] ??
        (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      if (!s) continue;
      if (v === null && s.nullable !== true) {
        // Keys of preserve-unknown maps without a schema are kept as sent.
        delete value[k];
      } else pruneNulls(s, v);
    }
  } else if (Array.isArray(value) && schema.items) {
    for (const v of value) pruneNulls(schema.items, v);
  }
  return value;
}

/**
 * Fills in defaults from a structural schema the way the apiserver does: an absent field
 * with a `default` gets a copy of it, then defaulting continues inside it.
 * Mutates and returns `value`.
 *
 * @example
 * ```ts
 * import { applyDefaults } from "@kubeno/kube";
 * applyDefaults({ type: "object", properties: { a: { type: "string", default: "x" } } }, {}); // { a: "x" }
 * ```
 */
export function applyDefaults(schema: JSONSchemaProps, value: Json): Json {
  if (isObj(value)) {
    if (schema.properties) {
      for (const [k, s] of Object.entries(schema.properties)) {
        if (value[k] === undefined && s.default !== undefined) {
          value[k] = structuredClone(s.default);
        }
      }
      for (const [k, v] of Object.entries(value)) {
        const s = schema.properties[k];
        if (s) applyDefaults(s, v);
      }
    } else if (typeof schema.additionalProperties === "object") {
      for (const v of Object.values(value)) applyDefaults(schema.additionalProperties, v);
    }
  } else if (Array.isArray(value) && schema.items) {
    for (const v of value) applyDefaults(schema.items, v);
  }
  return value;
}

const DURATION_UNITS = "ns|us|µs|ms|s|m|h|d|w|" +
  "nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|sec|min|hr";
/**
 * Local checks of the string formats the apiserver validates (kube-openapi's strfmt),
 * approximated by patterns; formats not listed are not checked locally.
 */
const FORMAT_CHECKS: Record<string, (s: string) => boolean> = {
  "date-time": (s) =>
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) &&
    !Number.isNaN(Date.parse(s.replace(" ", "T"))),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  duration: (s) =>
    /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/.test(s) || s === "0" ||
    new RegExp(`^(\\d+\\s*(${DURATION_UNITS})\\s*)+$`).test(s),
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s),
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  mac: (s) => /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(s),
  hostname: (s) =>
    s.length <= 255 &&
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?$/i.test(s),
};
FORMAT_CHECKS.datetime = FORMAT_CHECKS["date-time"];
FORMAT_CHECKS.uuid3 = FORMAT_CHECKS.uuid4 = FORMAT_CHECKS.uuid5 = FORMAT_CHECKS.uuid;

function typeOk(schema: JSONSchemaProps, v: Json): boolean {
  if (v === null) return schema.nullable === true;
  if (schema["x-kubernetes-int-or-string"]) return typeof v === "string" || Number.isInteger(v);
  switch (schema.type) {
    case undefined:
      return true;
    case "object":
      return isObj(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

/**
 * Checks that every value has the type its structural schema node says, the part of the
 * server's validation a Zod union can miss (a field of another variant with a wrong type).
 *
 * @example
 * ```ts
 * import { structuralTypeIssues } from "@kubeno/kube";
 * structuralTypeIssues({ type: "object", properties: { a: { type: "string" } } }, { a: 1 }).length; // 1
 * ```
 */
export function structuralTypeIssues(
  schema: JSONSchemaProps,
  value: Json,
  path = "",
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const visit = (s: JSONSchemaProps, v: Json, p: string) => {
    if (!typeOk(s, v)) {
      out.push({ path: p, message: `expected ${s.type ?? "int-or-string"}`, source: "schema" });
      return;
    }
    const check = typeof v === "string" && s.format ? FORMAT_CHECKS[s.format] : undefined;
    if (check && !check(v as string)) {
      out.push({ path: p, message: `must be a valid ${s.format}`, source: "schema" });
    }
    if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        const c = s.properties?.[k] ??
          (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
        if (c) visit(c, x, child(p, k));
      }
    } else if (Array.isArray(v) && s.items) {
      duplicates(s, v, p, out);
      v.forEach((x, i) => visit(s.items!, x, `${p}[${i}]`));
    }
  };
  visit(schema, value, path);
  return out;
}

/** `set` lists hold unique values, `map` lists unique key tuples: the server rejects duplicates. */
function duplicates(s: JSONSchemaProps, v: Json[], p: string, out: ValidationIssue[]): void {
  const lt = s["x-kubernetes-list-type"];
  if (lt !== "set" && lt !== "map") return;
  const keys = s["x-kubernetes-list-map-keys"] ?? [];
  const seen = new Set<string>();
  v.forEach((x, i) => {
    const id = lt === "set"
      ? JSON.stringify(x)
      : JSON.stringify(keys.map((k) => isObj(x) ? x[k] : undefined));
    if (seen.has(id)) {
      out.push({ path: `${p}[${i}]`, message: `Duplicate value: ${id}`, source: "schema" });
    }
    seen.add(id);
  });
}

// ---------------------------------------------------------------------------------------------
// CEL

/** Marker for values that CEL must see as int (every JSON integer in an integer field). */
function toCel(v: Json, s: JSONSchemaProps | undefined): CelInput {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    const asInt = s?.type === "integer" || s?.["x-kubernetes-int-or-string"] === true ||
      (s?.type === undefined && Number.isInteger(v));
    return asInt && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, s?.items));
  if (isObj(v)) {
    const out: Record<string, CelInput> = {};
    for (const [k, x] of Object.entries(v)) {
      const c = s?.properties?.[k] ??
        (typeof s?.additionalProperties === "object" ? s.additionalProperties : undefined);
      out[k] = toCel(x, c);
    }
    return out;
  }
  return null;
}

function fromCel(v: CelValue): unknown {
  if (typeof v === "bigint") return Number(v);
  if (isCelList(v)) return [...v].map(fromCel);
  return v;
}

function compareCel(a: CelValue, b: CelValue): number {
  if (
    (typeof a === "bigint" || typeof a === "number") &&
    (typeof b === "bigint" || typeof b === "number")
  ) {
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  throw new Error("no matching overload: values are not comparable");
}

const LIST = listType(CelScalar.DYN);
const { STRING, BOOL, DYN, INT } = CelScalar;

function listMin(this: Iterable<CelValue>, pick: (c: number) => boolean): CelValue {
  let best: CelValue | undefined;
  for (const v of this) if (best === undefined || pick(compareCel(v, best))) best = v;
  if (best === undefined) throw new Error("min/max of an empty list");
  return best;
}

function parseUrl(s: string): URL {
  // Kubernetes' url() accepts absolute URIs and absolute paths.
  return new URL(s, s.startsWith("/") ? "http://path.invalid" : undefined);
}

const quantityRe = new RegExp(QUANTITY_PATTERN);
const isQuantity = (s: string): boolean => quantityRe.test(s);

/**
 * The Kubernetes CEL library functions kubeno evaluates locally, beyond the standard library
 * and the strings extension. Rules that call anything else are reported as unevaluated.
 */
const KUBE_FUNCS = [
  // lists library
  celMethod("isSorted", LIST, [], BOOL, function () {
    const a = [...this];
    for (let i = 1; i < a.length; i++) if (compareCel(a[i - 1], a[i]) > 0) return false;
    return true;
  }),
  celMethod("sum", LIST, [], DYN, function () {
    let int = 0n;
    let dbl = 0;
    let isDouble = false;
    for (const v of this) {
      if (typeof v === "bigint") int += v;
      else if (typeof v === "number") {
        dbl += v;
        isDouble = true;
      } else throw new Error("no matching overload: sum() of non-numbers");
    }
    return isDouble ? dbl + Number(int) : int;
  }),
  celMethod("min", LIST, [], DYN, function () {
    return listMin.call(this, (c) => c < 0) as CelInput;
  }),
  celMethod("max", LIST, [], DYN, function () {
    return listMin.call(this, (c) => c > 0) as CelInput;
  }),
  celMethod("indexOf", LIST, [DYN], INT, function (x) {
    let i = 0n;
    for (const v of this) {
      if (JSON.stringify(fromCel(v)) === JSON.stringify(fromCel(x))) return i;
      i++;
    }
    return -1n;
  }),
  celMethod("lastIndexOf", LIST, [DYN], INT, function (x) {
    const a = [...this];
    for (let i = a.length - 1; i >= 0; i--) {
      if (JSON.stringify(fromCel(a[i])) === JSON.stringify(fromCel(x))) return BigInt(i);
    }
    return -1n;
  }),
  // regex library, on RE2 as on the server (linear time; a pattern RE2 refuses is an error)
  celMethod("find", STRING, [STRING], STRING, function (re) {
    return re2FindAll(re, this, 1)[0] ?? "";
  }),
  celMethod("findAll", STRING, [STRING], LIST, function (re) {
    return re2FindAll(re, this);
  }),
  celMethod("findAll", STRING, [STRING, INT], LIST, function (re, n) {
    return re2FindAll(re, this, n < 0n ? -1 : Number(n));
  }),
  // quantity library (the predicate only; quantity() values are not modelled)
  celFunc("isQuantity", [STRING], BOOL, isQuantity),
  // url library
  celFunc("isURL", [STRING], BOOL, (s) => {
    try {
      parseUrl(s);
      return true;
    } catch {
      return false;
    }
  }),
  // ip library (predicates)
  celFunc("isIP", [STRING], BOOL, (s) => isIPv4(s) || isIPv6(s)),
  celFunc("isCIDR", [STRING], BOOL, (s) => {
    const [ip, bits, ...rest] = s.split("/");
    if (rest.length || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
    const max = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : -1;
    return Number(bits) <= max;
  }),
];

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

let envCache: CelEnv | undefined;
function env(): CelEnv {
  return envCache ??= celEnv({ funcs: [...strings, ...KUBE_FUNCS] });
}

type Program = (b: Record<string, CelInput>) => unknown;
const programs = new Map<string, Program | Error>();

function program(expr: string): Program | Error {
  let p = programs.get(expr);
  if (p === undefined) {
    try {
      const planned = celPlan(env(), celParse(expr));
      p = (b) => planned(b);
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(expr, p);
  }
  return p;
}

/** Errors that mean "kubeno cannot run this", not "the object is invalid". */
function isUnsupported(msg: string): boolean {
  return /unbound function|no matching overload|unsupported|not supported|expecting|found \?|undeclared/i
    .test(msg);
}

function mentionsOldSelf(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

function messageOf(r: ValidationRule, bindings: Record<string, CelInput>): string {
  if (r.messageExpression) {
    const p = program(r.messageExpression);
    if (!(p instanceof Error)) {
      const m = p(bindings);
      if (typeof m === "string" && m.trim() !== "") return m;
    }
  }
  return r.message ?? `failed rule: ${r.rule}`;
}

function correlate(schema: JSONSchemaProps, items: Json[], old: Json): (Json | undefined)[] {
  if (!Array.isArray(old) || schema["x-kubernetes-list-type"] !== "map") {
    return items.map(() => undefined);
  }
  const keys = schema["x-kubernetes-list-map-keys"] ?? [];
  const keyOf = (x: Json) => JSON.stringify(keys.map((k) => isObj(x) ? x[k] : undefined));
  const byKey = new Map(old.map((o) => [keyOf(o), o]));
  return items.map((x) => byKey.get(keyOf(x)));
}

/**
 * Evaluates every `x-kubernetes-validations` rule of a structural schema against a value
 * (already defaulted), as the apiserver does. With `old`, transition rules (`oldSelf`) run
 * on the nodes that correlate (object fields, map values, items of `map` lists); without it
 * they are skipped, as on create. A rule kubeno cannot evaluate yields an issue with source
 * `unevaluated` naming the rule.
 *
 * @example
 * ```ts
 * import { celIssues } from "@kubeno/kube";
 * const s = { type: "object", "x-kubernetes-validations": [{ rule: "self.a < 3" }], properties: { a: { type: "integer" } } };
 * celIssues(s, { a: 5 }); // [{ path: "", message: "failed rule: self.a < 3", source: "cel", ... }]
 * ```
 */
export function celIssues(
  schema: JSONSchemaProps,
  value: Json,
  old?: Json,
  path = "",
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const visit = (s: JSONSchemaProps, v: Json, o: Json | undefined, p: string) => {
    if (v === undefined || v === null) return;
    const rules = s["x-kubernetes-validations"];
    if (rules?.length) {
      const self = toCel(v, s);
      for (const r of rules) {
        const transition = mentionsOldSelf(r.rule);
        const at0 = r.fieldPath ? p + r.fieldPath : p;
        if (r.optionalOldSelf && transition) {
          // The server runs these on create too, with oldSelf an optional; the evaluator has no
          // CEL optionals (hasValue, orValue, optional.none), so say so rather than skip it.
          out.push({
            path: at0,
            rule: r.rule,
            source: "unevaluated",
            message: "rule cannot be evaluated locally: optionalOldSelf needs CEL optionals",
          });
          continue;
        }
        if (transition && o === undefined) continue;
        const bindings: Record<string, CelInput> = transition
          ? { self, oldSelf: toCel(o, s) }
          : { self };
        const prog = program(r.rule);
        const at = r.fieldPath ? p + r.fieldPath : p;
        if (prog instanceof Error) {
          out.push({
            path: at,
            rule: r.rule,
            source: "unevaluated",
            message: `rule cannot be evaluated locally: ${prog.message}`,
          });
          continue;
        }
        let res: unknown;
        try {
          res = prog(bindings);
        } catch (e) {
          res = e;
        }
        if (res === true) continue;
        if (isCelError(res) || res instanceof Error) {
          const msg = (res as Error).message;
          if (isUnsupported(msg)) {
            out.push({
              path: at,
              rule: r.rule,
              source: "unevaluated",
              message: `rule cannot be evaluated locally: ${msg}`,
            });
          } else {
            out.push({
              path: at,
              rule: r.rule,
              source: "cel",
              reason: r.reason ?? "FieldValueInvalid",
              message: `rule evaluation error: ${msg}`,
            });
          }
          continue;
        }
        if (res !== false) {
          out.push({
            path: at,
            rule: r.rule,
            source: "unevaluated",
            message: "rule did not return a bool",
          });
          continue;
        }
        out.push({
          path: at,
          rule: r.rule,
          source: "cel",
          reason: r.reason ?? "FieldValueInvalid",
          message: messageOf(r, bindings),
        });
      }
    }
    if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        const c = s.properties?.[k] ??
          (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
        if (c) visit(c, x, isObj(o) ? o[k] : undefined, child(p, k));
      }
    } else if (Array.isArray(v) && s.items) {
      const olds = correlate(s, v, o);
      v.forEach((x, i) => visit(s.items!, x, olds[i], `${p}[${i}]`));
    }
  };
  visit(schema, value, old, path);
  return out;
}

/**
 * The CEL rules in a schema that kubeno cannot evaluate locally: a rule that does not parse
 * here, or that calls a function outside the libraries kubeno implements. Statically
 * determined from the function names, so it may miss rules that fail only at run time.
 *
 * @example
 * ```ts
 * import { unevaluatedRules } from "@kubeno/kube";
 * unevaluatedRules({ type: "string", "x-kubernetes-validations": [{ rule: "format.dns1123Label().validate(self).hasValue()" }] });
 * ```
 */
export function unevaluatedRules(
  schema: JSONSchemaProps,
  path = "",
): { path: string; rule: string }[] {
  const out: { path: string; rule: string }[] = [];
  const visit = (s: JSONSchemaProps, p: string) => {
    for (const r of s["x-kubernetes-validations"] ?? []) {
      if (
        program(r.rule) instanceof Error || (r.optionalOldSelf && mentionsOldSelf(r.rule)) ||
        /\b(format|quantity|url|ip|cidr|semver|authorizer)\s*\(|\.\s*(hasValue|orValue|value)\s*\(/
          .test(r.rule.replace(/\bis(Quantity|URL|IP|CIDR)\s*\(/g, ""))
      ) {
        out.push({ path: p, rule: r.rule });
      }
    }
    for (const [k, c] of Object.entries(s.properties ?? {})) visit(c, child(p, k));
    if (typeof s.additionalProperties === "object") visit(s.additionalProperties, `${p}{*}`);
    if (s.items) visit(s.items, `${p}[*]`);
  };
  visit(schema, path);
  return out;
}
