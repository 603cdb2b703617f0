/**
 * The watcher against scripted API servers: one test per fault of issue 6, with a real Client
 * over HTTP on 127.0.0.1.
 */

import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Api } from "../../client/api.ts";
import { ApiError, isForbidden, WatchDecodeError } from "../../core/error.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import { type LogRecord, setLogHandler } from "../../core/log.ts";
import { ExponentialBackoff, ResetTimerBackoff } from "../../runtime/backoff.ts";
import { reflector, sharedReflector } from "../../runtime/reflector.ts";
import { stripManagedFields, touchedObjects } from "../../runtime/stream.ts";
import {
  metadataWatcher,
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
  type WatchableApi,
  watcher,
  type WatcherConfig,
  type WatcherError,
  type WatcherEvent,
} from "../../runtime/watcher.ts";
import { testClient } from "./_client.ts";
import { type Recorded, scriptedServer } from "./_scripted.ts";
import { PermissionError } from "../../client/permissions.ts";

// Captured before any test installs fake timers: the tests' own waits use real time.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
function realSleep(ms: number): Promise<void> {
  return new Promise((r) => realSetTimeout(r, ms));
}

type CM = ConfigMap;

function cm(name: string, rv: string, extra: Record<string, string> = {}): CM {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "ns", resourceVersion: rv, uid: `uid-${name}` },
    data: extra,
  };
}

function list(items: CM[], rv: string, cont?: string): Response {
  return new Response(
    JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMapList",
      metadata: { resourceVersion: rv, ...(cont ? { continue: cont } : {}) },
      items,
    }),
    { headers: { "content-type": "application/json" } },
  );
}

function statusResponse(code: number, reason: string, message: string): Response {
  return new Response(
    JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message }),
    { status: code, headers: { "content-type": "application/json" } },
  );
}

/** A watch response body the test writes to. */
class WatchStream {
  #ctl!: ReadableStreamDefaultController<Uint8Array>;
  #done = false;
  cancelled = false;
  readonly body: ReadableStream<Uint8Array>;
  constructor() {
    this.body = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#ctl = c;
      },
      cancel: () => {
        this.cancelled = true;
        this.#done = true;
      },
    });
  }
  raw(text: string): this {
    return this.bytes(new TextEncoder().encode(text));
  }
  bytes(data: Uint8Array): this {
    if (!this.#done) this.#ctl.enqueue(data);
    return this;
  }
  send(type: string, object: unknown): this {
    return this.raw(JSON.stringify({ type, object }) + "\n");
  }
  bookmark(rv: string, annotations?: Record<string, string>): this {
    return this.send("BOOKMARK", {
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { resourceVersion: rv, ...(annotations ? { annotations } : {}) },
    });
  }
  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#ctl.close();
  }
  /** Cuts the connection: the server aborts the response. */
  cut(): void {
    if (this.#done) return;
    this.#done = true;
    this.#ctl.error(new Error("cut"));
  }
  response(): Response {
    return new Response(this.body, { headers: { "content-type": "application/json" } });
  }
}

type Responder = (req: Recorded) => Response | Promise<Response>;

/**
 * A server answering lists and watches from two scripts, in order. When a script runs out,
 * lists fail with 500 and watches stay open silently.
 */
function server(lists: Responder[], watches: (Responder | WatchStream)[]) {
  const streams: WatchStream[] = [];
  let l = 0;
  let w = 0;
  const srv = scriptedServer((req) => {
    if (req.query.get("watch") === "true") {
      const next = watches[w++];
      if (next instanceof WatchStream) {
        streams.push(next);
        return next.response();
      }
      if (next) return next(req);
      const idle = new WatchStream();
      streams.push(idle);
      return idle.response();
    }
    const next = lists[l++];
    return next ? next(req) : statusResponse(500, "InternalError", "script ran out of lists");
  });
  const client = testClient(srv.url, { retry: { maxRetries: 0 } });
  const api = Api.namespaced(client, ConfigMap, "ns");
  return {
    api,
    client,
    requests: srv.requests,
    watchRequests: () => srv.requests.filter((r) => r.query.get("watch") === "true"),
    listRequests: () => srv.requests.filter((r) => r.query.get("watch") !== "true"),
    async [Symbol.asyncDispose]() {
      for (const s of streams) s.close();
      client.close();
      await srv.close();
    },
  };
}

function show(ev: WatcherEvent<CM>): string {
  switch (ev.type) {
    case "Init":
    case "InitDone":
      return ev.type;
    default:
      return `${ev.type} ${ev.object.metadata.name}@${ev.object.metadata.resourceVersion}`;
  }
}

/** Reads `n` events, failing after `ms` of real time. */
async function take<T>(it: AsyncIterator<T>, n: number, ms = 5_000): Promise<T[]> {
  const out: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = realSetTimeout(
      () => reject(new Error(`timed out after ${out.length} of ${n} events`)),
      ms,
    );
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`stream ended after ${out.length} of ${n} events`);
      out.push(r.value);
    }
  } finally {
    realClearTimeout(timer);
  }
  return out;
}

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await realSleep(5);
  }
}

/** A quick backoff for tests that are not about backoff. */
const fast = (): WatcherConfig["backoff"] => () =>
  new ExponentialBackoff({ initialMs: 5, jitter: 0 });

/**
 * Pulls a stream eagerly into a queue, as a consumer that is always waiting would: a watcher
 * is lazy and does nothing (not even its next request) until asked for the next event.
 */
