/**
 * Publishing `events.k8s.io/v1` Events about objects: what `kubectl describe` and
 * `kubectl events` show. Repeats of the same event become one Event with a growing `series`
 * instead of a flood of objects.
 *
 * @module
 */

import { Api } from "../client/api.ts";
import type { Client } from "../client/client.ts";
import { isNotFound } from "../core/error.ts";
import type { KubeObject, ObjectMeta, ObjectRef, ResourceType } from "../core/resource.ts";
import { Event as EventV1 } from "../core/k8s/events.k8s.io/v1.ts";
import type { Event as EventObject } from "../core/k8s/events.k8s.io/v1.ts";
import type { ObjectReference } from "../core/k8s/core/v1.ts";

/**
 * Who publishes: the controller's name (`reportingController`, e.g. `example.com/my-operator`)
 * and this instance of it (`reportingInstance`, e.g. the pod name).
 *
 * @example
 * ```ts
 * import type { Reporter } from "@kubeno/kube";
 * const r: Reporter = { controller: "example.com/configmapgen", instance: "configmapgen-0" };
 * ```
 */
export interface Reporter {
  /** `reportingController`: the controller's name, at most 128 characters. */
  controller: string;
  /** `reportingInstance`: this instance; default `<controller>-<random>`. */
  instance?: string;
}

/**
 * `Normal` for expected things, `Warning` for what needs a human's eye.
 *
 * @example
 * ```ts
 * import type { EventRecord, EventType } from "@kubeno/kube";
 * const type: EventType = "Warning";
 * const ev: EventRecord = { type, reason: "BackendDown", action: "Reconcile", note: "db unreachable" };
 * ```
 */
export type EventType = "Normal" | "Warning";

/**
 * One event to publish. kube-rs' `Event`.
 *
 * @example
 * ```ts
 * import type { EventRecord } from "@kubeno/kube";
 * const e: EventRecord = {
 *   type: "Normal", reason: "Created", action: "CreateConfigMap", note: "created ConfigMap a",
 * };
 * ```
 */
export interface EventRecord {
  /** Normal or Warning. */
  type: EventType;
  /** Why the action was taken, CamelCase, at most 128 characters. Required by the server. */
  reason: string;
  /** What was done (or failed), CamelCase, at most 128 characters. Required by the server. */
  action: string;
  /** A human-readable description, at most 1 kB. */
  note?: string;
  /** A second object involved, e.g. the ConfigMap a generator created. */
  related?: ObjectRef | ObjectReference;
}

/**
 * Options of {@link Recorder.publish}.
 *
 * @example
 * ```ts
 * import type { PublishOptions } from "@kubeno/kube";
 * const o: PublishOptions = { signal: AbortSignal.timeout(5_000) };
 * ```
 */
export interface PublishOptions {
  /**
   * Cuts off the publish: once aborted, nothing is sent (also when it was waiting behind an
   * earlier publish of the same event) and the abort reason is thrown. Pass a reconcile's
   * `info.signal`, so that a controller that lost its lease stops writing at once.
   */
  signal?: AbortSignal;
}

/**
 * Options of a {@link Recorder}.
 *
 * @example
 * ```ts
 * import type { RecorderOptions } from "@kubeno/kube";
 * const o: RecorderOptions = { seriesWindowMs: 60_000 };
 * ```
 */
export interface RecorderOptions {
  /**
   * A repeat within this time of the last occurrence joins its series; later, a new Event is
   * created.
   * @default 360000 (6 minutes, client-go's window)
   */
  seriesWindowMs?: number;
  /** Most series remembered; the oldest are forgotten first. @default 4096 */
  cacheSize?: number;
  /**
   * The spam filter, as client-go's event correlator: Events (new ones and repeats alike)
   * about one object may burst to this many, then one more per `spamRefillMs`; the rest are
   * dropped without a request ({@link Recorder.publish} resolves to `undefined`), so a hot
   * loop cannot flood the apiserver.
   * @default 25 (as client-go)
   */
  spamBurst?: number;
  /** Milliseconds to earn back one Event of the burst. @default 300000 (5 min, as client-go) */
  spamRefillMs?: number;
}

/** A token bucket of the spam filter, per regarding object. */
interface SpamBucket {
  tokens: number;
  lastMs: number;
}

interface SeriesEntry {
  namespace: string;
  name: string;
  count: number;
  lastMs: number;
}

