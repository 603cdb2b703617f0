/**
 * Types and descriptors of the core `v1` API group: Namespace, ConfigMap, Secret, Pod, Service.
 *
 * Hand-written subsets for now; generated, complete types will replace them with the same
 * names. Fields not listed here still round-trip: objects are plain JSON.
 *
 * @example
 * ```ts
 * import { ConfigMap, Pod } from "@kubeno/kube/k8s/core/v1";
 * console.log(Pod.plural, ConfigMap.apiVersion); // "pods" "v1"
 * ```
 *
 * @module
 */

import {
  type KubeObject,
  type ObjectMeta,
  resourceType,
  type ResourceType,
} from "../../resource.ts";

/**
 * A namespace: a scope for names. Cluster-scoped.
 *
 * @example
 * ```ts
 * import { Namespace } from "@kubeno/kube/k8s/core/v1";
 * const ns: Namespace = { metadata: { name: "apps", labels: { team: "blog" } } };
 * ```
 */
export interface Namespace extends KubeObject {
  /** `v1`. */
  apiVersion?: "v1";
  /** `Namespace`. */
  kind?: "Namespace";
  /** Finalizers that must run before the namespace is removed. */
  spec?: { finalizers?: string[] };
  /** `Active`, or `Terminating` once deletion began. */
  status?: { phase?: "Active" | "Terminating"; conditions?: Condition[] };
}

/**
 * The descriptor of {@link Namespace}: `/api/v1/namespaces`, cluster-scoped.
 *
 * @example
 * ```ts
 * import { Namespace } from "@kubeno/kube/k8s/core/v1";
 * Namespace.namespaced; // false
 * ```
 */
export const Namespace: ResourceType<Namespace> = resourceType<Namespace>({
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
});

/**
 * A generic condition (`type`, `status`, `reason`, `message`), as in most `status.conditions`.
 *
 * @example
 * ```ts
 * import type { Condition } from "@kubeno/kube/k8s/core/v1";
 * const c: Condition = { type: "Ready", status: "True" };
 * ```
 */
export interface Condition {
  /** Condition type, e.g. `Ready`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: "True" | "False" | "Unknown";
  /** Machine-readable reason of the last transition. */
  reason?: string;
  /** Human-readable message. */
  message?: string;
  /** When the status last changed (RFC 3339). */
  lastTransitionTime?: string;
}

/**
 * Non-secret configuration data as string (or base64 binary) key/value pairs.
 *
 * @example
 * ```ts
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const cm: ConfigMap = { metadata: { name: "cfg", namespace: "apps" }, data: { "log.level": "debug" } };
 * ```
 */
export interface ConfigMap extends KubeObject {
  /** `v1`. */
  apiVersion?: "v1";
  /** `ConfigMap`. */
  kind?: "ConfigMap";
  /** UTF-8 string values. */
  data?: Record<string, string>;
  /** Binary values, base64-encoded. */
  binaryData?: Record<string, string>;
  /** If true, `data` and `binaryData` can no longer change. */
  immutable?: boolean;
}

/**
 * The descriptor of {@link ConfigMap}: `/api/v1/namespaces/{ns}/configmaps`.
 *
 * @example
 * ```ts
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * ConfigMap.plural; // "configmaps"
 * ```
 */
export const ConfigMap: ResourceType<ConfigMap> = resourceType<ConfigMap>({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
});

/**
 * Secret data. Values in `data` are base64-encoded; `stringData` is a write-only convenience
 * the server merges into `data`.
 *
 * @example
 * ```ts
 * import { Secret } from "@kubeno/kube/k8s/core/v1";
 * const s: Secret = { metadata: { name: "db" }, type: "Opaque", stringData: { password: "hunter2" } };
 * ```
 */
export interface Secret extends KubeObject {
  /** `v1`. */
  apiVersion?: "v1";
  /** `Secret`. */
  kind?: "Secret";
  /** Values, base64-encoded. */
  data?: Record<string, string>;
  /** Plain-text values, write-only; merged into `data` by the server. */
  stringData?: Record<string, string>;
  /** Secret type, e.g. `Opaque`, `kubernetes.io/tls`, `kubernetes.io/dockerconfigjson`. */
  type?: string;
  /** If true, the data can no longer change. */
  immutable?: boolean;
}

