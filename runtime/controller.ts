/**
 * The `Controller`: watches a resource (and what it owns or relates to), keeps a store of it,
 * and runs a reconcile function per object key through the {@link Scheduler}.
 *
 * @module
 */

import { log } from "../core/log.ts";
import type { Api } from "../client/api.ts";
import { isGone } from "../core/error.ts";
import { keyOf, type KubeObject, objectKey, type ResourceType } from "../core/resource.ts";
import { Action, ActionError } from "./action.ts";
import { LeadershipLostError } from "./lease.ts";
import type { ControllerMetrics } from "./metrics.ts";
import { type Predicate, PredicateCache, type PredicateConfig } from "./predicate.ts";
import {
  ALL_NAMESPACES,
  type Permission,
  permission,
  type PermissionOptions,
  type PermissionTarget,
  RbacError,
  type RbacRules,
  rbacRules,
  type RbacRulesOptions,
  type RbacVerb,
} from "./rbac.ts";
import { backoffDelay, Scheduler, type SchedulerOptions } from "./scheduler.ts";
import { shutdownSignal } from "./shutdown.ts";
import { type DeepReadonly, Store } from "./store.ts";
import {
  type WatchableApi,
  watcher,
  type WatcherConfig,
  type WatcherError,
  type WatcherEvent,
} from "./watcher.ts";

/**
 * What a reconcile knows besides the object and the user's context: its key, the
 * controller's store (the cache of every watched object), how many times in a row it failed
 * before, and a signal that aborts when the controller stops waiting for it.
 *
 * @example
 * ```ts
 * import type { ReconcileInfo } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * function log(info: ReconcileInfo<ConfigMap>) {
 *   console.log(info.key, info.store.size, info.attempt);
 * }
 * ```
 */
export interface ReconcileInfo<K extends KubeObject> {
  /** The object key, `namespace/name` or `name`. */
  key: string;
  /** The controller's store of the main resource (read-only use). */
  store: Store<K>;
  /** Consecutive failures of this key before this run (0 after a success). */
  attempt: number;
  /**
   * Aborts when the reconcile must stop: at once when the controller is stopped now
   * (`stopNow`, or leadership lost), else when it shuts down and the grace period is over.
   * Pass it to API calls (`{ signal: info.signal }`) so that they are cut off too.
   */
  signal: AbortSignal;
}

/**
 * The reconcile function: makes the world match `obj`, returns what to do next. `obj` is the
 * store's own object, typed {@link DeepReadonly}: copy it (`structuredClone`) to change it. Throwing is
 * fine: the error policy decides when to retry (a reconcile that fails after `info.signal`
 * aborted at shutdown goes to the error policy too, but nothing is retried then). Returning anything but an {@link Action}
 * (a forgotten `return`) counts as a failure with an {@link ActionError}.
 *
 * @example
 * ```ts
 * import { Action, type Reconcile } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const reconcile: Reconcile<ConfigMap, { dryRun: boolean }> = async (cm, ctx) => {
 *   console.log("reconcile", cm.metadata.name, ctx.dryRun);
 *   return Action.requeue(300_000);
 * };
 * ```
 */
export type Reconcile<K extends KubeObject, C> = (
  obj: DeepReadonly<K>,
  ctx: C,
  info: ReconcileInfo<K>,
) => Promise<Action>;

/**
 * What to do after a failed reconcile (kube-rs' `error_policy`). `info.attempt` counts the
 * consecutive failures including this one, for backoff (see {@link backoffDelay}). If it
 * throws or returns anything but an {@link Action}, that is logged and the key is requeued
 * after `backoffDelay(info.attempt)`. It is also called for a reconcile that fails after its
 * `info.signal` aborted at shutdown (`info.signal.aborted` is then true), so that it can log
 * work cut off half-way; its action is ignored then, since nothing is retried after shutdown
 * (see {@link ReconcileResult.aborted}).
 *
 * @example
 * ```ts
 * import { Action, backoffDelay, type ErrorPolicy } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const policy: ErrorPolicy<ConfigMap, unknown> = (_cm, err, _ctx, info) => {
 *   console.warn(err);
 *   return Action.requeue(backoffDelay(info.attempt));
 * };
 * ```
 */
export type ErrorPolicy<K extends KubeObject, C> = (
  obj: DeepReadonly<K>,
  error: unknown,
  ctx: C,
  info: ReconcileInfo<K>,
) => Action;

/**
 * One finished reconcile, as {@link Controller.run} yields it.
 *
 * @example
 * ```ts
 * import type { ReconcileResult } from "@kubeno/kube";
 * function show(r: ReconcileResult) {
 *   console.log(`${r.key} ${r.outcome} in ${r.durationMs.toFixed(1)} ms -> ${r.action}`);
 * }
 * ```
 */
export interface ReconcileResult {
  /** The object key. */
  key: string;
  /** `success` if the reconcile returned an Action, `error` if it threw or did not. */
  outcome: "success" | "error";
  /** What happens next: the reconcile's action, or the error policy's. */
  action: Action;
  /** The error, for `error`. */
  error?: unknown;
  /**
   * True when the reconcile failed after its `info.signal` aborted at shutdown: the error
   * policy was called (with `info.signal.aborted` true) but its action is ignored (there is no
   * retry after shutdown), the failure does not count as an attempt, and metrics do not
   * record it. `action` is then `Action.awaitChange()`.
   */
  aborted?: boolean;
  /** Wall time of the reconcile in milliseconds. */
  durationMs: number;
}

/**
 * Options of {@link Controller.run}.
 *
 * @example
 * ```ts
 * import type { RunOptions } from "@kubeno/kube";
 * const o: RunOptions = { concurrency: 4, debounceMs: 500, graceMs: 10_000 };
 * ```
 */
