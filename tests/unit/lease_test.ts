import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import type { Client } from "../../client/client.ts";
import { ApiError, KubeError } from "../../core/error.ts";
import type { Lease } from "../../core/k8s/coordination.k8s.io/v1.ts";
import type { KubeRequest } from "../../core/request.ts";
import { isLeadershipLost, LeaderElector, LeadershipLostError } from "../../runtime/lease.ts";
import { testClient } from "./_client.ts";
import { json, scriptedServer, status } from "./_scripted.ts";

/** A Lease store with the apiserver's compare-and-swap on resourceVersion. */
function leaseServer() {
  let lease: Record<string, unknown> & { metadata: Record<string, unknown> } | undefined;
  let rv = 1;
  let down = false;
  const writes: { holder: string; transitions: number }[] = [];
  const srv = scriptedServer((req) => {
    if (down) return status(503, "ServiceUnavailable", "down");
    const base = "/apis/coordination.k8s.io/v1/namespaces/ns/leases";
    if (req.method === "GET" && req.path === `${base}/demo`) {
      return lease ? json(lease) : status(404, "NotFound", 'leases "demo" not found');
    }
    if (req.method === "POST" && req.path === base) {
      if (lease) return status(409, "AlreadyExists", "exists");
      const body = JSON.parse(req.body);
      lease = {
        ...body,
        metadata: { ...body.metadata, namespace: "ns", resourceVersion: String(++rv) },
      };
      writes.push({ holder: body.spec.holderIdentity, transitions: body.spec.leaseTransitions });
      return json(lease, 201);
    }
    if (req.method === "PUT" && req.path === `${base}/demo`) {
      const body = JSON.parse(req.body);
      if (!lease || body.metadata.resourceVersion !== lease.metadata.resourceVersion) {
        return status(409, "Conflict", "the object has been modified");
      }
      lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      writes.push({ holder: body.spec.holderIdentity, transitions: body.spec.leaseTransitions });
      return json(lease);
    }
    return status(405, "MethodNotAllowed", `${req.method} ${req.path}`);
  });
  return {
    srv,
    writes,
    holder: () => (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
    setDown: (v: boolean) => (down = v),
    /** A write of ours that landed without us seeing the answer: only the version moves. */
    bumpVersion: () => {
      if (lease) {
        lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++rv) } };
      }
    },
  };
}

const timing = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 100 };

function elector(url: URL, identity: string) {
  return new LeaderElector(testClient(url, { retry: { maxRetries: 0 } }), {
    namespace: "ns",
    name: "demo",
    identity,
    ...timing,
  });
}

/** Work that records when it led and returns when leadership ends. */
function work(log: { id: string; start: number; end?: number }[], id: string) {
  return async (leading: AbortSignal) => {
    const entry: { id: string; start: number; end?: number } = { id, start: Date.now() };
    log.push(entry);
    await new Promise((r) => leading.addEventListener("abort", r, { once: true }));
    entry.end = Date.now();
  };
}

Deno.test("LeaderElector: of two candidates exactly one leads; release hands over within a retry period", async () => {
  const ls = leaseServer();
  await using _srv = ls.srv;
  const log: { id: string; start: number; end?: number }[] = [];
  const a = elector(ls.srv.url, "a");
  const b = elector(ls.srv.url, "b");
  const acA = new AbortController();
  const acB = new AbortController();
  const runA = a.run(work(log, "a"), { signal: acA.signal });
  await new Promise((r) => setTimeout(r, 50));
  const runB = b.run(work(log, "b"), { signal: acB.signal });
  await new Promise((r) => setTimeout(r, 1_500)); // longer than the lease: a keeps renewing
  assert.deepEqual(log.map((e) => e.id), ["a"]);
  assert.equal(a.isLeader, true);
  assert.equal(b.isLeader, false);
  assert.equal(ls.holder(), "a");

  const stopped = Date.now();
  acA.abort();
  await runA;
  assert.equal(ls.holder() === "" || ls.holder() === "b", true); // released
  while (!b.isLeader) await new Promise((r) => setTimeout(r, 5));
  const handover = Date.now() - stopped;
  assert.ok(handover < timing.retryPeriodMs * 2.2 + 150, `handover took ${handover} ms`);
  assert.deepEqual(log.map((e) => e.id), ["a", "b"]);
  assert.ok(log[0].end! <= log[1].start, "the two never led at the same time");
  acB.abort();
  await runB;
  assert.equal(ls.holder(), "");
});

