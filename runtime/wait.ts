/**
 * Waiting for an object to reach a condition: watch it until a predicate holds.
 *
 * @module
 */

import type { KubeObject } from "../core/resource.ts";
import type { CustomResourceDefinition } from "../core/k8s/apiextensions.k8s.io/v1.ts";
import type { Deployment } from "../core/k8s/apps/v1.ts";
import type { Job } from "../core/k8s/batch/v1.ts";
import type { Pod } from "../core/k8s/core/v1.ts";
import { type WatchableApi, watcher, type WatcherConfig } from "./watcher.ts";

/**
 * A predicate over an object's current state; `undefined` means the object does not exist.
 *
 * @example
 * ```ts
 * import type { Condition } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * const hasIp: Condition<Pod> = (pod) => !!pod?.status?.podIP;
 * ```
 */
export type Condition<K> = (obj: K | undefined) => boolean;

/**
 * Options of {@link awaitCondition}.
 *
 * @example
 * ```ts
 * import type { AwaitConditionOptions } from "@kubeno/kube";
 * const o: AwaitConditionOptions = { signal: AbortSignal.timeout(30_000) };
 * ```
 */
export interface AwaitConditionOptions {
  /** Gives up: the promise rejects with the signal's reason (a `TimeoutError` for a timeout). */
  signal?: AbortSignal;
  /** Told of watch errors the wait recovers from (see the watcher's `onError`). */
  onError?: WatcherConfig["onError"];
}

/**
 * Watches the object `name` of `api` until `condition` holds, and resolves to the object's
 * state at that moment (`undefined` if it holds for an absent object, e.g. {@link
 * conditions.isDeleted}). Checks the current state first, so a condition that already holds
 * resolves at once. Watch errors are retried; only the signal ends the wait early.
 *
 * @example
 * ```ts
 * // doc:no-run: waits for a CRD your program installed (applyCrd does this wait itself)
 * import { Api, awaitCondition, Client, conditions } from "@kubeno/kube";
 * import { CustomResourceDefinition } from "@kubeno/kube/k8s/apiextensions.k8s.io/v1";
 * const crds = Api.all(await Client.tryDefault(), CustomResourceDefinition);
 * await awaitCondition(crds, "foos.clux.dev", conditions.isCrdEstablished, {
 *   signal: AbortSignal.timeout(10_000),
 * });
 * ```
 */
export async function awaitCondition<K extends KubeObject>(
  api: WatchableApi<K>,
  name: string,
  condition: Condition<K>,
  options: AwaitConditionOptions = {},
): Promise<K | undefined> {
  const { signal } = options;
  signal?.throwIfAborted();
  const ac = new AbortController();
  const stop = () => ac.abort(signal?.reason);
  signal?.addEventListener("abort", stop, { once: true });
  try {
    const config: WatcherConfig = {
      fieldSelector: `metadata.name=${name}`,
      signal: ac.signal,
    };
    if (options.onError) config.onError = options.onError;
    let initial: K | undefined;
    for await (const ev of watcher(api, config)) {
      switch (ev.type) {
        case "Init":
          initial = undefined;
          break;
        case "InitApply":
          if (ev.object.metadata.name === name) initial = ev.object;
          break;
        case "InitDone":
          if (condition(initial)) return initial;
          break;
        case "Apply":
          if (ev.object.metadata.name === name && condition(ev.object)) return ev.object;
          break;
        case "Delete":
          if (ev.object.metadata.name === name && condition(undefined)) return undefined;
          break;
      }
    }
    // The watcher only ends when aborted.
    throw signal?.reason ?? new DOMException("awaitCondition was aborted", "AbortError");
  } finally {
    signal?.removeEventListener("abort", stop);
    ac.abort();
  }
}

interface WithConditions {
  status?: { conditions?: readonly { type: string; status: string; reason?: string }[] };
}

function hasCondition(obj: WithConditions | undefined, type: string, status = "True"): boolean {
  return obj?.status?.conditions?.some((c) => c.type === type && c.status === status) ?? false;
}

/**
 * Ready-made {@link Condition}s, as kube-rs' `conditions` module.
 *
 * @example
 * ```ts
 * import { Api, awaitCondition, Client, conditions } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * const pod = await pods.get("blog");
 * await pods.delete("blog");
 * await awaitCondition(pods, "blog", conditions.isDeleted(pod.metadata.uid!));
 * ```
 */
export const conditions: {
  /**
   * The object with this uid is gone: absent, or replaced by another object of the same name.
   */
  readonly isDeleted: (uid: string) => Condition<KubeObject>;
  /** The CustomResourceDefinition's `Established` condition is `True`: its API is served. */
  readonly isCrdEstablished: Condition<CustomResourceDefinition>;
  /** The Pod's phase is `Running`. */
  readonly isPodRunning: Condition<Pod>;
  /** The Job's `Complete` condition is `True`. */
  readonly isJobCompleted: Condition<Job>;
  /**
   * The Deployment's rollout finished: its latest spec was observed and its `Progressing`
   * condition has reason `NewReplicaSetAvailable`.
   */
  readonly isDeploymentCompleted: Condition<Deployment>;
} = Object.freeze({
  isDeleted: (uid: string): Condition<KubeObject> => (obj) =>
    obj === undefined || obj.metadata.uid !== uid,
  isCrdEstablished: (crd: CustomResourceDefinition | undefined) => hasCondition(crd, "Established"),
  isPodRunning: (pod: Pod | undefined) => pod?.status?.phase === "Running",
  isJobCompleted: (job: Job | undefined) => hasCondition(job, "Complete"),
  isDeploymentCompleted: (d: Deployment | undefined) => {
    if (!d) return false;
    const observed = d.status?.observedGeneration ?? 0;
    if (d.metadata.generation !== undefined && observed < d.metadata.generation) return false;
    return d.status?.conditions?.some((c) =>
      c.type === "Progressing" && c.status === "True" && c.reason === "NewReplicaSetAvailable"
    ) ?? false;
  },
});