export interface RunOptions {
  /**
   * Stops the controller: no new reconciles, running ones get `graceMs`, watches close. If it
   * aborts with a {@link LeadershipLostError} as reason, the controller stops at once instead,
   * as with `stopNow`.
   */
  signal?: AbortSignal;
  /**
   * Stops the controller at once, with no grace period: the `info.signal` of running
   * reconciles aborts as this signal does (also in the middle of a graceful shutdown). For
   * leadership loss: pass {@link LeaderElector.run}'s `lost` signal, so that two leaders never
   * reconcile at the same time.
   */
  stopNow?: AbortSignal;
  /** Most reconciles at once; 0 means no bound, as kube-rs. @default 0 */
  concurrency?: number;
  /** Milliseconds to wait for quiet before reconciling a key after a trigger. @default 0 */
  debounceMs?: number;
  /** @deprecated Use `debounceMs` (the same milliseconds); `debounce` goes in the next release. */
  debounce?: number;
  /**
   * How long running reconciles may take to finish at shutdown, in milliseconds. Reconciles that
   * ignore their aborted signal are waited for 1 s more, then abandoned (logged by key).
   * @default 30000
   */
  graceMs?: number;
  /** Records reconciles, queue depth and watch restarts. */
  metrics?: ControllerMetrics;
}

/**
 * The options of a watch of a {@link Controller} (its main resource, or one from
 * {@link Controller.owns} / {@link Controller.watches}): the watcher's own options plus a
 * `predicate` that decides which changes trigger a reconcile.
 *
 * With `predicate`, an added or modified object triggers only when the predicate's value differs
 * from the last one seen for that object (see {@link PredicateCache}); deletes of owned or
 * watched objects always trigger. `predicates.generation` on the main resource means the
 * controller's own status writes no longer re-trigger its reconcile. The store still receives
 * every change: reconciles read the latest object. Requeues ({@link Action.requeue}) are not
 * filtered.
 *
 * @example
 * ```ts
 * import { combinePredicates, predicates, type ControllerWatchConfig } from "@kubeno/kube";
 * const config: ControllerWatchConfig = {
 *   labelSelector: "app=blog",
 *   predicate: combinePredicates(predicates.generation, predicates.finalizers),
 *   predicateConfig: { ttlMs: 30 * 60_000 },
 * };
 * ```
 */
export interface ControllerWatchConfig<K extends KubeObject = KubeObject> extends WatcherConfig {
  /** Triggers only when this value of an object changes. @default every change triggers */
  predicate?: Predicate<K>;
  /** The memory bound of `predicate` (a TTL). @default { ttlMs: 3600000 } */
  predicateConfig?: PredicateConfig;
}

/**
 * The options of {@link Controller.ownsStream} and {@link Controller.watchesStream}: a
 * predicate, as in {@link ControllerWatchConfig} (the stream's watcher has its own options).
 *
 * @example
 * ```ts
 * import { predicates, type StreamTriggerConfig } from "@kubeno/kube";
 * const config: StreamTriggerConfig = { predicate: predicates.labels };
 * ```
 */
export interface StreamTriggerConfig<K extends KubeObject = KubeObject>
  extends Pick<ControllerWatchConfig<K>, "predicate" | "predicateConfig"> {
  /**
   * What the stream's watcher lists and watches (its `Api`, or the resource and namespace), so
   * that {@link Controller.permissions} grants `list` and `watch` of it; `false` when that is
   * granted elsewhere (another controller on the same shared watch, or
   * {@link Controller.needs}). A stream carries no type: without this, `permissions()` throws.
   */
  streamOf?: { readonly resource: ResourceType<KubeObject>; readonly namespace?: string } | false;
}

/** The watcher's part of a {@link ControllerWatchConfig}, and a cache for its predicate. */
function splitConfig<K extends KubeObject>(
  config: ControllerWatchConfig<K> & Pick<StreamTriggerConfig<K>, "streamOf">,
): { watch: WatcherConfig; cache: PredicateCache<K> | undefined } {
  const { predicate, predicateConfig, streamOf: _, ...watch } = config;
  return {
    watch,
    cache: predicate ? new PredicateCache(predicate, predicateConfig) : undefined,
  };
}

/**
 * Something that names an object to reconcile.
 *
 * @example
 * ```ts
 * import type { ObjectKeyLike } from "@kubeno/kube";
 * const keys: ObjectKeyLike[] = ["default/blog", { name: "blog", namespace: "default" }];
 * ```
 */
export type ObjectKeyLike = string | { name: string; namespace?: string };

type Trigger = (
  schedule: (key: string) => void,
  signal: AbortSignal,
  synced: () => void,
) => Promise<void>;

/** A trigger of a controller; `syncs` if the controller is ready only once it has synced. */
type TriggerEntry = { name: string; run: Trigger; syncs: boolean };

