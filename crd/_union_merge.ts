/**
 * Union and intersection variants folded into one structural node: the shape (type, fields,
 * items) must agree across variants and is merged; the validations stay per variant, under the
 * junctor, with what they all share hoisted out. Internal.
 *
 * @module
 */

import type { JSONSchemaProps } from "./types.ts";
import { CrdSchemaError } from "./schema_error.ts";
import { joinPath } from "./_field_path.ts";
import { SHAPE_KEYS, VALIDATION_KEYS } from "./_schema_keys.ts";

type JS = Record<string, unknown>;

/** Equality of JSON values (key order counts, as in the emitted schema). */
export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The shape part of a converted node: type, properties, items, annotations, extensions. */
export function shapeOf(n: JSONSchemaProps): JSONSchemaProps {
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
export function validationsOf(n: JSONSchemaProps, path: string): JSONSchemaProps {
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

/** `b`'s shape merged into `a`'s; they may differ only in description, title and nullable. */
export function mergeShape(a: JSONSchemaProps, b: JSONSchemaProps, path: string): JSONSchemaProps {
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

/** Moves validations every variant shares to the outer node (keeps the junctor small). */
export function hoistCommon(outer: JSONSchemaProps & JS, variants: (JSONSchemaProps & JS)[]): void {
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
