/**
 * The watcher: list, then watch, forever. It turns the API's list and watch calls into one
 * continual stream of {@link WatcherEvent}s that survives dropped connections, expired
 * resource versions and restarts of the API server. A state machine after kube-rs' `watcher`.
 *
 * @module
 */

import { log } from "../core/log.ts";
import { isForbidden, isGone, isNotFound, isUnauthorized, KubeError } from "../core/error.ts";
import type { ListParams, WatchParams } from "../core/params.ts";
import { listRequest, type ResourceScope, watchRequest } from "../core/request.ts";
import type { KubeObject, ObjectList, ResourceType } from "../core/resource.ts";
import { decodeWatchBatches, type WatchEvent } from "../core/watch.ts";
import {
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
  type PartialObjectMetadata,
  withAccept,
} from "../core/metadata.ts";
import type { Client } from "../client/client.ts";
import { PermissionError } from "../client/permissions.ts";
import type { RetryNotice } from "../client/retry.ts";
import { errorText, sleep } from "../core/_util.ts";
import {
  type Recovery,
  type Step,
  step,
  type StepContext,
  type WatcherInput,
  type WatcherOutput,
  type WatcherState,
} from "./_watcher_state.ts";
import { type Backoff, defaultBackoff } from "./backoff.ts";

/**
 * One event of a {@link watcher}, as kube-rs names them:
 *
 * - `Init`: a (re)list starts. A store starts building a new state aside.
 * - `InitApply`: an object of that list.
 * - `InitDone`: the list is complete; the new state replaces the old one at once. Objects of
 *   the old state missing from the new one were deleted while nobody watched.
 * - `Apply`: an object was added or modified after the list.
 * - `Delete`: an object was deleted; `object` is its last state.
 *
 * @example
 * ```ts
 * import type { WatcherEvent } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * function describe(ev: WatcherEvent<Pod>): string {
 *   switch (ev.type) {
 *     case "Init": case "InitDone": return ev.type;
 *     default: return `${ev.type} ${ev.object.metadata.name}`;
 *   }
 * }
 * ```
 */
export type WatcherEvent<K> =
  | { type: "Init" }
  | { type: "InitApply"; object: K }
  | { type: "InitDone" }
  | { type: "Apply"; object: K }
  | { type: "Delete"; object: K };

/**
 * What the watcher needs from an API: `list` and `watch` as {@link Api} has them. `Api<K>`
 * satisfies it; tests and adapters (see {@link metadataApi}) can supply their own.
 *
 * @example
 * ```ts
 * import { Api, Client, type WatchableApi } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods: WatchableApi<Pod> = Api.all(await Client.tryDefault(), Pod);
 * ```
 */
export interface WatchableApi<K> {
  /** One page of a list. `onRetry` is told of the client's own retries (see `RequestOptions`). */
  list(lp?: ListParams, opts?: WatchableCallOptions): Promise<ObjectList<K>>;
  /** One watch connection from `resourceVersion`; ends when the server closes it. */
  watch(
    wp?: WatchParams,
    resourceVersion?: string,
    opts?: WatchableCallOptions,
  ): AsyncIterable<WatchEvent<K>>;
  /**
   * The same watch in batches (the events of one network read together, as `Api.watchBatches`
   * and `decodeWatchBatches` give them); the watcher prefers it to `watch` when it is there.
   */
  watchBatches?(
    wp?: WatchParams,
    resourceVersion?: string,
    opts?: WatchableCallOptions,
  ): AsyncIterable<readonly WatchEvent<K>[]>;
  /** The resource, used to name it in errors. */
  readonly resource?: { readonly kind: string; readonly plural: string };
  /** The namespace, used to name it in errors. */
  readonly namespace?: string;
}

/**
 * Options the watcher passes to each call of a {@link WatchableApi}: a subset of the client's
 * `RequestOptions`.
 *
 * @example
 * ```ts
 * import type { WatchableCallOptions } from "@kubeno/kube";
 * const opts: WatchableCallOptions = {
 *   signal: AbortSignal.timeout(5_000),
 *   onRetry: (r) => console.warn(`retrying in ${r.delayMs} ms`),
 * };
 * ```
 */
