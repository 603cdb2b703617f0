/**
 * Shared object-model types of Kubernetes (`meta/v1`, plus Quantity, IntOrString and RawExtension), generated from the OpenAPI v3 documents of Kubernetes v1.37.2 by `deno task gen` (crd/codegen/gen.ts). Do not edit: regenerate.
 *
 * @example
 * ```ts
 * import type { Time } from "@kubeno/kube/k8s/meta/v1";
 * const t: Time = "2024-05-01T12:00:00Z";
 * ```
 *
 * @module
 */
import type * as resource from "../../resource.ts";

/**
 * Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.
 *
 * The serialization format is:
 *
 * ``` <quantity>        ::= <signedNumber><suffix>
 *
 * 	(Note that <suffix> may be empty, from the "" case in <decimalSI>.)
 *
 * <digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= "+" | "-" <signedNumber>    ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
 *
 * 	(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)
 *
 * <decimalSI>       ::= m | "" | k | M | G | T | P | E
 *
 * 	(Note that 1024 = 1Ki but 1000 = 1k; I didn't choose the capitalization.)
 *
 * <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```
 *
 * No matter which of the three exponent forms is used, no quantity may represent a number greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if we require larger or smaller quantities.
 *
 * When a Quantity is parsed from a string, it will remember the type of suffix it had, and will use the same type again when it is serialized.
 *
 * Before serializing, Quantity will be put in "canonical form". This means that Exponent/suffix will be adjusted up or down (with a corresponding increase or decrease in Mantissa) such that:
 *
 * - No precision is lost - No fractional digits will be emitted - The exponent (or suffix) is as large as possible.
 *
 * The sign will be omitted unless the number is negative.
 *
 * Examples:
 *
 * - 1.5 will be serialized as "1500m" - 1.5Gi will be serialized as "1536Mi"
 *
 * Note that the quantity will NEVER be internally represented by a floating point number. That is the whole point of this exercise.
 *
 * Non-canonical values will still parse as long as they are well formed, but will be re-emitted in their canonical form. (So always use canonical form, or don't diff.)
 *
 * This format is intended to make it difficult to use these numbers without writing some sort of special handling code in the hopes that that will cause implementors to also use a fixed point implementation.
 *
 * kubeno: the server accepts a string (`"500m"`, `"1Gi"`) or a JSON number, and always returns the canonical string.
 *
 * @example
 * ```ts
 * import type { Quantity } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: Quantity): string => JSON.stringify(value);
 * ```
 */
export type Quantity = string | number;

/**
 * APIResource specifies the name of a resource and whether it is namespaced.
 *
 * @example
 * ```ts
 * import type { APIResource } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: APIResource): string => JSON.stringify(value);
 * ```
 */
export interface APIResource {
  /** categories is a list of the grouped resources this resource belongs to (e.g. 'all') */
  categories?: string[];
  /** group is the preferred group of the resource.  Empty implies the group of the containing resource list. For subresources, this may have a different value, for example: Scale". */
  group?: string;
  /** kind is the kind for the resource (e.g. 'Foo' is the kind for a resource 'foo') */
  kind: string;
  /** name is the plural name of the resource. */
  name: string;
  /** namespaced indicates if a resource is namespaced or not. */
  namespaced: boolean;
  /** shortNames is a list of suggested short names of the resource. */
  shortNames?: string[];
  /** singularName is the singular name of the resource.  This allows clients to handle plural and singular opaquely. The singularName is more correct for reporting status on a single item and both singular and plural are allowed from the kubectl CLI interface. */
  singularName: string;
  /** The hash value of the storage version, the version this resource is converted to when written to the data store. Value must be treated as opaque by clients. Only equality comparison on the value is valid. This is an alpha feature and may change or be removed in the future. The field is populated by the apiserver only if the StorageVersionHash feature gate is enabled. This field will remain optional even if it graduates. */
  storageVersionHash?: string;
  /** verbs is a list of supported kube verbs (this includes get, list, watch, create, update, patch, delete, deletecollection, and proxy) */
  verbs: string[];
  /** version is the preferred version of the resource.  Empty implies the version of the containing resource list For subresources, this may have a different value, for example: v1 (while inside a v1beta1 version of the core resource's group)". */
  version?: string;
}

/**
 * APIResourceList is a list of APIResource, it is used to expose the name of the resources supported in a specific group and version, and if the resource is namespaced.
 *
 * @example
 * ```ts
 * import type { APIResourceList } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: APIResourceList): string => JSON.stringify(value);
 * ```
 */
