import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import type { ListParams, WatchParams } from "../../core/params.ts";
import { type KubeObject, objectKey, type ObjectList, resourceType } from "../../core/resource.ts";
import type { WatchEvent } from "../../core/watch.ts";
import { Action, ActionError } from "../../runtime/action.ts";
import { Controller, type ReconcileResult } from "../../runtime/controller.ts";
import { LeadershipLostError } from "../../runtime/lease.ts";
import { predicates } from "../../runtime/predicate.ts";
import type { DeepReadonly } from "../../runtime/store.ts";
import { ControllerMetrics, metricsHandler } from "../../runtime/metrics.ts";
import { sharedReflector } from "../../runtime/reflector.ts";
import { type WatchableApi, watcher } from "../../runtime/watcher.ts";

interface Foo extends KubeObject {
  spec?: { n?: number };
}
const Foo = resourceType<Foo>({
  group: "example.com",
  version: "v1",
  kind: "Foo",
  namespaced: true,
});
interface Bar extends KubeObject {
  data?: Record<string, string>;
}
const Bar = resourceType<Bar>({ group: "", version: "v1", kind: "Bar", namespaced: true });

/** An in-memory collection with list + watch, where the test makes changes. */
class FakeApi<K extends KubeObject> implements WatchableApi<K> {
  readonly resource: {
    kind: string;
    plural: string;
    apiVersion: string;
    group: string;
    namespaced: boolean;
  };
  #objects = new Map<string, K>();
  #rv = 1;
  #watchers = new Set<(ev: WatchEvent<K>) => void>();
  constructor(
    rt: { kind: string; plural: string; apiVersion: string; group: string; namespaced: boolean },
  ) {
    this.resource = rt;
  }
  list(_lp?: ListParams): Promise<ObjectList<K>> {
    return Promise.resolve({
      metadata: { resourceVersion: String(this.#rv) },
      items: [...this.#objects.values()],
    });
  }
  async *watch(
    _wp?: WatchParams,
    _rv?: string,
    opts?: { signal?: AbortSignal },
  ): AsyncGenerator<WatchEvent<K>> {
    const queue: WatchEvent<K>[] = [];
    let wake: (() => void) | undefined;
    const push = (ev: WatchEvent<K>) => {
      queue.push(ev);
      wake?.();
    };
    this.#watchers.add(push);
    const onAbort = () => wake?.();
    opts?.signal?.addEventListener("abort", onAbort);
    try {
      while (!opts?.signal?.aborted) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        while (queue.length) yield queue.shift()!;
      }
    } finally {
      this.#watchers.delete(push);
      opts?.signal?.removeEventListener("abort", onAbort);
    }
  }
  put(obj: K): void {
    const o = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.#rv) } };
    const key = objectKey(o);
    const type = this.#objects.has(key) ? "MODIFIED" : "ADDED";
    this.#objects.set(key, o);
    for (const w of this.#watchers) w({ type, object: o });
  }
  remove(name: string, namespace: string): void {
    const key = `${namespace}/${name}`;
    const o = this.#objects.get(key);
    if (!o) return;
    this.#objects.delete(key);
    for (const w of this.#watchers) {
      w({
        type: "DELETED",
        object: { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.#rv) } },
      });
    }
  }
}

function foo(name: string, extra: Partial<Foo["metadata"]> = {}): Foo {
  return { metadata: { name, namespace: "ns", uid: `uid-${name}`, ...extra }, spec: { n: 1 } };
}

/** `api`, counting its watch calls (connections). */
function countingWatches<K extends KubeObject>(api: FakeApi<K>) {
  const counted = {
    watches: 0,
    api: {
      resource: api.resource,
      list: (lp?: ListParams) => api.list(lp),
      watch: (wp?: WatchParams, rv?: string, opts?: { signal?: AbortSignal }) => {
        counted.watches++;
        return api.watch(wp, rv, opts);
      },
    } as never as WatchableApi<K>,
  };
  return counted;
}

/** A controller reference to the Foo `name`. */
function fooRef(name: string) {
  return { apiVersion: "example.com/v1", kind: "Foo", name, uid: `uid-${name}`, controller: true };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a controller in the background, collecting results until stopped. */
function start<C>(
  c: Controller<Foo>,
  reconcile: (obj: DeepReadonly<Foo>, ctx: C) => Promise<Action>,
  ctx: C,
  opts: {
    concurrency?: number;
    metrics?: ControllerMetrics;
    errorPolicy?: (attempt: number) => Action;
  } = {},
) {
  const ac = new AbortController();
  const results: ReconcileResult[] = [];
  const attempts: number[] = [];
  const done = (async () => {
    for await (
      const r of c.run(
        reconcile,
        (_o, _e, _c, info) => {
          attempts.push(info.attempt);
          return opts.errorPolicy?.(info.attempt) ?? Action.awaitChange();
        },
        ctx,
        { signal: ac.signal, concurrency: opts.concurrency, metrics: opts.metrics, graceMs: 2_000 },
      )
    ) results.push(r);
  })();
  return { results, attempts, stop: async () => (ac.abort(), await done) };
}

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(5);
  }
}

Deno.test("Controller: reconciles every listed object once after sync, then on change", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  foos.put(foo("a"));
  foos.put(foo("b"));
  const seen: string[] = [];
  const c = new Controller<Foo>(foos as never);
  const run = start(c, (o) => {
    seen.push(`${o.metadata.name}@${o.metadata.resourceVersion}`);
    return Promise.resolve(Action.awaitChange());
  }, {});
  await until(() => run.results.length === 2);
  assert.equal(c.store.size, 2);
  foos.put({ ...foo("a"), spec: { n: 2 } });
  await until(() => run.results.length === 3);
  await run.stop();
  assert.deepEqual(
    seen.slice(0, 2).sort(),
    ["ns/a", "ns/b"].map((k, i) => `${k.slice(3)}@${i + 2}`).sort(),
  );
  assert.equal(seen[2], "a@4");
  assert.ok(run.results.every((r) => r.outcome === "success" && r.durationMs >= 0));
  assert.deepEqual(run.results.map((r) => r.key).sort(), ["ns/a", "ns/a", "ns/b"]);
});

Deno.test("Controller: a change to an owned object reconciles its owner (and only via a controller ref of our kind)", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  const bars = new FakeApi<Bar>(Bar as never);
  foos.put(foo("owner"));
  const c = new Controller<Foo>(foos as never).owns(bars as never);
  const run = start(c, () => Promise.resolve(Action.awaitChange()), {});
  await until(() => run.results.length === 1);
  const ref = fooRef("owner");
  bars.put({ metadata: { name: "cm", namespace: "ns", ownerReferences: [ref] } });
  await until(() => run.results.length === 2);
  // Not a controller reference, or another kind: no trigger.
  bars.put({
    metadata: { name: "x", namespace: "ns", ownerReferences: [{ ...ref, controller: false }] },
  });
  bars.put({
    metadata: { name: "y", namespace: "ns", ownerReferences: [{ ...ref, kind: "Other" }] },
  });
  // Deleting the owned object triggers the owner again (to recreate it).
  bars.remove("cm", "ns");
  await until(() => run.results.length === 3);
  await sleep(50);
  await run.stop();
  assert.deepEqual(run.results.map((r) => r.key), ["ns/owner", "ns/owner", "ns/owner"]);
});

Deno.test("Controller: an object being deleted is reconciled while it exists, never after it is gone", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  foos.put(foo("a", { finalizers: ["example.com/f"] }));
  const seen: string[] = [];
  const block: { p?: Promise<void> } = {};
  const c = new Controller<Foo>(foos as never);
  const run = start(c, async (o) => {
    seen.push(o.metadata.deletionTimestamp ? "deleting" : "alive");
    await block.p;
    return Action.requeue(20);
  }, {});
  await until(() => seen.length >= 1);
  foos.put(foo("a", { finalizers: ["example.com/f"], deletionTimestamp: "2025-01-01T00:00:00Z" }));
  await until(() => seen.includes("deleting"));
  // Gone while a requeue is pending: no reconcile afterwards.
  let release!: () => void;
  block.p = new Promise((r) => (release = r));
  foos.remove("a", "ns");
  release();
  await sleep(150);
  const count = seen.length;
  await sleep(100);
  await run.stop();
  assert.equal(seen.length, count);
  assert.equal(c.store.size, 0);
});

