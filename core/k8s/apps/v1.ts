/**
 * Types and descriptors of the `apps/v1` API group: Deployment.
 *
 * Hand-written subset for now; generated, complete types will replace it with the same names.
 *
 * @example
 * ```ts
 * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
 * console.log(Deployment.apiVersion); // "apps/v1"
 * ```
 *
 * @module
 */

import { type KubeObject, resourceType, type ResourceType } from "../../resource.ts";
import type { LabelSelector } from "../../selector.ts";
import type { PodTemplateSpec } from "../core/v1.ts";

/**
 * How a Deployment replaces old pods with new ones.
 *
 * @example
 * ```ts
 * import type { DeploymentStrategy } from "@kubeno/kube/k8s/apps/v1";
 * const s: DeploymentStrategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } };
 * ```
 */
export interface DeploymentStrategy {
  /** `RollingUpdate` (default) or `Recreate`. */
  type?: "RollingUpdate" | "Recreate";
  /** Limits of a rolling update: a count or a percentage such as `"25%"`. */
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

/**
 * A condition of a Deployment: `Available`, `Progressing` or `ReplicaFailure`.
 *
 * @example
 * ```ts
 * import type { DeploymentCondition } from "@kubeno/kube/k8s/apps/v1";
 * const c: DeploymentCondition = { type: "Available", status: "True", reason: "MinimumReplicasAvailable" };
 * ```
 */
export interface DeploymentCondition {
  /** Condition type. */
  type: "Available" | "Progressing" | "ReplicaFailure" | (string & Record<never, never>);
  /** `True`, `False` or `Unknown`. */
  status: "True" | "False" | "Unknown";
  /** Machine-readable reason. */
  reason?: string;
  /** Human-readable message. */
  message?: string;
  /** Last time the condition was probed (RFC 3339). */
  lastUpdateTime?: string;
  /** Last time the status changed (RFC 3339). */
  lastTransitionTime?: string;
}

/**
 * The desired state of a Deployment.
 *
 * @example
 * ```ts
 * import type { DeploymentSpec } from "@kubeno/kube/k8s/apps/v1";
 * const spec: DeploymentSpec = {
 *   replicas: 2,
 *   selector: { matchLabels: { app: "web" } },
 *   template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
 * };
 * ```
 */
export interface DeploymentSpec {
  /** Desired pod count; 1 when omitted. */
  replicas?: number;
  /** Which pods belong to the Deployment; must match the template's labels; immutable. */
  selector: LabelSelector;
  /** The pods to create. */
  template: PodTemplateSpec;
  /** How to replace old pods. */
  strategy?: DeploymentStrategy;
  /** Seconds a new pod must be ready before it counts as available. */
  minReadySeconds?: number;
  /** Old ReplicaSets kept for rollback; 10 by default. */
  revisionHistoryLimit?: number;
  /** Pause rollouts. */
  paused?: boolean;
  /** Seconds without progress before the Deployment reports `ProgressDeadlineExceeded`. */
  progressDeadlineSeconds?: number;
}

/**
 * The observed state of a Deployment.
 *
 * @example
 * ```ts
 * import type { DeploymentStatus } from "@kubeno/kube/k8s/apps/v1";
 * const s: DeploymentStatus = { observedGeneration: 3, replicas: 2, readyReplicas: 2, availableReplicas: 2 };
 * ```
 */
export interface DeploymentStatus {
  /** The generation the controller last acted on. */
  observedGeneration?: number;
  /** Pods targeted by the Deployment. */
  replicas?: number;
  /** Pods with the current template. */
  updatedReplicas?: number;
  /** Pods ready. */
  readyReplicas?: number;
  /** Pods available (ready for `minReadySeconds`). */
  availableReplicas?: number;
  /** Pods still needed for 100% availability. */
  unavailableReplicas?: number;
  /** Pods being terminated. */
  terminatingReplicas?: number;
  /** Conditions. */
  conditions?: DeploymentCondition[];
  /** Hash collision counter, for naming ReplicaSets. */
  collisionCount?: number;
}

/**
 * A Deployment: declarative updates of a set of identical pods through ReplicaSets.
 *
 * @example
 * ```ts
 * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
 * const d: Deployment = {
 *   metadata: { name: "web", namespace: "apps" },
 *   spec: {
 *     replicas: 3,
 *     selector: { matchLabels: { app: "web" } },
 *     template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
 *   },
 * };
 * ```
 */
export interface Deployment extends KubeObject {
  /** `apps/v1`. */
  apiVersion?: "apps/v1";
  /** `Deployment`. */
  kind?: "Deployment";
  /** Desired state. */
  spec?: DeploymentSpec;
  /** Observed state. */
  status?: DeploymentStatus;
}

/**
 * The descriptor of {@link Deployment}: `/apis/apps/v1/namespaces/{ns}/deployments`.
 * Has the `status` and `scale` subresources.
 *
 * @example
 * ```ts
 * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
 * Deployment.plural; // "deployments"
 * ```
 */
export const Deployment: ResourceType<Deployment> = resourceType<Deployment>({
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
});
