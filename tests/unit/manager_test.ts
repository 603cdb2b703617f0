import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import type { Client } from "../../client/client.ts";
import { ApiError } from "../../core/error.ts";
import { PermissionError } from "../../core/permission.ts";
import type { Lease } from "../../core/k8s/coordination.k8s.io/v1.ts";
import type { KubeRequest } from "../../core/request.ts";
import { type KubeObject, type ObjectList, resourceType } from "../../core/resource.ts";
import type { WatchEvent } from "../../core/watch.ts";
import { Action } from "../../runtime/action.ts";
import { Controller, type ReconcileResult } from "../../runtime/controller.ts";
import { LeadershipLostError } from "../../runtime/lease.ts";
import { Manager } from "../../runtime/manager.ts";
import { sharedReflector } from "../../runtime/reflector.ts";
import { type WatchableApi, watcher, type WatcherEvent } from "../../runtime/watcher.ts";

interface Foo extends KubeObject {
  spec?: { n?: number };
}
const Foo = resourceType<Foo>({
  group: "example.com",
  version: "v1",
  kind: "Foo",
  namespaced: true,
});
const Bar = resourceType<Foo>({
  group: "example.com",
  version: "v1",
  kind: "Bar",
  namespaced: true,
});

const noClient = {} as Client;

function foo(name: string): Foo {
  return { metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: "1" } };
}

/**
 * A list + watch of fixed objects: the watch stays open until aborted. `gate` holds the list
 * back until released (a watch that has not synced).
 */
function fakeApi(names: string[], rt = Foo, gate?: Promise<void>) {
  const state = { watches: 0, lists: 0 };
  const api: WatchableApi<Foo> = {
    resource: rt,
    async list(): Promise<ObjectList<Foo>> {
      state.lists++;
      await gate;
      return { metadata: { resourceVersion: "1" }, items: names.map(foo) };
    },
    // deno-lint-ignore require-yield
    async *watch(_wp, _rv, opts): AsyncGenerator<WatchEvent<Foo>> {
      state.watches++;
      await new Promise((r) => opts?.signal?.addEventListener("abort", r, { once: true }));
    },
  } as WatchableApi<Foo>;
  return { api, state };
}

