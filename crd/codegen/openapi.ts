/**
 * The subset of OpenAPI v3 / Kubernetes structural schema that the generators read.
 *
 * @module
 */

/**
 * A group, version and kind as the `x-kubernetes-group-version-kind` extension lists it.
 *
 * @example
 * ```ts
 * import type { Gvk } from "./openapi.ts";
 * const g: Gvk = { group: "apps", version: "v1", kind: "Deployment" };
 * ```
 */
export interface Gvk {
  /** API group, `""` for the core group. */
  group: string;
  /** Version. */
  version: string;
  /** Kind. */
  kind: string;
}

/**
 * One JSON schema node of an OpenAPI v3 document or a CRD's `openAPIV3Schema`.
 *
 * @example
 * ```ts
 * import type { Schema } from "./openapi.ts";
 * const s: Schema = { type: "object", properties: { size: { type: "integer" } }, required: ["size"] };
 * ```
 */
export interface Schema {
  /** JSON type. */
  type?: string;
  /** Format hint: `int32`, `int64`, `date-time`, `byte`, `int-or-string` ... */
  format?: string;
  /** Human description; becomes JSDoc. */
  description?: string;
  /** Named properties of an object. */
  properties?: Record<string, Schema>;
  /** Names of required properties. */
  required?: string[];
  /** Schema of array items. */
  items?: Schema;
  /** Schema of map values, or true for any value. */
  additionalProperties?: Schema | boolean;
  /** Reference to `#/components/schemas/<name>`. */
  $ref?: string;
  /** All of (Kubernetes wraps a single `$ref` in it to attach a description). */
  allOf?: Schema[];
  /** One of. */
  oneOf?: Schema[];
  /** Any of. */
  anyOf?: Schema[];
  /** Allowed values. */
  enum?: unknown[];
  /** True if `null` is allowed. */
  nullable?: boolean;
  /** Default value the server applies. */
  default?: unknown;
  /** Regular expression a string must match. */
  pattern?: string;
  /** Minimum string length. */
  minLength?: number;
  /** Maximum string length. */
  maxLength?: number;
  /** Minimum array length. */
  minItems?: number;
  /** Maximum array length. */
  maxItems?: number;
  /** Minimum number of map entries. */
  minProperties?: number;
  /** Maximum number of map entries. */
  maxProperties?: number;
  /** Minimum value. */
  minimum?: number;
  /** Maximum value. */
  maximum?: number;
  /** True if `minimum` is exclusive. */
  exclusiveMinimum?: boolean;
  /** True if `maximum` is exclusive. */
  exclusiveMaximum?: boolean;
  /** Number values must be a multiple of this. */
  multipleOf?: number;
  /** Kinds this schema is the body of. */
  "x-kubernetes-group-version-kind"?: Gvk[];
  /** Integer or string. */
  "x-kubernetes-int-or-string"?: boolean;
  /** Unknown fields are kept rather than pruned. */
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  /** The object is a whole Kubernetes object (apiVersion, kind, metadata). */
  "x-kubernetes-embedded-resource"?: boolean;
  /** `atomic`, `set` or `map`. */
  "x-kubernetes-list-type"?: string;
  /** CEL validation rules. */
  "x-kubernetes-validations"?: { rule: string; message?: string }[];
}

/**
 * An OpenAPI v3 document as the apiserver serves it under `/openapi/v3/<prefix>`.
 *
 * @example
 * ```ts
 * import type { OpenApiDocument } from "./openapi.ts";
 * const d: OpenApiDocument = { paths: {}, components: { schemas: {} } };
 * ```
 */
export interface OpenApiDocument {
  /** Paths, each with its operations. */
  paths?: Record<string, Record<string, OpenApiOperation | unknown>>;
  /** Named schemas. */
  components?: { schemas?: Record<string, Schema> };
}

/**
 * The parts of an operation the generator reads.
 *
 * @example
 * ```ts
 * import type { OpenApiOperation } from "./openapi.ts";
 * const o: OpenApiOperation = { "x-kubernetes-action": "list" };
 * ```
 */
export interface OpenApiOperation {
  /** `get`, `list`, `watch`, `watchlist`, `post`, `put`, `patch`, `delete`, `deletecollection`, `connect`. */
  "x-kubernetes-action"?: string;
  /** The kind the operation acts on. */
  "x-kubernetes-group-version-kind"?: Gvk;
}
