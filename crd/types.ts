/**
 * The `apiextensions.k8s.io/v1` types of a CustomResourceDefinition as crd/ writes them: the
 * generated types of `@kubeno/kube/k8s/apiextensions.k8s.io/v1`, narrowed where a CRD that
 * kubeno writes says more (`scope` is `Namespaced` or `Cluster`, a column type is one of five,
 * a structural schema has no `$ref`). Each narrowed type is assignable to the generated one, so
 * a CRD built here goes to the `Api` of the generated resource type without a cast.
 *
 * @module
 */

import type * as v1 from "../core/k8s/apiextensions.k8s.io/v1.ts";

/**
 * One CEL validation rule (`x-kubernetes-validations` entry).
 *
 * @example
 * ```ts
 * import type { ValidationRule } from "@kubeno/kube";
 * const r: ValidationRule = { rule: "self.replicas <= 10", message: "at most 10 replicas" };
 * ```
 */
export interface ValidationRule extends v1.ValidationRule {
  /** The CEL expression; `self` is the value of the node, `oldSelf` its previous value. */
  rule: string;
  /** Message shown when the rule fails. */
  message?: string;
  /** CEL expression producing the message; wins over `message` when it evaluates. */
  messageExpression?: string;
  /** Machine-readable reason: FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired, FieldValueDuplicate. */
  reason?:
    | "FieldValueInvalid"
    | "FieldValueForbidden"
    | "FieldValueRequired"
    | "FieldValueDuplicate";
  /** Path (relative to the node) the error is reported at, e.g. `.spec.replicas`. */
  fieldPath?: string;
  /** Evaluate the transition rule even when there is no old value (`oldSelf` is then an optional). */
  optionalOldSelf?: boolean;
}

/**
 * The fields of the generated `JSONSchemaProps` that a structural CRD schema may not carry
 * (the apiserver refuses `$ref`, `definitions`, `dependencies`, `patternProperties`, ...).
 *
 * @example
 * ```ts
 * import type { NotStructural } from "@kubeno/kube";
 * const k: NotStructural = "$ref";
 * ```
 */
export type NotStructural =
  | "$ref"
  | "$schema"
  | "additionalItems"
  | "definitions"
  | "dependencies"
  | "id"
  | "patternProperties"
  | "uniqueItems";

/**
 * A node of a structural OpenAPI v3 schema, as a CRD carries it (`JSONSchemaProps`).
 *
 * @example
 * ```ts
 * import type { JSONSchemaProps } from "@kubeno/kube";
 * const s: JSONSchemaProps = { type: "object", properties: { size: { type: "integer", minimum: 1 } } };
 * ```
 */