/**
 * Publishes Events about objects, as controllers do. An event repeated within the series
 * window (same regarding object, related object, type, reason, action and note) is recorded
 * by patching the existing Event's `series` (count and last observed time) instead of
 * creating another object.
 *
 * Needs RBAC to `create` and `patch` `events.events.k8s.io` in the objects' namespaces.
 * Cluster-scoped objects' events go to the `default` namespace, as client-go does.
 *
 * @example
 * ```ts
 * import { Api, Client, objectRef, Recorder } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * const recorder = new Recorder(client, { controller: "example.com/demo" });
 * const cm = await Api.namespaced(client, ConfigMap, "default").get("settings");
 * await recorder.publish(
 *   { type: "Normal", reason: "Seen", action: "Inspect", note: "looked at it" },
 *   objectRef(ConfigMap, cm),
 * );
 * ```
 */
export class Recorder {
  /** The client events are written with. */
  readonly client: Client;
  /** Who this recorder reports as. */
  readonly reporter: Required<Reporter>;
  readonly #windowMs: number;
  readonly #cacheSize: number;
  readonly #spamBurst: number;
  readonly #spamRefillMs: number;
  readonly #buckets = new Map<string, SpamBucket>();
  readonly #series = new Map<string, SeriesEntry>();
  readonly #chains = new Map<string, Promise<EventObject>>();
  #seq = 0;

  /**
   * A recorder writing through `client` as `reporter`.
   *
   * @param client the client to write Events with
   * @param reporter who publishes
   * @param options series window and cache size
   */
  constructor(client: Client, reporter: Reporter, options: RecorderOptions = {}) {
    if (!reporter.controller) throw new TypeError("Recorder: reporter.controller is required");
    this.client = client;
    this.reporter = {
      controller: reporter.controller,
      instance: reporter.instance ??
        `${reporter.controller.replace(/[^A-Za-z0-9.-]/g, "-")}-${crypto.randomUUID().slice(0, 8)}`,
    };
    this.#windowMs = options.seriesWindowMs ?? 6 * 60_000;
    this.#cacheSize = options.cacheSize ?? 4096;
    this.#spamBurst = options.spamBurst ?? 25;
    this.#spamRefillMs = options.spamRefillMs ?? 300_000;
    if (!(this.#spamBurst >= 1) || !(this.#spamRefillMs > 0)) {
      throw new RangeError(
        "Recorder: spamBurst must be at least 1 and spamRefillMs a positive number of ms",
      );
    }
  }

  /** Takes a token of the object's bucket; false if it is empty (the Event is dropped). */
  #allow(regarding: ObjectRef | ObjectReference, now: number): boolean {
    const r = toReference(regarding);
    const key = JSON.stringify([r.apiVersion, r.kind, r.namespace, r.name, r.uid]);
    const b = this.#buckets.get(key) ?? { tokens: this.#spamBurst, lastMs: now };
    b.tokens = Math.min(this.#spamBurst, b.tokens + (now - b.lastMs) / this.#spamRefillMs);
    b.lastMs = now;
    // Re-inserted last: the map's order is the eviction order, as for series.
    this.#buckets.delete(key);
    this.#buckets.set(key, b);
    for (const k of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#cacheSize) break;
      this.#buckets.delete(k);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * Publishes `event` about the object `regarding`. Resolves to the Event as written (created or
   * patched), or to `undefined` when the spam filter dropped it (see
   * {@link RecorderOptions.spamBurst}). Errors from the server are thrown; events are
   * best-effort, so a caller usually logs and continues.
   * `options.signal` cuts it off (see {@link PublishOptions}).
   *
   * @example
   * ```ts
   * import { Client, Recorder } from "@kubeno/kube";
   * const recorder = new Recorder(await Client.tryDefault(), { controller: "example.com/demo" });
   * await recorder.publish(
   *   { type: "Warning", reason: "Invalid", action: "Validate", note: "spec.content is empty" },
   *   { apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" },
   * );
   * ```
   */
  async publish(
    event: EventRecord,
    regarding: ObjectRef | ObjectReference,
    options: PublishOptions = {},
  ): Promise<EventObject | undefined> {
    const signal = options.signal;
    signal?.throwIfAborted();
    if (!event.reason || !event.action) {
      throw new TypeError("Recorder.publish: an event needs a reason and an action");
    }
    if (!regarding.name) throw new TypeError("Recorder.publish: the regarding object needs a name");
    if (!this.#allow(regarding, Date.now())) return undefined;
    const key = seriesKey(this.reporter.controller, event, regarding);
    // Publishes of one event run one after the other, so that a repeat never races its create.
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => {
      signal?.throwIfAborted(); // aborted while an earlier publish of this event ran
      return this.#publishNow(key, event, regarding, signal);
    });
    this.#chains.set(key, run);
    try {
      return await run;
    } finally {
      if (this.#chains.get(key) === run) this.#chains.delete(key);
    }
  }

  /**
   * Publishes `event` about an object of resource type `rt`: a shorthand for
   * `publish(event, objectRef(rt, obj))`.
   *
   * @example
   * ```ts
   * import { Api, Client, Recorder } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const cm = await Api.namespaced(client, ConfigMap, "default").get("settings");
   * await new Recorder(client, { controller: "example.com/demo" })
   *   .publishFor(ConfigMap, cm, { type: "Normal", reason: "Seen", action: "Inspect" });
   * ```
   */
  async publishFor<K extends KubeObject>(
    rt: ResourceType<K>,
    obj: {
      readonly metadata: Readonly<
        Pick<ObjectMeta, "name" | "namespace" | "uid" | "resourceVersion">
      >;
    },
    event: EventRecord,
    options: PublishOptions = {},
  ): Promise<EventObject | undefined> {
    const m = obj.metadata;
    const ref: ObjectReference = { apiVersion: rt.apiVersion, kind: rt.kind, name: m.name };
    if (m.namespace) ref.namespace = m.namespace;
    if (m.uid) ref.uid = m.uid;
    if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
    return await this.publish(event, ref, options);
  }

  async #publishNow(
    key: string,
    event: EventRecord,
    regarding: ObjectRef | ObjectReference,
    signal: AbortSignal | undefined,
  ): Promise<EventObject> {
    const now = Date.now();
    const entry = this.#series.get(key);
    const api = Api.namespaced(this.client, EventV1, regarding.namespace || "default");
    if (entry && now - entry.lastMs <= this.#windowMs) {
      const count = entry.count + 1;
      try {
        const patched = await api.patch(
          entry.name,
          {
            type: "merge",
            body: { series: { count, lastObservedTime: microTime(now) } },
          },
          {},
          { signal },
        );
        entry.count = count;
        entry.lastMs = now;
        return patched;
      } catch (err) {
        // The Event expired (events have a TTL) or was deleted: start a new one.
        if (!isNotFound(err)) throw err;
      }
    }
    const body: EventObject = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: {
        name: eventName(regarding.name!, now, this.#seq++),
        namespace: regarding.namespace || "default",
      },
      eventTime: microTime(now),
      reportingController: this.reporter.controller,
      reportingInstance: this.reporter.instance,
      action: event.action,
      reason: event.reason,
      type: event.type,
      regarding: toReference(regarding),
    };
    if (event.note !== undefined) body.note = truncate(event.note, 1024);
    if (event.related) body.related = toReference(event.related);
    const created = await api.create(body, {}, { signal });
    this.#series.delete(key); // re-inserted last: the map's order is the eviction order
    this.#series.set(key, {
      namespace: created.metadata.namespace ?? body.metadata.namespace!,
      name: created.metadata.name ?? body.metadata.name!,
      count: 1,
      lastMs: now,
    });
    this.#evict(now);
    return created;
  }