Deno.test("Controller: errors go to the error policy with per-key attempt counts, and never stop it", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  foos.put(foo("a"));
  let calls = 0;
  const c = new Controller<Foo>(foos as never);
  const run = start(
    c,
    () => {
      calls++;
      return calls <= 3
        ? Promise.reject(new Error(`fail ${calls}`))
        : Promise.resolve(Action.awaitChange());
    },
    {},
    { errorPolicy: () => Action.requeue(10) },
  );
  await until(() => run.results.length === 4);
  await run.stop();
  assert.deepEqual(run.attempts, [1, 2, 3]);
  assert.deepEqual(run.results.map((r) => r.outcome), ["error", "error", "error", "success"]);
  assert.equal((run.results[0].error as Error).message, "fail 1");
  assert.equal(run.results[0].action.requeueAfterMs, 10);
});

Deno.test("Controller: shutdown lets in-flight reconciles finish and ends the iteration", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  for (const n of ["a", "b", "c"]) foos.put(foo(n));
  let running = 0;
  let maxRunning = 0;
  const c = new Controller<Foo>(foos as never);
  const run = start(
    c,
    async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(200);
      running--;
      return Action.awaitChange();
    },
    {},
    { concurrency: 2 },
  );
  await until(() => running === 2);
  const t0 = Date.now();
  await run.stop();
  assert.ok(Date.now() - t0 >= 100, "waited for the running reconciles");
  assert.equal(running, 0);
  assert.equal(maxRunning, 2);
  assert.equal(run.results.length, 2); // the third never started
});

