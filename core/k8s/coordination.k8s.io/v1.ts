/**
 * Types and descriptors of the `coordination.k8s.io/v1` API group: Lease, the object leader
 * election and node heartbeats use.
 *
 * Hand-written for now; generated types will replace it with the same names.
 *
 * @example
 * ```ts
 * import { Lease } from "@kubeno/kube/k8s/coordination.k8s.io/v1";
 * console.log(Lease.apiVersion); // "coordination.k8s.io/v1"
 * ```
 *
 * @module
 */

import { type KubeObject, resourceType, type ResourceType } from "../../resource.ts";

/**
 * The desired state of a Lease. Times are `MicroTime` strings: RFC 3339 with microseconds,
 * e.g. `2024-05-01T12:00:00.000000Z`.
 *
 * @example
 * ```ts
 * import type { LeaseSpec } from "@kubeno/kube/k8s/coordination.k8s.io/v1";
 * const spec: LeaseSpec = {
 *   holderIdentity: "pod-a", leaseDurationSeconds: 15,
 *   acquireTime: "2024-05-01T12:00:00.000000Z", renewTime: "2024-05-01T12:00:10.000000Z",
 *   leaseTransitions: 0,
 * };
 * ```
 */
export interface LeaseSpec {
  /** Who holds the lease now. */
  holderIdentity?: string;
  /** Seconds a candidate must wait after the last renewal before taking the lease over. */
  leaseDurationSeconds?: number;
  /** When the current holder acquired the lease (MicroTime). */
  acquireTime?: string;
  /** When the current holder last renewed the lease (MicroTime). */
  renewTime?: string;
  /** How many times the lease changed holders. */
  leaseTransitions?: number;
  /** Coordinated leader election (beta): strategy for picking the holder, e.g. `OldestEmulationVersion`. */
  strategy?: string;
  /** Coordinated leader election (beta): the holder the coordinator would prefer. */
  preferredHolder?: string;
}

/**
 * A Lease: a lightweight lock with a holder and a renewal time.
 *
 * @example
 * ```ts
 * import { Lease } from "@kubeno/kube/k8s/coordination.k8s.io/v1";
 * const l: Lease = { metadata: { name: "my-controller", namespace: "kube-system" }, spec: { holderIdentity: "pod-a", leaseDurationSeconds: 15 } };
 * ```
 */
export interface Lease extends KubeObject {
  /** `coordination.k8s.io/v1`. */
  apiVersion?: "coordination.k8s.io/v1";
  /** `Lease`. */
  kind?: "Lease";
  /** The lease's state. */
  spec?: LeaseSpec;
}

/**
 * The descriptor of {@link Lease}: `/apis/coordination.k8s.io/v1/namespaces/{ns}/leases`.
 *
 * @example
 * ```ts
 * import { Lease } from "@kubeno/kube/k8s/coordination.k8s.io/v1";
 * Lease.plural; // "leases"
 * ```
 */
export const Lease: ResourceType<Lease> = resourceType<Lease>({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
});