  /** Forgets series older than the window, then the oldest beyond the cache size. */
  #evict(now: number): void {
    if (this.#series.size <= this.#cacheSize) return;
    for (const [k, e] of this.#series) {
      if (now - e.lastMs > this.#windowMs) this.#series.delete(k);
    }
    for (const k of this.#series.keys()) {
      if (this.#series.size <= this.#cacheSize) break;
      this.#series.delete(k);
    }
  }
}

function toReference(ref: ObjectRef | ObjectReference): ObjectReference {
  const out: ObjectReference = {};
  for (
    const k of [
      "apiVersion",
      "kind",
      "name",
      "namespace",
      "uid",
      "resourceVersion",
      "fieldPath",
    ] as const
  ) {
    const v = (ref as ObjectReference)[k];
    if (v) out[k] = v;
  }
  return out;
}

function seriesKey(controller: string, e: EventRecord, regarding: ObjectRef | ObjectReference) {
  const r = toReference(regarding);
  const rel = e.related ? toReference(e.related) : undefined;
  return JSON.stringify([
    controller,
    r.apiVersion,
    r.kind,
    r.namespace,
    r.name,
    r.uid,
    rel?.apiVersion,
    rel?.kind,
    rel?.namespace,
    rel?.name,
    e.type,
    e.reason,
    e.action,
    e.note,
  ]);
}

/**
 * An RFC 3339 time with microseconds, as the API's `MicroTime` (events' `eventTime`,
 * leases' `renewTime`).
 *
 * @example
 * ```ts
 * import { microTime } from "@kubeno/kube";
 * microTime(0); // "1970-01-01T00:00:00.000000Z"
 * ```
 */
export function microTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** `<name>.<hex nanoseconds>` as client-go names events; unique per recorder via `seq`. */
function eventName(regardingName: string, ms: number, seq: number): string {
  const nanos = BigInt(ms) * 1_000_000n + BigInt(seq % 1_000_000);
  const suffix = "." + nanos.toString(16);
  return regardingName.slice(0, 253 - suffix.length) + suffix;
}

function truncate(s: string, max: number): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= max) return s;
  return new TextDecoder().decode(bytes.slice(0, max - 3)).replace(/\uFFFD$/, "") + "...";
}