export interface APIResourceList {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: string;
  /** groupVersion is the group and version this APIResourceList is for. */
  groupVersion: string;
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: string;
  /** resources contains the name of the resources and if they are namespaced. */
  resources: APIResource[];
}

/**
 * Condition contains details for one aspect of the current state of this API Resource.
 *
 * @example
 * ```ts
 * import type { Condition } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: Condition): string => JSON.stringify(value);
 * ```
 */
export interface Condition {
  /** lastTransitionTime is the last time the condition transitioned from one status to another. This should be when the underlying condition changed.  If that is not known, then using the time when the API field changed is acceptable. */
  lastTransitionTime: Time;
  /** message is a human readable message indicating details about the transition. This may be an empty string. */
  message: string;
  /** observedGeneration represents the .metadata.generation that the condition was set based upon. For instance, if .metadata.generation is currently 12, but the .status.conditions[x].observedGeneration is 9, the condition is out of date with respect to the current state of the instance. */
  observedGeneration?: number;
  /** reason contains a programmatic identifier indicating the reason for the condition's last transition. Producers of specific condition types may define expected values and meanings for this field, and whether the values are considered a guaranteed API. The value should be a CamelCase string. This field may not be empty. */
  reason: string;
  /** status of the condition, one of True, False, Unknown. */
  status: string;
  /** type of condition in CamelCase or in foo.example.com/CamelCase. */
  type: string;
}

/**
 * DeleteOptions may be provided when deleting an API object.
 *
 * @example
 * ```ts
 * import type { DeleteOptions } from "@kubeno/kube/k8s/meta/v1";
 * const value: DeleteOptions = {};
 * ```
 */
export interface DeleteOptions {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: string;
  /** When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed */
  dryRun?: string[];
  /** The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately. */
  gracePeriodSeconds?: number;
  /** if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. A resource is considered corrupt if it can not be retrieved from the underlying storage successfully because of a) its data can not be transformed e.g. decryption failure, or b) it fails to decode into an object. NOTE: unsafe deletion ignores finalizer constraints, skips precondition checks, and removes the object from the storage. WARNING: This may potentially break the cluster if the workload associated with the resource being unsafe-deleted relies on normal deletion flow. Use only if you REALLY know what you are doing. The default value is false, and the user must opt in to enable it */
  ignoreStoreReadErrorWithClusterBreakingPotential?: boolean;
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: string;
  /** Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object's finalizers list. Either this field or PropagationPolicy may be set, but not both. */
  orphanDependents?: boolean;
  /** Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned. */
  preconditions?: Preconditions;
  /** Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground. */
  propagationPolicy?: string;
}

/**
 * FieldSelectorRequirement is a selector that contains values, a key, and an operator that relates the key and values.
 *
 * @example
 * ```ts
 * import type { FieldSelectorRequirement } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: FieldSelectorRequirement): string => JSON.stringify(value);
 * ```
 */
export interface FieldSelectorRequirement {
  /** key is the field selector key that the requirement applies to. */
  key: string;
  /** operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. The list of operators may grow in the future. */
  operator: string;
  /** values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. */
  values?: string[];
}

/**
 * FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.
 *
 * Each key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.
 *
 * The exact format is defined in sigs.k8s.io/structured-merge-diff
 *
 * @example
 * ```ts
 * import type { FieldsV1 } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: FieldsV1): string => JSON.stringify(value);
 * ```
 */
export type FieldsV1 = Record<string, unknown>;

/**
 * GroupResource specifies a Group and a Resource, but does not force a version.  This is useful for identifying concepts during lookup stages without having partially valid types
 *
 * @example
 * ```ts
 * import type { GroupResource } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: GroupResource): string => JSON.stringify(value);
 * ```
 */
export interface GroupResource {
  /** `group`: not described in the Kubernetes OpenAPI document. */
  group: string;
  /** `resource`: not described in the Kubernetes OpenAPI document. */
  resource: string;
}

/**
 * A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.
 *
 * @example
 * ```ts
 * import type { LabelSelector } from "@kubeno/kube/k8s/meta/v1";
 * const value: LabelSelector = {};
 * ```
 */
export interface LabelSelector {
  /** matchExpressions is a list of label selector requirements. The requirements are ANDed. */
  matchExpressions?: LabelSelectorRequirement[];
  /** matchLabels is a map of {key,value} pairs. A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions, whose key field is "key", the operator is "In", and the values array contains only "value". The requirements are ANDed. */
  matchLabels?: Record<string, string>;
}

/**
 * A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.
 *
 * @example
 * ```ts
 * import type { LabelSelectorRequirement } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: LabelSelectorRequirement): string => JSON.stringify(value);
 * ```
 */
