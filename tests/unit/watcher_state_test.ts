// The watcher's state machine (runtime/_watcher_state.ts) without HTTP: a table of transitions
// (410 on list, watch and continue; bookmarks; resume; the end of a streaming list; ERROR
// events; objects without a name), then a whole script of inputs and the events it gives.

import assert from "node:assert/strict";
import {
  step,
  type StepContext,
  type WatcherInput,
  type WatcherState,
} from "../../runtime/_watcher_state.ts";
import { ApiError, KubeError, WatchDecodeError } from "../../core/error.ts";
import { INITIAL_EVENTS_END_ANNOTATION } from "../../core/watch.ts";

type Obj = {
  metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
};
const ctx: StepContext = { strategy: "list", what: "pods" };
const obj = (name: string | undefined, rv?: string): Obj => ({
  metadata: { ...(name ? { name } : {}), ...(rv ? { resourceVersion: rv } : {}) },
});
const empty: WatcherState = { kind: "Empty" };
const watching = (rv?: string): WatcherState => ({ kind: "Watching", resourceVersion: rv });
const initialWatch = (rv?: string): WatcherState => ({ kind: "InitialWatch", resourceVersion: rv });
const req = { method: "GET", path: "/api/v1/pods" };
const gone = new ApiError({ code: 410, reason: "Expired", message: "too old" }, req);
const down = new ApiError({ code: 503, reason: "ServiceUnavailable", message: "down" }, req);
const endBookmark = (rv: string) => ({
  type: "BOOKMARK" as const,
  object: {
    metadata: { resourceVersion: rv, annotations: { [INITIAL_EVENTS_END_ANNOTATION]: "true" } },
  },
});

/** What a step gives, in short: the state, the outputs as text, progress, end, recovery. */
function run(state: WatcherState, input: WatcherInput<Obj>, c = ctx) {
  const s = step<Obj>(state, input, c);
  return {
    state: s.state,
    out: s.out.map((o) =>
      o.kind === "Emit"
        ? ("object" in o.event ? `${o.event.type} ${o.event.object.metadata.name}` : o.event.type)
        : `Skip ${o.phase}`
    ),
    progress: s.progress,
    end: s.end && { gone: s.end.gone, code: (s.end.cause as ApiError).code },
    recover: s.recover && {
      phase: s.recover.phase,
      relist: s.recover.relist,
      gone: s.recover.gone,
    },
  };
}

Deno.test("watcher state: the table of transitions", () => {
  const rows: [string, WatcherState, WatcherInput<Obj>, Partial<ReturnType<typeof run>>][] = [
    ["start, list", empty, { kind: "Start" }, {
      state: { kind: "InitPage", continue: undefined },
      out: ["Init"],
    }],
    ["a page with more to come", { kind: "InitPage", continue: undefined }, {
      kind: "Page",
      items: [obj("a"), obj(undefined), obj("b")],
      continue: "c1",
      resourceVersion: "5",
    }, {
      state: { kind: "InitPage", continue: "c1" },
      out: ["InitApply a", "Skip list", "InitApply b"],
      progress: false,
    }],
    ["the last page", { kind: "InitPage", continue: "c1" }, {
      kind: "Page",
      items: [obj("c")],
      continue: undefined,
      resourceVersion: "9",
    }, { state: watching("9"), out: ["InitApply c", "InitDone"], progress: false }],
    ["410 on a continue token: relist at once", { kind: "InitPage", continue: "c1" }, {
      kind: "ListFailed",
      cause: gone,
      gone: true,
    }, { state: empty, out: [], recover: { phase: "list", relist: true, gone: true } }],
    ["503 on the list", { kind: "InitPage", continue: undefined }, {
      kind: "ListFailed",
      cause: down,
      gone: false,
    }, { state: empty, recover: { phase: "list", relist: true, gone: false } }],
    ["ADDED moves the resume point", watching("9"), {
      kind: "Event",
      event: { type: "ADDED", object: obj("d", "10") },
    }, { state: watching("10"), out: ["Apply d"], progress: true }],
    ["MODIFIED without a resourceVersion keeps it", watching("10"), {
      kind: "Event",
      event: { type: "MODIFIED", object: obj("d") },
    }, { state: watching("10"), out: ["Apply d"], progress: true }],
    ["DELETED", watching("10"), {
      kind: "Event",
      event: { type: "DELETED", object: obj("d", "11") },
    }, { state: watching("11"), out: ["Delete d"], progress: true }],
    ["an object without a name is skipped, no progress", watching("11"), {
      kind: "Event",
      event: { type: "ADDED", object: obj(undefined, "12") },
    }, { state: watching("11"), out: ["Skip watch"], progress: false }],
    ["BOOKMARK moves the resume point only", watching("11"), {
      kind: "Event",
      event: { type: "BOOKMARK", object: { metadata: { resourceVersion: "20" } } },
    }, { state: watching("20"), out: [], progress: true }],
    ["ERROR 410 ends the watch as gone", watching("20"), {
      kind: "Event",
      event: { type: "ERROR", object: { code: 410, reason: "Expired", message: "too old" } },
    }, { state: watching("20"), out: [], progress: false, end: { gone: true, code: 410 } }],
    ["ERROR 'too old resource version' without a code is gone too", watching("20"), {
      kind: "Event",
      event: { type: "ERROR", object: { message: "too old resource version: 1 (5)" } },
    }, { end: { gone: true, code: 0 } }],
    ["ERROR 500 ends the watch as failed", watching("20"), {
      kind: "Event",
      event: { type: "ERROR", object: { code: 500, reason: "InternalError", message: "x" } },
    }, { end: { gone: false, code: 500 } }],
    ["the server closes the watch: resume from the same version", watching("20"), {
      kind: "Ended",
    }, { state: watching("20"), out: [], recover: undefined }],
    ["410 on the watch: relist", watching("20"), { kind: "Ended", cause: gone, gone: true }, {
      state: empty,
      recover: { phase: "watch", relist: true, gone: true },
    }],
    ["another watch error: resume after the wait", watching("20"), {
      kind: "Ended",
      cause: down,
      gone: false,
    }, { state: watching("20"), recover: { phase: "watch", relist: false, gone: false } }],
    // The streaming list (sendInitialEvents).
    ["start, streaming list", empty, { kind: "Start" }, {
      state: initialWatch(),
      out: ["Init"],
    }],
    ["initial ADDED is an InitApply, no progress", initialWatch(), {
      kind: "Event",
      event: { type: "ADDED", object: obj("a", "3") },
    }, { state: initialWatch("3"), out: ["InitApply a"], progress: false }],
    ["initial DELETED has no place", initialWatch("3"), {
      kind: "Event",
      event: { type: "DELETED", object: obj("a", "4") },
    }, { state: initialWatch("4"), out: [], progress: false }],
    ["a plain bookmark during the initial events", initialWatch("4"), {
      kind: "Event",
      event: { type: "BOOKMARK", object: { metadata: { resourceVersion: "6" } } },
    }, { state: initialWatch("6"), out: [], progress: false }],
    ["the bookmark that ends the initial events", initialWatch("6"), {
      kind: "Event",
      event: endBookmark("7"),
    }, { state: watching("7"), out: ["InitDone"], progress: true }],
    ["the streaming list ends early: start over", initialWatch("6"), { kind: "Ended" }, {
      state: empty,
      recover: { phase: "watch", relist: true, gone: false },
    }],
    ["410 during the streaming list", initialWatch("6"), {
      kind: "Ended",
      cause: gone,
      gone: true,
    }, { state: empty, recover: { phase: "watch", relist: true, gone: true } }],
  ];
  for (const [name, state, input, want] of rows) {
    const c: StepContext = input.kind === "Start" && name.includes("streaming")
      ? { ...ctx, strategy: "streamingList" }
      : ctx;
    const got = run(state, input, c);
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      assert.deepEqual(got[key], want[key], `${name}: ${key}`);
    }
  }
});

