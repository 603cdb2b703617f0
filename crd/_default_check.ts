/**
 * The apiserver's check of `default` values, done before the CRD is sent: a CRD whose default
 * does not validate against its own field is rejected whole. Internal.
 *
 * @module
 */

import { z } from "zod";
import type { JSONSchemaProps } from "./types.ts";
import { applyDefaults, celIssues, structuralTypeIssues } from "./validate.ts";
import { CrdSchemaError } from "./schema_error.ts";
import { joinPath } from "./_field_path.ts";

/**
 * The apiserver rejects a CRD whose default does not validate against its own field (after
 * the defaults inside it are applied); Zod's `.default()` never checks its value. This is the
 * Zod half of that check (bounds, patterns, lengths, required fields); {@link checkDefaults}
 * does the rest on the converted schema.
 */
export function checkZodDefault(def: Record<string, unknown>, path: string): void {
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
export function checkDefaults(s: JSONSchemaProps, path: string): void {
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
