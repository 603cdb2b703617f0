/**
 * The JSON Schema keywords of the structural pass: which it keeps, which it allows inside
 * junctors, which it drops, and the order it writes them in. Internal.
 *
 * @module
 */

/** Value validations: allowed inside junctors (anyOf/oneOf/allOf/not). */
export const VALIDATION_KEYS = new Set([
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
export const SHAPE_KEYS = new Set([
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
export const DROPPED_KEYS = new Set([
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
export const KNOWN_FORMATS = new Set([
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

/** The order keys are written in, so that the YAML reads top-down: what it is, then its parts. */
export const KEY_ORDER = [
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

/** `n` with its keys in {@link KEY_ORDER}; unknown keys last, in their own order. */
export function ordered<T extends object>(n: T): T {
  const rank = (k: string) => {
    const i = KEY_ORDER.indexOf(k);
    return i < 0 ? KEY_ORDER.length : i;
  };
  return Object.fromEntries(
    Object.entries(n).sort(([a], [b]) => rank(a) - rank(b)),
  ) as T;
}
