/**
 * The `Store`: an in-memory cache of the objects a watcher reports, keyed by
 * `namespace/name`, with secondary indexes. Fed by a {@link reflector}.
 *
 * @module
 */

import { keyOf, type KubeObject, objectKey } from "../core/resource.ts";
import type { WatcherEvent } from "./watcher.ts";

/**
 * A read-only view of `T`, all the way down: what {@link Store} hands out. The store's objects
 * are its cache, shared by every reader (and, in a {@link Controller}, by every reconcile): a
 * change made to one would be what the next reader sees, although the server never had it.
 * Read them as they are; to change one, copy it first: `structuredClone(obj) as ConfigMap`
 * (the copy is yours). Functions that only read an object (`objectKey`, `objectRef`,
 * `ownerReference`, `finalizer`, `Recorder.publishFor`) accept the read-only view.
 *
 * Types only: nothing is frozen at run time.
 *
 * @example
 * ```ts
 * import type { DeepReadonly } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * function show(cm: DeepReadonly<ConfigMap>) {
 *   // cm.data!.x = "y"; // a type error: copy first
 *   const copy: ConfigMap = structuredClone(cm) as ConfigMap;
 *   copy.data = { ...copy.data, x: "y" };
 * }
 * ```
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown ? T
  : T extends ReadonlyArray<infer U> ? ReadonlyArray<DeepReadonly<U>>
  : T extends object ? { readonly [P in keyof T]: DeepReadonly<T[P]> }
  : T;

/**
 * Computes the index values of an object: one value, several, or none (`undefined` or `[]`:
 * the object is not in that index).
 *
 * @example
 * ```ts
 * import type { Indexer } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * const byNode: Indexer<Pod> = (pod) => pod.spec?.nodeName;
 * ```
 */
export type Indexer<K> = (obj: K) => string | readonly string[] | undefined;

/**
 * Ready-made indexers: by namespace, by the value of a label, by owner UID, by controller UID.
 *
 * @example
 * ```ts
 * import { indexers, Store } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * const store = new Store<Pod>({
 *   indexers: { namespace: indexers.namespace, app: indexers.label("app"), owner: indexers.ownerUid },
 * });
 * store.byIndex("app", "blog");
 * ```
 */
export const indexers: {
  /** The object's namespace (cluster-scoped objects are not indexed). */
  readonly namespace: Indexer<KubeObject>;
  /** The value of label `name` (objects without it are not indexed). */
  label(name: string): Indexer<KubeObject>;
  /** The UIDs of every owner reference. */
  readonly ownerUid: Indexer<KubeObject>;
  /** The UID of the controlling owner reference (`controller: true`). */
  readonly controllerUid: Indexer<KubeObject>;
} = Object.freeze({
  namespace: (obj: KubeObject) => obj.metadata.namespace || undefined,
  label: (name: string): Indexer<KubeObject> => (obj: KubeObject) => obj.metadata.labels?.[name],
  ownerUid: (obj: KubeObject) => obj.metadata.ownerReferences?.map((r) => r.uid),
  controllerUid: (obj: KubeObject) =>
    obj.metadata.ownerReferences?.find((r) => r.controller === true)?.uid,
});

/**
 * Options of a {@link Store}.
 *
 * @example
 * ```ts
 * import { indexers, type StoreOptions } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const o: StoreOptions<ConfigMap> = { indexers: { namespace: indexers.namespace } };
 * ```
 */
export interface StoreOptions<K> {
  /** Secondary indexes, by name; query them with {@link Store.byIndex}. */
  indexers?: Record<string, Indexer<K>>;
}

/** value -> (key -> object) */
type Index<K> = Map<string, Map<string, K>>;

/**
 * An in-memory cache of objects, fed with {@link WatcherEvent}s (by a {@link reflector}, or by
 * hand with {@link Store.applyWatcherEvent}).
 *
 * After the first `InitDone` it holds the server's state at the watcher's resource version,
 * and follows every change. A relist (`Init`, `InitApply`..., `InitDone`) builds the new state
 * aside and swaps it in at `InitDone`: readers never see a half-built cache, and objects deleted
 * while the watch was down are gone after the swap.
 *
 * The objects returned are the store's own, typed {@link DeepReadonly} so that a reader cannot
 * change the cache by accident: copy one before changing it.
 *
 * @example
 * ```ts
 * import { Api, Client, reflector, shutdownSignal, watcher } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const cms = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
 * const r = reflector(watcher(cms, { signal: shutdownSignal() }));
 * r.run();
 * await r.store.ready();
 * console.log(r.store.size, r.store.get("kube-root-ca.crt", "default")?.data);
 * ```
 */