export interface WatchableCallOptions {
  /** Ends the call. */
  signal?: AbortSignal;
  /** Told before each retry the client makes within the call. */
  onRetry?: (retry: RetryNotice) => void;
}

/**
 * How the initial state is read:
 *
 * - `list`: a paged list (`pageSize` per page), then a watch from the list's resourceVersion.
 * - `streamingList`: one watch with `sendInitialEvents=true`: the server streams the current
 *   objects, then a BOOKMARK annotated `k8s.io/initial-events-end`, then changes. Uses less
 *   memory on the server; needs the `WatchList` feature (on by default since Kubernetes 1.32).
 *
 * @example
 * ```ts
 * import type { InitialListStrategy, WatcherConfig } from "@kubeno/kube";
 * const strategy: InitialListStrategy = "streamingList";
 * const config: WatcherConfig = { initialListStrategy: strategy };
 * ```
 */
export type InitialListStrategy = "list" | "streamingList";

/**
 * Which state a list may return: `any` lets the server answer from its watch cache
 * (`resourceVersion=0`, cheap, possibly a little stale, then caught up by the watch);
 * `mostRecent` asks for a consistent read of the latest state (a quorum read of etcd).
 *
 * @example
 * ```ts
 * import type { ListSemantic, WatcherConfig } from "@kubeno/kube";
 * const semantic: ListSemantic = "mostRecent";
 * const config: WatcherConfig = { listSemantic: semantic, pageSize: 100 };
 * ```
 */
export type ListSemantic = "any" | "mostRecent";

/**
 * Options of a {@link watcher}.
 *
 * @example
 * ```ts
 * import type { WatcherConfig } from "@kubeno/kube";
 * const config: WatcherConfig = {
 *   labelSelector: "app=blog",
 *   pageSize: 100,
 *   onError: (err) => console.warn(err.message),
 * };
 * ```
 */
export interface WatcherConfig {
  /** Only objects whose labels match, e.g. `app=blog`. */
  labelSelector?: string;
  /** Only objects whose fields match, e.g. `metadata.name=blog`. */
  fieldSelector?: string;
  /**
   * Server-side timeout of each watch connection, in seconds (the API's `timeoutSeconds`).
   * @default 290 (as kube-rs)
   */
  timeoutSeconds?: number;
  /** Objects per page of the initial list. @default 500 */
  pageSize?: number;
  /** See {@link ListSemantic}. @default "any" */
  listSemantic?: ListSemantic;
  /** See {@link InitialListStrategy}. @default "list" */
  initialListStrategy?: InitialListStrategy;
  /** Ask for BOOKMARK events, which keep the resume point fresh. @default true */
  bookmarks?: boolean;
  /**
   * Waits between retries after errors: a {@link Backoff}, or a function making one per
   * iteration. {@link defaultBackoff}: 800 ms doubling to 30 s, jittered, reset after 120 s
   * without errors.
   * @default defaultBackoff()
   */
  backoff?: Backoff | (() => Backoff);
  /** Ends the stream: the iteration finishes without an error and the connection is closed. */
  signal?: AbortSignal;
  /**
   * Told of every error the watcher recovers from: it is called, then the watcher waits
   * `err.retryInMs` and tries again. Also told of each retry the client makes within one call
   * (a 429 or 5xx storm: `clientRetry` is true, the client waits `retryInMs`), and of objects
   * it skips because they lack `metadata.name` (`retryInMs` 0). The stream never ends because
   * of such an error; only a missing Deno permission ends it (see {@link watcher}). The
   * default logs an error for 401/403/404 (fix the RBAC, the resource or the namespace) and a
   * warning for others; expired resource versions (a routine relist) are not logged.
   * @default the log handler (`setLogHandler`)
   */
  onError?: (err: WatcherError) => void;
}

/**
 * An error the watcher recovered from, given to {@link WatcherConfig.onError}. `cause` is the
 * underlying error: an {@link ApiError} (with the server's Status), a `ConnectionError`, a
 * `WatchDecodeError` for garbage on the wire, ...
 *
 * @example
 * ```ts
 * import { isForbidden, type WatcherError } from "@kubeno/kube";
 * function onError(err: WatcherError) {
 *   if (isForbidden(err.cause)) console.error("fix the RBAC:", err.message);
 * }
 * ```
 */