/** A reconcile that takes `ms` (a timer), recording start and end per key. */
function slowReconcile(log: string[], who: string, ms: number) {
  return async (
    o: { metadata: { name?: string } },
    _ctx: unknown,
    info: { signal: AbortSignal },
  ) => {
    log.push(`${who} start ${o.metadata.name}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      info.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
    log.push(`${who} ${info.signal.aborted ? "aborted" : "end"} ${o.metadata.name}`);
    return Action.awaitChange();
  };
}

type Clock = ReturnType<typeof FakeTimers.install>;

function withClock(fn: (clock: Clock) => Promise<void>): () => Promise<void> {
  return async () => {
    const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
    try {
      await fn(clock);
    } finally {
      clock.uninstall();
    }
  };
}

Deno.test(
  "Manager: the signal stops every controller gracefully: in-flight reconciles finish, then run resolves and manager.signal aborts",
  withClock(async (clock) => {
    const a = fakeApi(["a1"]);
    const b = fakeApi(["b1"], Bar);
    const log: string[] = [];
    const results: string[] = [];
    const ac = new AbortController();
    const manager = new Manager(noClient, { signal: ac.signal })
      .add(new Controller(a.api), slowReconcile(log, "A", 5_000), () => Action.awaitChange(), {}, {
        onResult: (r) => results.push(`A ${r.key} ${r.outcome}`),
        graceMs: 10_000,
      })
      .add(new Controller(b.api), slowReconcile(log, "B", 8_000), () => Action.awaitChange(), {}, {
        onResult: (r) => results.push(`B ${r.key} ${r.outcome}`),
        graceMs: 10_000,
      });
    assert.deepEqual(manager.names, ["foo", "bar"]);
    let resolved = false;
    const running = manager.run().then(() => (resolved = true));
    await clock.tickAsync(10);
    assert.deepEqual(log.sort(), ["A start a1", "B start b1"]);
    assert.equal(manager.isReady, true);
    ac.abort();
    assert.equal(manager.isReady, false, "not ready from the start of shutdown");
    await clock.tickAsync(5_000);
    assert.equal(resolved, false, "B is still draining");
    assert.equal(manager.signal.aborted, false, "shared watchers must outlive the controllers");
    await clock.tickAsync(3_100);
    await running;
    assert.deepEqual(log.sort(), ["A end a1", "A start a1", "B end b1", "B start b1"]);
    assert.deepEqual(results.sort(), ["A ns/a1 success", "B ns/b1 success"]);
    assert.equal(manager.signal.aborted, true);
    await assert.rejects(manager.run(), /ran already/);
  }),
);

Deno.test("Manager: ready only when every controller has synced; /readyz follows, served on the metrics port", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const a = fakeApi(["a1"]);
  const b = fakeApi(["b1"], Bar, gate); // its list hangs until released
  const ac = new AbortController();
  const idle = () => Promise.resolve(Action.awaitChange());
  const manager = new Manager(noClient, {
    signal: ac.signal,
    metrics: { port: 0, hostname: "127.0.0.1" },
  })
    .add(new Controller(a.api), idle, () => Action.awaitChange(), {}, { name: "a" })
    .add(new Controller(b.api), idle, () => Action.awaitChange(), {}, { name: "b" });
  assert.equal(manager.handler(new Request("http://x/readyz")).status, 503, "before run");
  const running = manager.run();
  const addr = manager.metricsAddress!;
  assert.equal(addr.hostname, "127.0.0.1");
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${addr.port}${path}`);
    return { status: res.status, text: await res.text() };
  };
  // a syncs at once; b does not.
  const end = Date.now() + 3_000;
  while ((await get("/metrics")).text.indexOf('controller="a",outcome="success"') < 0) {
    assert.ok(Date.now() < end, "a never reconciled");
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(manager.isReady, false);
  assert.equal((await get("/readyz")).status, 503);
  release();
  await manager.ready();
  assert.equal(manager.isReady, true);
  assert.deepEqual(await get("/readyz"), { status: 200, text: "ok\n" });
  // Anything but GET/HEAD of the three paths is refused, and says nothing of the cluster.
  const post = await fetch(`http://127.0.0.1:${addr.port}/readyz`, { method: "POST", body: "x" });
  assert.deepEqual([post.status, await post.text()], [405, "method not allowed\n"]);
  for (const path of ["/", "/metrics/../../etc/passwd", "/readyz%00", "/%ff"]) {
    assert.equal((await get(path)).status, 404, path);
  }
  const metrics = (await get("/metrics")).text;
  assert.match(metrics, /^kubeno_reconciles_total\{controller="b",outcome="success"\} 1$/m);
  assert.match(metrics, /^kubeno_leader_election_leading 1$/m);
  ac.abort();
  assert.equal(manager.isReady, false);
  await running;
  assert.equal(manager.metricsAddress, undefined);
  // The server is closed with the manager.
  await assert.rejects(fetch(`http://127.0.0.1:${addr.port}/readyz`));
});

