/**
 * Reflectors: a watcher's events flowing into a {@link Store}. The plain {@link reflector}
 * passes the events on to one consumer; the {@link sharedReflector} serves one watcher and one
 * store to several subscribers (kube-rs' `reflect_shared`, client-go's shared informer).
 *
 * @module
 */

import type { KubeObject } from "../core/resource.ts";
import { type Indexer, Store } from "./store.ts";
import type { WatcherEvent } from "./watcher.ts";

/**
 * Options of {@link reflector} and {@link sharedReflector}.
 *
 * @example
 * ```ts
 * import { indexers, stripManagedFields, type ReflectorOptions } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * const o: ReflectorOptions<Pod> = {
 *   indexers: { namespace: indexers.namespace },
 *   transform: stripManagedFields,
 * };
 * ```
 */
export interface ReflectorOptions<K extends KubeObject> {
  /** The store to fill. @default a new Store */
  store?: Store<K>;
  /** Secondary indexes to add to the store. */
  indexers?: Record<string, Indexer<K>>;
  /**
   * Applied to every object before it is stored and passed on, e.g. {@link stripManagedFields}
   * to save memory. May change the object in place and return it.
   */
  transform?: (obj: K) => K;
}

function setup<K extends KubeObject>(opts: ReflectorOptions<K>): Store<K> {
  const store = opts.store ?? new Store<K>();
  for (const [name, fn] of Object.entries(opts.indexers ?? {})) store.addIndexer(name, fn);
  return store;
}

/**
 * The events of `events`, each applied to the store before it is handed on. A plain iterator
 * rather than an async generator: this sits on every event's path, and a generator's resume
 * costs about twice as much.
 */