Deno.test("LeaderElector: release reads the Lease again after a conflict and still clears it", async () => {
  const ls = leaseServer();
  await using _srv = ls.srv;
  const log: { id: string; start: number; end?: number }[] = [];
  const a = elector(ls.srv.url, "a");
  const ac = new AbortController();
  const run = a.run(work(log, "a"), { signal: ac.signal });
  while (!a.isLeader) await new Promise((r) => setTimeout(r, 5));
  // As when a renewal cut off by the shutdown landed on the server after all.
  ls.bumpVersion();
  ac.abort();
  await run;
  assert.equal(ls.holder(), "");
});

Deno.test("LeaderElector: a leader that cannot renew stops at the renew deadline; a successor waits for the lease duration", async () => {
  const ls = leaseServer();
  await using _srv = ls.srv;
  const log: { id: string; start: number; end?: number }[] = [];
  const a = elector(ls.srv.url, "a");
  const acA = new AbortController();
  const runA = a.run(work(log, "a"), { signal: acA.signal });
  while (!a.isLeader) await new Promise((r) => setTimeout(r, 5));
  const lastGood = Date.now();
  ls.setDown(true);
  while (log[0]?.end === undefined) await new Promise((r) => setTimeout(r, 5));
  const stoppedAfter = log[0].end! - lastGood;
  // It stops once no renewal succeeded for renewDeadlineMs after its last renewal.
  assert.ok(
    stoppedAfter <= timing.renewDeadlineMs + timing.retryPeriodMs + 150,
    `${stoppedAfter} ms`,
  );
  acA.abort();
  await runA;
  ls.setDown(false);

  // The record still names "a" (its release failed while down); "b" must wait it out.
  assert.equal(ls.holder(), "a");
  const b = elector(ls.srv.url, "b");
  const acB = new AbortController();
  const t0 = Date.now();
  const runB = b.run(work(log, "b"), { signal: acB.signal });
  while (!b.isLeader) await new Promise((r) => setTimeout(r, 5));
  const waited = Date.now() - t0;
  assert.ok(waited >= timing.leaseDurationMs, `took over after ${waited} ms`);
  assert.ok(
    waited <= timing.leaseDurationMs + 2 * timing.retryPeriodMs * 2.2 + 200,
    `${waited} ms`,
  );
  acB.abort();
  await runB;
  assert.equal(ls.writes.at(-2)?.transitions, 1); // a -> b counted as a transition
});

Deno.test("LeaderElector: rejects timing that cannot be safe", () => {
  const client = testClient(new URL("http://127.0.0.1:1"));
  assert.throws(
    () =>
      new LeaderElector(client, {
        namespace: "ns",
        name: "x",
        identity: "i",
        leaseDurationMs: 1_000,
        renewDeadlineMs: 1_000,
      }),
    RangeError,
  );
  assert.throws(
    () => new LeaderElector(client, { namespace: "ns", name: "x", identity: "" }),
    TypeError,
  );
});

// ---- Under fake timers, with an in-memory Lease behind a fake Client ----

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