export class Store<K extends KubeObject> {
  #objects: Map<string, K> = new Map();
  #building: Map<string, K> | undefined;
  readonly #indexers: Map<string, Indexer<K>> = new Map();
  #indexes: Map<string, Index<K>> = new Map();
  #ready = false;
  readonly #readyPromise: Promise<void>;
  #resolveReady!: () => void;

  /** An empty store; see {@link StoreOptions}. */
  constructor(opts: StoreOptions<K> = {}) {
    this.#readyPromise = new Promise((resolve) => (this.#resolveReady = resolve));
    for (const [name, fn] of Object.entries(opts.indexers ?? {})) this.addIndexer(name, fn);
  }

  /**
   * Adds a secondary index and builds it over the current objects.
   *
   * @example
   * ```ts
   * import { indexers, Store } from "@kubeno/kube";
   * const store = new Store();
   * store.addIndexer("namespace", indexers.namespace);
   * ```
   */
  addIndexer(name: string, indexer: Indexer<K>): void {
    if (this.#indexers.has(name)) throw new TypeError(`the store already has an index ${name}`);
    this.#indexers.set(name, indexer);
    const index: Index<K> = new Map();
    for (const [key, obj] of this.#objects) addToIndex(index, indexer, key, obj);
    this.#indexes.set(name, index);
  }

  /**
   * The object with this key (`namespace/name`, or `name` for cluster-scoped objects), or with
   * this name in this namespace.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * const store = new Store();
   * store.get("default/blog") === store.get("blog", "default"); // true
   * ```
   */
  get(key: string): DeepReadonly<K> | undefined;
  /** The object named `name` in `namespace`. */
  get(name: string, namespace: string | undefined): DeepReadonly<K> | undefined;
  get(keyOrName: string, namespace?: string): DeepReadonly<K> | undefined {
    const key = arguments.length > 1 ? keyOf(keyOrName, namespace) : keyOrName;
    return this.#objects.get(key) as DeepReadonly<K> | undefined;
  }

  /**
   * Whether an object with this key is cached.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * new Store().has("default/blog"); // false
   * ```
   */
  has(key: string): boolean {
    return this.#objects.has(key);
  }

  /**
   * Every cached object, in no particular order (a new array).
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * const names = new Store().list().map((o) => o.metadata.name);
   * ```
   */
  list(): DeepReadonly<K>[] {
    return Array.from(this.#objects.values()) as DeepReadonly<K>[];
  }

  /**
   * The keys of every cached object.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * for (const key of new Store().keys()) console.log(key);
   * ```
   */
  keys(): IterableIterator<string> {
    return this.#objects.keys();
  }

  /**
   * How many objects are cached.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * new Store().size; // 0
   * ```
   */
  get size(): number {
    return this.#objects.size;
  }

  /**
   * True once the first complete list has been applied.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * new Store().isReady; // false
   * ```
   */
  get isReady(): boolean {
    return this.#ready;
  }

  /**
   * Resolves after the first `InitDone`: from then on the store holds a complete state.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * const store = new Store();
   * store.applyWatcherEvent({ type: "Init" });
   * store.applyWatcherEvent({ type: "InitDone" });
   * await store.ready();
   * ```
   */
  ready(): Promise<void> {
    return this.#readyPromise;
  }

  /**
   * The objects whose index `name` has `value`.
   *
   * @throws {TypeError} if the store has no index of that name.
   *
   * @example
   * ```ts
   * import { indexers, Store } from "@kubeno/kube";
   * const store = new Store({ indexers: { namespace: indexers.namespace } });
   * const inDefault = store.byIndex("namespace", "default");
   * ```
   */
  byIndex(name: string, value: string): DeepReadonly<K>[] {
    const bucket = this.#index(name).get(value);
    return bucket ? Array.from(bucket.values()) as DeepReadonly<K>[] : [];
  }

  /**
   * The values present in index `name`.
   *
   * @example
   * ```ts
   * import { indexers, Store } from "@kubeno/kube";
   * const store = new Store({ indexers: { namespace: indexers.namespace } });
   * const namespaces = [...store.indexValues("namespace")];
   * ```
   */
  indexValues(name: string): IterableIterator<string> {
    return this.#index(name).keys();
  }

  #index(name: string): Index<K> {
    const index = this.#indexes.get(name);
    if (!index) {
      const known = [...this.#indexes.keys()].join(", ") || "none";
      throw new TypeError(
        `the store has no index ${JSON.stringify(name)} (it has: ${known}); ` +
          "add it with { indexers: { name: fn } } or store.addIndexer",
      );
    }
    return index;
  }

  /**
   * Applies one watcher event. The reflector calls this; call it yourself only to feed a store
   * by hand.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * const store = new Store();
   * store.applyWatcherEvent({ type: "Apply", object: { metadata: { name: "a", namespace: "ns" } } });
   * store.get("ns/a"); // the object
   * ```
   */
  applyWatcherEvent(ev: WatcherEvent<K>): void {
    switch (ev.type) {
      case "Apply": {
        const key = objectKey(ev.object);
        if (this.#indexers.size > 0) {
          const old = this.#objects.get(key);
          if (old !== undefined) this.#unindex(key, old);
          this.#reindex(key, ev.object);
        }
        this.#objects.set(key, ev.object);
        break;
      }
      case "Delete": {
        const key = objectKey(ev.object);
        const old = this.#objects.get(key);
        if (old === undefined) break;
        this.#objects.delete(key);
        if (this.#indexers.size > 0) this.#unindex(key, old);
        break;
      }
      case "Init":
        this.#building = new Map();
        break;
      case "InitApply":
        (this.#building ??= new Map()).set(objectKey(ev.object), ev.object);
        break;
      case "InitDone": {
        this.#objects = this.#building ?? new Map();
        this.#building = undefined;
        if (this.#indexers.size > 0) {
          const indexes = new Map<string, Index<K>>();
          for (const [name, fn] of this.#indexers) {
            const index: Index<K> = new Map();
            for (const [key, obj] of this.#objects) addToIndex(index, fn, key, obj);
            indexes.set(name, index);
          }
          this.#indexes = indexes;
        }
        if (!this.#ready) {
          this.#ready = true;
          this.#resolveReady();
        }
        break;
      }
    }
  }

  /**
   * The events that bring a new consumer to the store's current position: the current state as
   * `Init`, `InitApply`..., `InitDone`, or, while a relist is being built, `Init` and the
   * objects received so far (the live events then finish it). Empty before anything arrived.
   *
   * @example
   * ```ts
   * import { Store } from "@kubeno/kube";
   * const replay = new Store().snapshotEvents(); // []
   * ```
   */
  snapshotEvents(): WatcherEvent<K>[] {
    const out: WatcherEvent<K>[] = [];
    const source = this.#building ?? (this.#ready ? this.#objects : undefined);
    if (!source) return out;
    out.push({ type: "Init" });
    for (const object of source.values()) out.push({ type: "InitApply", object });
    if (!this.#building) out.push({ type: "InitDone" });
    return out;
  }

  #reindex(key: string, obj: K): void {
    for (const [name, fn] of this.#indexers) addToIndex(this.#indexes.get(name)!, fn, key, obj);
  }

  #unindex(key: string, obj: K): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indexes.get(name)!;
      for (const value of valuesOf(fn, obj)) {
        const bucket = index.get(value);
        if (!bucket) continue;
        bucket.delete(key);
        if (bucket.size === 0) index.delete(value);
      }
    }
  }
}

function valuesOf<K>(fn: Indexer<K>, obj: K): readonly string[] {
  const v = fn(obj);
  if (v === undefined) return [];
  return typeof v === "string" ? [v] : v;
}

function addToIndex<K>(index: Index<K>, fn: Indexer<K>, key: string, obj: K): void {
  for (const value of valuesOf(fn, obj)) {
    let bucket = index.get(value);
    if (!bucket) index.set(value, bucket = new Map());
    bucket.set(key, obj);
  }
}