function pump<T>(source: AsyncIterable<T>): AsyncIterator<T> & { done: Promise<void> } {
  const queue: IteratorResult<T>[] = [];
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  const done = (async () => {
    try {
      for await (const v of source) {
        queue.push({ done: false, value: v });
        wake?.();
      }
    } catch (error) {
      failure = { error };
    }
    queue.push({ done: true, value: undefined });
    wake?.();
  })();
  return {
    done,
    async next(): Promise<IteratorResult<T>> {
      while (queue.length === 0 && !failure) await new Promise<void>((r) => (wake = r));
      if (queue.length > 0) {
        const r = queue[0];
        if (!r.done) queue.shift();
        return r;
      }
      throw failure!.error;
    },
  };
}

function run(api: Api<CM>, config: WatcherConfig = {}) {
  const errors: WatcherError[] = [];
  const ac = new AbortController();
  const gen = watcher(api, {
    backoff: fast(),
    onError: (e) => errors.push(e),
    signal: ac.signal,
    ...config,
  });
  const it = pump(gen);
  return {
    it,
    errors,
    ac,
    async [Symbol.asyncDispose]() {
      ac.abort();
      await it.done;
    },
  };
}

Deno.test("watcher: paged list, then watch from the list's resourceVersion", async () => {
  const watch = new WatchStream();
  await using srv = server([
    () => list([cm("a", "1"), cm("b", "2")], "10", "tok"),
    () => list([cm("c", "3")], "10"),
  ], [watch]);
  await using w = run(srv.api, { pageSize: 2 });
  assert.deepEqual((await take(w.it, 5)).map(show), [
    "Init",
    "InitApply a@1",
    "InitApply b@2",
    "InitApply c@3",
    "InitDone",
  ]);
  watch.send("ADDED", cm("d", "11")).send("MODIFIED", cm("a", "12")).send("DELETED", cm("b", "13"));
  assert.deepEqual((await take(w.it, 3)).map(show), ["Apply d@11", "Apply a@12", "Delete b@13"]);

  const [p1, p2] = srv.listRequests();
  assert.equal(p1.path, "/api/v1/namespaces/ns/configmaps");
  assert.equal(p1.query.get("limit"), "2");
  assert.equal(p1.query.get("resourceVersion"), "0");
  assert.equal(p1.query.get("resourceVersionMatch"), "NotOlderThan");
  assert.equal(p2.query.get("continue"), "tok");
  assert.equal(p2.query.get("resourceVersion"), null, "a continued page carries no RV");
  const [wr] = srv.watchRequests();
  assert.equal(wr.query.get("resourceVersion"), "10");
  assert.equal(wr.query.get("allowWatchBookmarks"), "true");
  assert.equal(wr.query.get("timeoutSeconds"), "290");
  assert.equal(wr.query.get("sendInitialEvents"), null);
  assert.deepEqual(w.errors, []);
});

Deno.test("watcher: selectors, listSemantic mostRecent and bookmarks off reach the server", async () => {
  await using srv = server([() => list([], "5")], []);
  await using w = run(srv.api, {
    labelSelector: "app=x",
    fieldSelector: "metadata.name=a",
    listSemantic: "mostRecent",
    bookmarks: false,
    timeoutSeconds: 30,
  });
  await take(w.it, 2);
  await until(() => srv.watchRequests().length === 1, "the watch");
  const [l] = srv.listRequests();
  assert.equal(l.query.get("labelSelector"), "app=x");
  assert.equal(l.query.get("fieldSelector"), "metadata.name=a");
  assert.equal(l.query.get("resourceVersion"), null);
  const [wr] = srv.watchRequests();
  assert.equal(wr.query.get("labelSelector"), "app=x");
  assert.equal(wr.query.get("fieldSelector"), "metadata.name=a");
  assert.equal(wr.query.get("allowWatchBookmarks"), null);
  assert.equal(wr.query.get("timeoutSeconds"), "30");
});

Deno.test("watcher: HTTP 410 on the watch relists with a fresh Init..InitDone", async () => {
  await using srv = server([
    () => list([cm("a", "1")], "10"),
    () => list([cm("b", "20")], "20"),
  ], [
    () => statusResponse(410, "Expired", "too old resource version: 10 (15)"),
  ]);
  await using w = run(srv.api);
  const evs = (await take(w.it, 6)).map(show);
  assert.deepEqual(evs, [
    "Init",
    "InitApply a@1",
    "InitDone",
    "Init",
    "InitApply b@20",
    "InitDone",
  ]);
  assert.equal(w.errors.length, 1);
  assert.equal(w.errors[0].relist, true);
  assert.equal(w.errors[0].retryInMs, 0, "the first 410 relists at once");
  await until(() => srv.watchRequests().length === 2, "the second watch");
  assert.equal(srv.watchRequests()[1].query.get("resourceVersion"), "20");
});

Deno.test("watcher: an ERROR event with a 410 Status relists", async () => {
  const watch = new WatchStream();
  await using srv = server([
    () => list([cm("a", "1")], "10"),
    () => list([cm("a", "1")], "30"),
  ], [watch]);
  await using w = run(srv.api);
  await take(w.it, 3);
  watch.send("MODIFIED", cm("a", "11"));
  watch.send("ERROR", {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code: 410,
    reason: "Expired",
    message: "too old resource version: 11 (25)",
  });
  assert.deepEqual((await take(w.it, 4)).map(show), [
    "Apply a@11",
    "Init",
    "InitApply a@1",
    "InitDone",
  ]);
  assert.equal(w.errors.length, 1);
  assert.match(w.errors[0].message, /too old resource version/);
  assert.equal(w.errors[0].relist, true);
  // The connection that carried the ERROR is closed, not leaked.
  await until(() => watch.cancelled, "the old watch to be cancelled");
});

