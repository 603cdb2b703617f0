/**
 * Utilities over async iterables of {@link WatcherEvent}s, after kube-rs' `WatchStreamExt`:
 * flatten events to objects, drop changes nobody cares about, transform objects.
 *
 * @module
 */

import { type KubeObject, objectKey } from "../core/resource.ts";
import type { WatcherEvent } from "./watcher.ts";

/**
 * The objects that were added or modified (`InitApply` and `Apply`); deletes are dropped.
 * What a controller reconciles.
 *
 * @example
 * ```ts
 * import { Api, Client, appliedObjects, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * for await (const pod of appliedObjects(watcher(Api.all(await Client.tryDefault(), Pod)))) {
 *   console.log(pod.metadata.name);
 * }
 * ```
 */
export async function* appliedObjects<K>(
  events: AsyncIterable<WatcherEvent<K>>,
): AsyncGenerator<K, void, undefined> {
  for await (const ev of events) {
    if (ev.type === "Apply" || ev.type === "InitApply") yield ev.object;
  }
}

/**
 * The objects that were added, modified or deleted (`InitApply`, `Apply`, `Delete`).
 *
 * Note what it cannot say: an object deleted while the watch was down is not in the relist,
 * so it is not touched at all (there is no last state to report). Use a store
 * ({@link reflector}) to learn that it is gone.
 *
 * @example
 * ```ts
 * import { Api, Client, touchedObjects, watcher } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * for await (const cm of touchedObjects(watcher(Api.all(await Client.tryDefault(), ConfigMap)))) {
 *   console.log(cm.metadata.name);
 * }
 * ```
 */
export async function* touchedObjects<K>(
  events: AsyncIterable<WatcherEvent<K>>,
): AsyncGenerator<K, void, undefined> {
  for await (const ev of events) {
    if (ev.type === "Apply" || ev.type === "InitApply" || ev.type === "Delete") yield ev.object;
  }
}

/**
 * A property of an object that a {@link predicateFilter} compares between versions. Returns
 * `undefined` when it cannot tell (the object then always passes).
 *
 * @example
 * ```ts
 * import type { Predicate } from "@kubeno/kube";
 * import type { Deployment } from "@kubeno/kube/k8s/apps/v1";
 * const replicas: Predicate<Deployment> = (d) => d.spec?.replicas;
 * ```
 */
export type Predicate<K> = (obj: K) => string | number | undefined;

/** A stable text for a string map: key order does not matter. */
function mapText(m: Record<string, string> | undefined): string {
  if (!m) return "";
  const keys = Object.keys(m).sort();
  let s = "";
  for (const k of keys) s += JSON.stringify(k) + ":" + JSON.stringify(m[k]) + ",";
  return s;
}

/**
 * Ready-made predicates, as kube-rs' `predicates`: the generation (spec changes), the labels,
 * the annotations, the finalizers, the resourceVersion (any change).
 *
 * @example
 * ```ts
 * import { predicates } from "@kubeno/kube";
 * predicates.generation({ metadata: { generation: 3 } }); // 3
 * ```
 */
export const predicates: {
  /** `metadata.generation`: changes on spec changes only. Objects without one always pass. */
  readonly generation: Predicate<KubeObject>;
  /** The labels. */
  readonly labels: Predicate<KubeObject>;
  /** The annotations. */
  readonly annotations: Predicate<KubeObject>;
  /** The finalizers. */
  readonly finalizers: Predicate<KubeObject>;
  /** `metadata.resourceVersion`: any change at all. */
  readonly resourceVersion: Predicate<KubeObject>;
} = Object.freeze({
  generation: (obj: KubeObject) => obj.metadata.generation,
  labels: (obj: KubeObject) => mapText(obj.metadata.labels),
  annotations: (obj: KubeObject) => mapText(obj.metadata.annotations),
  finalizers: (obj: KubeObject) => JSON.stringify(obj.metadata.finalizers ?? []),
  resourceVersion: (obj: KubeObject) => obj.metadata.resourceVersion,
});

/**
 * A predicate that changes when any of `preds` changes.
 *
 * @example
 * ```ts
 * import { combinePredicates, predicates } from "@kubeno/kube";
 * const specOrLabels = combinePredicates(predicates.generation, predicates.labels);
 * ```
 */
export function combinePredicates<K>(...preds: Predicate<K>[]): Predicate<K> {
  return (obj) => {
    let s = "";
    for (const p of preds) {
      const v = p(obj);
      if (v === undefined) return undefined;
      s += JSON.stringify(v) + "|";
    }
    return s;
  };
}

/**
 * Passes an object only if `predicate` gives a value other than the last one seen for the same
 * object (by key and UID; a recreated object always passes), as kube-rs' `predicate_filter`.
 * Typically after {@link appliedObjects}: `predicates.generation` drops status-only updates.
 *
 * It remembers one value per object ever seen; deleted objects are not forgotten (a stream of
 * objects carries no deletes).
 *
 * @example
 * ```ts
 * import { Api, Client, appliedObjects, predicateFilter, predicates, watcher } from "@kubeno/kube";
 * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
 * const deployments = Api.all(await Client.tryDefault(), Deployment);
 * for await (const d of predicateFilter(appliedObjects(watcher(deployments)), predicates.generation)) {
 *   console.log("spec changed:", d.metadata.name);
 * }
 * ```
 */
export async function* predicateFilter<K extends KubeObject>(
  objects: AsyncIterable<K>,
  predicate: Predicate<K>,
): AsyncGenerator<K, void, undefined> {
  const seen = new Map<string, { uid: string | undefined; value: string | number }>();
  for await (const obj of objects) {
    const value = predicate(obj);
    if (value === undefined) {
      yield obj;
      continue;
    }
    const key = objectKey(obj);
    const uid = obj.metadata.uid;
    const last = seen.get(key);
    if (last && last.uid === uid && last.value === value) continue;
    seen.set(key, { uid, value });
    yield obj;
  }
}

/**
 * Changes every object of a watcher stream in place with `fn` (kube-rs' `modify`), e.g. to drop
 * fields before they reach a store.
 *
 * @example
 * ```ts
 * import { Api, Client, modify, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const events = modify(watcher(Api.all(await Client.tryDefault(), Pod)), (pod) => {
 *   delete pod.metadata.annotations;
 * });
 * ```
 */
export async function* modify<K>(
  events: AsyncIterable<WatcherEvent<K>>,
  fn: (obj: K) => void,
): AsyncGenerator<WatcherEvent<K>, void, undefined> {
  for await (const ev of events) {
    if ("object" in ev) fn(ev.object);
    yield ev;
  }
}

/**
 * Removes `metadata.managedFields` (often half of a small object) and returns the object.
 * Use it as a reflector `transform` or with {@link modify} to keep a cache small.
 *
 * @example
 * ```ts
 * import { Api, Client, reflector, stripManagedFields, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const r = reflector(watcher(Api.all(await Client.tryDefault(), Pod)), { transform: stripManagedFields });
 * ```
 */
export function stripManagedFields<K extends KubeObject>(obj: K): K {
  if (obj.metadata.managedFields !== undefined) obj.metadata.managedFields = undefined;
  return obj;
}