Deno.test("Controller: reconcileOn and reconcileAllOn trigger keys; metrics count outcomes", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  foos.put(foo("a"));
  foos.put(foo("b"));
  let pushOne!: (k: string) => void;
  let pushAll!: () => void;
  async function* one() {
    for (;;) yield await new Promise<string>((r) => (pushOne = r));
  }
  async function* all() {
    for (;;) yield await new Promise<void>((r) => (pushAll = r));
  }
  const metrics = new ControllerMetrics("test");
  const c = new Controller<Foo>(foos as never).reconcileOn(one()).reconcileAllOn(all());
  const run = start(c, () => Promise.resolve(Action.awaitChange()), {}, { metrics });
  await until(() => run.results.length === 2);
  pushOne("ns/b");
  await until(() => run.results.length === 3);
  assert.equal(run.results[2].key, "ns/b");
  pushAll();
  await until(() => run.results.length === 5);
  await run.stop();
  assert.equal(metrics.reconciles.get({ controller: "test", outcome: "success" }), 5);
  const text = metrics.registry.render();
  assert.match(text, /kubeno_reconciles_total\{controller="test",outcome="success"\} 5/);
  assert.match(
    text,
    /kubeno_reconcile_duration_seconds_count\{controller="test",outcome="success"\} 5/,
  );
  assert.match(text, /# TYPE kubeno_queue_depth gauge/);
});

Deno.test("Controller: the context is passed through and the store is readable from the reconcile", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  foos.put(foo("a"));
  foos.put(foo("b"));
  const c = new Controller<Foo>(foos as never);
  const sizes: number[] = [];
  const ac = new AbortController();
  for await (
    const r of c.run(
      (_o, ctx, info) => {
        ctx.count++;
        sizes.push(info.store.size);
        return Promise.resolve(Action.awaitChange());
      },
      () => Action.awaitChange(),
      { count: 0 },
      { signal: ac.signal },
    )
  ) {
    if (r.key === "ns/a" || r.key === "ns/b") {
      if (sizes.length === 2) break; // leaving the loop shuts the controller down
    }
  }
  assert.deepEqual(sizes, [2, 2]);
});

/**
 * Runs a controller whose reconciles wait for their signal (or 60 s), with a 60 s grace
 * period: only stopping at once ends it quickly.
 */
function startBlocking(opts: { signal: AbortSignal; stopNow?: AbortSignal }) {
  const foos = new FakeApi<Foo>(Foo as never);
  for (const n of ["a", "b"]) foos.put(foo(n));
  const signals: AbortSignal[] = [];
  const c = new Controller<Foo>(foos as never);
  const results: ReconcileResult[] = [];
  const done = (async () => {
    for await (
      const r of c.run(
        async (_o, _ctx, info) => {
          signals.push(info.signal);
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 60_000);
            info.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), {
              once: true,
            });
          });
          return Action.awaitChange();
        },
        () => Action.awaitChange(),
        {},
        { ...opts, graceMs: 60_000 },
      )
    ) results.push(r);
  })();
  return { signals, results, done };
}