Deno.test("watcher: an ERROR event with another Status is reported and the watch resumes", async () => {
  const first = new WatchStream();
  await using srv = server([() => list([], "10")], [first]);
  await using w = run(srv.api);
  await take(w.it, 2);
  first.send("ADDED", cm("a", "12"));
  first.send("ERROR", {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code: 500,
    reason: "InternalError",
    message: "etcd is sad",
  });
  await take(w.it, 1);
  await until(() => srv.watchRequests().length === 2, "a new watch");
  assert.equal(srv.watchRequests()[1].query.get("resourceVersion"), "12");
  assert.equal(srv.listRequests().length, 1, "no relist");
  assert.equal(w.errors.length, 1);
  assert.match(w.errors[0].message, /500 InternalError: etcd is sad/);
  assert.equal(w.errors[0].relist, false);
});

Deno.test("watcher: 410 on an expired continue token restarts the list", async () => {
  await using srv = server([
    () => list([cm("a", "1")], "10", "tok1"),
    () => statusResponse(410, "Expired", "The provided continue parameter is too old"),
    () => list([cm("a", "1")], "40", "tok2"),
    () => list([cm("b", "2")], "40"),
  ], []);
  await using w = run(srv.api, { pageSize: 1 });
  assert.deepEqual((await take(w.it, 6)).map(show), [
    "Init",
    "InitApply a@1",
    "Init",
    "InitApply a@1",
    "InitApply b@2",
    "InitDone",
  ]);
  const lists = srv.listRequests();
  assert.equal(lists[1].query.get("continue"), "tok1");
  assert.equal(lists[2].query.get("continue"), null, "a fresh list, no stale token");
  assert.equal(lists[3].query.get("continue"), "tok2");
  assert.equal(w.errors.length, 1);
  assert.equal(w.errors[0].phase, "list");
  await until(() => srv.watchRequests().length === 1, "the watch");
  assert.equal(srv.watchRequests()[0].query.get("resourceVersion"), "40");
});

Deno.test("watcher: a watch cut in the middle of a JSON line resumes from the last whole event", async () => {
  const first = new WatchStream();
  const second = new WatchStream();
  await using srv = server([() => list([], "10")], [first, second]);
  await using w = run(srv.api);
  await take(w.it, 2);
  first.send("ADDED", cm("a", "11"));
  first.raw('{"type":"MODIFIED","object":{"metadata":{"name":"a","namesp');
  await take(w.it, 1);
  first.cut();
  await until(() => srv.watchRequests().length === 2, "the resumed watch");
  assert.equal(srv.watchRequests()[1].query.get("resourceVersion"), "11");
  second.send("MODIFIED", cm("a", "12"));
  assert.deepEqual((await take(w.it, 1)).map(show), ["Apply a@12"]);
  assert.equal(w.errors.length, 1, "the cut is reported");
  assert.equal(w.errors[0].relist, false);
  assert.equal(srv.listRequests().length, 1, "no relist");
});

Deno.test("watcher: a half line at a clean end of the stream is a decode error, then resume", async () => {
  const first = new WatchStream();
  await using srv = server([() => list([], "10")], [first]);
  await using w = run(srv.api);
  await take(w.it, 2);
  first.send("ADDED", cm("a", "11")).raw('{"type":"MODIFIED","obj');
  await take(w.it, 1);
  first.close();
  await until(() => srv.watchRequests().length === 2, "the resumed watch");
  assert.equal(srv.watchRequests()[1].query.get("resourceVersion"), "11");
  assert.ok(w.errors[0].cause instanceof WatchDecodeError);
});

Deno.test("watcher: a BOOKMARK moves the resume point; a clean close is no error", async () => {
  const first = new WatchStream();
  const second = new WatchStream();
  await using srv = server([() => list([], "10")], [first, second]);
  await using w = run(srv.api);
  await take(w.it, 2);
  first.bookmark("57");
  first.close();
  await until(() => srv.watchRequests().length === 2, "the second watch");
  assert.equal(srv.watchRequests()[1].query.get("resourceVersion"), "57");
  second.send("ADDED", cm("x", "58"));
  assert.deepEqual((await take(w.it, 1)).map(show), ["Apply x@58"], "bookmarks are not events");
  assert.deepEqual(w.errors, []);
});

Deno.test("watcher: garbage bytes are reported, the watch resumes from the last good RV", async () => {
  const first = new WatchStream();
  const second = new WatchStream();
  await using srv = server([() => list([], "10")], [first, second]);
  await using w = run(srv.api);
  await take(w.it, 2);
  first.send("ADDED", cm("a", "11"));
  first.raw("\x00\xff<html>502 Bad Gateway</html>\n");
  await take(w.it, 1);
  await until(() => srv.watchRequests().length === 2, "the resumed watch");
  assert.equal(srv.watchRequests()[1].query.get("resourceVersion"), "11");
  assert.ok(w.errors[0].cause instanceof WatchDecodeError);
  assert.match(w.errors[0].message, /Bad Gateway/);
  second.send("DELETED", cm("a", "12"));
  assert.deepEqual((await take(w.it, 1)).map(show), ["Delete a@12"]);
  await until(() => first.cancelled, "the garbage connection to be closed");
});