export class WatcherError extends KubeError {
  /** Class name. */
  override name: string = "WatcherError";
  /** What failed: the initial list, or a watch (connecting or reading). */
  readonly phase: "list" | "watch";
  /** True if the watcher relists (the resource version expired, or the stream broke early). */
  readonly relist: boolean;
  /** How long the watcher waits before its next attempt, in milliseconds. */
  readonly retryInMs: number;
  /** True if the client retries a call by itself (429, 5xx, lost connection): a report only. */
  readonly clientRetry: boolean;

  /**
   * Builds the error.
   *
   * @param message What failed and what to do.
   * @param details Phase, whether a relist follows, the wait, and the cause.
   */
  constructor(
    message: string,
    details: {
      phase: "list" | "watch";
      relist: boolean;
      retryInMs: number;
      cause: unknown;
      clientRetry?: boolean;
    },
  ) {
    super(message, { cause: details.cause });
    this.phase = details.phase;
    this.relist = details.relist;
    this.retryInMs = details.retryInMs;
    this.clientRetry = details.clientRetry ?? false;
  }
}

const DEFAULT_TIMEOUT_SECONDS = 290;
/** A watch closed sooner than this after it opened counts as a quick close. */
const QUICK_CLOSE_MS = 1_000;
/** Quick closes in a row after which the watcher backs off (and says so). */
const QUICK_CLOSES_BEFORE_BACKOFF = 3;
/** A watch that outlives its server-side timeout by this much is considered stalled. */
const STALL_GRACE_MS = 30_000;

/** What the watched collection is called in messages. */
function describe(api: WatchableApi<unknown>): string {
  const what = api.resource?.plural ?? "objects";
  return api.namespace ? `${what} in namespace ${api.namespace}` : what;
}

/** A hint for the failures a person must fix. */
function hint(api: WatchableApi<unknown>, err: unknown): string {
  const plural = api.resource?.plural ?? "the resource";
  if (isForbidden(err)) {
    return ` The credentials may not list/watch ${plural}: grant it in RBAC ` +
      `(check with kubectl auth can-i watch ${plural}).`;
  }
  if (isNotFound(err)) {
    return ` The server does not serve ${plural} here: is the CRD installed, the namespace there?`;
  }
  if (isUnauthorized(err)) return " The credentials were rejected: refresh the kubeconfig.";
  return "";
}

function defaultOnError(err: WatcherError): void {
  if (err.relist && isGone(err.cause)) return; // routine: etcd compacted the history
  const c = err.cause;
  const level = isForbidden(c) || isNotFound(c) || isUnauthorized(c) ? "error" : "warn";
  log({ level, source: "watcher", message: err.message, fields: { phase: err.phase } });
}

/**
 * A continual stream of the objects of `api`: a list (`Init`, `InitApply`..., `InitDone`),
 * then `Apply`/`Delete` for each change, forever.
 *
 * - A watch that the server closes (its timeout) resumes from the last seen resourceVersion;
 *   BOOKMARK events keep that fresh.
 * - `410 Gone` (on the watch, in an ERROR event, or on an expired `continue` token) relists with
 *   a fresh `Init`..`InitDone`, so a store can swap in the new state and objects deleted in the
 *   meantime disappear.
 * - Other errors (network, 5xx, 429, 403, 404, garbage on the wire) are reported to
 *   {@link WatcherConfig.onError} and retried after a backoff; so is each retry the client
 *   makes within a call. Waits grow from one error to the next and start over only after the
 *   watch made progress (an event) or after the backoff's quiet period: a list that succeeds
 *   is no proof of health (a watch that answers 410 after every list is backed off from).
 * - An event or list item without `metadata.name` is reported as a `WatchDecodeError` and
 *   skipped; the watch goes on.
 * - A missing Deno permission (`PermissionError`) cannot succeed on a retry: the stream ends
 *   by throwing it, and its message names the flag to add. Other errors never end the stream.
 * - Aborting {@link WatcherConfig.signal}, or leaving the `for await` loop, ends the stream
 *   promptly and closes the connection.
 *
 * The generator is single-use: iterate it once.
 *
 * @example
 * ```ts
 * import { Api, Client, shutdownSignal, watcher } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * const signal = shutdownSignal(); // Ctrl-C or SIGTERM ends the loop
 * for await (const ev of watcher(pods, { labelSelector: "app=blog", signal })) {
 *   if (ev.type === "Apply") console.log("changed", ev.object.metadata.name);
 * }
 * ```
 */