Deno.test("Controller: a signal aborted with LeadershipLostError aborts running reconciles at once (no grace period)", async () => {
  const ac = new AbortController();
  const run = startBlocking({ signal: ac.signal });
  await until(() => run.signals.length === 2);
  const t0 = Date.now();
  ac.abort(new LeadershipLostError("demo", "me"));
  // Synchronously: not after a timer, let alone the 60 s grace period.
  assert.deepEqual(run.signals.map((s) => s.aborted), [true, true]);
  await run.done;
  const took = Date.now() - t0;
  assert.ok(took < 10_000, `stopped after ${took} ms`);
  assert.equal(run.results.length, 2);
});

Deno.test("Controller: stopNow during a graceful shutdown aborts the reconciles still draining", async () => {
  const graceful = new AbortController();
  const lost = new AbortController();
  const run = startBlocking({ signal: graceful.signal, stopNow: lost.signal });
  await until(() => run.signals.length === 2);
  graceful.abort();
  await sleep(50);
  assert.deepEqual(run.signals.map((s) => s.aborted), [false, false]); // draining
  lost.abort(new LeadershipLostError("demo", "me"));
  assert.deepEqual(run.signals.map((s) => s.aborted), [true, true]);
  await run.done;
});

Deno.test("Controller: watches maps a change to an unowned object to the keys its mapper returns", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  const bars = new FakeApi<Bar>(Bar as never);
  for (const n of ["a", "b", "c"]) foos.put(foo(n));
  const mapped: string[] = [];
  // A Bar names the Foos it affects in data.targets (comma-separated); no ownerReferences.
  const c = new Controller<Foo>(foos as never).watches(bars as never, {}, (bar: Bar) => {
    const targets = (bar.data?.targets ?? "").split(",").filter(Boolean);
    mapped.push(bar.metadata.name!);
    // Both forms a mapper may return: a key string and a { name, namespace }.
    return targets.map((t, i) => i % 2 === 0 ? `ns/${t}` : { name: t, namespace: "ns" });
  });
  const seen: string[] = [];
  const run = start(c, (o) => {
    seen.push(`${o.metadata.name}@${o.metadata.resourceVersion}`);
    return Promise.resolve(Action.awaitChange());
  }, {});
  await until(() => run.results.length === 3);
  seen.length = 0;
  bars.put({ metadata: { name: "x", namespace: "ns" }, data: { targets: "a,b" } });
  await until(() => run.results.length === 5);
  assert.deepEqual(run.results.slice(3).map((r) => r.key).sort(), ["ns/a", "ns/b"]);
  // The reconcile gets the mapped object from the store, not the watched one.
  assert.deepEqual(seen.sort(), ["a@2", "b@3"]);
  // A key with no object in the store (no such Foo) is not reconciled; deleting a watched
  // object triggers what it maps to.
  bars.put({ metadata: { name: "y", namespace: "ns" }, data: { targets: "nope" } });
  bars.remove("x", "ns");
  await until(() => run.results.length === 7);
  await sleep(50);
  await run.stop();
  assert.deepEqual(run.results.slice(5).map((r) => r.key).sort(), ["ns/a", "ns/b"]);
  assert.equal(run.results.length, 7);
  assert.ok(!run.results.some((r) => r.key === "ns/c" && run.results.indexOf(r) >= 3));
  assert.deepEqual(mapped, ["x", "y", "x"]);
});

Deno.test("Controller: the deprecated run({ debounce }) still debounces (one release)", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const foos = new FakeApi<Foo>(Foo as never);
    foos.put(foo("a"));
    const seen: number[] = [];
    const ac = new AbortController();
    const done = (async () => {
      for await (
        const _ of new Controller<Foo>(foos as never).run(
          () => {
            seen.push(Date.now());
            return Promise.resolve(Action.awaitChange());
          },
          () => Action.awaitChange(),
          {},
          { signal: ac.signal, debounce: 500, graceMs: 0 },
        )
      );
    })();
    await clock.tickAsync(499);
    assert.deepEqual(seen, []);
    await clock.tickAsync(2);
    assert.deepEqual(seen, [500]);
    ac.abort();
    await clock.tickAsync(10_000);
    await done;
  } finally {
    clock.uninstall();
  }
});

