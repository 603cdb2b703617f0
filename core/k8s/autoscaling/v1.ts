/**
 * Types of the `autoscaling/v1` API group: Scale, the body of the `scale` subresource.
 *
 * @example
 * ```ts
 * import type { Scale } from "@kubeno/kube/k8s/autoscaling/v1";
 * const s: Scale = { metadata: { name: "web" }, spec: { replicas: 3 } };
 * ```
 *
 * @module
 */

import type { KubeObject } from "../../resource.ts";

/**
 * The `scale` subresource of a workload (Deployment, ReplicaSet, StatefulSet, a custom resource
 * with a scale subresource). There is no descriptor: Scale has no collection of its own, it is
 * read and written through `.../{name}/scale`.
 *
 * @example
 * ```ts
 * import type { Scale } from "@kubeno/kube/k8s/autoscaling/v1";
 * const s: Scale = {
 *   apiVersion: "autoscaling/v1", kind: "Scale",
 *   metadata: { name: "web", namespace: "apps" },
 *   spec: { replicas: 3 },
 *   status: { replicas: 2, selector: "app=web" },
 * };
 * ```
 */
export interface Scale extends KubeObject {
  /** `autoscaling/v1`. */
  apiVersion?: "autoscaling/v1";
  /** `Scale`. */
  kind?: "Scale";
  /** Desired replicas. */
  spec?: { replicas?: number };
  /** Observed replicas, and the label selector of the pods as a string. */
  status?: { replicas: number; selector?: string };
}
