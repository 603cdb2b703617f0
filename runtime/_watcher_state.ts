// The watcher's states and its pure step function (after kube-rs' watcher.rs): what a list
// page, a watch event or the end of a watch does to the state, and what comes out (events for
// the consumer, objects skipped, a recovery to make). No I/O, no timers: watcher.ts runs the
// calls and the waits around it, and tests/unit/watcher_state_test.ts tables the transitions.
// Internal to runtime.

import { ApiError, KubeError, type Status, WatchDecodeError } from "../core/error.ts";
import { INITIAL_EVENTS_END_ANNOTATION, type WatchEvent } from "../core/watch.ts";
import type { WatcherEvent } from "./watcher.ts";

/**
 * Where the watcher is.
 * - `Empty`: no snapshot; the next step starts a (re)list with `Init`.
 * - `InitPage`: listing page by page; `continue` is the next page's token (none: the first).
 * - `InitialWatch`: a streaming list (a watch with `sendInitialEvents`) has not ended yet.
 * - `Watching`: the consumer holds a snapshot; watches resume from `resourceVersion`.
 */
export type WatcherState =
  | { readonly kind: "Empty" }
  | { readonly kind: "InitPage"; readonly continue: string | undefined }
  | { readonly kind: "InitialWatch"; readonly resourceVersion: string | undefined }
  | { readonly kind: "Watching"; readonly resourceVersion: string | undefined };

/** What happened. */
export type WatcherInput<K> =
  | { readonly kind: "Start" }
  | {
    readonly kind: "Page";
    readonly items: readonly unknown[];
    readonly continue: string | undefined;
    readonly resourceVersion: string | undefined;
  }
  | { readonly kind: "ListFailed"; readonly cause: unknown; readonly gone: boolean }
  | { readonly kind: "Event"; readonly event: WatchEvent<K> }
  // The watch connection ended: by the server (no cause), or with an error.
  | { readonly kind: "Ended"; readonly cause?: unknown; readonly gone?: boolean };

/** One thing for the consumer: an event, or an object skipped for want of `metadata.name`. */
export type WatcherOutput<K> =
  | { readonly kind: "Emit"; readonly event: WatcherEvent<K> }
  | { readonly kind: "Skip"; readonly phase: "list" | "watch"; readonly cause: WatchDecodeError };

/** A failure to report, then wait for (`gone`: a 410, the first of which in a row waits not). */
export interface Recovery {
  readonly phase: "list" | "watch";
  readonly cause: unknown;
  readonly relist: boolean;
  readonly gone: boolean;
}

/** The outcome of one step. */
export interface Step<K> {
  readonly state: WatcherState;
  readonly out: readonly WatcherOutput<K>[];
  /** An event made progress on the watch (the backoff may start over). */
  readonly progress: boolean;
  /** The watch must be closed: an ERROR event (feed it back as `Ended`). */
  readonly end?: { readonly cause: unknown; readonly gone: boolean };
  /** Report and wait before the next step. */
  readonly recover?: Recovery;
}

/** What the step needs to know of the watcher's configuration. */
export interface StepContext {
  readonly strategy: "list" | "streamingList";
  /** The watched collection, for messages. */
  readonly what: string;
}

const INIT: WatcherEvent<never> = Object.freeze({ type: "Init" });
const INIT_DONE: WatcherEvent<never> = Object.freeze({ type: "InitDone" });
const NONE: readonly never[] = Object.freeze([]);

/** The next state and outputs for `input` in `state`. Pure. */
export function step<K>(
  state: WatcherState,
  input: WatcherInput<K>,
  ctx: StepContext,
): Step<K> {
  switch (input.kind) {
    case "Start":
      return {
        state: ctx.strategy === "list"
          ? { kind: "InitPage", continue: undefined }
          : { kind: "InitialWatch", resourceVersion: undefined },
        out: [{ kind: "Emit", event: INIT }],
        progress: false,
      };
    case "Page": {
      const out: WatcherOutput<K>[] = [];
      for (const item of input.items) {
        const skip = unnamed<K>("list", item, "");
        out.push(skip ?? { kind: "Emit", event: { type: "InitApply", object: item as K } });
      }
      if (input.continue) {
        return { state: { kind: "InitPage", continue: input.continue }, out, progress: false };
      }
      out.push({ kind: "Emit", event: INIT_DONE });
      return {
        state: { kind: "Watching", resourceVersion: input.resourceVersion },
        out,
        progress: false,
      };
    }
    case "ListFailed":
      // An expired continue token too: the list must start over, at a new version.
      return {
        state: { kind: "Empty" },
        out: NONE,
        progress: false,
        recover: { phase: "list", cause: input.cause, relist: true, gone: input.gone },
      };
    case "Event":
      return onEvent(state, input.event, ctx);
    case "Ended":
      return onEnded(state, input.cause, input.gone ?? false);
  }
}