Deno.test("Controller: run({ debounceMs }) turns a burst of triggers within the window into one reconcile", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  try {
    const foos = new FakeApi<Foo>(Foo as never);
    foos.put(foo("a"));
    foos.put(foo("b"));
    const seen: { key: string; n: number | undefined; at: number }[] = [];
    const ac = new AbortController();
    const results: ReconcileResult[] = [];
    const done = (async () => {
      for await (
        const r of new Controller<Foo>(foos as never).run(
          (o) => {
            seen.push({ key: objectKey(o), n: o.spec?.n, at: Date.now() });
            return Promise.resolve(Action.awaitChange());
          },
          () => Action.awaitChange(),
          {},
          { signal: ac.signal, debounceMs: 1_000, graceMs: 0 },
        )
      ) results.push(r);
    })();
    // The initial reconciles wait for the debounce too.
    await clock.tickAsync(999);
    assert.equal(seen.length, 0);
    await clock.tickAsync(2);
    assert.deepEqual(seen.map((s) => s.key).sort(), ["ns/a", "ns/b"]);
    seen.length = 0;
    // Five changes to a, 200 ms apart: each restarts the wait, so one reconcile, of the last.
    for (let n = 2; n <= 6; n++) {
      foos.put({ ...foo("a"), spec: { n } });
      await clock.tickAsync(200);
    }
    const lastTrigger = Date.now() - 200;
    await clock.tickAsync(700);
    assert.equal(seen.length, 0, "no reconcile while triggers keep coming within the window");
    await clock.tickAsync(200);
    assert.deepEqual(seen, [{ key: "ns/a", n: 6, at: lastTrigger + 1_000 }]);
    await clock.tickAsync(5_000);
    assert.equal(seen.length, 1);
    ac.abort();
    await clock.tickAsync(6_000);
    await done;
    assert.equal(results.length, 3);
  } finally {
    clock.uninstall();
  }
});

/** A FakeApi whose first list waits until the test opens the gate. */
class GatedApi<K extends KubeObject> extends FakeApi<K> {
  readonly gate: PromiseWithResolvers<void> = Promise.withResolvers<void>();
  override async list(lp?: ListParams): Promise<ObjectList<K>> {
    await this.gate.promise;
    return super.list(lp);
  }
}