export function watcher<K extends KubeObject>(
  api: WatchableApi<K>,
  config: WatcherConfig = {},
): AsyncGenerator<WatcherEvent<K>, void, undefined> {
  return runWatcher(api, config);
}

async function* runWatcher<K extends KubeObject>(
  api: WatchableApi<K>,
  config: WatcherConfig,
): AsyncGenerator<WatcherEvent<K>, void, undefined> {
  const outer = config.signal;
  if (outer?.aborted) return;
  // Our own controller: aborted on the user's signal and when the consumer stops iterating,
  // so that a pending fetch or body read is cancelled in both cases.
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  const run = new WatcherRun(api, config, ctl.signal);
  // The next page, fetched while the current one is handed out. Its failure is met when it is
  // awaited; the catch only keeps it from being "unhandled" if the consumer stops first.
  let nextPage: Promise<ObjectList<K>> | undefined;
  try {
    while (!ctl.signal.aborted) {
      const state = run.state;
      let s: Step<K>;
      if (state.kind === "Empty") {
        s = run.step({ kind: "Start" });
      } else if (state.kind === "InitPage") {
        try {
          const page = await (nextPage ?? run.list(state.continue));
          s = run.step({
            kind: "Page",
            items: page.items ?? [],
            continue: page.metadata?.continue || undefined,
            resourceVersion: page.metadata?.resourceVersion,
          });
        } catch (err) {
          if (ctl.signal.aborted) return;
          s = run.step({ kind: "ListFailed", cause: err, gone: isGone(err) });
        }
        nextPage = run.state.kind === "InitPage" ? run.list(run.state.continue) : undefined;
        nextPage?.catch(() => {});
      } else {
        // The events of one network read come as one array: one async generator turn per
        // read, not per event, between this loop and the connection (about 15% of the event
        // rate at 10k objects, tests/bench/reflector).
        const once = run.watchOnce(state);
        let r: IteratorResult<WatcherEvent<K>[], WatchEnd>;
        try {
          while (!(r = await once.next()).done) for (const e of r.value) yield e;
        } finally {
          await once.return(undefined);
        }
        const ended = r.value;
        if (ended === undefined) return;
        s = run.step({ kind: "Ended", ...ended.end });
        if (!s.recover && !await run.checkQuickClose(ended.opened)) return;
      }
      for (const e of run.emit(s.out)) yield e;
      if (s.recover && !await run.recover(s.recover)) return;
    }
  } finally {
    outer?.removeEventListener("abort", onAbort);
    ctl.abort();
  }
}

/**
 * One iteration of a watcher: its state (stepped by {@link step}), the calls it makes and how
 * it reports and waits after failures. The loop in runWatcher drives it.
 */
class WatcherRun<K extends KubeObject> {
  state: WatcherState = { kind: "Empty" };
  readonly #api: WatchableApi<K>;
  readonly #config: WatcherConfig;
  readonly #signal: AbortSignal;
  readonly #backoff: Backoff;
  readonly #onError: (err: WatcherError) => void;
  readonly #ctx: StepContext;
  readonly #timeoutSeconds: number;
  #backedOff = false; // an error happened since the last reset of the backoff
  #goneStreak = 0; // consecutive 410s without progress
  #quickCloses = 0; // consecutive watches the server closed right after opening them

