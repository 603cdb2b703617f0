/**
 * Utilities over async iterables of {@link WatcherEvent}s, after kube-rs' `WatchStreamExt`:
 * flatten events to objects, drop changes nobody cares about, transform objects.
 *
 * @module
 */

import type { KubeObject } from "../core/resource.ts";
import { type Predicate, PredicateCache, type PredicateConfig } from "./predicate.ts";
import type { WatcherEvent } from "./watcher.ts";

/**
 * The objects that were added or modified (`InitApply` and `Apply`); deletes are dropped.
 * What a controller reconciles.
 *
 * @example
 * ```ts
 * import { Api, appliedObjects, Client, shutdownSignal, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.all(await Client.tryDefault(), Pod);
 * for await (const pod of appliedObjects(watcher(pods, { signal: shutdownSignal() }))) {
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
 * import { Api, Client, shutdownSignal, touchedObjects, watcher } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const cms = Api.all(await Client.tryDefault(), ConfigMap);
 * for await (const cm of touchedObjects(watcher(cms, { signal: shutdownSignal() }))) {
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
 * Passes an object only if `predicate` gives a value other than the last one seen for the same
 * object (by key and UID; a recreated object always passes), as kube-rs' `predicate_filter`.
 * Typically after {@link appliedObjects}: `predicates.generation` drops status-only updates.
 *
 * Its memory is bounded by `config.ttlMs` (default one hour, as kube-rs' `PredicateConfig`): an
 * object not seen for that long is forgotten and passes when seen again. A stream of objects
 * carries no deletes; to forget deleted objects at once, filter watcher events with a
 * {@link PredicateCache} (`observe`) or use the Controller's `predicate` option.
 *
 * @example
 * ```ts
 * import { Api, appliedObjects, Client, predicateFilter, predicates, shutdownSignal, watcher } from "@kubeno/kube";
 * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
 * const deployments = Api.all(await Client.tryDefault(), Deployment);
 * const signal = shutdownSignal();
 * for await (const d of predicateFilter(appliedObjects(watcher(deployments, { signal })), predicates.generation)) {
 *   console.log("spec changed:", d.metadata.name);
 * }
 * ```
 */
export async function* predicateFilter<K extends KubeObject>(
  objects: AsyncIterable<K>,
  predicate: Predicate<K>,
  config: PredicateConfig = {},
): AsyncGenerator<K, void, undefined> {
  const cache = new PredicateCache(predicate, config);
  for await (const obj of objects) {
    if (cache.changed(obj)) yield obj;
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