Deno.test("metricsHandler on Deno.serve: /metrics has the controller's counters, /healthz 200, /readyz 503 until every watch synced", async () => {
  const foos = new GatedApi<Foo>(Foo as never);
  const bars = new GatedApi<Bar>(Bar as never);
  foos.put(foo("a"));
  const metrics = new ControllerMetrics("ready-test");
  const c = new Controller<Foo>(foos as never).owns(bars as never);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    metricsHandler(metrics.registry, { ready: () => c.isReady }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
  };
  let readyResolved = false;
  c.ready().then(() => (readyResolved = true));
  try {
    assert.equal((await get("/readyz")).status, 503, "not ready before run");
    const run = start(c, () => Promise.resolve(Action.awaitChange()), {}, { metrics });
    await sleep(50);
    assert.equal((await get("/readyz")).status, 503, "not ready before the first list");
    assert.equal((await get("/healthz")).status, 200);
    // The main store syncs first; the owned objects' watch has not listed yet.
    foos.gate.resolve();
    await until(() => c.store.isReady);
    assert.equal(c.isReady, false);
    assert.equal((await get("/readyz")).status, 503, "not ready while a trigger watch lists");
    bars.gate.resolve();
    await until(() => c.isReady);
    const ready = await get("/readyz");
    assert.equal(ready.status, 200);
    assert.equal(ready.body, "ok\n");
    assert.equal(readyResolved, true);
    await until(() => run.results.length === 1);
    const m = await get("/metrics");
    assert.equal(m.status, 200);
    assert.equal(m.type, "text/plain; version=0.0.4; charset=utf-8");
    assert.match(m.body, /^# HELP kubeno_reconciles_total /m);
    assert.match(m.body, /^# TYPE kubeno_reconciles_total counter$/m);
    assert.match(
      m.body,
      /^kubeno_reconciles_total\{controller="ready-test",outcome="success"\} 1$/m,
    );
    assert.match(
      m.body,
      /^kubeno_reconcile_duration_seconds_count\{controller="ready-test",outcome="success"\} 1$/m,
    );
    assert.match(m.body, /^kubeno_queue_depth\{controller="ready-test"\} 0$/m);
    assert.equal((await get("/nope")).status, 404);
    await run.stop();
    assert.equal(c.isReady, false, "not ready once stopped");
    assert.equal((await get("/readyz")).status, 503);
  } finally {
    await server.shutdown();
  }
});

Deno.test("Controller.ready() rejects when the controller stops before its watches synced", async () => {
  const foos = new GatedApi<Foo>(Foo as never);
  const c = new Controller<Foo>(foos as never);
  const run = start(c, () => Promise.resolve(Action.awaitChange()), {});
  await sleep(20);
  await run.stop();
  await assert.rejects(c.ready(), /stopped before its watches synced/);
  assert.equal(c.isReady, false);
});

/** Runs `fn` with console.error captured. */
async function capturingErrors<T>(fn: (logged: string[]) => Promise<T>): Promise<T> {
  const logged: string[] = [];
  const orig = console.error;
  console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
  try {
    return await fn(logged);
  } finally {
    console.error = orig;
  }
}

Deno.test("Controller: a reconcile that returns no Action fails with an ActionError naming the controller and key", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  foos.put(foo("a"));
  let calls = 0;
  const errors: unknown[] = [];
  const c = new Controller<Foo>(foos as never);
  const ac = new AbortController();
  const results: ReconcileResult[] = [];
  const done = (async () => {
    for await (
      const r of c.run(
        // A missing return: what a plain-JavaScript (or `as never`) reconcile may do.
        () => Promise.resolve((++calls === 1 ? undefined : Action.awaitChange()) as never),
        (_o, err) => (errors.push(err), Action.requeue(10)),
        {},
        { signal: ac.signal },
      )
    ) results.push(r);
  })();
  await until(() => results.length === 2);
  ac.abort();
  await done;
  assert.equal(results[0].outcome, "error");
  assert.ok(results[0].error instanceof ActionError);
  assert.equal(results[0].error, errors[0], "the error policy saw it");
  assert.equal(results[0].error.key, "ns/a");
  assert.match(
    results[0].error.message,
    /^controller of foos: reconcile of ns\/a returned undefined, not an Action: return Action\.requeue\(ms\) or Action\.awaitChange\(\)$/,
  );
  assert.equal(results[0].action.requeueAfterMs, 10);
  assert.equal(results[1].outcome, "success", "retried through the error policy");
});

Deno.test("Controller: an error policy that returns no Action (or a look-alike) is reported and backs off", async () => {
  for (const bad of [undefined, { requeueAfterMs: "500" }, { requeueAfterMs: -1 }]) {
    const foos = new FakeApi<Foo>(Foo as never);
    foos.put(foo("a"));
    const c = new Controller<Foo>(foos as never);
    const ac = new AbortController();
    const results: ReconcileResult[] = [];
    await capturingErrors(async (logged) => {
      const done = (async () => {
        for await (
          const r of c.run(
            () => Promise.reject(new Error("boom")),
            () => bad as never,
            {},
            { signal: ac.signal },
          )
        ) results.push(r);
      })();
      await until(() => results.length === 1);
      ac.abort();
      await done;
      const shown = bad === undefined ? "undefined" : JSON.stringify(bad);
      assert.equal(logged.length, 1, logged.join("\n"));
      assert.ok(
        logged[0].startsWith(
          "controller of foos: the error policy failed for ns/a; requeueing in ",
        ) && logged[0].includes(`the error policy of ns/a returned ${shown}, not an Action`),
        logged[0],
      );
    });
    assert.equal(results[0].outcome, "error");
    assert.ok(results[0].action instanceof Action);
    const wait = results[0].action.requeueAfterMs!;
    assert.ok(wait >= 500 && wait <= 550, `backoffDelay(1), got ${wait}`);
  }
});

Deno.test("Action.requeue: 0 is a valid delay; negative, NaN and infinite ones are a RangeError", () => {
  assert.equal(Action.requeue(0).requeueAfterMs, 0);
  for (const bad of [-1, NaN, Infinity, -Infinity]) {
    assert.throws(
      () => Action.requeue(bad),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith(
          `Action.requeue needs a finite delay >= 0 in milliseconds, got ${bad}`,
        ) &&
        e.message.includes("Action.awaitChange()"),
    );
  }
});

Deno.test("Controller: predicate generation on the main resource: a status write does not re-trigger", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  foos.put(foo("a", { generation: 1 }));
  const c = new Controller<Foo>(foos as never, { predicate: predicates.generation });
  const seen: string[] = [];
  const run = start(c, (o) => {
    seen.push(`${o.metadata.name}@${o.metadata.generation}`);
    return Promise.resolve(Action.awaitChange());
  }, {});
  await until(() => seen.length === 1);
  // A status write (same generation), then a spec change of b as a marker: events are handled
  // in order, so once b is reconciled a's status write has been seen and filtered.
  foos.put({ ...foo("a", { generation: 1 }), spec: { n: 1 } });
  foos.put(foo("b", { generation: 1 }));
  await until(() => seen.includes("b@1"));
  foos.put(foo("a", { generation: 2 }));
  await until(() => seen.includes("a@2"));
  await run.stop();
  assert.deepEqual(seen, ["a@1", "b@1", "a@2"]);
  // The store still has every change.
  assert.equal(c.store.get("ns/a")?.metadata.generation, 2);
});