/** A small unbounded channel from the workers to the consumer of `run`. */
class Channel<T> {
  #items: T[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#wake();
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async *drain(): AsyncGenerator<T, void, undefined> {
    for (;;) {
      while (this.#items.length > 0) yield this.#items.shift()!;
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }
}

/** A located resource: what a watch lists and watches, for {@link Controller.permissions}. */
type Located = { readonly resource: ResourceType<KubeObject>; readonly namespace?: string };

/** The resource and namespace of an Api (or of a WatchableApi that carries a full descriptor). */
function locate(
  api: { readonly resource?: object; readonly namespace?: string },
): Located | undefined {
  const r = api.resource as Partial<ResourceType> | undefined;
  if (
    !r || typeof r.group !== "string" || typeof r.plural !== "string" ||
    typeof r.namespaced !== "boolean"
  ) {
    return undefined;
  }
  return { resource: r as ResourceType, namespace: api.namespace };
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

function toKey(k: ObjectKeyLike): string {
  return typeof k === "string" ? k : keyOf(k.name, k.namespace);
}

/**
 * A controller over the objects of `api`: a watcher feeding a {@link Store}, triggers from
 * owned and related objects, and the reconcile loop.
 *
 * - Every object is reconciled once after the initial list, then on each change to it, to an
 *   object it owns ({@link Controller.owns}) or to one a mapper relates to it
 *   ({@link Controller.watches}), and when an {@link Action} asks for a requeue.
 * - Never two reconciles of one key at once; triggers for a queued or running key collapse into
 *   one follow-up; the earliest requested time wins; bounded concurrency; optional debounce.
 * - Reconciles read the latest object from the store. An object being deleted is reconciled
 *   while it still exists (that is, while a finalizer holds it: see {@link finalizer}); once it
 *   is gone from the server it is never reconciled again.
 * - Reconciles start only after the store has synced.
 *
 * @example
 * ```ts
 * import { Action, Api, Client, Controller } from "@kubeno/kube";
 * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * const controller = new Controller(Api.namespaced(client, Secret, "default"))
 *   .owns(Api.namespaced(client, ConfigMap, "default"))
 *   .shutdownOnSignal();
 * for await (const r of controller.run(
 *   async (secret) => { console.log(secret.metadata.name); return Action.awaitChange(); },
 *   () => Action.requeue(5_000),
 *   {},
 * )) {
 *   console.log(r.key, r.outcome, r.durationMs);
 * }
 * ```
 */
export class Controller<K extends KubeObject> {
  /** The main resource's store: every watched object, by key. Ready once synced. */
  readonly store: Store<K>;
  readonly #api: WatchableApi<K>;
  readonly #resource: ResourceType<K> | undefined;
  readonly #config: WatcherConfig;
  readonly #predicates: PredicateCache<K> | undefined;
  /** The main resource's events, for a controller made by {@link Controller.forStream}. */
  #mainEvents: AsyncIterable<WatcherEvent<K>> | undefined;
  readonly #triggers: TriggerEntry[] = [];
  /** What each watch lists and watches (the main one first); `false`: granted elsewhere. */
  readonly #reads: { name: string; of: Located | false | undefined }[] = [];
  /** What the reconcile and its helpers use, as declared ({@link Controller.uses}, `needs`). */
  readonly #needs: Permission[] = [];
  #signals: AbortSignal[] = [];
  #running = false;
  #synced = false;
  #stopping = false;
  readonly #ready: PromiseWithResolvers<void> = Promise.withResolvers<void>();

  /**
   * A controller for the objects `api` lists and watches, filtered by `config` (label and
   * field selectors, ...; a `predicate` filters which changes trigger a reconcile).
   *
   * @param api the main resource: an `Api.all(...)` or `Api.namespaced(...)`
   * @param config the main watcher's options, and an optional `predicate`
   */
  constructor(api: Api<K> | WatchableApi<K>, config: ControllerWatchConfig<K> = {}) {
    this.#api = api;
    this.#resource = (api as Api<K>).resource?.apiVersion !== undefined
      ? (api as Api<K>).resource
      : undefined;
    const { watch, cache } = splitConfig(config);
    this.#reads.push({ name: "the main watch", of: locate(api) });
    this.#config = watch;
    this.#predicates = cache;
    this.store = new Store<K>();
    // Marked handled: a controller stopped before it synced must not crash a program that
    // never asked for `ready()`.
    this.#ready.promise.catch(() => {});
  }

  /**
   * A controller whose main resource's watcher events come from `events` (kube-rs'
   * `for_stream` / `for_shared_stream`), typically a subscription of a {@link sharedReflector},
   * so that several controllers of one resource share one watch. `resource` names what the
   * events are about (for {@link Controller.owns}). The controller keeps its own store, fed by
   * the stream; it syncs at the stream's first `InitDone`, closes the stream when it stops, and
   * stops (gracefully) if the stream ends.
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller, predicates, sharedReflector, shutdownSignal, watcher } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * // The controllers stop when the stream ends: on Ctrl-C or SIGTERM.
   * const secrets = sharedReflector(watcher(Api.all(client, Secret), { signal: shutdownSignal() }));
   * const audit = Controller.forStream(Secret, secrets.subscribe());
   * const sync = Controller.forStream(Secret, secrets.subscribe(), {
   *   predicate: predicates.generation,
   * });
   * const idle = async () => Action.awaitChange();
   * await Promise.all([audit, sync].map(async (c) => {
   *   for await (const r of c.run(idle, () => Action.requeue(5_000), {})) console.log(r.key);
   * }));
   * ```
   */
  static forStream<K extends KubeObject>(
    resource: ResourceType<K>,
    events: AsyncIterable<WatcherEvent<K>>,
    config: StreamTriggerConfig<K> = {},
  ): Controller<K> {
    const unused = () => {
      throw new Error("Controller.forStream: the stream is the source, not an Api");
    };
    const c = new Controller<K>({ resource, list: unused, watch: unused } as never, config);
    c.#mainEvents = events;
    c.#reads[0] = { name: "the main stream (forStream)", of: config.streamOf };
    return c;
  }

  /**
   * The main resource's descriptor: that of the main `Api`, or the one given to
   * {@link Controller.forStream}; undefined for a `WatchableApi` without a full descriptor.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const c = new Controller(Api.all(await Client.tryDefault(), Secret));
   * console.log(c.resource?.kind); // Secret
   * ```
   */
  get resource(): ResourceType<K> | undefined {
    return this.#resource;
  }

  /**
   * True while the controller runs with every watch synced: its store (the main resource) and
   * the watches of {@link Controller.owns} and {@link Controller.watches} have each finished
   * their first list. False before, and again once shutdown has begun. Meant for a readiness
   * probe: pass it to `metricsHandler` as `ready`.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller, ControllerMetrics, metricsHandler } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const controller = new Controller(Api.all(client, Secret)).owns(Api.all(client, ConfigMap));
   * const metrics = new ControllerMetrics("secrets");
   * // doc:no-run: serves on port 8080 until stopped
   * // /readyz answers 503 until the controller's watches have synced, then 200.
   * Deno.serve(
   *   { hostname: "0.0.0.0", port: 8080 },
   *   metricsHandler(metrics.registry, { ready: () => controller.isReady }),
   * );
   * ```
   */
  get isReady(): boolean {
    return this.#synced && !this.#stopping;
  }

  /**
   * Resolves once every watch of the running controller has synced (see
   * {@link Controller.isReady}); rejects if the controller stops before that.
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const controller = new Controller(Api.all(await Client.tryDefault(), Secret))
   *   .shutdownOnSignal(); // Ctrl-C or SIGTERM ends the loop below
   * const results = controller.run(async () => Action.awaitChange(), () => Action.awaitChange(), {});
   * controller.ready().then(() => console.log("synced"));
   * for await (const r of results) console.log(r.key);
   * ```
   */
  ready(): Promise<void> {
    return this.#ready.promise;
  }

  /**
   * Reconciles the owner when an object of `api` changes or is deleted: the owner is found
   * through the owned object's `ownerReferences` entry marked `controller: true` whose kind
   * and API group are the main resource's.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * new Controller(Api.all(client, Secret)).owns(Api.all(client, ConfigMap));
   * ```
   */
  owns<O extends KubeObject>(
    api: Api<O> | WatchableApi<O>,
    config: ControllerWatchConfig<O> = {},
  ): this {
    return this.watches(api, config, this.#ownerKeys<O>("owns"), "owns");
  }

  /**
   * As {@link Controller.owns}, with the owned objects' watcher events taken from `events`
   * (kube-rs' `owns_stream`): typically a subscription of a {@link sharedReflector}, so that
   * several controllers share one watch of the owned resource. The trigger counts as synced
   * at the stream's first `InitDone`; the controller closes the stream when it stops.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller, sharedReflector, watcher } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const configMaps = sharedReflector(watcher(Api.all(client, ConfigMap)));
   * const a = new Controller(Api.all(client, Secret)).ownsStream(configMaps.subscribe());
   * const b = new Controller(Api.all(client, Secret)).ownsStream(configMaps.subscribe());
   * ```
   */
  ownsStream<O extends KubeObject>(
    events: AsyncIterable<WatcherEvent<O>>,
    config: StreamTriggerConfig<O> = {},
  ): this {
    this.#reads.push({ name: "ownsStream", of: config.streamOf });
    return this.#trigger("owns stream", () => events, this.#ownerKeys<O>("ownsStream"), config);
  }

  /**
   * As {@link Controller.watches}, with the related objects' watcher events taken from
   * `events` (kube-rs' `watches_stream`), e.g. a subscription of a {@link sharedReflector}.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller, sharedReflector, watcher } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const configMaps = sharedReflector(watcher(Api.namespaced(client, ConfigMap, "default")));
   * new Controller(Api.namespaced(client, Secret, "default")).watchesStream(
   *   configMaps.subscribe(),
   *   (cm) => cm.metadata.labels?.secret ? [`default/${cm.metadata.labels.secret}`] : [],
   * );
   * ```
   */
  watchesStream<O extends KubeObject>(
    events: AsyncIterable<WatcherEvent<O>>,
    mapper: (obj: O) => Iterable<ObjectKeyLike>,
    config: StreamTriggerConfig<O> = {},
  ): this {
    this.#reads.push({ name: "watchesStream", of: config.streamOf });
    return this.#trigger("watches stream", () => events, mapper, config);
  }

  /** The mapper of `owns`: the controller owner references of the main resource's kind. */
  #ownerKeys<O extends KubeObject>(method: string): (obj: O) => string[] {
    const main = this.#resource;
    if (!main) {
      throw new TypeError(`Controller.${method} needs the main Api's resource type (pass an Api)`);
    }
    return (obj: O) => {
      const keys: string[] = [];
      for (const ref of obj.metadata.ownerReferences ?? []) {
        if (!ref.controller || ref.kind !== main.kind) continue;
        if (groupOf(ref.apiVersion) !== main.group) continue;
        keys.push(keyOf(ref.name, main.namespaced ? obj.metadata.namespace : undefined));
      }
      return keys;
    };
  }

  /**
   * Reconciles the objects `mapper` returns whenever an object of `api` changes or is deleted.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * // A ConfigMap labelled secret=<name> affects that Secret.
   * new Controller(Api.namespaced(client, Secret, "default")).watches(
   *   Api.namespaced(client, ConfigMap, "default"),
   *   { labelSelector: "secret" },
   *   (cm) => [{ name: cm.metadata.labels!.secret, namespace: cm.metadata.namespace }],
   * );
   * ```
   */
  watches<O extends KubeObject>(
    api: Api<O> | WatchableApi<O>,
    config: ControllerWatchConfig<O>,
    mapper: (obj: O) => Iterable<ObjectKeyLike>,
    kind: string = "watches",
  ): this {
    const name = `${kind} ${(api as Api<O>).resource?.plural ?? "objects"}`;
    this.#reads.push({ name, of: locate(api) });
    const { predicate, predicateConfig, ...watch } = config;
    const events = (signal: AbortSignal) => watcher(api, this.#watcherConfig(watch, signal, name));
    return this.#trigger(name, events, mapper, { predicate, predicateConfig });
  }

  /** A trigger: schedules what `mapper` returns for each change in the events `open` gives. */
  #trigger<O extends KubeObject>(
    name: string,
    open: (signal: AbortSignal) => AsyncIterable<WatcherEvent<O>>,
    mapper: (obj: O) => Iterable<ObjectKeyLike>,
    config: StreamTriggerConfig<O>,
  ): this {
    const cache = config.predicate
      ? new PredicateCache(config.predicate, config.predicateConfig)
      : undefined;
    this.#triggers.push({
      name,
      syncs: true,
      run: async (schedule, signal, synced) => {
        let lists = 0;
        try {
          for await (const ev of untilAborted(open(signal), signal)) {
            if (ev.type === "Init" && ++lists > 1) {
              this.#metrics?.watchRestarts.inc(this.#labels(name));
            }
            if (ev.type === "InitDone") synced();
            if (ev.type === "Init" || ev.type === "InitDone") {
              cache?.observe(ev); // a relist: forget objects deleted while the watch was down
              continue;
            }
            if (cache && !cache.observe(ev)) continue; // unchanged for the predicate
            try {
              for (const k of mapper(ev.object)) schedule(toKey(k));
            } catch (err) {
              // One object the mapper cannot handle must not stop the trigger for all others.
              log({
                level: "error",
                source: "controller",
                message: `controller: ${name}: the mapper threw for ${describeObject(ev.object)}:`,
                error: err,
                fields: { trigger: name },
              });
            }
          }
        } catch (err) {
          log({
            level: "error",
            source: "controller",
            message: `controller: ${name}: the watch ended, stopping the controller:`,
            error: err,
            fields: { trigger: name },
          });
          this.#fail(err);
        }
      },
    });
    return this;
  }

  /**
   * Reconciles every object in the store each time `trigger` yields (e.g. a timer, or a change
   * to a shared configuration).
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * async function* every(ms: number) { for (;;) { await new Promise((r) => setTimeout(r, ms)); yield; } }
   * new Controller(Api.all(await Client.tryDefault(), Secret)).reconcileAllOn(every(60_000));
   * ```
   */
  reconcileAllOn(trigger: AsyncIterable<unknown>): this {
    return this.#onEach("reconcileAllOn", trigger, (_item, schedule) => {
      for (const key of this.store.keys()) schedule(key);
    });
  }

  /**
   * Reconciles the object each item of `trigger` names (a key `ns/name`, or `{ name, namespace }`).
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * async function* once() { yield { name: "db", namespace: "default" }; }
   * new Controller(Api.all(await Client.tryDefault(), Secret)).reconcileOn(once());
   * ```
   */
  reconcileOn(trigger: AsyncIterable<ObjectKeyLike>): this {
    return this.#onEach("reconcileOn", trigger, (item, schedule) => schedule(toKey(item)));
  }

  /** A trigger that calls `handle` for each item of `trigger` until the controller stops. */
  #onEach<T>(
    name: string,
    trigger: AsyncIterable<T>,
    handle: (item: T, schedule: (key: string) => void) => void,
  ): this {
    this.#triggers.push({
      name,
      syncs: false,
      run: async (schedule, signal) => {
        const it = trigger[Symbol.asyncIterator]();
        while (!signal.aborted) {
          const next = await Promise.race([it.next(), aborted(signal)]);
          if (!next || next.done) break;
          handle(next.value, schedule);
        }
        // Not awaited: a generator blocked inside next() would only return after it.
        it.return?.()?.catch(() => {});
      },
    });
    return this;
  }

  /**
   * Declares that the reconcile does `verbs` on `target` (for {@link Controller.permissions}
   * and {@link Controller.rbac}): what it writes, and what it reads by name (`get`). The
   * watches' `list` and `watch` need no declaration. A namespaced descriptor means the
   * controller's namespace (its main `Api`'s, or all); an `Api` means its own. Declare what
   * the code does: server-side apply is `patch`, and also `create` when it may create the
   * object (the apiserver checks both); {@link Api.patchStatus} is `patch` with
   * `{ subresource: "status" }`; {@link Api.replace} is `update`; {@link Api.getOpt} is `get`.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const controller = new Controller(Api.namespaced(client, Secret, "default"))
   *   .owns(Api.namespaced(client, ConfigMap, "default"))
   *   .uses(ConfigMap, ["get", "create", "patch"]) // getOpt, then server-side apply
   *   .uses(Secret, ["patch"], { subresource: "status", reason: "status" });
   * console.log(controller.rbac().namespaces.default);
   * ```
   */
  uses(target: PermissionTarget, verbs: readonly RbacVerb[], options?: PermissionOptions): this {
    this.#needs.push(permission(target, verbs, options));
    return this;
  }

  /**
   * Declares permissions the controller's helpers need: {@link finalizerPermissions},
   * {@link recorderPermissions}, {@link leaderElectionPermissions}, or any {@link Permission}.
   * One without a namespace applies where the controller works.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller, finalizerPermissions, leaderElectionPermissions, recorderPermissions } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const controller = new Controller(Api.namespaced(await Client.tryDefault(), Secret, "default"))
   *   .needs(
   *     ...finalizerPermissions(Secret),
   *     ...recorderPermissions(),
   *     ...leaderElectionPermissions({ namespace: "default", name: "secret-operator" }),
   *   );
   * console.log(controller.permissions().length); // 5: the watch, finalizer, events, lease x2
   * ```
   */
  needs(...permissions: Permission[]): this {
    this.#needs.push(...permissions);
    return this;
  }

  /**
   * Everything the controller uses, each with its namespace: `list` and `watch` of its main
   * resource and of each {@link Controller.owns} / {@link Controller.watches} resource, in the
   * `Api`'s namespace (or all), then what {@link Controller.uses} and
   * {@link Controller.needs} declared. Throws an {@link RbacError} for a stream trigger that
   * does not say what it watches (`streamOf` in its options).
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const c = new Controller(Api.all(client, Secret)).owns(Api.all(client, ConfigMap));
   * for (const p of c.permissions()) console.log(p.resource, p.verbs, p.namespace); // ... "*"
   * ```
   */
  permissions(): Permission[] {
    const main = this.#reads[0].of;
    const scope = main
      ? (main.resource.namespaced ? main.namespace : undefined) ?? ALL_NAMESPACES
      : undefined;
    const what = `the controller of ${this.#resource?.plural ?? "objects"}`;
    const out: Permission[] = [];
    for (const { name, of } of this.#reads) {
      if (of === false) continue;
      if (of === undefined) {
        throw new RbacError(
          `${what}: ${name} does not say what it lists and watches: pass { streamOf: api } ` +
            "in its options (or streamOf: false if that is granted elsewhere), or give an Api " +
            "rather than a WatchableApi without a resource type",
        );
      }
      out.push(permission(of, ["list", "watch"], { reason: `${name}: list and watch` }));
    }
    for (const p of this.#needs) {
      out.push(p.namespace === undefined && scope !== undefined ? { ...p, namespace: scope } : p);
    }
    return out;
  }

  /**
   * The least-privilege rules of this controller ({@link rbacRules} of its
   * {@link Controller.permissions}): a namespaced controller gets a Role in its namespace, one
   * over all namespaces or a cluster-scoped resource gets a ClusterRole; what it uses
   * elsewhere (a Lease in another namespace, say) gets a Role there. Pass several controllers
   * to {@link rbacRules} for one program's rules, and the result to {@link rbacManifests}.
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const c = new Controller(Api.namespaced(await Client.tryDefault(), ConfigMap, "default"));
   * console.log(c.rbac()); // { cluster: [], namespaces: { default: [{ ... verbs: ["list", "watch"] }] } }
   * ```
   */
  rbac(options?: RbacRulesOptions): RbacRules {
    return rbacRules([this], options);
  }

  /**
   * Stops the controller on SIGINT or SIGTERM (a second one exits at once).
   *
   * @example
   * ```ts
   * import { Api, Client, Controller } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * new Controller(Api.all(await Client.tryDefault(), Secret)).shutdownOnSignal();
   * ```
   */
  shutdownOnSignal(): this {
    this.#signals.push(shutdownSignal());
    return this;
  }

  #metrics: ControllerMetrics | undefined;
  #fatal: unknown;
  #stop: AbortController | undefined;

  /**
   * Stops the controller because `err` ended a watch it cannot do without (the watcher ends
   * only on what retrying cannot fix, such as a missing Deno permission): `run` throws it.
   */
  #fail(err: unknown): void {
    this.#fatal ??= err;
    this.#stop?.abort(err);
  }

  #labels(resource: string): Record<string, string> {
    return { controller: this.#metrics?.controller ?? "", resource };
  }

  #watcherConfig(config: WatcherConfig, signal: AbortSignal, name: string): WatcherConfig {
    const user = config.onError;
    return {
      ...config,
      signal,
      onError: (err: WatcherError) => {
        this.#metrics?.watchErrors.inc(this.#labels(name));
        if (user) user(err);
        else if (!(err.relist && isGone(err.cause))) {
          log({ level: "warn", source: "controller", message: `controller: ${err.message}` });
        }
      },
    };
  }

  /**
   * Runs the controller until `options.signal` (or a signal from
   * {@link Controller.shutdownOnSignal}) aborts, yielding the result of each reconcile. On
   * shutdown it stops taking work, lets running reconciles finish within `graceMs`, closes
   * every watch, then the iteration ends. Leaving the `for await` loop early shuts it down too.
   *
   * A missing Deno permission is not retried: the controller stops and `run` throws the
   * `PermissionError`, whose message names the flag to add.
   *
   * A controller runs once; build a new one to run again.
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const cms = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
   * const ac = new AbortController();
   * setTimeout(() => ac.abort(), 10_000);
   * for await (const r of new Controller(cms).run(
   *   async (cm, ctx) => { ctx.seen.add(cm.metadata.name!); return Action.awaitChange(); },
   *   (_cm, err) => { console.error(err); return Action.requeue(5_000); },
   *   { seen: new Set<string>() },
   *   { signal: ac.signal, concurrency: 2 },
   * )) console.log(r.key, r.outcome);
   * ```
   */
  async *run<C>(
    reconcile: Reconcile<K, C>,
    errorPolicy: ErrorPolicy<K, C>,
    context: C,
    options: RunOptions = {},
  ): AsyncGenerator<ReconcileResult, void, undefined> {
    if (this.#running) {
      throw new Error("Controller.run: this controller already ran; build a new one");
    }
    this.#running = true;
    const metrics = this.#metrics = options.metrics;
    const plural = (this.#api as Api<K>).resource?.plural ?? "objects";
    const who = `controller of ${metrics?.controller ?? plural}`;
    const results = new Channel<ReconcileResult>();
    const store = this.store;
    const reconciler = new Reconciler({
      store,
      reconcile,
      errorPolicy,
      context,
      who,
      results,
      metrics,
    });
    const scheduler = new Scheduler((key, signal) => reconciler.run(key, signal), {
      concurrency: options.concurrency ?? 0,
      debounceMs: options.debounceMs ?? options.debounce ?? 0,
      ...SCHEDULER_LOGS,
    });
    const external = [...this.#signals, ...(options.signal ? [options.signal] : [])];
    const stop = new StopSwitch(scheduler, external, options.stopNow);
    this.#stop = stop.graceful;
    stop.link();
    const updateDepth = queueDepthGauge(metrics, scheduler);
    const parts: RunParts = {
      scheduler,
      stop,
      watches: new AbortController(),
      results,
      updateDepth,
      schedule: (key) => {
        scheduler.schedule(key);
        updateDepth();
      },
      synced: this.#syncGate(stop.signal),
      who,
      plural,
    };
    const loops = this.#startWatches(parts);
    store.ready().then(() => {
      if (!stop.signal.aborted) scheduler.start();
      parts.synced();
    });
    const finished = this.#shutdown(parts, loops, options.graceMs ?? 30_000);
    try {
      for await (const r of results.drain()) {
        updateDepth();
        yield r;
      }
    } finally {
      stop.graceful.abort();
      await finished;
    }
    if (this.#fatal !== undefined) throw this.#fatal;
  }

  /**
   * The function each watch that syncs calls once it has listed once (the main store and each
   * trigger watch): the last of them makes the controller ready, unless it is stopping.
   */
  #syncGate(stop: AbortSignal): () => void {
    let unsynced = 1 + this.#triggers.filter((t) => t.syncs).length;
    return () => {
      if (--unsynced > 0 || stop.aborted) return;
      this.#synced = true;
      this.#ready.resolve();
    };
  }

  /** The name of each watch loop of {@link Controller.#startWatches}, in its order. */
  #watchNames(plural: string): string[] {
    return [`main ${plural}`, ...this.#triggers.map((t) => t.name)];
  }

  /** Starts the main watch, then every trigger; their loops, which never reject. */
  #startWatches(run: RunParts): Promise<void>[] {
    return [this.#watchMain(run), ...this.#triggers.map((t) => this.#startTrigger(t, run))];
  }

  /**
   * The main watch: feeds the store and schedules each changed object (that the predicate lets
   * through). Its end or failure stops the controller: without it there is nothing to do.
   */
  #watchMain({ watches, schedule, stop, who, plural }: RunParts): Promise<void> {
    const mainName = `main ${plural}`;
    const store = this.store;
    return (async () => {
      let lists = 0;
      const config = this.#watcherConfig(this.#config, watches.signal, mainName);
      const events = this.#mainEvents ?? watcher(this.#api, config);
      for await (const ev of untilAborted(events, watches.signal)) {
        store.applyWatcherEvent(ev);
        if (ev.type === "Init" && ++lists > 1) {
          this.#metrics?.watchRestarts.inc(this.#labels(mainName));
        }
        const triggers = this.#predicates ? this.#predicates.observe(ev) : true;
        if (triggers && (ev.type === "Apply" || ev.type === "InitApply")) {
          schedule(objectKey(ev.object));
        }
      }
      // Only a stream given to forStream ends before shutdown: no more input, so stop.
      if (!watches.signal.aborted) {
        log({
          level: "warn",
          source: "controller",
          message: `${who}: the stream of ${plural} ended, stopping`,
        });
        stop.graceful.abort();
      }
    })().catch((err) => {
      // Without its main watch the controller cannot work: stop cleanly and let run throw.
      log({
        level: "error",
        source: "controller",
        message: `${who}: the watch of ${plural} ended, stopping:`,
        error: err,
      });
      this.#fail(err);
    });
  }

  /** Runs one trigger; a trigger that syncs counts once towards readiness. */
  #startTrigger(t: TriggerEntry, run: RunParts): Promise<void> {
    let once = false;
    const syncedOnce = () => {
      if (once || !t.syncs) return;
      once = true;
      run.synced();
    };
    return t.run((key) => run.schedule(key), run.watches.signal, syncedOnce).catch((err) => {
      log({
        level: "error",
        source: "controller",
        message: `${run.who}: trigger ${t.name} failed and stopped:`,
        error: err,
        fields: { trigger: t.name },
      });
    });
  }

  /**
   * Once the run is stopped: no longer ready, running reconciles get `graceMs` (none when
   * stopped now), then the watches close (waited for 5 s at most), the stop signals are
   * unlinked and the results end.
   */
  async #shutdown(run: RunParts, loops: Promise<void>[], graceMs: number): Promise<void> {
    const { stop, scheduler } = run;
    await aborted(stop.signal);
    this.#stopping = true;
    this.#ready.reject(new Error("the controller stopped before its watches synced"));
    const clean = await scheduler.shutdown(stop.halted ? 0 : graceMs);
    if (!clean && !stop.halted) {
      log({
        level: "warn",
        source: "controller",
        message: "controller: reconciles still running after the grace period were aborted",
      });
    }
    run.watches.abort();
    await closeWatches(loops, this.#watchNames(run.plural));
    stop.unlink();
    run.updateDepth();
    run.results.close();
  }
}