  constructor(api: WatchableApi<K>, config: WatcherConfig, signal: AbortSignal) {
    this.#api = api;
    this.#config = config;
    this.#signal = signal;
    this.#backoff = typeof config.backoff === "function"
      ? config.backoff()
      : config.backoff ?? defaultBackoff();
    this.#onError = config.onError ?? defaultOnError;
    this.#ctx = { strategy: config.initialListStrategy ?? "list", what: describe(api) };
    this.#timeoutSeconds = config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  }

  /** Steps the state machine with `input`. */
  step(input: WatcherInput<K>): Step<K> {
    const s = step(this.state, input, this.#ctx);
    this.state = s.state;
    return s;
  }

  /** One page of the list. */
  list(cont: string | undefined): Promise<ObjectList<K>> {
    const c = this.#config;
    const lp: ListParams = {
      labelSelector: c.labelSelector,
      fieldSelector: c.fieldSelector,
      limit: c.pageSize ?? 500,
      continue: cont,
    };
    if (!cont && (c.listSemantic ?? "any") === "any") {
      lp.resourceVersion = "0";
      lp.resourceVersionMatch = "NotOlderThan";
    }
    return this.#api.list(lp, this.#callOptions("list"));
  }

  /** Hands out a step's events and reports what it skipped. */
  *emit(out: readonly WatcherOutput<K>[]): Generator<WatcherEvent<K>> {
    for (const o of out) {
      if (o.kind === "Emit") yield o.event;
      else this.skipped(o);
    }
  }

  /** Reports an object or event the step skipped. */
  skipped(o: WatcherOutput<K> & { kind: "Skip" }): void {
    this.#report(
      new WatcherError(
        `watcher of ${this.#ctx.what}: ${o.phase}: ${o.cause.message}. Skipped it; is ` +
          "something between this program and the API server rewriting responses?",
        { phase: o.phase, relist: false, retryInMs: 0, cause: o.cause },
      ),
    );
  }

  /** Reports a failure and waits; false if the signal aborted in the meantime. */
  async recover({ phase, cause, relist, gone }: Recovery): Promise<boolean> {
    // Deno denies it again on every retry: end the stream with the error, which names the flag.
    if (cause instanceof PermissionError) throw cause;
    // The first 410 in a row relists at once (it is routine); repeated ones back off.
    const wait = gone && this.#goneStreak++ === 0 ? 0 : this.#backoff.next();
    if (wait > 0) this.#backedOff = true;
    const action = relist ? "Relisting" : "Retrying";
    const what = this.#ctx.what;
    const message = `watcher of ${what}: ${phase} failed: ${errorText(cause)}.` +
      `${hint(this.#api, cause)} ${action} in ${wait} ms.`;
    this.#report(new WatcherError(message, { phase, relist, retryInMs: wait, cause }));
    if (wait > 0) {
      try {
        await sleep(wait, this.#signal);
      } catch {
        return false;
      }
    }
    return !this.#signal.aborted;
  }

  /**
   * After a watch the server closed: a server (or proxy) that ends every watch at once would
   * make a busy loop, so a few quick closes in a row back off. False if the signal aborted.
   */
  async checkQuickClose(opened: number): Promise<boolean> {
    if (Date.now() - opened >= QUICK_CLOSE_MS) {
      this.#quickCloses = 0;
      return true;
    }
    if (++this.#quickCloses < QUICK_CLOSES_BEFORE_BACKOFF) return true;
    const cause = new KubeError(
      `the server closed ${this.#quickCloses} watches in a row within ${QUICK_CLOSE_MS} ms of ` +
        "opening them (a proxy cutting long requests?)",
    );
    return await this.recover({ phase: "watch", cause, relist: false, gone: false });
  }

  /**
   * One watch connection from `from` (a resume, or a streaming list), its events stepped
   * through and handed out per network read; how it ended, or undefined if the signal aborted.
   */
  async *watchOnce(
    from: WatcherState & { kind: "InitialWatch" | "Watching" },
  ): AsyncGenerator<WatcherEvent<K>[], WatchEnd> {
    const signal = this.#signal;
    const timeoutSeconds = this.#timeoutSeconds;
    const watchCtl = new AbortController();
    const stalled = setTimeout(
      () => watchCtl.abort(new KubeError(`no end of the watch ${timeoutSeconds} s + 30 s in`)),
      timeoutSeconds * 1000 + STALL_GRACE_MS,
    );
    let end: Ended = {};
    const opened = Date.now();
    let it: AsyncIterator<readonly WatchEvent<K>[]> | undefined;
    // Linked by a listener, not AbortSignal.any: a signal from `any` is only weakly held by
    // its sources, and once collected, an abort would no longer reach the connection.
    const onStop = () => watchCtl.abort(signal.reason);
    signal.addEventListener("abort", onStop, { once: true });
    // An abort while the consumer held InitDone has fired already: the listener never will.
    if (signal.aborted) onStop();
    try {
      const [wp, rv] = this.#watchParams(from);
      it = openWatch(this.#api, wp, rv, { ...this.#callOptions("watch"), signal: watchCtl.signal });
      reading: for (;;) {
        const r = await it.next();
        if (r.done) break;
        const batch: WatcherEvent<K>[] = [];
        for (const event of r.value) {
          const s = this.step({ kind: "Event", event });
          if (s.end) {
            end = s.end;
            if (batch.length > 0) yield batch;
            break reading;
          }
          for (const o of s.out) {
            if (o.kind === "Emit") batch.push(o.event);
            else this.skipped(o);
          }
          if (s.progress) this.#progressed();
        }
        if (batch.length > 0) yield batch;
      }
    } catch (err) {
      if (signal.aborted) return undefined;
      end = { cause: err, gone: isGone(err) };
    } finally {
      signal.removeEventListener("abort", onStop);
      clearTimeout(stalled);
      // Closes the connection when we stop early (a consumer's `break`, an ERROR event).
      it?.return?.().catch(() => {});
    }
    return signal.aborted ? undefined : { end, opened };
  }

  /** The parameters of a watch from `from`, and the resourceVersion to start at. */
  #watchParams(from: WatcherState): [WatchParams, string | undefined] {
    const c = this.#config;
    const initial = from.kind === "InitialWatch";
    const wp: WatchParams = {
      labelSelector: c.labelSelector,
      fieldSelector: c.fieldSelector,
      timeoutSeconds: this.#timeoutSeconds,
      allowWatchBookmarks: initial || (c.bookmarks ?? true),
    };
    if (!initial) {
      return [wp, from.kind === "Watching" ? from.resourceVersion : undefined];
    }
    wp.sendInitialEvents = true;
    wp.resourceVersionMatch = "NotOlderThan";
    return [wp, (c.listSemantic ?? "any") === "any" ? "0" : undefined];
  }

  /**
   * An event made progress on the watch. A list alone is no proof of health: a watch that
   * answers 410 after every list must back off more each time, so only events on a watch clear
   * the 410 streak and reset the backoff (as client-go's reflector and kube-rs do; the default
   * backoff also resets after a quiet period).
   */
  #progressed(): void {
    this.#goneStreak = 0;
    if (this.#backedOff) {
      this.#backoff.reset();
      this.#backedOff = false;
    }
  }

  #report(err: WatcherError): void {
    try {
      this.#onError(err);
    } catch (e) {
      // A throwing callback must not end the stream it is there to keep alive.
      log({ level: "error", source: "watcher", message: "watcher: onError threw:", error: e });
    }
  }

  /** Call options that report the client's own retries (a 429 storm can last minutes). */
  #callOptions(phase: "list" | "watch"): WatchableCallOptions {
    const what = this.#ctx.what;
    return {
      signal: this.#signal,
      onRetry: (r) =>
        this.#report(
          new WatcherError(
            `watcher of ${what}: ${phase} failed: ${errorText(r.error)}.` +
              `${hint(this.#api, r.error)} ` +
              `The client retries in ${r.delayMs} ms (retry ${r.attempt} of ${r.maxRetries}).`,
            { phase, relist: false, retryInMs: r.delayMs, cause: r.error, clientRetry: true },
          ),
        ),
    };
  }
}