Deno.test("Controller: a predicate on owns filters owned changes; deletes of owned objects still trigger", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  const bars = new FakeApi<Bar>(Bar as never);
  foos.put(foo("owner"));
  foos.put(foo("marker"));
  const ref = fooRef("owner");
  const markerRef = fooRef("marker");
  const c = new Controller<Foo>(foos as never).owns(bars as never, {
    predicate: predicates.labels,
  });
  const run = start(c, () => Promise.resolve(Action.awaitChange()), {});
  await until(() => run.results.length === 2);
  const cm = (labels: Record<string, string>, data: string): Bar => ({
    metadata: { name: "cm", namespace: "ns", uid: "uid-cm", labels, ownerReferences: [ref] },
    data: { v: data },
  });
  bars.put(cm({ x: "1" }, "1")); // new: triggers
  await until(() => run.results.length === 3);
  bars.put(cm({ x: "1" }, "2")); // data only: filtered
  bars.put({ metadata: { name: "m", namespace: "ns", ownerReferences: [markerRef] } });
  await until(() => run.results.some((r, i) => i >= 3 && r.key === "ns/marker"));
  bars.put(cm({ x: "2" }, "2")); // labels changed: triggers
  await until(() => run.results.length === 5);
  bars.remove("cm", "ns"); // deleted: triggers
  await until(() => run.results.length === 6);
  await run.stop();
  assert.deepEqual(run.results.slice(2).map((r) => r.key), [
    "ns/owner",
    "ns/marker",
    "ns/owner",
    "ns/owner",
  ]);
});

Deno.test("Controller: a reconcile that fails because shutdown aborted it goes to the error policy (signal aborted), nothing retried", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  for (const n of ["a", "b"]) foos.put(foo(n));
  const c = new Controller<Foo>(foos as never);
  const policyCalls: string[] = [];
  const results: ReconcileResult[] = [];
  const ac = new AbortController();
  let blocked = false;
  const done = (async () => {
    for await (
      const r of c.run(
        async (o, _ctx, info) => {
          if (o.metadata.name === "b") throw new Error("b fails on its own");
          blocked = true;
          // Like an API call given info.signal: it rejects when the signal aborts.
          await new Promise<void>((_, reject) => {
            const t = setTimeout(() => reject(new Error("not aborted in time")), 60_000);
            info.signal.addEventListener(
              "abort",
              () => (clearTimeout(t), reject(info.signal.reason)),
              {
                once: true,
              },
            );
          });
          return Action.awaitChange();
        },
        (_o, err, _ctx, info) => {
          policyCalls.push(
            `${info.key} attempt ${info.attempt} aborted ${info.signal.aborted} ${
              (err as Error).name
            }`,
          );
          // For a: would retry at once, but that is ignored after shutdown.
          return info.key === "ns/a" ? Action.requeue(0) : Action.awaitChange();
        },
        {},
        { signal: ac.signal, graceMs: 20 },
      )
    ) results.push(r);
  })();
  await until(() => blocked && results.length === 1);
  ac.abort(); // graceful: after 20 ms the running reconcile of a is aborted
  await done;
  assert.deepEqual(policyCalls, [
    "ns/b attempt 1 aborted false Error",
    "ns/a attempt 1 aborted true AbortError",
  ]);
  const a = results.find((r) => r.key === "ns/a")!;
  assert.equal(a.outcome, "error");
  assert.equal(a.aborted, true);
  assert.equal(a.action.requeueAfterMs, undefined);
  assert.equal(results.find((r) => r.key === "ns/b")!.aborted, undefined);
});