/** The parts of one run of a {@link Controller} that its steps share. */
interface RunParts {
  readonly scheduler: Scheduler;
  readonly stop: StopSwitch;
  /** Aborts when the watches must close: after the reconciles drained. */
  readonly watches: AbortController;
  /** What `run` yields. */
  readonly results: Channel<ReconcileResult>;
  /** Sets the queue-depth gauge to what the scheduler holds. */
  readonly updateDepth: () => void;
  /** Schedules a key now, and updates the queue-depth gauge. */
  readonly schedule: (key: string) => void;
  /** Called once by each watch that syncs, once it has listed. */
  readonly synced: () => void;
  /** `controller of <name>`, for messages. */
  readonly who: string;
  /** The main resource's plural, for messages and metric labels. */
  readonly plural: string;
}

/** How the scheduler of a controller reports a worker that threw and abandoned reconciles. */
const SCHEDULER_LOGS: Pick<SchedulerOptions, "onWorkerError" | "onAbandoned"> = {
  onWorkerError: (key, err) =>
    log({
      level: "error",
      source: "controller",
      message: `controller: reconcile of ${key} failed:`,
      error: err,
      fields: { key },
    }),
  onAbandoned: (keys) =>
    log({
      level: "warn",
      source: "controller",
      message: `controller: gave up waiting for reconciles that ignored their abort signal: ${
        keys.join(", ")
      }`,
    }),
};