Deno.test("watcher: 500s and 429s back off 800 ms doubling, with jitter (fake timers)", async () => {
  await using srv = server([
    () => statusResponse(500, "InternalError", "boom"),
    () => statusResponse(429, "TooManyRequests", "slow down"),
    () => statusResponse(500, "InternalError", "boom"),
    () => list([cm("a", "1")], "10"),
  ], []);
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  try {
    // The default backoff, jitter included: each wait is in [step/2, step].
    await using w = run(srv.api, { backoff: undefined });
    const events = take(w.it, 4, 10_000);
    const steps = [800, 1600, 3200];
    for (let i = 0; i < steps.length; i++) {
      await until(() => srv.listRequests().length === i + 1, `list ${i + 1}`);
      await until(() => w.errors.length === i + 1, `error ${i + 1}`);
      const wait = w.errors[i].retryInMs;
      assert.ok(wait >= steps[i] / 2 && wait <= steps[i], `wait ${wait} within step ${steps[i]}`);
      await clock.tickAsync(wait - 1);
      await realSleep(30);
      assert.equal(srv.listRequests().length, i + 1, `no retry before ${wait} ms`);
      await clock.tickAsync(1);
    }
    assert.deepEqual((await events).map(show), ["Init", "Init", "Init", "Init"]);
    assert.deepEqual((await take(w.it, 2)).map(show), ["InitApply a@1", "InitDone"]);
    assert.match(w.errors[1].message, /429 TooManyRequests/);
  } finally {
    clock.uninstall();
  }
});