export interface LabelSelectorRequirement {
  /** key is the label key that the selector applies to. */
  key: string;
  /** operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist. */
  operator: string;
  /** values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. This array is replaced during a strategic merge patch. */
  values?: string[];
}

/**
 * ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.
 *
 * kubeno: the same type as `ListMeta` of core/resource.ts, which every generated kind uses.
 *
 * @example
 * ```ts
 * import type { ListMeta } from "@kubeno/kube/k8s/meta/v1";
 * const value: ListMeta = {};
 * ```
 */
export type ListMeta = resource.ListMeta;

/**
 * ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.
 *
 * kubeno: the same type as `ManagedFieldsEntry` of core/resource.ts, which every generated kind uses.
 *
 * @example
 * ```ts
 * import type { ManagedFieldsEntry } from "@kubeno/kube/k8s/meta/v1";
 * const value: ManagedFieldsEntry = {};
 * ```
 */
export type ManagedFieldsEntry = resource.ManagedFieldsEntry;

/**
 * MicroTime is version of Time with microsecond level precision.
 *
 * kubeno: in JSON an RFC 3339 date-time string with microseconds, e.g. `2024-05-01T12:00:00.123456Z`.
 *
 * @example
 * ```ts
 * import type { MicroTime } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: MicroTime): string => JSON.stringify(value);
 * ```
 */
export type MicroTime = string;

/**
 * ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.
 *
 * kubeno: the same type as `ObjectMeta` of core/resource.ts, which every generated kind uses.
 *
 * @example
 * ```ts
 * import type { ObjectMeta } from "@kubeno/kube/k8s/meta/v1";
 * const value: ObjectMeta = {};
 * ```
 */
export type ObjectMeta = resource.ObjectMeta;

/**
 * OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.
 *
 * kubeno: the same type as `OwnerReference` of core/resource.ts, which every generated kind uses.
 *
 * @example
 * ```ts
 * import type { OwnerReference } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: OwnerReference): string => JSON.stringify(value);
 * ```
 */
export type OwnerReference = resource.OwnerReference;

/**
 * Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.
 *
 * @example
 * ```ts
 * import type { Patch } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: Patch): string => JSON.stringify(value);
 * ```
 */
export type Patch = Record<string, unknown>;

/**
 * Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.
 *
 * @example
 * ```ts
 * import type { Preconditions } from "@kubeno/kube/k8s/meta/v1";
 * const value: Preconditions = {};
 * ```
 */
export interface Preconditions {
  /** Specifies the target ResourceVersion */
  resourceVersion?: string;
  /** Specifies the target UID. */
  uid?: string;
}

/**
 * ShardInfo describes the shard selector that was applied to produce a list response. Its presence on a list response indicates the list is a filtered subset.
 *
 * @example
 * ```ts
 * import type { ShardInfo } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: ShardInfo): string => JSON.stringify(value);
 * ```
 */
export interface ShardInfo {
  /** selector is the shard selector string from the request, echoed back so clients can verify which shard they received and merge responses from multiple shards. */
  selector: string;
}

/**
 * Status is a return value for calls that don't return other objects.
 *
 * @example
 * ```ts
 * import type { Status } from "@kubeno/kube/k8s/meta/v1";
 * const value: Status = {};
 * ```
 */
export interface Status {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: string;
  /** Suggested HTTP return code for this status, 0 if not set. */
  code?: number;
  /** Extended data associated with the reason.  Each reason may define its own extended details. This field is optional and the data returned is not guaranteed to conform to any schema except that defined by the reason type. */
  details?: StatusDetails;
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: string;
  /** A human-readable description of the status of this operation. */
  message?: string;
  /** Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  metadata?: ListMeta;
  /** A machine-readable description of why this operation is in the "Failure" status. If this value is empty there is no information available. A Reason clarifies an HTTP status code but does not override it. */
  reason?: string;
  /** Status of the operation. One of: "Success" or "Failure". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status */
  status?: string;
}

/**
 * StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.
 *
 * @example
 * ```ts
 * import type { StatusCause } from "@kubeno/kube/k8s/meta/v1";
 * const value: StatusCause = {};
 * ```
 */
export interface StatusCause {
  /**
   * The field of the resource that has caused this error, as named by its JSON serialization. May include dot and postfix notation for nested attributes. Arrays are zero-indexed.  Fields may appear more than once in an array of causes due to fields having multiple errors. Optional.
   *
   * Examples:
   *   "name" - the field "name" on the current resource
   *   "items[0].name" - the field "name" on the first array entry in "items"
   */
  field?: string;
  /** A human-readable description of the cause of the error.  This field may be presented as-is to a reader. */
  message?: string;
  /** A machine-readable description of the cause of the error. If this value is empty there is no information available. */
  reason?: string;
}

