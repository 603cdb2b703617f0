/**
 * Step 3 of the conversion: the structural pass over `z.toJSONSchema`'s output (OpenAPI 3.0,
 * input side). It inlines references, folds unions into one shape, keeps only what a
 * structural schema allows, and refuses the rest with the field path. Internal.
 *
 * @module
 */

import type { JSONSchemaProps } from "./types.ts";
import { CrdSchemaError } from "./schema_error.ts";
import { joinPath } from "./_field_path.ts";
import { re2Pattern } from "./_crd_pattern.ts";
import { RECURSIVE, UNSUPPORTED } from "./_zod_walk.ts";
import {
  DROPPED_KEYS,
  KNOWN_FORMATS,
  ordered,
  SHAPE_KEYS,
  VALIDATION_KEYS,
} from "./_schema_keys.ts";
import { deepEqual, hoistCommon, mergeShape, shapeOf, validationsOf } from "./_union_merge.ts";

/** A JSON Schema node as Zod emits it. */
export type JS = Record<string, unknown>;

/** Zod's bounds of `z.int()`; carried, they only restate JSON's safe-integer range. */
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** What the pass carries from the root down. */
export interface PassState {
  /** The document's `definitions`/`$defs`, by name. */
  defs: Record<string, JS>;
  /** References being inlined on the path from the root: seeing one again is recursion. */
  refs: string[];
  /** Pattern -> RE2 pattern, from the Zod walk. */
  patterns: Map<string, string>;
}

type Out = JSONSchemaProps & JS;

function isNullBranch(b: JS): boolean {
  return b.type === "null" ||
    (Array.isArray(b.enum) && b.enum.length === 1 && b.enum[0] === null);
}

/** Converts one node of Zod's JSON Schema (and its children) into a structural node. */
export function convert(node: JS, path: string, st: PassState): JSONSchemaProps {
  if (typeof node.$ref === "string") return convertRef(node, node.$ref, path, st);
  const out = ownKeywords(node, path);
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
    mergeUnion(out, node, path, st);
  }
  if (Array.isArray(node.allOf)) mergeAllOf(out, node.allOf as JS[], path, st);

  convertChildren(out, node, path, st);
  // Untyped nodes: only int-or-string and preserve-unknown-fields may be.
  if (out.type === undefined) inferType(out, path);
  return finish(out, path, st);
}

/** A `$ref` node: the definition it names, inlined, with the node's own keywords on top. */
function convertRef(node: JS, ref: string, path: string, st: PassState): JSONSchemaProps {
  const name = ref.replace(/^#\/(definitions|\$defs)\//, "");
  if (ref === "#" || st.refs.includes(ref) || !(name in st.defs)) {
    throw new CrdSchemaError(path, RECURSIVE);
  }
  const { $ref: _, ...rest } = node;
  st.refs.push(ref);
  try {
    return convert({ ...st.defs[name], ...rest }, path, st);
  } finally {
    st.refs.pop();
  }
}

/** The node's own keywords a structural schema keeps; children and junctors come later. */
function ownKeywords(node: JS, path: string): Out {
  const out: Out = {};
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
  return out;
}

/** Folds the node's `anyOf`/`oneOf` into `out`. */
function mergeUnion(out: Out, node: JS, path: string, st: PassState): void {
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

/** Folds the node's `allOf` (a Zod intersection) into `out`. */
function mergeAllOf(out: Out, allOf: JS[], path: string, st: PassState): void {
  const parts = allOf.map((b) => convert(b, path, st));
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

/** Converts the node's properties, map values and items into `out`. */
function convertChildren(out: Out, node: JS, path: string, st: PassState): void {
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
  if (node.additionalProperties !== undefined) additional(out, node, path, st);
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) throw new CrdSchemaError(path, UNSUPPORTED.tuple);
    out.items = convert(node.items as JS, `${path}[*]`, st);
  }
  if (out.type === "array" && out.items === undefined) {
    throw new CrdSchemaError(path, "an array needs an item schema");
  }
  delete out.uniqueItems;
}

/** `additionalProperties`: a map's values, or what an object does with unknown fields. */
function additional(out: Out, node: JS, path: string, st: PassState): void {
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

/** A type for a node without one: from its literals, or none (z.unknown()), or refused. */
function inferType(out: Out, path: string): void {
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

/** The node's last checks and clean-ups, then its keys in order. */
function finish(out: Out, path: string, st: PassState): JSONSchemaProps {
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