/** A Client stand-in serving one Lease from memory with compare-and-swap on resourceVersion. */
function memoryLease() {
  let lease: Lease | undefined;
  let rv = 1;
  const state = { down: false, writes: 0, reads: [] as number[] };
  const fail = (code: number, reason: string, path: string, method: string) =>
    new ApiError({ kind: "Status", code, reason, message: reason }, { method, path });
  const client = {
    defaultNamespace: "ns",
    request(req: KubeRequest, opts: { signal?: AbortSignal } = {}): Promise<unknown> {
      if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
      if (state.down) return Promise.reject(fail(503, "ServiceUnavailable", req.path, req.method));
      const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v));
      if (req.method === "GET") {
        state.reads.push(Date.now());
        return lease
          ? Promise.resolve(copy(lease))
          : Promise.reject(fail(404, "NotFound", req.path, req.method));
      }
      const body = JSON.parse(req.body!) as Lease;
      if (req.method === "POST") {
        if (lease) return Promise.reject(fail(409, "AlreadyExists", req.path, req.method));
      } else if (body.metadata.resourceVersion !== lease?.metadata.resourceVersion) {
        return Promise.reject(fail(409, "Conflict", req.path, req.method));
      }
      state.writes++;
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

const defaults = { namespace: "ns", name: "demo" }; // client-go's 15 s / 10 s / 2 s

Deno.test(
  "LeaderElector: a normal shutdown keeps renewing while the work drains, so no one else starts",
  withClock(async (clock) => {
    const mem = memoryLease();
    const a = new LeaderElector(mem.client, { ...defaults, identity: "a" });
    const b = new LeaderElector(mem.client, { ...defaults, identity: "b" });
    const acA = new AbortController();
    const acB = new AbortController();
    let lostA: AbortSignal | undefined;
    let drainedAt = 0;
    const runA = a.run(async (leading, lost) => {
      lostA = lost;
      await new Promise((r) => leading.addEventListener("abort", r, { once: true }));
      await new Promise((r) => setTimeout(r, 40_000)); // drains for longer than the lease
      drainedAt = Date.now();
    }, { signal: acA.signal });
    await clock.tickAsync(10);
    assert.equal(a.isLeader, true);
    let bLedAt: number | undefined;
    const runB = b.run(async (leading) => {
      bLedAt = Date.now();
      await new Promise((r) => leading.addEventListener("abort", r, { once: true }));
    }, { signal: acB.signal });
    await clock.tickAsync(5_000);
    acA.abort(); // a normal shutdown: a drains for 40 s
    for (let t = 0; t < 39_000; t += 1_000) {
      await clock.tickAsync(1_000);
      assert.equal(mem.lease?.spec?.holderIdentity, "a", `at ${Date.now()} ms`);
    }
    assert.equal(bLedAt, undefined, "b started while a was still draining");
    assert.equal(lostA?.aborted, false);
    await clock.tickAsync(2_000);
    await runA;
    assert.equal(drainedAt, 45_010);
    await clock.tickAsync(2_000 * 2.2 + 10); // released: b takes over within a jittered retry
    assert.ok(bLedAt !== undefined && bLedAt >= drainedAt, `b led at ${bLedAt}`);
    acB.abort();
    await clock.tickAsync(100);
    await runB;
  }),
);

Deno.test(
  "LeaderElector: losing the lease aborts lost (and leading) with LeadershipLostError, also mid-drain",
  withClock(async (clock) => {
    const mem = memoryLease();
    const a = new LeaderElector(mem.client, { ...defaults, identity: "a" });
    const ac = new AbortController();
    const seen: { leading?: unknown; lost?: unknown; lostAt?: number } = {};
    const runA = a.run(async (leading, lost) => {
      await new Promise((r) => leading.addEventListener("abort", r, { once: true }));
      seen.leading = leading.reason;
      await new Promise((r) => lost.addEventListener("abort", r, { once: true }));
      seen.lost = lost.reason;
      seen.lostAt = Date.now();
    }, { signal: ac.signal });
    await clock.tickAsync(10);
    assert.equal(a.isLeader, true);
    ac.abort(new Error("shutdown")); // draining: still renewing
    await clock.tickAsync(4_000);
    assert.equal((seen.leading as Error).message, "shutdown");
    assert.equal(seen.lost, undefined);
    const lastRenew = Date.parse(mem.lease!.spec!.renewTime!);
    mem.state.down = true; // renewals fail from now on
    await clock.tickAsync(15_000);
    assert.ok((seen.lost as unknown) instanceof LeadershipLostError, String(seen.lost));
    // Lost no later than the renew deadline after the last renewal (plus one retry period).
    assert.ok(seen.lostAt! - lastRenew <= 10_000 + 2_000, `${seen.lostAt! - lastRenew} ms`);
    assert.equal(a.isLeader, false);
    await runA;
  }),
);

/** A Lease held by someone else, renewed at t=0, promising `seconds`. */
function heldBy(holder: string, seconds: number): Lease {
  const t = new Date(Date.now()).toISOString().replace("Z", "000Z");
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "demo", namespace: "ns" },
    spec: { holderIdentity: holder, leaseDurationSeconds: seconds, renewTime: t, acquireTime: t },
  };
}