Deno.test(
  "Manager: one failing controller stops the others gracefully and run rejects with its error",
  withClock(async (clock) => {
    const b = fakeApi(["b1"], Bar);
    const denied = new PermissionError(
      "watching foos: Deno denied net access. Run again with --allow-net=10.0.0.1:6443",
      "net",
      "--allow-net=10.0.0.1:6443",
    );
    // The main stream of A lists one object, then fails the way only a permission does.
    async function* failing(): AsyncGenerator<WatcherEvent<Foo>> {
      yield { type: "Init" };
      yield { type: "InitApply", object: foo("a1") };
      yield { type: "InitDone" };
      await new Promise((r) => setTimeout(r, 1_000));
      throw denied;
    }
    const log: string[] = [];
    const manager = new Manager(noClient)
      .add(
        Controller.forStream(Foo, failing()),
        () => Promise.resolve(Action.awaitChange()),
        () => Action.awaitChange(),
        {},
        { name: "a" },
      )
      .add(new Controller(b.api), slowReconcile(log, "B", 3_000), () => Action.awaitChange(), {}, {
        name: "b",
      });
    let error: unknown;
    let settled = false;
    const running = manager.run().catch((e) => (error = e)).finally(() => (settled = true));
    await clock.tickAsync(10);
    assert.deepEqual(log, ["B start b1"]);
    await clock.tickAsync(1_000); // a fails
    assert.equal(settled, false, "b drains its reconcile first");
    assert.equal(manager.isReady, false);
    await clock.tickAsync(2_100);
    await running;
    assert.equal(error, denied, "the failing controller's own error, unchanged");
    assert.deepEqual(log, ["B start b1", "B end b1"], "b's reconcile finished, not aborted");
    assert.equal(manager.signal.aborted, true);
  }),
);

Deno.test("Manager: a controller whose stream ends stops the others, and run resolves", async () => {
  const b = fakeApi(["b1"], Bar);
  async function* short(): AsyncGenerator<WatcherEvent<Foo>> {
    yield { type: "Init" };
    yield { type: "InitDone" };
  }
  const idle = () => Promise.resolve(Action.awaitChange());
  const manager = new Manager(noClient)
    .add(Controller.forStream(Foo, short()), idle, () => Action.awaitChange(), {})
    .add(new Controller(b.api), idle, () => Action.awaitChange(), {});
  await manager.run(); // no signal: ends only because a stopped
  assert.equal(manager.signal.aborted, true);
});

Deno.test("Manager: two controllers on one sharedReflector share one watch, both reconcile every object", async () => {
  const a = fakeApi(["x", "y"]);
  const stop = new AbortController();
  const manager = new Manager(noClient, { signal: stop.signal });
  const shared = sharedReflector(watcher(a.api, { signal: manager.signal }));
  const seen: string[] = [];
  const rec = (who: string) => (o: { metadata: { name?: string } }) => {
    seen.push(`${who} ${o.metadata.name}`);
    return Promise.resolve(Action.awaitChange());
  };
  manager
    .add(
      Controller.forStream(Foo, shared.subscribe()),
      rec("one"),
      () => Action.awaitChange(),
      {},
      {
        name: "one",
      },
    )
    .add(
      Controller.forStream(Foo, shared.subscribe()),
      rec("two"),
      () => Action.awaitChange(),
      {},
      {
        name: "two",
      },
    );
  const running = manager.run();
  await manager.ready();
  const end = Date.now() + 3_000;
  while (seen.length < 4) {
    assert.ok(Date.now() < end, seen.join());
    await new Promise((r) => setTimeout(r, 5));
  }
  stop.abort();
  await running;
  assert.deepEqual(seen.sort(), ["one x", "one y", "two x", "two y"]);
  assert.deepEqual(a.state, { watches: 1, lists: 1 });
});

// ---- Leader election, under fake timers, with an in-memory Lease behind a fake Client ----

/** A Client stand-in serving one Lease from memory with compare-and-swap on resourceVersion. */
function memoryLease() {
  let lease: Lease | undefined;
  let rv = 1;
  const state = { down: false, requests: 0 };
  const fail = (code: number, reason: string, req: KubeRequest) =>
    new ApiError({ kind: "Status", code, reason, message: reason }, req);
  const client = {
    defaultNamespace: "ns",
    request(req: KubeRequest, opts: { signal?: AbortSignal } = {}): Promise<unknown> {
      state.requests++;
      if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
      if (state.down) return Promise.reject(fail(503, "ServiceUnavailable", req));
      const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v));
      if (req.method === "GET") {
        return lease ? Promise.resolve(copy(lease)) : Promise.reject(fail(404, "NotFound", req));
      }
      const body = JSON.parse(req.body!) as Lease;
      if (req.method === "POST" && lease) return Promise.reject(fail(409, "AlreadyExists", req));
      if (
        req.method === "PUT" && body.metadata.resourceVersion !== lease?.metadata.resourceVersion
      ) {
        return Promise.reject(fail(409, "Conflict", req));
      }
      lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return Promise.resolve(copy(lease));
    },
  };
  return {
    client: client as unknown as Client,
    state,
    get lease() {
      return lease;
    },
    set lease(l: Lease | undefined) {
      lease = l && { ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } };
    },
  };
}

