/**
 * Types and resource descriptors of the Kubernetes API group-version `scheduling.k8s.io/v1alpha3`, generated from the OpenAPI v3 documents of Kubernetes v1.37.2 by `deno task gen` (crd/codegen/gen.ts). Do not edit: regenerate. Prerelease, and not generated in full: only the types that stable group-versions reference (an alpha field of a stable kind); `deno task gen --prerelease` generates all of it.
 *
 * @example
 * ```ts
 * import type { TopologyConstraint } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * export type T = TopologyConstraint;
 * ```
 *
 * @module
 */

/**
 * TopologyConstraint defines a topology constraint for a PodGroup.
 *
 * @example
 * ```ts
 * import type { TopologyConstraint } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const show = (value: TopologyConstraint): string => JSON.stringify(value);
 * ```
 */
export interface TopologyConstraint {
  /** key specifies the key of the node label representing the topology domain. All pods within the PodGroup must be colocated within the same domain instance. Different PodGroups can land on different domain instances even if they derive from the same PodGroupTemplate. Examples: "topology.kubernetes.io/rack" */
  key: string;
}

/**
 * WorkloadPodGroupAllDisruptionMode indicates that all pods in the group must be disrupted together.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupAllDisruptionMode } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const show = (value: WorkloadPodGroupAllDisruptionMode): string => JSON.stringify(value);
 * ```
 */
export type WorkloadPodGroupAllDisruptionMode = Record<string, unknown>;

/**
 * WorkloadPodGroupBasicSchedulingPolicy indicates standard Kubernetes scheduling behavior.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupBasicSchedulingPolicy } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const show = (value: WorkloadPodGroupBasicSchedulingPolicy): string => JSON.stringify(value);
 * ```
 */
export type WorkloadPodGroupBasicSchedulingPolicy = Record<string, unknown>;

/**
 * WorkloadPodGroupDisruptionMode defines how individual pods within a group can be disrupted. Exactly one mode must be set.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupDisruptionMode } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const value: WorkloadPodGroupDisruptionMode = {};
 * ```
 */
export interface WorkloadPodGroupDisruptionMode {
  /** all specifies that all pods in the group must be disrupted together. */
  all?: WorkloadPodGroupAllDisruptionMode;
  /** single specifies that pods can be disrupted independently from each other. */
  single?: WorkloadPodGroupSingleDisruptionMode;
}

/**
 * WorkloadPodGroupGangSchedulingPolicy defines the parameters for gang (all-or-nothing) scheduling.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupGangSchedulingPolicy } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const value: WorkloadPodGroupGangSchedulingPolicy = {};
 * ```
 */
export interface WorkloadPodGroupGangSchedulingPolicy {
  /** minCount is the minimum number of pods that must be scheduled at the same time for the scheduler to admit the entire group. This field is optional. If it is not specified, the controller should inject a context-specific sane default (e.g., parallelism for a Job). If set, it must be a positive integer. */
  minCount?: number;
}

/**
 * WorkloadPodGroupResourceClaim references a dynamic resource claim that is shared across pods in the group.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupResourceClaim } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const show = (value: WorkloadPodGroupResourceClaim): string => JSON.stringify(value);
 * ```
 */
export interface WorkloadPodGroupResourceClaim {
  /** name uniquely identifies this resource claim inside the group. This field is required. It must be a DNS_LABEL. */
  name: string;
  /** resourceClaimName is the name of a ResourceClaim object in the same namespace. This field is optional. If it is not specified, no resource claim is used. If set, it must be a DNS subdomain. */
  resourceClaimName?: string;
  /** resourceClaimTemplateName is the name of a ResourceClaimTemplate object in the same namespace. This field is optional. If it is not specified, no resource claim template is used. If set, it must be a DNS subdomain. */
  resourceClaimTemplateName?: string;
}

/**
 * WorkloadPodGroupSchedulingConstraints defines leaf-level scheduling constraints, such as topology.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupSchedulingConstraints } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const value: WorkloadPodGroupSchedulingConstraints = {};
 * ```
 */
export interface WorkloadPodGroupSchedulingConstraints {
  /** topology specifies desired topological placements for all pods within the pod group. If unset, no topology placement is requested. */
  topology?: TopologyConstraint[];
}

/**
 * WorkloadPodGroupSchedulingPolicy defines the scheduling policy for a group of pods managed by a workload controller. Exactly one policy must be set.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupSchedulingPolicy } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const value: WorkloadPodGroupSchedulingPolicy = {};
 * ```
 */
export interface WorkloadPodGroupSchedulingPolicy {
  /** basic specifies that standard, pod-by-pod Kubernetes scheduling behavior should be used. */
  basic?: WorkloadPodGroupBasicSchedulingPolicy;
  /** gang specifies all-or-nothing scheduling semantics. */
  gang?: WorkloadPodGroupGangSchedulingPolicy;
}

/**
 * WorkloadPodGroupSingleDisruptionMode indicates that individual pods can be disrupted independently.
 *
 * @example
 * ```ts
 * import type { WorkloadPodGroupSingleDisruptionMode } from "@kubeno/kube/k8s/scheduling.k8s.io/v1alpha3";
 * const show = (value: WorkloadPodGroupSingleDisruptionMode): string => JSON.stringify(value);
 * ```
 */
export type WorkloadPodGroupSingleDisruptionMode = Record<string, unknown>;