type Versioned = { metadata?: { resourceVersion?: string } } | undefined;

function onEvent<K>(state: WatcherState, ev: WatchEvent<K>, ctx: StepContext): Step<K> {
  const initial = state.kind === "InitialWatch";
  const at = (o: Versioned): WatcherState => {
    const rv = o?.metadata?.resourceVersion;
    if (!rv) return state;
    return initial
      ? { kind: "InitialWatch", resourceVersion: rv }
      : { kind: "Watching", resourceVersion: rv };
  };
  switch (ev.type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED": {
      const skip = unnamed<K>("watch", ev.object, ev.type);
      if (skip) return { state, out: [skip], progress: false };
      // A streaming list sends only the current objects; a delete there has no place.
      const event: WatcherEvent<K> | undefined = ev.type === "DELETED"
        ? (initial ? undefined : { type: "Delete", object: ev.object })
        : { type: initial ? "InitApply" : "Apply", object: ev.object };
      return {
        state: at(ev.object as Versioned),
        out: event ? [{ kind: "Emit", event }] : NONE,
        progress: !initial,
      };
    }
    case "BOOKMARK": {
      const next = at(ev.object);
      const ends = initial &&
        ev.object.metadata?.annotations?.[INITIAL_EVENTS_END_ANNOTATION] === "true";
      if (!ends) return { state: next, out: NONE, progress: !initial };
      const resourceVersion = (next as { resourceVersion?: string }).resourceVersion;
      return {
        state: { kind: "Watching", resourceVersion },
        out: [{ kind: "Emit", event: INIT_DONE }],
        progress: true,
      };
    }
    case "ERROR": {
      const status: Status = ev.object;
      const cause = new ApiError(status, { method: "GET", path: `(watch of ${ctx.what})` });
      return { state, out: NONE, progress: false, end: { cause, gone: isGoneStatus(status) } };
    }
  }
}

function onEnded<K>(state: WatcherState, cause: unknown, gone: boolean): Step<K> {
  if (state.kind !== "Watching") {
    // The streaming list did not finish: the consumer has no snapshot; start over.
    const why = cause ?? new KubeError("the watch ended before the initial events were complete");
    return {
      state: { kind: "Empty" },
      out: NONE,
      progress: false,
      recover: { phase: "watch", cause: why, relist: true, gone: cause !== undefined && gone },
    };
  }
  if (cause === undefined) return { state, out: NONE, progress: false }; // resume
  return {
    // A 410 relists; any other error resumes from the same version after the wait.
    state: gone ? { kind: "Empty" } : state,
    out: NONE,
    progress: false,
    recover: { phase: "watch", cause, relist: gone, gone },
  };
}

/** Whether a watch ERROR event says the resource version is too old. */
export function isGoneStatus(s: Status): boolean {
  return s.code === 410 || s.reason === "Expired" || s.reason === "Gone" ||
    /too old resource version/i.test(s.message ?? "");
}

/** A Skip for an object a store could not key (no `metadata.name`), else undefined. */
function unnamed<K>(
  phase: "list" | "watch",
  obj: unknown,
  type: string,
): WatcherOutput<K> | undefined {
  const name = (obj as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  if (typeof name === "string" && name !== "") return undefined;
  const cause = new WatchDecodeError(
    `${phase === "list" ? "a list item" : `a ${type} event's object`} without metadata.name`,
    jsonText(phase === "list" ? obj : { type, object: obj }),
  );
  return { kind: "Skip", phase, cause };
}

/** `value` as JSON (the error that shows it shortens it), or as text if it is not JSON. */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