Deno.test("Controller: the reconcile and the error policy get read-only objects (types)", () => {
  const c = new Controller<Foo>(new FakeApi<Foo>(Foo as never) as never);
  // Never run: the type checker must reject the assignments.
  const typed = () =>
    c.run(
      (o) => {
        // @ts-expect-error: the reconcile's object is the store's, read-only
        o.spec!.n = 2;
        return Promise.resolve(Action.awaitChange());
      },
      (o) => {
        // @ts-expect-error: the error policy's too
        o.metadata.labels = {};
        return Action.awaitChange();
      },
      {},
    );
  assert.equal(typeof typed, "function");
});

Deno.test("Controller: two controllers own through one shared watch (ownsStream, watchesStream)", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  const bars = new FakeApi<Bar>(Bar as never);
  const counted = countingWatches(bars);
  foos.put(foo("owner"));
  const stopShared = new AbortController();
  const shared = sharedReflector(watcher(counted.api, {
    signal: stopShared.signal,
  }));
  const owning = new Controller<Foo>(foos as never).ownsStream(shared.subscribe(), {
    predicate: predicates.labels,
  });
  // The second maps a Bar to the Foo named in its data.target.
  const relating = new Controller<Foo>(foos as never).watchesStream(
    shared.subscribe(),
    (bar: Bar) => bar.data?.target ? [`ns/${bar.data.target}`] : [],
  );
  const a = start(owning, () => Promise.resolve(Action.awaitChange()), {});
  const b = start(relating, () => Promise.resolve(Action.awaitChange()), {});
  await Promise.all([owning.ready(), relating.ready()]);
  await until(() => a.results.length === 1 && b.results.length === 1);
  const ref = fooRef("owner");
  const bar = (labels: Record<string, string>): Bar => ({
    metadata: { name: "cm", namespace: "ns", uid: "u-cm", labels, ownerReferences: [ref] },
    data: { target: "owner" },
  });
  bars.put(bar({ x: "1" }));
  await until(() => a.results.length === 2 && b.results.length === 2);
  bars.put(bar({ x: "1" })); // same labels: the owning controller's predicate drops it
  await until(() => b.results.length === 3);
  bars.put(bar({ x: "2" }));
  await until(() => a.results.length === 3 && b.results.length === 4);
  await a.stop();
  await b.stop();
  stopShared.abort();
  assert.equal(counted.watches, 1); // one watch connection served both controllers
  assert.equal(a.results.length, 3);
  assert.deepEqual(b.results.map((r) => r.key), ["ns/owner", "ns/owner", "ns/owner", "ns/owner"]);
});

Deno.test("Controller.forStream: two controllers of one resource on one shared watch; the end of the stream stops them", async () => {
  const foos = new FakeApi<Foo>(Foo as never);
  const counted = countingWatches(foos);
  foos.put(foo("a", { generation: 1 }));
  const stopShared = new AbortController();
  const shared = sharedReflector(watcher(counted.api, {
    signal: stopShared.signal,
  }));
  const every = Controller.forStream(Foo, shared.subscribe());
  const spec = Controller.forStream(Foo, shared.subscribe(), { predicate: predicates.generation });
  const seen = { every: [] as string[], spec: [] as string[] };
  const runOf = (c: Controller<Foo>, log: string[]) =>
    (async () => {
      for await (
        const _ of c.run((o) => {
          log.push(`${o.metadata.name}@${o.metadata.resourceVersion}`);
          return Promise.resolve(Action.awaitChange());
        }, () =>
          Action.awaitChange(), {})
      );
    })();
  const runs = [runOf(every, seen.every), runOf(spec, seen.spec)];
  await until(() => seen.every.length === 1 && seen.spec.length === 1);
  foos.put(foo("a", { generation: 1 })); // a status write: rv 3
  foos.put(foo("a", { generation: 2 })); // a spec change: rv 4
  await until(() => seen.spec.length === 2 && seen.every.includes("a@4"));
  assert.deepEqual(seen.spec, ["a@2", "a@4"]);
  // The shared watcher stops: both streams end, and both controllers stop with them.
  stopShared.abort();
  await Promise.all(runs);
  assert.equal(counted.watches, 1);
  assert.equal(every.store.get("ns/a")?.metadata.generation, 2);
});