/** Time from now until `e` leads, campaigning with `Math.random` fixed at `r`. */
async function timeToLead(clock: Clock, e: LeaderElector, r: number): Promise<number> {
  const random = Math.random;
  Math.random = () => r;
  const ac = new AbortController();
  let ledAt: number | undefined;
  const t0 = Date.now();
  const run = e.run(async (leading) => {
    ledAt = Date.now();
    await new Promise((res) => leading.addEventListener("abort", res, { once: true }));
  }, { signal: ac.signal });
  try {
    while (ledAt === undefined && Date.now() - t0 < 120_000) await clock.tickAsync(100);
  } finally {
    Math.random = random;
    ac.abort();
    await clock.tickAsync(100);
    await run;
  }
  assert.notEqual(ledAt, undefined, "never led");
  return ledAt! - t0;
}

Deno.test(
  "LeaderElector: another holder's lease expires after the duration recorded on it, not ours",
  withClock(async (clock) => {
    // Recorded 40 s, ours 15 s: wait 40 s.
    const long = memoryLease();
    long.lease = heldBy("x", 40);
    const took = await timeToLead(
      clock,
      new LeaderElector(long.client, { ...defaults, identity: "b" }),
      0,
    );
    assert.ok(took >= 40_000 && took <= 42_000, `took over after ${took} ms`);

    // Recorded 5 s, ours 15 s: 5 s are enough.
    const short = memoryLease();
    short.lease = heldBy("x", 5);
    const took2 = await timeToLead(
      clock,
      new LeaderElector(short.client, { ...defaults, identity: "b" }),
      0,
    );
    assert.ok(took2 >= 5_000 && took2 <= 7_000, `took over after ${took2} ms`);
  }),
);

Deno.test(
  "LeaderElector: candidates wait retryPeriod * (1 + random * 1.2) between attempts (client-go's JitterUntil)",
  withClock(async (clock) => {
    for (const [r, expected] of [[0, 2_000], [0.5, 3_200], [1, 4_400]] as const) {
      const mem = memoryLease();
      mem.lease = heldBy("x", 3_600);
      const random = Math.random;
      Math.random = () => r;
      const ac = new AbortController();
      const t0 = Date.now();
      const run = new LeaderElector(mem.client, { ...defaults, identity: "b" })
        .run(() => Promise.resolve(), { signal: ac.signal });
      await clock.tickAsync(20_000);
      Math.random = random;
      ac.abort();
      await run;
      const gaps = mem.state.reads.map((t, i, a) => i === 0 ? t - t0 : t - a[i - 1]);
      assert.equal(gaps[0], 0);
      assert.deepEqual(new Set(gaps.slice(1)), new Set([expected]), `random ${r}: ${gaps}`);
    }
  }),
);

Deno.test("LeaderElector: a renewal loop that breaks is reported and counts as lost, not an unhandled rejection", async () => {
  const ls = leaseServer();
  const logged: string[] = [];
  const origError = console.error;
  const origAny = AbortSignal.any;
  console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
  try {
    const e = elector(ls.srv.url, "a");
    let lostReason: unknown;
    const stop = new AbortController(); // after the loss: no new campaign
    await e.run(async (leading, lost) => {
      // Break the renewal machinery itself (AbortSignal.any runs outside its error handling).
      AbortSignal.any = () => {
        throw new Error("broken renewal");
      };
      await new Promise((r) => leading.addEventListener("abort", r, { once: true }));
      AbortSignal.any = origAny;
      lostReason = lost.reason;
      stop.abort();
    }, { signal: stop.signal });
    assert.ok(lostReason instanceof LeadershipLostError, String(lostReason));
    assert.match(logged.join("\n"), /renewing lease demo failed: Error: broken renewal/);
  } finally {
    AbortSignal.any = origAny;
    console.error = origError;
    await ls.srv.close();
  }
});

Deno.test("LeadershipLostError is a KubeError with the lease and identity; isLeadershipLost", () => {
  const e = new LeadershipLostError("op", "pod-0");
  assert.ok(e instanceof KubeError);
  assert.equal(e.lease, "op");
  assert.equal(e.identity, "pod-0");
  assert.equal(e.name, "LeadershipLostError");
  assert.ok(isLeadershipLost(e));
  assert.ok(!isLeadershipLost(new KubeError("x")));
  assert.ok(!isLeadershipLost(undefined));
});