/** How a watch connection ended: by the server (no cause), or with an error. */
type Ended = { cause?: unknown; gone?: boolean };

/** How a watch connection ended and when it opened, or undefined when the signal aborted. */
type WatchEnd = { end: Ended; opened: number } | undefined;

/** One watch connection as batches of events: `api.watchBatches` if it has one. */
function openWatch<K>(
  api: WatchableApi<K>,
  wp: WatchParams,
  resourceVersion: string | undefined,
  opts: WatchableCallOptions,
): AsyncIterator<readonly WatchEvent<K>[]> {
  if (api.watchBatches) return api.watchBatches(wp, resourceVersion, opts)[Symbol.asyncIterator]();
  const it = api.watch(wp, resourceVersion, opts)[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: [r.value] };
    },
    async return() {
      await it.return?.();
      return { done: true, value: undefined };
    },
  };
}

// The metadata-only representation lives in core (Api.getMetadata uses it too); re-exported
// here for the runtime's users.
export {
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
  type PartialObjectMetadata,
} from "../core/metadata.ts";

/**
 * What {@link metadataApi} needs of an `Api`: its client, resource and namespace.
 *
 * @example
 * ```ts
 * import { Api, Client, type ApiLocation } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const where: ApiLocation = Api.all(await Client.tryDefault(), Pod);
 * ```
 */
