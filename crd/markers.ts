/**
 * Zod markers for what Zod has no word for: int-or-string, quantities, embedded resources,
 * preserved unknown fields, list and map types, CEL rules and formats. Each one records the
 * CRD extension in the schema's metadata, where the structural pass finds it.
 *
 * @module
 */

import { z } from "zod";
import type { ValidationRule } from "./types.ts";
import type { ZodLike, ZodSchema } from "./zod.ts";
import { QUANTITY_PATTERN } from "./quantity_pattern.ts";

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