export interface JSONSchemaProps extends Omit<v1.JSONSchemaProps, NotStructural> {
  /** `object`, `array`, `string`, `integer`, `number` or `boolean`. */
  type?: string;
  /** Format hint and validator: `int32`, `int64`, `date-time`, `duration`, `byte`, ... */
  format?: string;
  /** Human-readable description. */
  description?: string;
  /** Title. */
  title?: string;
  /** Default the server fills in when the field is absent. */
  default?: unknown;
  /** An example value. */
  example?: unknown;
  /** Whether `null` is a valid value. */
  nullable?: boolean;
  /** Fields of an object. */
  properties?: Record<string, JSONSchemaProps>;
  /** Names of the fields that must be present. */
  required?: string[];
  /** Schema of the values of a map (an object with arbitrary keys). */
  additionalProperties?: JSONSchemaProps | boolean;
  /** Schema of array items. */
  items?: JSONSchemaProps;
  /** Allowed values. */
  enum?: unknown[];
  /** ECMA-262 / RE2 pattern a string must match. */
  pattern?: string;
  /** Minimum string length. */
  minLength?: number;
  /** Maximum string length. */
  maxLength?: number;
  /** Minimum number. */
  minimum?: number;
  /** Maximum number. */
  maximum?: number;
  /** Whether `minimum` is exclusive. */
  exclusiveMinimum?: boolean;
  /** Whether `maximum` is exclusive. */
  exclusiveMaximum?: boolean;
  /** The number must be a multiple of this. */
  multipleOf?: number;
  /** Minimum array length. */
  minItems?: number;
  /** Maximum array length. */
  maxItems?: number;
  /** Minimum number of object fields. */
  minProperties?: number;
  /** Maximum number of object fields. */
  maxProperties?: number;
  /** All of these must hold (value validations only, in a structural schema). */
  allOf?: JSONSchemaProps[];
  /** At least one of these must hold (value validations only). */
  anyOf?: JSONSchemaProps[];
  /** Exactly one of these must hold (value validations only). */
  oneOf?: JSONSchemaProps[];
  /** This must not hold (value validations only). */
  not?: JSONSchemaProps;
  /** Link to external documentation. */
  externalDocs?: v1.ExternalDocumentation;
  /** Keep fields the schema does not name instead of pruning them. */
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  /** The node is a whole Kubernetes object (apiVersion, kind, metadata). */
  "x-kubernetes-embedded-resource"?: boolean;
  /** The node is an integer or a string. */
  "x-kubernetes-int-or-string"?: boolean;
  /** How server-side apply merges the list: `atomic`, `set` or `map`. */
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  /** Key fields of a `map` list. */
  "x-kubernetes-list-map-keys"?: string[];
  /** How server-side apply merges the map: `atomic` or `granular`. */
  "x-kubernetes-map-type"?: "atomic" | "granular";
  /** CEL validation rules of this node. */
  "x-kubernetes-validations"?: ValidationRule[];
}

/**
 * Names of a custom resource.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionNames } from "@kubeno/kube";
 * const n: CustomResourceDefinitionNames = { kind: "Foo", plural: "foos", singular: "foo", listKind: "FooList" };
 * ```
 */
export type CustomResourceDefinitionNames = v1.CustomResourceDefinitionNames;

/**
 * An additional column of `kubectl get`.
 *
 * @example
 * ```ts
 * import type { CustomResourceColumnDefinition } from "@kubeno/kube";
 * const c: CustomResourceColumnDefinition = { name: "Ready", type: "boolean", jsonPath: ".status.ready" };
 * ```
 */
export interface CustomResourceColumnDefinition extends v1.CustomResourceColumnDefinition {
  /** Column header. */
  name: string;
  /** `integer`, `number`, `string`, `boolean` or `date`. */
  type: "integer" | "number" | "string" | "boolean" | "date";
  /** Simple JSON path into the object, e.g. `.spec.size`. */
  jsonPath: string;
  /** Column description. */
  description?: string;
  /** Format hint, e.g. `int32`, `date-time`. */
  format?: string;
  /** 0 shows in the default view; higher only with `-o wide`. */
  priority?: number;
}

/**
 * Paths of the scale subresource.
 *
 * @example
 * ```ts
 * import type { CustomResourceSubresourceScale } from "@kubeno/kube";
 * const s: CustomResourceSubresourceScale = { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" };
 * ```
 */
export type CustomResourceSubresourceScale = v1.CustomResourceSubresourceScale;

/**
 * The status and scale subresources of a version.
 *
 * @example
 * ```ts
 * import type { CustomResourceSubresources } from "@kubeno/kube";
 * const s: CustomResourceSubresources = { status: {} };
 * ```
 */
export interface CustomResourceSubresources extends v1.CustomResourceSubresources {
  /** Present (as `{}`) to enable `/status`. */
  status?: Record<string, never>;
  /** Present to enable `/scale`. */
  scale?: CustomResourceSubresourceScale;
}

/**
 * A field usable in field selectors.
 *
 * @example
 * ```ts
 * import type { SelectableField } from "@kubeno/kube";
 * const f: SelectableField = { jsonPath: ".spec.color" };
 * ```
 */
export type SelectableField = v1.SelectableField;