/**
 * The descriptor of {@link Secret}: `/api/v1/namespaces/{ns}/secrets`.
 *
 * @example
 * ```ts
 * import { Secret } from "@kubeno/kube/k8s/core/v1";
 * Secret.kind; // "Secret"
 * ```
 */
export const Secret: ResourceType<Secret> = resourceType<Secret>({
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
});

/**
 * An environment variable of a container: a literal value or a reference.
 *
 * @example
 * ```ts
 * import type { EnvVar } from "@kubeno/kube/k8s/core/v1";
 * const e: EnvVar = { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } };
 * ```
 */
export interface EnvVar {
  /** Variable name. */
  name: string;
  /** Literal value; `$(VAR)` references are expanded. */
  value?: string;
  /** Where the value comes from instead. */
  valueFrom?: {
    /** A field of the pod, e.g. `metadata.name`. */
    fieldRef?: { fieldPath: string; apiVersion?: string };
    /** A key of a ConfigMap. */
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    /** A key of a Secret. */
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    /** A resource limit or request of a container. */
    resourceFieldRef?: { resource: string; containerName?: string; divisor?: string };
  };
}

/**
 * Compute resources of a container: quantities as strings (`"100m"`, `"128Mi"`).
 *
 * @example
 * ```ts
 * import type { ResourceRequirements } from "@kubeno/kube/k8s/core/v1";
 * const r: ResourceRequirements = { requests: { cpu: "100m" }, limits: { memory: "128Mi" } };
 * ```
 */
export interface ResourceRequirements {
  /** Upper bounds. */
  limits?: Record<string, string>;
  /** What the scheduler reserves. */
  requests?: Record<string, string>;
}

/**
 * A probe of a container's health: one handler plus timing.
 *
 * @example
 * ```ts
 * import type { Probe } from "@kubeno/kube/k8s/core/v1";
 * const p: Probe = { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 };
 * ```
 */
export interface Probe {
  /** Run a command; success is exit code 0. */
  exec?: { command?: string[] };
  /** An HTTP GET; success is a 2xx or 3xx. */
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: "HTTP" | "HTTPS" };
  /** A TCP connect. */
  tcpSocket?: { port: number | string; host?: string };
  /** Seconds before the first probe. */
  initialDelaySeconds?: number;
  /** Seconds between probes. */
  periodSeconds?: number;
  /** Seconds before a probe times out. */
  timeoutSeconds?: number;
  /** Consecutive failures before giving up. */
  failureThreshold?: number;
  /** Consecutive successes to count as healthy again. */
  successThreshold?: number;
}

/**
 * One container of a pod (a subset of the API's fields).
 *
 * @example
 * ```ts
 * import type { Container } from "@kubeno/kube/k8s/core/v1";
 * const c: Container = { name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] };
 * ```
 */
export interface Container {
  /** Name, unique in the pod. */
  name: string;
  /** Image reference. */
  image?: string;
  /** `Always`, `IfNotPresent` or `Never`. */
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Entrypoint, replacing the image's. */
  command?: string[];
  /** Arguments. */
  args?: string[];
  /** Working directory. */
  workingDir?: string;
  /** Environment variables. */
  env?: EnvVar[];
  /** Ports the container listens on (informational). */
  ports?: { name?: string; containerPort: number; protocol?: "TCP" | "UDP" | "SCTP" }[];
  /** Compute resources. */
  resources?: ResourceRequirements;
  /** Volumes mounted into the container. */
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  /** Restart the container when this fails. */
  livenessProbe?: Probe;
  /** Take the pod out of Service endpoints when this fails. */
  readinessProbe?: Probe;
  /** Hold the other probes until this succeeds. */
  startupProbe?: Probe;
  /** Allocate a stdin buffer (for attach). */
  stdin?: boolean;
  /** Allocate a TTY. */
  tty?: boolean;
  /** For init containers only: `Always` makes it a sidecar. */
  restartPolicy?: "Always";
}

/**
 * A volume of a pod (a subset of the volume sources).
 *
 * @example
 * ```ts
 * import type { Volume } from "@kubeno/kube/k8s/core/v1";
 * const v: Volume = { name: "cfg", configMap: { name: "blog-config" } };
 * ```
 */