Deno.test("backoff: exponential steps, cap, jitter bounds, reset after a quiet period", () => {
  const b = new ExponentialBackoff({ jitter: 0 });
  const seq = Array.from({ length: 8 }, () => b.next());
  assert.deepEqual(seq, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  b.reset();
  assert.equal(b.next(), 800);
  const lo = new ExponentialBackoff({ random: () => 0.999999 });
  assert.equal(lo.next(), 400);
  let now = 0;
  const r = new ResetTimerBackoff(new ExponentialBackoff({ jitter: 0 }), 120_000, () => now);
  assert.deepEqual([r.next(), r.next(), r.next()], [800, 1600, 3200]);
  now += 119_000;
  assert.equal(r.next(), 6400, "still within the quiet period");
  now += 120_001;
  assert.equal(r.next(), 800, "reset after 120 s without errors");
  assert.throws(() => new ExponentialBackoff({ initialMs: 0 }), RangeError);
});

Deno.test("watcher: 403 is reported loudly with the fix, and retried with backoff", async () => {
  await using srv = server([
    () => statusResponse(403, "Forbidden", 'configmaps is forbidden: User "bob" cannot list'),
    () => statusResponse(404, "NotFound", "the server could not find the requested resource"),
    () => list([], "5"),
  ], []);
  await using w = run(srv.api);
  assert.deepEqual((await take(w.it, 4)).map(show), ["Init", "Init", "Init", "InitDone"]);
  assert.equal(w.errors.length, 2);
  assert.ok(isForbidden(w.errors[0].cause));
  assert.match(w.errors[0].message, /RBAC/);
  assert.match(w.errors[0].message, /configmaps in namespace ns/);
  assert.match(w.errors[1].message, /CRD installed/);
  assert.ok(w.errors[0].retryInMs > 0);
});

Deno.test("watcher: the default onError logs 403 with console.error", async () => {
  await using srv = server([
    () => statusResponse(403, "Forbidden", "no"),
    () => list([], "5"),
  ], []);
  const logged: string[] = [];
  const orig = console.error;
  console.error = (...args: unknown[]) => logged.push(args.join(" "));
  try {
    const ac = new AbortController();
    const it = watcher(srv.api, { backoff: fast(), signal: ac.signal });
    await take(it, 3);
    ac.abort();
    await it.return();
  } finally {
    console.error = orig;
  }
  assert.equal(logged.length, 1);
  assert.match(logged[0], /403 Forbidden/);
});

Deno.test("watcher: with a replaced log handler, its messages go there and not to the console", async () => {
  await using srv = server([
    () => statusResponse(403, "Forbidden", "no"),
    () => statusResponse(500, "InternalError", "etcd is away"),
    () => list([], "5"),
  ], []);
  const records: LogRecord[] = [];
  const consoleLines: string[] = [];
  const [origError, origWarn] = [console.error, console.warn];
  console.error = console.warn = (...args: unknown[]) => consoleLines.push(args.join(" "));
  const previous = setLogHandler((r) => records.push(r));
  try {
    const ac = new AbortController();
    const it = watcher(srv.api, { backoff: fast(), signal: ac.signal });
    await take(it, 4);
    ac.abort();
    await it.return();
  } finally {
    setLogHandler(previous);
    [console.error, console.warn] = [origError, origWarn];
  }
  assert.deepEqual(consoleLines, []);
  assert.deepEqual(records.map((r) => [r.level, r.source, r.fields?.phase]), [
    ["error", "watcher", "list"],
    ["warn", "watcher", "list"],
  ]);
  assert.match(records[0].message, /403 Forbidden/);
  assert.match(records[1].message, /etcd is away/);
});

Deno.test("watcher: a delete during a disconnect shows up as missing after the relist", async () => {
  const first = new WatchStream();
  await using srv = server([
    () => list([cm("a", "1"), cm("b", "2")], "10"),
    // While the watch was down, "a" was deleted and the history compacted.
    () => list([cm("b", "2")], "50"),
  ], [first, () => statusResponse(410, "Expired", "too old resource version: 10 (45)")]);
  const errors: WatcherError[] = [];
  const ac = new AbortController();
  const r = reflector(
    watcher(srv.api, { backoff: fast(), onError: (e) => errors.push(e), signal: ac.signal }),
  );
  const seen: WatcherEvent<CM>[] = [];
  const touched: string[] = [];
  // touchedObjects over the reflector's pass-through events.
  const tap = async function* () {
    for await (const ev of r) {
      seen.push(ev);
      yield ev;
    }
  };
  const consumer = (async () => {
    for await (const o of touchedObjects(tap())) touched.push(o.metadata.name!);
  })();
  await r.ready();
  assert.deepEqual(r.store.list().map((o) => o.metadata.name).sort(), ["a", "b"]);
  first.cut();
  await until(() => seen.filter((e) => e.type === "InitDone").length === 2, "the relist");
  assert.deepEqual(r.store.list().map((o) => o.metadata.name), ["b"], "a is gone");
  assert.equal(r.store.get("a", "ns"), undefined);
  assert.ok(!seen.some((e) => e.type === "Delete"), "no invented Delete");
  assert.deepEqual(touched, ["a", "b", "b"], "touchedObjects never claims a was applied again");
  ac.abort();
  await consumer;
});

Deno.test("watcher: abort while blocked on a read ends promptly and closes the connection", async () => {
  const watch = new WatchStream();
  await using srv = server([() => list([], "10")], [watch]);
  const ac = new AbortController();
  const it = watcher(srv.api, { signal: ac.signal, onError: () => {} });
  await take(it, 2);
  const pending = it.next(); // blocks on the body read
  await until(() => srv.watchRequests().length === 1, "the watch");
  await realSleep(20);
  const t0 = performance.now();
  ac.abort();
  const r = await pending;
  assert.equal(r.done, true, "the stream ends, without an error");
  assert.ok(performance.now() - t0 < 1_000, "promptly");
  await until(() => watch.cancelled, "the server to see the connection closed");
});

Deno.test("watcher: an abort while the consumer holds InitDone ends the stream, no watch hangs on", async () => {
  const watch = new WatchStream(); // never answers unless cancelled
  await using srv = server([() => list([cm("a", "5")], "10")], [watch]);
  const ac = new AbortController();
  const it = watcher(srv.api, { signal: ac.signal, onError: () => {} });
  const types = (await take(it, 3)).map((e) => e.type);
  assert.deepEqual(types, ["Init", "InitApply", "InitDone"]);
  ac.abort(); // before asking for the next event, as `await r.ready(); stop.abort()` does
  // Before the fix the watch opened with the abort missed and this waited for the server.
  const r = await Promise.race([it.next(), realSleep(20_000).then(() => "still waiting")]);
  assert.notEqual(r, "still waiting", "the stream ends after the abort");
  assert.equal((r as IteratorResult<unknown>).done, true);
  if (srv.watchRequests().length > 0) await until(() => watch.cancelled, "the watch closed");
});

Deno.test("watcher: leaving the loop closes the connection", async () => {
  const watch = new WatchStream();
  await using srv = server([() => list([], "10")], [watch]);
  const it = watcher(srv.api, { onError: () => {} });
  await take(it, 2);
  watch.send("ADDED", cm("a", "11"));
  for await (const ev of it) {
    assert.equal(ev.type, "Apply");
    break;
  }
  await until(() => watch.cancelled, "the connection to be closed");
});

Deno.test("watcher: streaming list: initial events until the annotated bookmark, then changes", async () => {
  const first = new WatchStream();
  const second = new WatchStream();
  await using srv = server([], [first, second]);
  await using w = run(srv.api, { initialListStrategy: "streamingList" });
  first.send("ADDED", cm("a", "5")).send("ADDED", cm("b", "6")).bookmark("9");
  first.bookmark("10", { "k8s.io/initial-events-end": "true" });
  first.send("MODIFIED", cm("a", "11"));
  assert.deepEqual((await take(w.it, 5)).map(show), [
    "Init",
    "InitApply a@5",
    "InitApply b@6",
    "InitDone",
    "Apply a@11",
  ]);
  const [wr] = srv.watchRequests();
  assert.equal(wr.query.get("sendInitialEvents"), "true");
  assert.equal(wr.query.get("resourceVersionMatch"), "NotOlderThan");
  assert.equal(wr.query.get("allowWatchBookmarks"), "true");
  assert.equal(wr.query.get("resourceVersion"), "0");
  assert.equal(srv.listRequests().length, 0, "no list call");
  first.close();
  await until(() => srv.watchRequests().length === 2, "the resumed watch");
  const again = srv.watchRequests()[1];
  assert.equal(again.query.get("sendInitialEvents"), null, "a resume is a plain watch");
  assert.equal(again.query.get("resourceVersion"), "11");
});

Deno.test("watcher: streaming list cut before its end starts over with a fresh Init", async () => {
  const first = new WatchStream();
  const second = new WatchStream();
  await using srv = server([], [first, second]);
  await using w = run(srv.api, {
    initialListStrategy: "streamingList",
    listSemantic: "mostRecent",
  });
  first.send("ADDED", cm("a", "5"));
  await take(w.it, 2);
  first.cut();
  second.send("ADDED", cm("b", "7")).bookmark("8", { "k8s.io/initial-events-end": "true" });
  assert.deepEqual((await take(w.it, 3)).map(show), ["Init", "InitApply b@7", "InitDone"]);
  const again = srv.watchRequests()[1];
  assert.equal(again.query.get("sendInitialEvents"), "true");
  assert.equal(again.query.get("resourceVersion"), null, "mostRecent: a consistent read");
  assert.equal(w.errors[0].relist, true);
});

Deno.test("metadataWatcher: asks for PartialObjectMetadata on list and watch", async () => {
  const watch = new WatchStream();
  await using srv = server([() =>
    new Response(
      JSON.stringify({
        apiVersion: "meta.k8s.io/v1",
        kind: "PartialObjectMetadataList",
        metadata: { resourceVersion: "3" },
        items: [{
          apiVersion: "meta.k8s.io/v1",
          kind: "PartialObjectMetadata",
          metadata: { name: "a", namespace: "ns", resourceVersion: "2" },
        }],
      }),
      { headers: { "content-type": "application/json" } },
    )], [watch]);
  const ac = new AbortController();
  const it = pump(metadataWatcher(srv.api, { signal: ac.signal, onError: () => {} }));
  const evs = await take(it, 3);
  assert.equal(evs[1].type === "InitApply" && evs[1].object.kind, "PartialObjectMetadata");
  await until(() => srv.watchRequests().length === 1, "the watch");
  assert.equal(srv.listRequests()[0].headers.get("accept"), PARTIAL_OBJECT_METADATA_LIST_ACCEPT);
  assert.equal(srv.watchRequests()[0].headers.get("accept"), PARTIAL_OBJECT_METADATA_ACCEPT);
  assert.equal(srv.listRequests()[0].path, "/api/v1/namespaces/ns/configmaps");
  ac.abort();
  await it.done;
});

Deno.test("reflector: transform strips managedFields before the store and downstream", async () => {
  const withMf = (name: string, rv: string): CM => {
    const o = cm(name, rv);
    o.metadata.managedFields = [{ manager: "m", operation: "Update", fieldsV1: { "f:data": {} } }];
    return o;
  };
  const watch = new WatchStream();
  await using srv = server([() => list([withMf("a", "1")], "10")], [watch]);
  const ac = new AbortController();
  const r = reflector(watcher(srv.api, { signal: ac.signal, onError: () => {} }), {
    transform: stripManagedFields,
  });
  const it = pump(r);
  await take(it, 3);
  watch.send("ADDED", withMf("b", "11"));
  const [ev] = await take(it, 1);
  assert.ok(ev.type === "Apply" && ev.object.metadata.managedFields === undefined);
  assert.equal(r.store.get("ns/a")?.metadata.managedFields, undefined);
  assert.equal(r.store.get("ns/b")?.metadata.managedFields, undefined);
  assert.throws(() => r.run(), /already being consumed/);
  ac.abort();
  await it.done;
});

Deno.test("sharedReflector: one watch connection, many subscribers, late ones get a snapshot", async () => {
  const watch = new WatchStream();
  await using srv = server([() => list([cm("a", "1")], "10")], [watch]);
  const ac = new AbortController();
  const shared = sharedReflector(watcher(srv.api, { signal: ac.signal, onError: () => {} }));
  const s1 = shared.subscribe();
  assert.deepEqual((await take(s1, 3)).map(show), ["Init", "InitApply a@1", "InitDone"]);
  watch.send("ADDED", cm("b", "11"));
  assert.deepEqual((await take(s1, 1)).map(show), ["Apply b@11"]);

  const s2 = shared.subscribe();
  const snap = (await take(s2, 4)).map(show);
  assert.deepEqual(snap.slice(0, 1), ["Init"]);
  assert.deepEqual(snap.slice(1, 3).sort(), ["InitApply a@1", "InitApply b@11"]);
  assert.equal(snap[3], "InitDone");
  watch.send("DELETED", cm("a", "12"));
  assert.deepEqual((await take(s1, 1)).map(show), ["Delete a@12"]);
  assert.deepEqual((await take(s2, 1)).map(show), ["Delete a@12"]);
  assert.equal(srv.watchRequests().length, 1);
  assert.equal(srv.listRequests().length, 1);
  assert.equal(shared.store.size, 1);
  assert.equal(shared.subscriberCount, 2);
  await s2.return();
  assert.equal(shared.subscriberCount, 1);
  ac.abort();
  const rest = await take(s1, 0);
  assert.deepEqual(rest, []);
  assert.equal((await s1.next()).done, true, "subscribers end when the watcher ends");
});

Deno.test("sharedReflector: a slow subscriber holds the watcher back (bounded buffer)", async () => {
  const events: WatcherEvent<CM>[] = [{ type: "Init" }, { type: "InitDone" }];
  for (let i = 0; i < 50; i++) events.push({ type: "Apply", object: cm(`o${i}`, String(i)) });
  let produced = 0;
  const source = async function* () {
    for (const ev of events) {
      produced++;
      yield ev;
    }
  };
  const shared = sharedReflector(source(), { bufferSize: 5 });
  const slow = shared.subscribe();
  const fastSub = shared.subscribe();
  await take(slow, 1);
  const drain = (async () => {
    let n = 0;
    for await (const _ of fastSub) n++;
    return n;
  })();
  await realSleep(30);
  assert.ok(produced <= 8, `the watcher waits for the slow subscriber (produced ${produced})`);
  let n = 1;
  for await (const _ of slow) n++;
  assert.equal(n, 52);
  assert.equal(await drain, 52);
  assert.equal(shared.store.size, 50);
});

Deno.test("watcher: a server that ends every watch at once is backed off from, not hammered", async () => {
  const empty = () => new Response("", { headers: { "content-type": "application/json" } });
  await using srv = server([() => list([], "10")], [empty, empty, empty, empty, empty]);
  await using w = run(srv.api, {
    backoff: () => new ExponentialBackoff({ initialMs: 300, jitter: 0 }),
  });
  await take(w.it, 2);
  await until(() => srv.watchRequests().length === 3, "three watches");
  await until(() => w.errors.length === 1, "the report");
  assert.match(w.errors[0].message, /closed 3 watches in a row/);
  assert.equal(w.errors[0].retryInMs, 300);
  await realSleep(150);
  assert.equal(srv.watchRequests().length, 3, "waits before the fourth");
  await until(() => srv.watchRequests().length === 4, "the fourth watch");
  assert.equal(srv.watchRequests()[3].query.get("resourceVersion"), "10");
});

Deno.test("watcher: a custom WatchableApi (per-event path): resume after a cut, relist on 410", async () => {
  const first = new WatchStream();
  await using srv = server([
    () => list([cm("a", "1")], "10"),
    () => list([cm("b", "30")], "30"),
  ], [first, () => statusResponse(410, "Expired", "too old resource version")]);
  let watches = 0;
  const wrapped = {
    resource: srv.api.resource,
    list: srv.api.list.bind(srv.api),
    watch: (...args: Parameters<typeof srv.api.watch>) => (watches++, srv.api.watch(...args)),
  };
  const errors: WatcherError[] = [];
  const ac = new AbortController();
  const it = pump(
    watcher(wrapped, { signal: ac.signal, backoff: fast(), onError: (e) => errors.push(e) }),
  );
  first.send("MODIFIED", cm("a", "11")).raw('{"type":"MOD');
  assert.deepEqual((await take(it, 4)).map(show), [
    "Init",
    "InitApply a@1",
    "InitDone",
    "Apply a@11",
  ]);
  first.cut();
  assert.deepEqual((await take(it, 3)).map(show), ["Init", "InitApply b@30", "InitDone"]);
  await until(() => srv.watchRequests().length === 3, "the watch after the relist");
  assert.equal(watches, 3);
  assert.equal(srv.watchRequests()[1].query.get("resourceVersion"), "11");
  assert.equal(srv.watchRequests()[2].query.get("resourceVersion"), "30");
  assert.equal(errors.length, 2);
  ac.abort();
  await it.done;
});

Deno.test("watcher: events split inside a multi-byte character and across reads decode whole", async () => {
  const watch = new WatchStream();
  await using srv = server([() => list([], "10")], [watch]);
  await using w = run(srv.api);
  await take(w.it, 2);
  const line = JSON.stringify({ type: "ADDED", object: cm("ü", "11", { k: "日本語" }) }) + "\r\n";
  const bytes = new TextEncoder().encode(line + "\n" + line.replace('"11"', '"12"'));
  // Cut between the two bytes of "ü", then again somewhere later.
  const cutAt = bytes.indexOf(0xc3) + 1;
  for (
    const c of [bytes.slice(0, cutAt), bytes.slice(cutAt, cutAt + 30), bytes.slice(cutAt + 30)]
  ) {
    watch.bytes(c);
    await realSleep(5); // separate network reads
  }
  const evs = await take(w.it, 2);
  assert.deepEqual(evs.map(show), ["Apply ü@11", "Apply ü@12"]);
  assert.ok(evs[0].type === "Apply" && evs[0].object.data?.k === "日本語");
  assert.deepEqual(w.errors, []);
});

Deno.test("watcher: a watch that answers 410 after every list backs off more each time; a watch event resets it", async () => {
  const gone = () => statusResponse(410, "Expired", "too old resource version");
  const progress = new WatchStream();
  await using srv = server(
    Array.from({ length: 10 }, () => () => list([cm("a", "1")], "10")),
    [gone, gone, gone, gone, progress, gone],
  );
  await using w = run(srv.api, {
    backoff: () => new ExponentialBackoff({ initialMs: 20, jitter: 0 }),
  });
  await until(() => w.errors.length >= 4, "four 410s");
  // A successful list is no proof of health: the waits grow (they stayed at 20 before).
  assert.deepEqual(w.errors.map((e) => e.retryInMs), [0, 20, 40, 80]);
  await until(() => srv.watchRequests().length === 5, "the fifth watch");
  progress.send("MODIFIED", cm("a", "11"));
  progress.send("ERROR", {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code: 410,
    reason: "Expired",
    message: "too old resource version",
  });
  await until(() => w.errors.length >= 6, "two more 410s");
  assert.deepEqual(w.errors.slice(4).map((e) => e.retryInMs), [0, 20], "reset by the event");
});

Deno.test("watcher: persistent 410s under the default backoff: a handful of LISTs in 20 s, waits grow to 30 s (fake timers)", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const listsAt: number[] = [];
    const api: WatchableApi<CM> = {
      list: () => {
        listsAt.push(Date.now());
        return Promise.resolve({ metadata: { resourceVersion: "10" }, items: [cm("a", "1")] });
      },
      // deno-lint-ignore require-yield
      async *watch() {
        throw new ApiError(
          { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" },
          { method: "GET", path: "/watch" },
        );
      },
    };
    const errors: WatcherError[] = [];
    const ac = new AbortController();
    const done = (async () => {
      for await (const _ of watcher(api, { signal: ac.signal, onError: (e) => errors.push(e) })) {
        // drained
      }
    })();
    await clock.tickAsync(20_000);
    // Waits of [400, 800], [800, 1600], ...: at most 8 lists in 20 s (36 before).
    assert.ok(listsAt.length >= 5 && listsAt.length <= 8, `${listsAt.length} lists in 20 s`);
    await clock.tickAsync(300_000);
    const waits = errors.map((e) => e.retryInMs);
    assert.equal(waits[0], 0, "the first 410 relists at once");
    for (let i = 2; i < waits.length; i++) {
      assert.ok(waits[i] <= 30_000, `capped: ${waits}`);
    }
    assert.ok(waits.slice(-3).every((ms) => ms >= 15_000), `grown to 30 s: ${waits}`);
    ac.abort();
    await clock.tickAsync(0);
    await done;
  } finally {
    clock.uninstall();
  }
});

