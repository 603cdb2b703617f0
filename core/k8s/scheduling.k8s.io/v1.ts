/**
 * Types and resource descriptors of the Kubernetes API group-version `scheduling.k8s.io/v1`, generated from the OpenAPI v3 documents of Kubernetes v1.37.2 by `deno task gen` (crd/codegen/gen.ts). Do not edit: regenerate.
 *
 * @example
 * ```ts
 * import { PriorityClass } from "@kubeno/kube/k8s/scheduling.k8s.io/v1";
 * console.log(PriorityClass.apiVersion); // "scheduling.k8s.io/v1"
 * ```
 *
 * @module
 */
import { type ResourceType, resourceType } from "../../resource.ts";
import type * as metaV1 from "../meta/v1.ts";

/** PriorityClass defines mapping from a priority class name to the priority integer value. The value can be any valid integer. */
export interface PriorityClass {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "scheduling.k8s.io/v1";
  /** description is an arbitrary string that usually provides guidelines on when this priority class should be used. */
  description?: string;
  /** globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority. */
  globalDefault?: boolean;
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "PriorityClass";
  /** metadata is the standard object metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata */
  metadata: metaV1.ObjectMeta;
  /** preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset. */
  preemptionPolicy?: string;
  /** value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec. */
  value?: number;
}

/**
 * The `priorityclasses` resource of `scheduling.k8s.io/v1` (cluster-scoped; verbs: create, delete, deletecollection, get, list, patch, update, watch). Pass it to `Api` to read and write {@link PriorityClass} objects.
 *
 * @example
 * ```ts
 * import { PriorityClass } from "@kubeno/kube/k8s/scheduling.k8s.io/v1";
 * console.log(PriorityClass.plural); // "priorityclasses"
 * ```
 */
export const PriorityClass: ResourceType<PriorityClass> = resourceType<PriorityClass>({
  group: "scheduling.k8s.io",
  version: "v1",
  kind: "PriorityClass",
  plural: "priorityclasses",
  namespaced: false,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
});

/**
 * PriorityClassList is a collection of priority classes.
 *
 * @example
 * ```ts
 * import type { PriorityClassList } from "@kubeno/kube/k8s/scheduling.k8s.io/v1";
 * const value: PriorityClassList = { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClassList", items: [] };
 * ```
 */
export interface PriorityClassList {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "scheduling.k8s.io/v1";
  /** items is the list of PriorityClasses */
  items: PriorityClass[];
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "PriorityClassList";
  /** Standard list metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata */
  metadata?: metaV1.ListMeta;
}