export interface Volume {
  /** Name, referenced by `volumeMounts`. */
  name: string;
  /** A scratch directory that lives as long as the pod. */
  emptyDir?: { medium?: string; sizeLimit?: string };
  /** The keys of a ConfigMap as files. */
  configMap?: { name: string; optional?: boolean; items?: { key: string; path: string }[] };
  /** The keys of a Secret as files. */
  secret?: { secretName: string; optional?: boolean; items?: { key: string; path: string }[] };
  /** A PersistentVolumeClaim. */
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  /** A directory of the node. */
  hostPath?: { path: string; type?: string };
}

/**
 * What a pod should run (a subset of the API's fields).
 *
 * @example
 * ```ts
 * import type { PodSpec } from "@kubeno/kube/k8s/core/v1";
 * const spec: PodSpec = { containers: [{ name: "web", image: "nginx:1.27" }], restartPolicy: "Always" };
 * ```
 */
export interface PodSpec {
  /** The containers. At least one. */
  containers: Container[];
  /** Containers run to completion, in order, before the others start. */
  initContainers?: Container[];
  /** Volumes the containers can mount. */
  volumes?: Volume[];
  /** `Always`, `OnFailure` or `Never`. */
  restartPolicy?: "Always" | "OnFailure" | "Never";
  /** Node the pod is bound to; set by the scheduler. */
  nodeName?: string;
  /** Only nodes with these labels. */
  nodeSelector?: Record<string, string>;
  /** Service account the pod runs as. */
  serviceAccountName?: string;
  /** Seconds a pod may run before it is stopped, for run-to-completion pods. */
  activeDeadlineSeconds?: number;
  /** Seconds between SIGTERM and SIGKILL on deletion. */
  terminationGracePeriodSeconds?: number;
  /** Use the node's network namespace. */
  hostNetwork?: boolean;
  /** Tolerated node taints. */
  tolerations?: {
    key?: string;
    operator?: "Exists" | "Equal";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    tolerationSeconds?: number;
  }[];
  /** Name of a PriorityClass. */
  priorityClassName?: string;
  /** Name of the scheduler. */
  schedulerName?: string;
  /** Image pull secrets. */
  imagePullSecrets?: { name: string }[];
}

/**
 * The state of one container.
 *
 * @example
 * ```ts
 * import type { ContainerStatus } from "@kubeno/kube/k8s/core/v1";
 * const s: ContainerStatus = { name: "web", ready: true, restartCount: 0, image: "nginx:1.27", imageID: "", state: { running: { startedAt: "2024-01-01T00:00:00Z" } } };
 * ```
 */
export interface ContainerStatus {
  /** Container name. */
  name: string;
  /** Passed its readiness probe. */
  ready: boolean;
  /** Times the container restarted. */
  restartCount: number;
  /** Image it runs. */
  image: string;
  /** Resolved image id. */
  imageID: string;
  /** Runtime id, `<type>://<id>`. */
  containerID?: string;
  /** Passed its startup probe. */
  started?: boolean;
  /** Current state: exactly one of the members is set. */
  state?: ContainerState;
  /** The previous termination, if any. */
  lastState?: ContainerState;
}

/**
 * The state of a container: waiting, running or terminated.
 *
 * @example
 * ```ts
 * import type { ContainerState } from "@kubeno/kube/k8s/core/v1";
 * const s: ContainerState = { waiting: { reason: "ImagePullBackOff" } };
 * ```
 */