Deno.test(
  "Manager: with leader election, controllers start only once leading and stop at once when the Lease is lost; run rejects with LeadershipLostError and does not campaign again",
  withClock(async (clock) => {
    const mem = memoryLease();
    const t = new Date(0).toISOString().replace("Z", "000Z");
    // Someone else holds the Lease, renewed at t=0, for 15 s.
    mem.lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "op", namespace: "ns" },
      spec: { holderIdentity: "other", leaseDurationSeconds: 15, renewTime: t, acquireTime: t },
    };
    const a = fakeApi(["a1"]);
    const b = fakeApi(["b1"], Bar);
    const log: string[] = [];
    const results: ReconcileResult[] = [];
    const manager = new Manager(mem.client, {
      signal: new AbortController().signal,
      leaderElection: { namespace: "ns", name: "op", identity: "me" },
    })
      .add(new Controller(a.api), slowReconcile(log, "A", 60_000), () => Action.awaitChange(), {}, {
        graceMs: 60_000,
        onResult: (r) => results.push(r),
      })
      .add(new Controller(b.api), slowReconcile(log, "B", 60_000), () => Action.awaitChange(), {}, {
        graceMs: 60_000,
      });
    let error: unknown;
    let settled = false;
    const running = manager.run().catch((e) => (error = e)).finally(() => (settled = true));
    await clock.tickAsync(10_000);
    assert.equal(manager.isStandby, true);
    assert.equal(manager.isReady, false);
    assert.equal(manager.handler(new Request("http://x/readyz")).status, 200, "a standby is ready");
    assert.deepEqual([a.state.lists, b.state.lists, log.length], [0, 0, 0], "nothing runs yet");
    // The other holder's 15 s run out (plus one jittered retry period at most).
    await clock.tickAsync(10_000);
    assert.equal(mem.lease?.spec?.holderIdentity, "me");
    assert.equal(manager.isStandby, false);
    assert.deepEqual(log.sort(), ["A start a1", "B start b1"]);
    assert.equal(manager.isReady, true);
    const ledAt = Date.now();
    // The apiserver goes away: renewals fail; past the renew deadline (10 s) leadership is lost.
    mem.state.down = true;
    await clock.tickAsync(13_000);
    assert.equal(settled, true, "stopped without waiting for the 60 s grace period");
    await running;
    assert.ok(error instanceof LeadershipLostError, String(error));
    assert.deepEqual(log.filter((l) => l.includes("aborted")).sort(), [
      "A aborted a1",
      "B aborted b1",
    ]);
    assert.deepEqual(results.map((r) => r.key), ["ns/a1"], "the cut-off reconcile still reports");
    assert.ok(Date.now() - ledAt <= 13_000);
    // No new campaign: the Lease is not touched any more.
    const requests = mem.state.requests;
    mem.state.down = false;
    await clock.tickAsync(60_000);
    assert.equal(mem.state.requests, requests);
    assert.equal(manager.signal.aborted, true);
  }),
);