export interface ApiLocation {
  /** The client requests go through. */
  readonly client: Client;
  /** The resource. */
  readonly resource: ResourceType<KubeObject>;
  /** The namespace, or undefined for all namespaces / cluster-scoped resources. */
  readonly namespace?: string;
}

/**
 * A {@link WatchableApi} over the same resource as `api` that lists and watches metadata only
 * (`PartialObjectMetadata`): much less to transfer and to cache for controllers that only look
 * at names, labels, owners or finalizers.
 *
 * @example
 * ```ts
 * import { Api, Client, metadataApi } from "@kubeno/kube";
 * import { Secret } from "@kubeno/kube/k8s/core/v1";
 * const meta = metadataApi(Api.all(await Client.tryDefault(), Secret));
 * const page = await meta.list({ limit: 10 });
 * console.log(page.items.map((m) => m.metadata.name));
 * ```
 */
export function metadataApi(api: ApiLocation): WatchableApi<PartialObjectMetadata> {
  const scope: ResourceScope = { resource: api.resource, namespace: api.namespace };
  const client = api.client;
  const batches = async function* (
    wp: WatchParams = {},
    resourceVersion?: string,
    opts: WatchableCallOptions = {},
  ): AsyncGenerator<readonly WatchEvent<PartialObjectMetadata>[], void, undefined> {
    const req = withAccept(
      watchRequest(scope, resourceVersion, wp),
      PARTIAL_OBJECT_METADATA_ACCEPT,
    );
    const body = await client.requestStream(req, opts);
    yield* decodeWatchBatches<PartialObjectMetadata>(body);
  };
  const meta: WatchableApi<PartialObjectMetadata> = {
    resource: api.resource,
    namespace: api.namespace,
    async list(lp: ListParams = {}, opts: WatchableCallOptions = {}) {
      const req = withAccept(listRequest(scope, lp), PARTIAL_OBJECT_METADATA_LIST_ACCEPT);
      return await client.request<ObjectList<PartialObjectMetadata>>(req, opts);
    },
    async *watch(wp?: WatchParams, resourceVersion?: string, opts?: WatchableCallOptions) {
      for await (const batch of batches(wp, resourceVersion, opts)) yield* batch;
    },
    watchBatches: batches,
  };
  return meta;
}

/**
 * A {@link watcher} over metadata only: `PartialObjectMetadata` objects, as kube-rs'
 * `metadata_watcher`.
 *
 * @example
 * ```ts
 * import { Api, Client, metadataWatcher, shutdownSignal } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.all(await Client.tryDefault(), Pod);
 * for await (const ev of metadataWatcher(pods, { signal: shutdownSignal() })) {
 *   if (ev.type === "Apply") console.log(ev.object.metadata.labels);
 * }
 * ```
 */
export function metadataWatcher(
  api: ApiLocation,
  config: WatcherConfig = {},
): AsyncGenerator<WatcherEvent<PartialObjectMetadata>, void, undefined> {
  return watcher(metadataApi(api), config);
}