/** What a {@link Reconciler} reconciles with, and where its results go. */
interface ReconcilerParts<K extends KubeObject, C> {
  store: Store<K>;
  reconcile: Reconcile<K, C>;
  errorPolicy: ErrorPolicy<K, C>;
  context: C;
  who: string;
  results: Channel<ReconcileResult>;
  metrics: ControllerMetrics | undefined;
}

/** A failed reconcile: the object, what it threw, its info, and when it started. */
type Failure<K extends KubeObject> = {
  obj: DeepReadonly<K>;
  error: unknown;
  info: ReconcileInfo<K>;
  t0: number;
};

/**
 * The scheduler's worker for one run of a controller: reconciles a key's object from the
 * store, asks the error policy what to do after a failure, counts consecutive failures per key,
 * records metrics, and pushes each result for `run` to yield.
 */
class Reconciler<K extends KubeObject, C> {
  readonly #p: ReconcilerParts<K, C>;
  /** Consecutive failures per key; a success or the object's deletion clears it. */
  readonly #failures = new Map<string, number>();

  constructor(parts: ReconcilerParts<K, C>) {
    this.#p = parts;
  }

  /** One reconcile of `key`; resolves to the requeue delay, if any. */
  async run(key: string, signal: AbortSignal): Promise<number | undefined> {
    const { store, reconcile, context, who } = this.#p;
    const obj = store.get(key);
    if (!obj) {
      this.#failures.delete(key); // gone from the server: never reconciled again
      return undefined;
    }
    const info: ReconcileInfo<K> = { key, store, attempt: this.#failures.get(key) ?? 0, signal };
    const t0 = performance.now();
    let result: ReconcileResult;
    try {
      const action = checkAction(await reconcile(obj, context, info), who, "reconcile", key);
      this.#failures.delete(key);
      result = { key, outcome: "success", action, durationMs: performance.now() - t0 };
    } catch (error) {
      if (signal.aborted) {
        this.#p.results.push(this.#abortedAtShutdown({ obj, error, info, t0 }));
        return undefined;
      }
      result = this.#failed({ obj, error, info, t0 });
    }
    this.#p.metrics?.reconciled(result.outcome, result.durationMs / 1000);
    this.#p.results.push(result);
    return result.action.requeueAfterMs;
  }

  /** A failure: counted, and the error policy's action (or a backoff if the policy fails). */
  #failed({ obj, error, info, t0 }: Failure<K>): ReconcileResult {
    const { errorPolicy, context, who } = this.#p;
    const key = info.key;
    const attempt = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, attempt);
    let action: Action;
    try {
      action = checkAction(
        errorPolicy(obj, error, context, { ...info, attempt }),
        who,
        "the error policy",
        key,
      );
    } catch (policyError) {
      action = Action.requeue(backoffDelay(attempt));
      log({
        level: "error",
        source: "controller",
        message:
          `${who}: the error policy failed for ${key}; requeueing in ${action.requeueAfterMs} ms:`,
        error: policyError,
        fields: { key },
      });
    }
    const durationMs = performance.now() - t0;
    return { key, outcome: "error", action, error, durationMs };
  }

  /**
   * A failure after shutdown aborted the reconcile's signal: the policy hears of it (work may
   * be cut off half-way), but there is no retry to plan, no attempt to count, no backoff.
   */
  #abortedAtShutdown({ obj, error, info, t0 }: Failure<K>): ReconcileResult {
    const { errorPolicy, context, who } = this.#p;
    try {
      errorPolicy(obj, error, context, { ...info, attempt: info.attempt + 1 });
    } catch (policyError) {
      log({
        level: "error",
        source: "controller",
        message: `${who}: the error policy failed for ${info.key} (aborted at shutdown):`,
        error: policyError,
        fields: { key: info.key },
      });
    }
    const action = Action.awaitChange();
    const durationMs = performance.now() - t0;
    return { key: info.key, outcome: "error", action, error, aborted: true, durationMs };
  }
}