Deno.test("watcher state: what the causes carry", () => {
  const early = step<Obj>(initialWatch(), { kind: "Ended" }, ctx);
  assert.ok(early.recover!.cause instanceof KubeError);
  assert.match(String(early.recover!.cause), /ended before the initial events were complete/);
  const skip = step<Obj>(watching(), {
    kind: "Event",
    event: { type: "MODIFIED", object: obj(undefined) },
  }, ctx).out[0];
  assert.ok(skip.kind === "Skip" && skip.cause instanceof WatchDecodeError);
  assert.match(skip.cause.message, /a MODIFIED event's object without metadata\.name/);
  const err = step<Obj>(watching(), {
    kind: "Event",
    event: { type: "ERROR", object: { code: 500, reason: "InternalError", message: "boom" } },
  }, ctx).end!.cause as ApiError;
  assert.equal(err.reason, "InternalError");
  assert.match(err.message, /boom/);
  assert.match(err.message, /watch of pods/);
});

Deno.test("watcher state: a script of inputs gives list, watch, relist after 410, resume", () => {
  const inputs: WatcherInput<Obj>[] = [
    { kind: "Start" },
    { kind: "Page", items: [obj("a")], continue: "c", resourceVersion: "1" },
    { kind: "Page", items: [obj("b")], continue: undefined, resourceVersion: "2" },
    { kind: "Event", event: { type: "ADDED", object: obj("c", "3") } },
    { kind: "Ended" }, // the server's timeout: resume
    { kind: "Event", event: { type: "DELETED", object: obj("a", "4") } },
    { kind: "Ended", cause: gone, gone: true }, // compacted: relist
    { kind: "Start" },
    { kind: "Page", items: [obj("b"), obj("c")], continue: undefined, resourceVersion: "8" },
  ];
  let state: WatcherState = empty;
  const events: string[] = [];
  const states: string[] = [];
  for (const input of inputs) {
    const s: ReturnType<typeof step<Obj>> = step<Obj>(state, input, ctx);
    state = s.state;
    states.push(state.kind);
    for (const o of s.out) {
      if (o.kind === "Emit") {
        events.push(
          "object" in o.event ? `${o.event.type} ${o.event.object.metadata.name}` : o.event.type,
        );
      }
    }
  }
  assert.deepEqual(events, [
    "Init",
    "InitApply a",
    "InitApply b",
    "InitDone",
    "Apply c",
    "Delete a",
    "Init",
    "InitApply b",
    "InitApply c",
    "InitDone",
  ]);
  assert.deepEqual(states, [
    "InitPage",
    "InitPage",
    "Watching",
    "Watching",
    "Watching",
    "Watching",
    "Empty",
    "InitPage",
    "Watching",
  ]);
  assert.deepEqual(state, watching("8"));
});