function reflect<K extends KubeObject>(
  events: AsyncIterable<WatcherEvent<K>>,
  store: Store<K>,
  transform: ((obj: K) => K) | undefined,
): AsyncIterableIterator<WatcherEvent<K>> {
  const inner = events[Symbol.asyncIterator]();
  const it: AsyncIterableIterator<WatcherEvent<K>> = {
    async next(): Promise<IteratorResult<WatcherEvent<K>>> {
      const r = await inner.next();
      if (r.done) return { done: true, value: undefined };
      let ev = r.value;
      if (transform && "object" in ev) {
        const object = transform(ev.object);
        if (object !== ev.object) ev = { type: ev.type, object };
      }
      store.applyWatcherEvent(ev);
      return { done: false, value: ev };
    },
    async return(): Promise<IteratorResult<WatcherEvent<K>>> {
      await inner.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

/**
 * A watcher feeding a store. Iterate it to get the events (after the store has applied each
 * one), or call {@link Reflector.run} to drain it in the background when only the store matters.
 * Single-use: one consumer, one pass.
 *
 * @example
 * ```ts
 * import { Api, Client, reflector, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const r = reflector(watcher(Api.all(await Client.tryDefault(), Pod)));
 * for await (const ev of r) {
 *   if (ev.type === "InitDone") {
 *     console.log(r.store.size, "pods");
 *     break; // leaving the loop stops the watcher
 *   }
 * }
 * ```
 */
export class Reflector<K extends KubeObject> implements AsyncIterable<WatcherEvent<K>> {
  /** The store this reflector fills. */
  readonly store: Store<K>;
  readonly #events: AsyncIterableIterator<WatcherEvent<K>>;
  #taken = false;

  /** See {@link reflector}. */
  constructor(events: AsyncIterable<WatcherEvent<K>>, opts: ReflectorOptions<K> = {}) {
    this.store = setup(opts);
    this.#events = reflect(events, this.store, opts.transform);
  }

  /** The events, each after the store applied it. Only one consumer may iterate. */
  [Symbol.asyncIterator](): AsyncIterator<WatcherEvent<K>> {
    this.#take();
    return this.#events;
  }

  /**
   * Drains the events into the store; resolves when the watcher ends (its signal aborted).
   * Do not also iterate the reflector.
   *
   * @example
   * ```ts
   * import { Api, Client, reflector, watcher } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const ac = new AbortController();
   * const r = reflector(watcher(Api.all(await Client.tryDefault(), Pod), { signal: ac.signal }));
   * const done = r.run();
   * await r.ready();
   * ac.abort();
   * await done;
   * ```
   */
  run(): Promise<void> {
    this.#take(); // throws at once, not in the promise, when misused
    return this.#drain();
  }

  async #drain(): Promise<void> {
    for await (const _ of this.#events) { /* the store is the point */ }
  }

  /**
   * Resolves once the store holds its first complete list (see {@link Store.ready}). Someone
   * must iterate the reflector or `run()` it.
   *
   * @example
   * ```ts
   * import { Api, Client, reflector, shutdownSignal, watcher } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const r = reflector(watcher(Api.all(await Client.tryDefault(), Pod), { signal: shutdownSignal() }));
   * r.run();
   * await r.ready();
   * ```
   */
  ready(): Promise<void> {
    return this.store.ready();
  }

  #take(): void {
    if (this.#taken) {
      throw new TypeError(
        "this reflector is already being consumed; use sharedReflector(...) for several consumers",
      );
    }
    this.#taken = true;
  }
}

/**
 * Feeds the events of a watcher into a {@link Store} and passes them on, as kube-rs'
 * `reflector`. The store is `opts.store`, or a new one (with `opts.indexers`), at `.store`.
 *
 * @example
 * ```ts
 * import { Api, Client, indexers, reflector, shutdownSignal, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.all(await Client.tryDefault(), Pod);
 * const r = reflector(watcher(pods, { signal: shutdownSignal() }), {
 *   indexers: { namespace: indexers.namespace },
 * });
 * r.run();
 * await r.ready();
 * console.log(r.store.byIndex("namespace", "kube-system").length);
 * ```
 */
export function reflector<K extends KubeObject>(
  events: AsyncIterable<WatcherEvent<K>>,
  opts: ReflectorOptions<K> = {},
): Reflector<K> {
  return new Reflector(events, opts);
}

/**
 * Options of {@link sharedReflector}.
 *
 * @example
 * ```ts
 * import type { SharedReflectorOptions } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * const o: SharedReflectorOptions<Pod> = { bufferSize: 1_000 };
 * ```
 */
export interface SharedReflectorOptions<K extends KubeObject> extends ReflectorOptions<K> {
  /**
   * Events a subscriber may fall behind before the watcher waits for it (backpressure, as
   * kube-rs' shared store buffer).
   * @default 100
   */
  bufferSize?: number;
}

/**
 * Options of {@link SharedReflector.subscribe}.
 *
 * @example
 * ```ts
 * import type { SubscribeOptions } from "@kubeno/kube";
 * const o: SubscribeOptions = { signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface SubscribeOptions {
  /** Ends this subscription (its iteration finishes without an error). */
  signal?: AbortSignal;
}

/** One subscriber's queue of live events. */
class Subscriber<K> {
  readonly queue: WatcherEvent<K>[] = [];
  /** Resolves a consumer waiting for an event (or the end). */
  wake: (() => void) | undefined;
  /** Resolves the producer waiting for space. */
  drained: (() => void) | undefined;
  closed = false;
  error: unknown = undefined;
  failed = false;

  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/**
 * One watcher and one store serving several subscribers, so that two controllers watching the
 * same resource share a connection and a cache (kube-rs' `reflect_shared`, client-go's shared
 * informer).
 *
 * Each {@link SharedReflector.subscribe} yields the watcher's events. A subscriber that joins
 * late first receives the store's current state as `Init`, `InitApply`..., `InitDone`, so every
 * subscriber sees a consistent stream. The watcher starts with the first subscriber's iteration
 * (or {@link SharedReflector.run}) and waits for the slowest subscriber once it is
 * `bufferSize` events behind.
 *
 * @example
 * ```ts
 * import { Api, Client, sharedReflector, shutdownSignal, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const shared = sharedReflector(watcher(Api.all(await Client.tryDefault(), Pod), { signal: shutdownSignal() }));
 * const a = shared.subscribe();
 * const b = shared.subscribe();
 * (async () => { for await (const ev of a) console.log("a", ev.type); })();
 * for await (const ev of b) console.log("b", ev.type, shared.store.size);
 * ```
 */
export class SharedReflector<K extends KubeObject> {
  /** The shared store. */
  readonly store: Store<K>;
  readonly #events: AsyncIterable<WatcherEvent<K>>;
  readonly #bufferSize: number;
  readonly #subs: Set<Subscriber<K>> = new Set();
  #running: Promise<void> | undefined;

  /** See {@link sharedReflector}. */
  constructor(events: AsyncIterable<WatcherEvent<K>>, opts: SharedReflectorOptions<K> = {}) {
    this.store = setup(opts);
    this.#events = reflect(events, this.store, opts.transform);
    this.#bufferSize = Math.max(1, opts.bufferSize ?? 100);
  }

  /**
   * Starts the watcher if it is not running; resolves when it ends (its signal aborted).
   * Subscriptions start it too, so calling this is only needed when nobody subscribes.
   *
   * @example
   * ```ts
   * import { Api, Client, sharedReflector, shutdownSignal, watcher } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const shared = sharedReflector(watcher(Api.all(await Client.tryDefault(), Pod), { signal: shutdownSignal() }));
   * shared.run();
   * await shared.ready();
   * ```
   */
  run(): Promise<void> {
    return this.#running ??= this.#drive();
  }

  /**
   * Resolves once the store holds its first complete list.
   *
   * @example
   * ```ts
   * import { Api, Client, sharedReflector, shutdownSignal, watcher } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const shared = sharedReflector(watcher(Api.all(await Client.tryDefault(), Pod), { signal: shutdownSignal() }));
   * shared.run();
   * await shared.ready();
   * ```
   */
  ready(): Promise<void> {
    return this.store.ready();
  }

  /** How many subscriptions are being iterated. */
  get subscriberCount(): number {
    return this.#subs.size;
  }

  /**
   * A new subscription: an async iterable of the watcher's events, starting with the store's
   * current state. It registers when its iteration starts and unregisters when the loop ends.
   *
   * @example
   * ```ts
   * import { Api, appliedObjects, Client, sharedReflector, shutdownSignal, watcher } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const shared = sharedReflector(watcher(Api.all(await Client.tryDefault(), Pod), { signal: shutdownSignal() }));
   * for await (const pod of appliedObjects(shared.subscribe())) console.log(pod.metadata.name);
   * ```
   */
  subscribe(opts: SubscribeOptions = {}): AsyncGenerator<WatcherEvent<K>, void, undefined> {
    return this.#subscription(opts.signal);
  }

  async *#subscription(signal?: AbortSignal): AsyncGenerator<WatcherEvent<K>, void, undefined> {
    if (signal?.aborted) return;
    const sub = new Subscriber<K>();
    // Registration and snapshot happen in one synchronous step: no event falls between them.
    const replay = this.store.snapshotEvents();
    this.#subs.add(sub);
    const onAbort = () => {
      sub.closed = true;
      sub.notify();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    // Errors of the watcher reach every subscriber through its queue; this catch only keeps
    // the shared promise from counting as unhandled.
    this.run().catch(() => {});
    try {
      for (const ev of replay) {
        if (signal?.aborted) return;
        yield ev;
      }
      for (;;) {
        if (signal?.aborted) return;
        if (sub.queue.length > 0) {
          const ev = sub.queue.shift()!;
          if (sub.drained && sub.queue.length < this.#bufferSize) {
            const d = sub.drained;
            sub.drained = undefined;
            d();
          }
          yield ev;
          continue;
        }
        if (sub.failed) throw sub.error;
        if (sub.closed) return;
        await new Promise<void>((resolve) => (sub.wake = resolve));
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#subs.delete(sub);
      sub.closed = true;
      sub.drained?.();
    }
  }

  async #drive(): Promise<void> {
    try {
      for await (const ev of this.#events) {
        let full: Subscriber<K> | undefined;
        for (const sub of this.#subs) {
          if (sub.closed) continue;
          sub.queue.push(ev);
          sub.notify();
          if (sub.queue.length >= this.#bufferSize) full = sub;
        }
        // Backpressure: wait for every subscriber that is a full buffer behind.
        while (full) {
          const s: Subscriber<K> = full;
          if (!s.closed && s.queue.length >= this.#bufferSize) {
            await new Promise<void>((resolve) => (s.drained = resolve));
          }
          full = undefined;
          for (const sub of this.#subs) {
            if (!sub.closed && sub.queue.length >= this.#bufferSize) full = sub;
          }
        }
      }
      for (const sub of this.#subs) {
        sub.closed = true;
        sub.notify();
      }
    } catch (err) {
      for (const sub of this.#subs) {
        sub.failed = true;
        sub.error = err;
        sub.notify();
      }
      throw err;
    }
  }
}

/**
 * Builds a {@link SharedReflector}: one watcher and store, many subscribers.
 *
 * @example
 * ```ts
 * import { Api, Client, sharedReflector, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const shared = sharedReflector(watcher(Api.all(await Client.tryDefault(), Pod)), { bufferSize: 256 });
 * const events = shared.subscribe();
 * ```
 */
export function sharedReflector<K extends KubeObject>(
  events: AsyncIterable<WatcherEvent<K>>,
  opts: SharedReflectorOptions<K> = {},
): SharedReflector<K> {
  return new SharedReflector(events, opts);
}