Deno.test(
  "Manager: a standby stopped before it ever led: run resolves, ready() rejects instead of hanging, no controller ran",
  withClock(async (clock) => {
    const mem = memoryLease();
    const t = new Date(0).toISOString().replace("Z", "000Z");
    mem.lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "op", namespace: "ns" },
      spec: { holderIdentity: "other", leaseDurationSeconds: 3600, renewTime: t, acquireTime: t },
    };
    const a = fakeApi(["a1"]);
    const ac = new AbortController();
    const manager = new Manager(mem.client, {
      signal: ac.signal,
      leaderElection: { namespace: "ns", name: "op", identity: "me" },
    }).add(
      new Controller(a.api),
      () => Promise.resolve(Action.awaitChange()),
      () => Action.awaitChange(),
      {},
    );
    const running = manager.run();
    const ready = manager.ready().then(() => "resolved", (e: Error) => e.message);
    await clock.tickAsync(10_000);
    assert.equal(manager.isStandby, true);
    ac.abort();
    await clock.tickAsync(10);
    await running;
    assert.equal(await ready, "the manager stopped before every controller synced");
    assert.equal(a.state.lists, 0);
    assert.equal(mem.lease?.spec?.holderIdentity, "other", "a standby never touches the holder");
  }),
);

Deno.test(
  "Manager: a graceful stop while leading drains, then releases the Lease",
  withClock(async (clock) => {
    const mem = memoryLease();
    const a = fakeApi(["a1"]);
    const log: string[] = [];
    const ac = new AbortController();
    const manager = new Manager(mem.client, {
      signal: ac.signal,
      leaderElection: { namespace: "ns", name: "op", identity: "me" },
    }).add(new Controller(a.api), slowReconcile(log, "A", 20_000), () => Action.awaitChange(), {}, {
      graceMs: 30_000,
    });
    const running = manager.run();
    await clock.tickAsync(10);
    assert.equal(mem.lease?.spec?.holderIdentity, "me");
    ac.abort();
    await clock.tickAsync(15_000); // longer than the lease: still renewed while draining
    assert.equal(mem.lease?.spec?.holderIdentity, "me");
    await clock.tickAsync(5_100);
    await running;
    assert.deepEqual(log, ["A start a1", "A end a1"]);
    assert.equal(mem.lease?.spec?.holderIdentity, "", "released");
  }),
);

Deno.test("Manager: permissions and rbac are the union of the controllers', plus the Lease's", () => {
  const idle = () => Promise.resolve(Action.awaitChange());
  const manager = new Manager(noClient, {
    leaderElection: { namespace: "ops", name: "op", identity: "me" },
  })
    .add(
      new Controller({ ...fakeApi([]).api, namespace: "apps" } as never),
      idle,
      () => Action.awaitChange(),
      {},
    )
    .add(
      new Controller(fakeApi([], Bar).api).uses(Foo, ["patch"], { subresource: "status" }),
      idle,
      () => Action.awaitChange(),
      {},
    );
  const rules = manager.rbac();
  assert.deepEqual(rules.cluster, [
    { apiGroups: ["example.com"], resources: ["bars"], verbs: ["list", "watch"] },
    { apiGroups: ["example.com"], resources: ["foos/status"], verbs: ["patch"] },
  ]);
  assert.deepEqual(rules.namespaces.apps, [
    { apiGroups: ["example.com"], resources: ["foos"], verbs: ["list", "watch"] },
  ]);
  assert.deepEqual(rules.namespaces.ops, [
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      verbs: ["get", "update"],
      resourceNames: ["op"],
    },
  ]);
});

Deno.test("Manager: bad use is refused with what to do", async () => {
  const idle = () => Promise.resolve(Action.awaitChange());
  const c = new Controller(fakeApi([]).api);
  const m = new Manager(noClient).add(c, idle, () => Action.awaitChange(), {});
  assert.throws(
    () => m.add(new Controller(fakeApi([]).api), idle, () => Action.awaitChange(), {}),
    /a controller named "foo" was added already; give each a different \{ name \}/,
  );
  assert.throws(() => m.add(c, idle, () => Action.awaitChange(), {}, { name: "x" }), /added twice/);
  await assert.rejects(new Manager(noClient).run(), /no controllers/);
  assert.throws(() => new Manager(noClient, { metrics: { port: -1 } }), RangeError);
});
