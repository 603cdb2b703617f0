/**
 * The `apiextensions.k8s.io/v1` types of a CustomResourceDefinition, as the apiserver
 * serves them. Only what a CRD document needs; field names are the server's.
 *
 * @module
 */

import type { KubeObject, ObjectMeta } from "../core/resource.ts";

/**
 * One CEL validation rule (`x-kubernetes-validations` entry).
 *
 * @example
 * ```ts
 * import type { ValidationRule } from "@kubeno/kube";
 * const r: ValidationRule = { rule: "self.replicas <= 10", message: "at most 10 replicas" };
 * ```
 */
export interface ValidationRule {
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
 * A node of a structural OpenAPI v3 schema, as a CRD carries it (`JSONSchemaProps`).
 *
 * @example
 * ```ts
 * import type { JSONSchemaProps } from "@kubeno/kube";
 * const s: JSONSchemaProps = { type: "object", properties: { size: { type: "integer", minimum: 1 } } };
 * ```
 */
export interface JSONSchemaProps {
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
  externalDocs?: { description?: string; url?: string };
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
export interface CustomResourceDefinitionNames {
  /** Kind, CamelCase. */
  kind: string;
  /** Plural, lower case; the URL segment. */
  plural: string;
  /** Singular, lower case. */
  singular?: string;
  /** Kind of the list, `<Kind>List`. */
  listKind?: string;
  /** Short names for `kubectl get`. */
  shortNames?: string[];
  /** Groupings such as `all`. */
  categories?: string[];
}

/**
 * An additional column of `kubectl get`.
 *
 * @example
 * ```ts
 * import type { CustomResourceColumnDefinition } from "@kubeno/kube";
 * const c: CustomResourceColumnDefinition = { name: "Ready", type: "boolean", jsonPath: ".status.ready" };
 * ```
 */
export interface CustomResourceColumnDefinition {
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
export interface CustomResourceSubresourceScale {
  /** Path of the desired replicas under `.spec`. */
  specReplicasPath: string;
  /** Path of the observed replicas under `.status`. */
  statusReplicasPath: string;
  /** Path of the label selector (a string) under `.status`, for HPA. */
  labelSelectorPath?: string;
}

/**
 * The status and scale subresources of a version.
 *
 * @example
 * ```ts
 * import type { CustomResourceSubresources } from "@kubeno/kube";
 * const s: CustomResourceSubresources = { status: {} };
 * ```
 */
export interface CustomResourceSubresources {
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
export interface SelectableField {
  /** Simple JSON path to a string, integer or boolean field. */
  jsonPath: string;
}

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
export interface CustomResourceDefinitionVersion {
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
export interface CustomResourceDefinitionSpec {
  /** API group. */
  group: string;
  /** Names. */
  names: CustomResourceDefinitionNames;
  /** `Namespaced` or `Cluster`. */
  scope: "Namespaced" | "Cluster";
  /** Versions, one of them the storage version. */
  versions: CustomResourceDefinitionVersion[];
  /** How objects convert between versions; `None` when omitted. */
  conversion?: { strategy: "None" | "Webhook"; webhook?: Record<string, unknown> };
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
export interface CustomResourceDefinitionCondition {
  /** Condition type. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** One-word reason. */
  reason?: string;
  /** Human-readable message. */
  message?: string;
  /** When the status last changed. */
  lastTransitionTime?: string;
}

/**
 * The status of a CustomResourceDefinition.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionStatus } from "@kubeno/kube";
 * const s: CustomResourceDefinitionStatus = { conditions: [{ type: "Established", status: "True" }] };
 * ```
 */
export interface CustomResourceDefinitionStatus {
  /** Conditions. */
  conditions?: CustomResourceDefinitionCondition[];
  /** The names actually accepted. */
  acceptedNames?: CustomResourceDefinitionNames;
  /** Versions ever stored. */
  storedVersions?: string[];
}

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
export interface CustomResourceDefinition extends KubeObject {
  /** Always `apiextensions.k8s.io/v1`. */
  apiVersion?: "apiextensions.k8s.io/v1";
  /** Always `CustomResourceDefinition`. */
  kind?: "CustomResourceDefinition";
  /** Metadata; the name is `<plural>.<group>`. */
  metadata: ObjectMeta;
  /** The definition. */
  spec: CustomResourceDefinitionSpec;
  /** What the server reports. */
  status?: CustomResourceDefinitionStatus;
}