/**
 * How a run of a controller stops: `graceful` aborts for a graceful stop (running reconciles
 * drain within `graceMs`); stopping now (`stopNow`, or a signal whose reason is a
 * {@link LeadershipLostError}) also shuts the scheduler down with no grace, which aborts the
 * running reconciles' signals synchronously, so that a lost leader stops before a successor
 * may start.
 */
class StopSwitch {
  readonly graceful: AbortController = new AbortController();
  readonly #scheduler: Scheduler;
  readonly #external: readonly AbortSignal[];
  readonly #halt: AbortSignal | undefined;
  #halted = false;

  constructor(scheduler: Scheduler, external: readonly AbortSignal[], halt?: AbortSignal) {
    this.#scheduler = scheduler;
    this.#external = external;
    this.#halt = halt;
  }

  /** Aborts on any stop, graceful or not. */
  get signal(): AbortSignal {
    return this.graceful.signal;
  }

  /** True once stopped now: there is no grace period. */
  get halted(): boolean {
    return this.#halted;
  }

  /** Listens to the signals, and acts at once on those aborted already. */
  link(): void {
    this.#halt?.addEventListener("abort", this.#now, { once: true });
    for (const s of this.#external) s.addEventListener("abort", this.#onStop, { once: true });
    if (this.#halt?.aborted) this.#now();
    for (const s of this.#external) if (s.aborted) this.#stopFor(s.reason);
  }

  /** Stops listening (at the end of the run). */
  unlink(): void {
    for (const s of this.#external) s.removeEventListener("abort", this.#onStop);
    this.#halt?.removeEventListener("abort", this.#now);
  }

  readonly #now = (): void => {
    this.#halted = true;
    this.graceful.abort();
    this.#scheduler.shutdown(0);
  };

  readonly #onStop = (ev: Event): void => this.#stopFor((ev.target as AbortSignal).reason);

  #stopFor(reason: unknown): void {
    if (reason instanceof LeadershipLostError) this.#now();
    else this.graceful.abort();
  }
}

/**
 * The queue-depth gauge of `metrics` set to 0, and a function that sets it to what the
 * scheduler holds (scheduled, ready and running keys); a no-op without metrics.
 */
function queueDepthGauge(
  metrics: ControllerMetrics | undefined,
  scheduler: Scheduler,
): () => void {
  if (!metrics) return () => {};
  const labels = { controller: metrics.controller };
  metrics.queueDepth.set(0, labels);
  return () => {
    const s = scheduler.stats();
    metrics.queueDepth.set(s.scheduled + s.ready + s.running, labels);
  };
}

/** How long a shutdown waits for the watches to close after aborting them. */
const CLOSE_WAIT_MS = 5_000;

/**
 * Waits for the watch loops to end, {@link CLOSE_WAIT_MS} at most: watches close promptly on abort, and one
 * that does not must not hold up the shutdown. Logs (by `names`) those still open then.
 */
async function closeWatches(
  loops: readonly Promise<void>[],
  names: readonly string[],
): Promise<void> {
  const open = new Set(loops.map((_, i) => i));
  loops.forEach((l, i) => l.finally(() => open.delete(i)));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const closed = await Promise.race([
    Promise.allSettled(loops).then(() => true),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), CLOSE_WAIT_MS))),
  ]);
  clearTimeout(timer);
  if (!closed) {
    log({
      level: "warn",
      source: "controller",
      message: `controller: watches not closed ${CLOSE_WAIT_MS / 1000} s after shutdown: ${
        [...open].map((i) => names[i]).join(", ")
      }`,
    });
  }
}

