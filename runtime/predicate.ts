/**
 * Predicates: which changes of an object are worth a reconcile, after kube-rs' `predicates` and
 * `predicate_filter`. A predicate maps an object to a value; an object passes only when that
 * value differs from the last one seen for the same object. The memory of seen objects is
 * bounded: entries not seen for a TTL go (kube-rs' `PredicateConfig`), and so do entries of
 * deleted objects when deletes are known ({@link PredicateCache.observe}).
 *
 * @module
 */

import type { KubeObject } from "../core/resource.ts";
import { objectKey } from "../core/resource.ts";
import type { WatcherEvent } from "./watcher.ts";

/**
 * A property of an object that a predicate filter compares between versions. Returns
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
function mapText(m: Readonly<Record<string, string>> | undefined): string {
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
 * `generation` alone makes a controller blind to metadata-only changes, such as a finalizer
 * added by {@link finalizer} (the apiserver does not bump the generation for it): combine it
 * with `finalizers` when the reconcile relies on those.
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
 * A predicate that changes when any of `preds` changes (kube-rs' `combine`). It is `undefined`
 * (always pass) only when every one of `preds` is: `combinePredicates(predicates.generation,
 * predicates.labels)` still filters on labels for a kind without a generation.
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
    let known = false;
    for (const p of preds) {
      const v = p(obj);
      if (v !== undefined) known = true;
      s += (v === undefined ? "-" : JSON.stringify(v)) + "|";
    }
    return known ? s : undefined;
  };
}

/**
 * A predicate that is the first of `preds` to give a value (kube-rs' `fallback`), e.g. the
 * generation where the kind has one, else the resourceVersion.
 *
 * @example
 * ```ts
 * import { fallbackPredicate, predicates } from "@kubeno/kube";
 * const specOrAny = fallbackPredicate(predicates.generation, predicates.resourceVersion);
 * ```
 */