export interface ContainerState {
  /** Not running yet. */
  waiting?: { reason?: string; message?: string };
  /** Running since `startedAt`. */
  running?: { startedAt?: string };
  /** Ended. */
  terminated?: {
    exitCode: number;
    signal?: number;
    reason?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

/**
 * The observed state of a pod (a subset).
 *
 * @example
 * ```ts
 * import type { PodStatus } from "@kubeno/kube/k8s/core/v1";
 * const s: PodStatus = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
 * ```
 */
export interface PodStatus {
  /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  /** `PodScheduled`, `Initialized`, `ContainersReady`, `Ready`, ... */
  conditions?: Condition[];
  /** Human-readable reason of the phase. */
  message?: string;
  /** Machine-readable reason, e.g. `Evicted`. */
  reason?: string;
  /** IP of the node. */
  hostIP?: string;
  /** IP of the pod. */
  podIP?: string;
  /** IPs of the pod, one per family. */
  podIPs?: { ip: string }[];
  /** When the kubelet acknowledged the pod (RFC 3339). */
  startTime?: string;
  /** `Guaranteed`, `Burstable` or `BestEffort`. */
  qosClass?: "Guaranteed" | "Burstable" | "BestEffort";
  /** States of the init containers. */
  initContainerStatuses?: ContainerStatus[];
  /** States of the containers. */
  containerStatuses?: ContainerStatus[];
}

/**
 * A pod: one or more containers scheduled together on a node.
 *
 * @example
 * ```ts
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const p: Pod = {
 *   metadata: { name: "blog", labels: { app: "blog" } },
 *   spec: { containers: [{ name: "blog", image: "clux/blog:0.1.0" }] },
 * };
 * ```
 */
export interface Pod extends KubeObject {
  /** `v1`. */
  apiVersion?: "v1";
  /** `Pod`. */
  kind?: "Pod";
  /** What to run. */
  spec?: PodSpec;
  /** What runs; written by the kubelet. */
  status?: PodStatus;
}

/**
 * The descriptor of {@link Pod}: `/api/v1/namespaces/{ns}/pods`.
 *
 * @example
 * ```ts
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * Pod.plural; // "pods"
 * ```
 */
export const Pod: ResourceType<Pod> = resourceType<Pod>({
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  namespaced: true,
});

/**
 * A pod template: labels and spec of the pods a workload creates.
 *
 * @example
 * ```ts
 * import type { PodTemplateSpec } from "@kubeno/kube/k8s/core/v1";
 * const t: PodTemplateSpec = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } };
 * ```
 */
export interface PodTemplateSpec {
  /** Metadata of the pods; the labels must match the workload's selector. */
  metadata?: ObjectMeta;
  /** Spec of the pods. */
  spec?: PodSpec;
}

/**
 * One port of a Service.
 *
 * @example
 * ```ts
 * import type { ServicePort } from "@kubeno/kube/k8s/core/v1";
 * const p: ServicePort = { name: "http", port: 80, targetPort: "http" };
 * ```
 */
export interface ServicePort {
  /** Name, required when there are several ports. */
  name?: string;
  /** `TCP` (default), `UDP` or `SCTP`. */
  protocol?: "TCP" | "UDP" | "SCTP";
  /** Port the Service exposes. */
  port: number;
  /** Port, or port name, on the pods. */
  targetPort?: number | string;
  /** Port on every node, for `NodePort` and `LoadBalancer`. */
  nodePort?: number;
  /** Application protocol hint. */
  appProtocol?: string;
}

/**
 * A Service: a stable address in front of the pods its selector picks (basic fields).
 *
 * @example
 * ```ts
 * import { Service } from "@kubeno/kube/k8s/core/v1";
 * const s: Service = { metadata: { name: "blog" }, spec: { selector: { app: "blog" }, ports: [{ port: 80, targetPort: 8080 }] } };
 * ```
 */
export interface Service extends KubeObject {
  /** `v1`. */
  apiVersion?: "v1";
  /** `Service`. */
  kind?: "Service";
  /** Desired behaviour. */
  spec?: {
    /** `ClusterIP` (default), `NodePort`, `LoadBalancer` or `ExternalName`. */
    type?: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
    /** Pods with these labels receive the traffic. */
    selector?: Record<string, string>;
    /** Exposed ports. */
    ports?: ServicePort[];
    /** Virtual IP; `None` makes a headless Service. */
    clusterIP?: string;
    /** Virtual IPs, one per family. */
    clusterIPs?: string[];
    /** DNS name for `ExternalName` Services. */
    externalName?: string;
    /** `None` or `ClientIP`. */
    sessionAffinity?: "None" | "ClientIP";
  };
  /** Observed state. */
  status?: {
    /** Load balancer addresses, for `LoadBalancer` Services. */
    loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
    /** Conditions. */
    conditions?: Condition[];
  };
}

/**
 * The descriptor of {@link Service}: `/api/v1/namespaces/{ns}/services`.
 *
 * @example
 * ```ts
 * import { Service } from "@kubeno/kube/k8s/core/v1";
 * Service.plural; // "services"
 * ```
 */
export const Service: ResourceType<Service> = resourceType<Service>({
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  namespaced: true,
});