/**
 * The items of `source` until `signal` aborts: ends at once on abort even if the source is
 * blocked in a read, so that shutdown never waits on a connection that is slow to cancel.
 */
async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  const stop = aborted(signal);
  try {
    for (;;) {
      const r = await Promise.race([it.next(), stop]);
      if (r === undefined || r.done) return;
      yield r.value;
    }
  } finally {
    // Not awaited: a source blocked inside next() only returns after it.
    it.return?.(undefined)?.catch(() => {});
  }
}

/** Resolves (to undefined) when the signal aborts. */
function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
}

/** An object's key for a message, also for one without usable metadata. */
function describeObject(obj: KubeObject): string {
  const name = obj?.metadata?.name;
  return typeof name === "string" ? objectKey(obj) : "an object without metadata.name";
}

/**
 * `value` if it is an {@link Action}; else an {@link ActionError} naming `who` (the
 * controller), `what` returned it and the key.
 */
function checkAction(value: unknown, who: string, what: string, key: string): Action {
  if (value instanceof Action) return value;
  let shown: string;
  try {
    shown = value === undefined ? "undefined" : JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 100) shown = shown.slice(0, 100) + "…";
  throw new ActionError(
    `${who}: ${what} of ${key} returned ${shown}, not an Action: return Action.requeue(ms) or ` +
      "Action.awaitChange()",
    key,
  );
}