/**
 * StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response. The Reason field of a Status object defines what attributes will be set. Clients must ignore fields that do not match the defined type of each attribute, and should assume that any attribute may be empty, invalid, or under defined.
 *
 * @example
 * ```ts
 * import type { StatusDetails } from "@kubeno/kube/k8s/meta/v1";
 * const value: StatusDetails = {};
 * ```
 */
export interface StatusDetails {
  /** The Causes array includes more details associated with the StatusReason failure. Not all StatusReasons may provide detailed causes. */
  causes?: StatusCause[];
  /** The group attribute of the resource associated with the status StatusReason. */
  group?: string;
  /** The kind attribute of the resource associated with the status StatusReason. On some operations may differ from the requested resource Kind. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: string;
  /** The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described). */
  name?: string;
  /** If specified, the time in seconds before the operation should be retried. Some errors may indicate the client must take an alternate action - for those errors this field may indicate how long to wait before taking the alternate action. */
  retryAfterSeconds?: number;
  /** UID of the resource. (when there is a single resource which can be described). More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids */
  uid?: string;
}

/**
 * Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.
 *
 * kubeno: in JSON an RFC 3339 date-time string with seconds precision, e.g. `2024-05-01T12:00:00Z`; parse it with `new Date(s)`.
 *
 * @example
 * ```ts
 * import type { Time } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: Time): string => JSON.stringify(value);
 * ```
 */
export type Time = string;

/**
 * Event represents a single event to a watched resource.
 *
 * @example
 * ```ts
 * import type { WatchEvent } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: WatchEvent): string => JSON.stringify(value);
 * ```
 */
export interface WatchEvent {
  /**
   * Object is:
   *  * If Type is Added or Modified: the new state of the object.
   *  * If Type is Deleted: the state of the object immediately before deletion.
   *  * If Type is Error: *Status is recommended; other types may make sense
   *    depending on context.
   */
  object: RawExtension;
  /** `type`: not described in the Kubernetes OpenAPI document. */
  type: string;
}

/**
 * RawExtension is used to hold extensions in external versions.
 *
 * To use this, make a field which has RawExtension as its type in your external, versioned struct, and Object in your internal struct. You also need to register your various plugin types.
 *
 * // Internal package:
 *
 * 	type MyAPIObject struct {
 * 		runtime.TypeMeta `json:""`
 * 		MyPlugin runtime.Object `json:"myPlugin"`
 * 	}
 *
 * 	type PluginA struct {
 * 		AOption string `json:"aOption"`
 * 	}
 *
 * // External package:
 *
 * 	type MyAPIObject struct {
 * 		runtime.TypeMeta `json:""`
 * 		MyPlugin runtime.RawExtension `json:"myPlugin"`
 * 	}
 *
 * 	type PluginA struct {
 * 		AOption string `json:"aOption"`
 * 	}
 *
 * // On the wire, the JSON will look something like this:
 *
 * 	{
 * 		"kind":"MyAPIObject",
 * 		"apiVersion":"v1",
 * 		"myPlugin": {
 * 			"kind":"PluginA",
 * 			"aOption":"foo",
 * 		},
 * 	}
 *
 * So what happens? Decode first uses json or yaml to unmarshal the serialized data into your external MyAPIObject. That causes the raw JSON to be stored, but not unpacked. The next step is to copy (using pkg/conversion) into the internal struct. The runtime package's DefaultScheme has conversion functions installed which will unpack the JSON stored in RawExtension, turning it into the correct object type, and storing it in the Object. (TODO: In the case where the object is of an unknown type, a runtime.Unknown object will be created and stored.)
 *
 * kubeno: an embedded JSON object, usually a whole Kubernetes object with its own `apiVersion` and `kind`.
 *
 * @example
 * ```ts
 * import type { RawExtension } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: RawExtension): string => JSON.stringify(value);
 * ```
 */
export type RawExtension = Record<string, unknown>;

/**
 * IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.
 *
 * kubeno: a JSON integer or a string (`80` or `"http"`, `"25%"`).
 *
 * @example
 * ```ts
 * import type { IntOrString } from "@kubeno/kube/k8s/meta/v1";
 * const show = (value: IntOrString): string => JSON.stringify(value);
 * ```
 */
export type IntOrString = number | string;