/**
 * One version of a custom resource.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionVersion } from "@kubeno/kube";
 * const v: CustomResourceDefinitionVersion = {
 *   name: "v1", served: true, storage: true,
 *   schema: { openAPIV3Schema: { type: "object" } },
 * };
 * ```
 */
export interface CustomResourceDefinitionVersion extends v1.CustomResourceDefinitionVersion {
  /** Version name, e.g. `v1`. */
  name: string;
  /** Whether the server serves this version. */
  served: boolean;
  /** Whether objects are stored in this version; exactly one version says so. */
  storage: boolean;
  /** Whether the version is deprecated. */
  deprecated?: boolean;
  /** Warning returned to clients of a deprecated version. */
  deprecationWarning?: string;
  /** The structural schema. */
  schema?: { openAPIV3Schema: JSONSchemaProps };
  /** Subresources. */
  subresources?: CustomResourceSubresources;
  /** Extra `kubectl get` columns. */
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  /** Fields usable in field selectors. */
  selectableFields?: SelectableField[];
}

/**
 * How objects convert between the versions of a CRD: `None` (only `apiVersion` changes) or
 * `Webhook` (`webhook` says where the conversion webhook is).
 *
 * @example
 * ```ts
 * import type { CustomResourceConversion } from "@kubeno/kube";
 * const c: CustomResourceConversion = { strategy: "None" };
 * ```
 */
export interface CustomResourceConversion extends v1.CustomResourceConversion {
  /** `None` or `Webhook`. */
  strategy: "None" | "Webhook";
}

/**
 * The spec of a CustomResourceDefinition.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionSpec } from "@kubeno/kube";
 * const s: CustomResourceDefinitionSpec = {
 *   group: "clux.dev", scope: "Namespaced", names: { kind: "Foo", plural: "foos" }, versions: [],
 * };
 * ```
 */
export interface CustomResourceDefinitionSpec extends v1.CustomResourceDefinitionSpec {
  /** API group. */
  group: string;
  /** Names. */
  names: CustomResourceDefinitionNames;
  /** `Namespaced` or `Cluster`. */
  scope: "Namespaced" | "Cluster";
  /** Versions, one of them the storage version. */
  versions: CustomResourceDefinitionVersion[];
  /** How objects convert between versions; `None` when omitted. */
  conversion?: CustomResourceConversion;
  /** Keep unknown fields (legacy; never set by kubeno). */
  preserveUnknownFields?: boolean;
}

/**
 * A condition of a CustomResourceDefinition (`Established`, `NamesAccepted`, ...).
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionCondition } from "@kubeno/kube";
 * const c: CustomResourceDefinitionCondition = { type: "Established", status: "True" };
 * ```
 */
export type CustomResourceDefinitionCondition = v1.CustomResourceDefinitionCondition;

/**
 * The status of a CustomResourceDefinition.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionStatus } from "@kubeno/kube";
 * const s: CustomResourceDefinitionStatus = { conditions: [{ type: "Established", status: "True" }] };
 * ```
 */
export type CustomResourceDefinitionStatus = v1.CustomResourceDefinitionStatus;

/**
 * A CustomResourceDefinition (`apiextensions.k8s.io/v1`).
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinition } from "@kubeno/kube";
 * const crd: CustomResourceDefinition = {
 *   apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
 *   metadata: { name: "foos.clux.dev" },
 *   spec: { group: "clux.dev", scope: "Namespaced", names: { kind: "Foo", plural: "foos" }, versions: [] },
 * };
 * ```
 */
export interface CustomResourceDefinition extends v1.CustomResourceDefinition {
  /** Always `apiextensions.k8s.io/v1`. */
  apiVersion?: "apiextensions.k8s.io/v1";
  /** Always `CustomResourceDefinition`. */
  kind?: "CustomResourceDefinition";
  /** The definition. */
  spec: CustomResourceDefinitionSpec;
  /** What the server reports. */
  status?: CustomResourceDefinitionStatus;
}