export function fallbackPredicate<K>(...preds: Predicate<K>[]): Predicate<K> {
  return (obj) => {
    for (const p of preds) {
      const v = p(obj);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/**
 * Options of a predicate filter (kube-rs' `PredicateConfig`).
 *
 * @example
 * ```ts
 * import type { PredicateConfig } from "@kubeno/kube";
 * const config: PredicateConfig = { ttlMs: 10 * 60_000 };
 * ```
 */
export interface PredicateConfig {
  /**
   * How long an object's last value is remembered after it was last seen, in milliseconds.
   * An object seen again after that passes as if new.
   * @default 3600000 (one hour, as kube-rs)
   */
  ttlMs?: number;
}

interface Entry {
  /** The object key, to drop entries of objects missing from a relist. */
  key: string;
  value: string | number;
  seenAt: number;
}

/**
 * The memory of a predicate filter: the last value of `predicate` per object (by key and UID,
 * so a recreated object always passes), with a bounded size. Entries not seen for
 * `config.ttlMs` are dropped (checked on every call, in time proportional to what is dropped);
 * {@link PredicateCache.observe} also drops the entries of deleted objects, and at the end of a
 * relist those of objects the relist no longer has.
 *
 * {@link predicateFilter} and the Controller's `predicate` option use it; use it directly to
 * filter a loop of your own.
 *
 * @example
 * ```ts
 * import { PredicateCache, predicates } from "@kubeno/kube";
 * const cache = new PredicateCache(predicates.generation, { ttlMs: 60_000 });
 * const v1 = { metadata: { name: "a", uid: "1", generation: 1, resourceVersion: "10" } };
 * const v2 = { metadata: { name: "a", uid: "1", generation: 1, resourceVersion: "11" } };
 * cache.changed(v1); // true: first time
 * cache.changed(v2); // false: only the status changed
 * ```
 */
export class PredicateCache<K extends KubeObject> {
  readonly #predicate: Predicate<K>;
  readonly #ttlMs: number;
  /** Ordered by `seenAt`: every update moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  /** Object keys seen since the relist began (`Init`), or undefined outside a relist. */
  #relist: Set<string> | undefined;

  /**
   * A cache for `predicate`, empty.
   *
   * @param predicate what must change for an object to pass
   * @param config the TTL of entries
   * @throws {RangeError} if `ttlMs` is not a positive number
   */
  constructor(predicate: Predicate<K>, config: PredicateConfig = {}) {
    const ttl = config.ttlMs ?? 3_600_000;
    if (!(ttl > 0)) {
      throw new RangeError(`PredicateConfig.ttlMs must be a positive number of ms, not ${ttl}`);
    }
    this.#predicate = predicate;
    this.#ttlMs = ttl;
  }

  /**
   * How many objects are remembered.
   *
   * @example
   * ```ts
   * import { PredicateCache, predicates } from "@kubeno/kube";
   * new PredicateCache(predicates.labels).size; // 0
   * ```
   */
  get size(): number {
    this.#expire(Date.now());
    return this.#entries.size;
  }

  /**
   * Whether `obj` passes: its predicate value differs from the last one remembered for it (or
   * is `undefined`, or nothing is remembered). Remembers the value and when it was seen.
   *
   * @example
   * ```ts
   * import { PredicateCache, predicates } from "@kubeno/kube";
   * const cache = new PredicateCache(predicates.labels);
   * cache.changed({ metadata: { name: "a", labels: { x: "1" } } }); // true
   * cache.changed({ metadata: { name: "a", labels: { x: "1" } } }); // false
   * ```
   */
  changed(obj: K): boolean {
    const now = Date.now();
    this.#expire(now);
    const value = this.#predicate(obj);
    if (value === undefined) return true;
    const key = objectKey(obj);
    const id = cacheId(obj, key);
    const last = this.#entries.get(id);
    // Delete first so that the entry moves to the end: the map stays ordered by seenAt.
    this.#entries.delete(id);
    this.#entries.set(id, { key, value, seenAt: now });
    return last === undefined || last.value !== value;
  }

  /**
   * Forgets `obj` (every UID it had under its key): it passes next time.
   *
   * @example
   * ```ts
   * import { PredicateCache, predicates } from "@kubeno/kube";
   * const cache = new PredicateCache(predicates.labels);
   * const cm = { metadata: { name: "a", labels: { x: "1" } } };
   * cache.changed(cm);
   * cache.forget(cm);
   * cache.changed(cm); // true
   * ```
   */
  forget(obj: K): void {
    const key = objectKey(obj);
    for (const [id, e] of this.#entries) if (e.key === key) this.#entries.delete(id);
  }

  /**
   * Feeds a watcher event and says whether it should trigger work: `Apply` and `InitApply`
   * when {@link PredicateCache.changed}, `Delete` always (and its entry goes); `Init` and
   * `InitDone` never. At `InitDone`, entries of objects the relist did not contain go too
   * (they were deleted while the watch was down).
   *
   * @example
   * ```ts
   * import { Api, Client, PredicateCache, predicates, shutdownSignal, watcher } from "@kubeno/kube";
   * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
   * const cache = new PredicateCache(predicates.generation);
   * const deployments = Api.all(await Client.tryDefault(), Deployment);
   * for await (const ev of watcher(deployments, { signal: shutdownSignal() })) {
   *   if (cache.observe(ev) && "object" in ev) console.log("spec changed:", ev.object.metadata.name);
   * }
   * ```
   */
  observe(ev: WatcherEvent<K>): boolean {
    switch (ev.type) {
      case "Init":
        this.#relist = new Set();
        return false;
      case "InitApply":
        this.#relist?.add(objectKey(ev.object));
        return this.changed(ev.object);
      case "Apply":
        return this.changed(ev.object);
      case "Delete":
        this.forget(ev.object);
        return true;
      case "InitDone": {
        const kept = this.#relist;
        this.#relist = undefined;
        if (kept) {
          for (const [id, e] of this.#entries) if (!kept.has(e.key)) this.#entries.delete(id);
        }
        return false;
      }
    }
  }

  #expire(now: number): void {
    for (const [id, e] of this.#entries) {
      if (now - e.seenAt < this.#ttlMs) break;
      this.#entries.delete(id);
    }
  }
}

function cacheId(obj: KubeObject, key: string): string {
  return `${key}\u0000${obj.metadata.uid ?? ""}`;
}