Deno.test("watcher: a list item or watch event without metadata is reported as a decode error and skipped", async () => {
  const watch = new WatchStream();
  await using srv = server([
    () => list([cm("a", "1"), { kind: "ConfigMap" } as unknown as CM], "10"),
  ], [watch]);
  await using w = run(srv.api);
  assert.deepEqual((await take(w.it, 3)).map(show), ["Init", "InitApply a@1", "InitDone"]);
  watch.raw('{"type":"MODIFIED","object":{"kind":"ConfigMap"}}\n');
  watch.send("DELETED", { kind: "ConfigMap", metadata: { namespace: "ns" } });
  watch.send("MODIFIED", cm("b", "12"));
  assert.deepEqual((await take(w.it, 1)).map(show), ["Apply b@12"]);
  assert.equal(w.errors.length, 3);
  assert.ok(w.errors.every((e) => e.cause instanceof WatchDecodeError && e.retryInMs === 0));
  assert.match(w.errors[0].message, /list: .*a list item without metadata\.name.*Skipped it/);
  assert.match(w.errors[1].message, /a MODIFIED event's object without metadata\.name/);
  assert.equal(srv.watchRequests().length, 1, "the watch went on");
});

Deno.test("reflector: an event without metadata does not end run() nor leave the store stale", async () => {
  const watch = new WatchStream();
  await using srv = server([() => list([cm("a", "1")], "10")], [watch]);
  const ac = new AbortController();
  const errors: WatcherError[] = [];
  const r = reflector(watcher(srv.api, { signal: ac.signal, onError: (e) => errors.push(e) }));
  let failed: unknown;
  const running = r.run().catch((e) => (failed = e ?? "rejected"));
  await r.ready();
  watch.raw('{"type":"MODIFIED","object":{"kind":"ConfigMap"}}\n');
  watch.send("ADDED", cm("b", "11"));
  await until(() => r.store.size === 2 || failed !== undefined, "b in the store");
  assert.equal(failed, undefined);
  assert.deepEqual([...r.store.keys()].sort(), ["ns/a", "ns/b"]);
  assert.equal(errors.length, 1);
  ac.abort();
  await running;
  assert.equal(failed, undefined);
});

Deno.test("watcher: a missing Deno permission ends the stream with the PermissionError, no retries", async () => {
  let lists = 0;
  const denied = new PermissionError(
    "GET /api/v1/configmaps: Deno denied net access. Run with --allow-net=10.0.0.1:6443",
    "net",
    "--allow-net=10.0.0.1:6443",
  );
  const api: WatchableApi<CM> = {
    list: () => (lists++, Promise.reject(denied)),
    // deno-lint-ignore require-yield
    async *watch() {
      throw denied;
    },
  };
  const errors: WatcherError[] = [];
  const seen: string[] = [];
  // Bounded: a watcher that retried it would be stopped after three reports.
  const ac = new AbortController();
  const config: WatcherConfig = {
    backoff: fast(),
    signal: ac.signal,
    onError: (e) => errors.push(e) >= 3 && ac.abort(),
  };
  await assert.rejects(
    (async () => {
      for await (const ev of watcher(api, config)) seen.push(ev.type);
    })(),
    (e: unknown) => e === denied,
  );
  assert.equal(lists, 1);
  assert.deepEqual(seen, ["Init"]);
  assert.deepEqual(errors, []);
  // A reflector surfaces it the same way: run() rejects with it.
  await assert.rejects(reflector(watcher(api, config)).run(), PermissionError);
  assert.equal(lists, 2);
});

Deno.test("watcher: each retry the client makes (a 429 storm) is reported through onError", async () => {
  let n = 0;
  await using srv = scriptedServer((req) => {
    if (req.query.get("watch") === "true") return new WatchStream().response();
    return ++n <= 3
      ? statusResponse(429, "TooManyRequests", "slow down")
      : list([cm("a", "1")], "10");
  });
  // Retry-After is absent: the client's own backoff (1 ms steps here) applies.
  const client = testClient(srv.url, { retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 2 } });
  try {
    await using w = run(Api.namespaced(client, ConfigMap, "ns"));
    assert.deepEqual((await take(w.it, 3)).map(show), ["Init", "InitApply a@1", "InitDone"]);
    assert.equal(w.errors.length, 3, "one report per retry, before the list succeeded");
    for (const [i, e] of w.errors.entries()) {
      assert.equal(e.clientRetry, true);
      assert.equal(e.phase, "list");
      assert.match(e.message, /429 TooManyRequests/);
      assert.match(
        e.message,
        new RegExp(`The client retries in \\d+ ms \\(retry ${i + 1} of 5\\)`),
      );
    }
  } finally {
    client.close();
  }
});
