import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { backoffDelay, Scheduler } from "../../runtime/scheduler.ts";

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

/** A worker whose runs are recorded and finish when the test says, or after `ms`. */
function recorder(durationMs = 100, requeue?: (key: string, n: number) => number | undefined) {
  const log: { key: string; start: number; end: number }[] = [];
  let active = 0;
  let maxActive = 0;
  const activeKeys = new Set<string>();
  let overlap = false;
  const counts = new Map<string, number>();
  const worker = async (key: string, signal: AbortSignal) => {
    if (activeKeys.has(key)) overlap = true;
    activeKeys.add(key);
    active++;
    maxActive = Math.max(maxActive, active);
    const start = Date.now();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, durationMs);
      signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
    active--;
    activeKeys.delete(key);
    log.push({ key, start, end: Date.now() });
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return requeue?.(key, n);
  };
  return {
    worker,
    log,
    get maxActive() {
      return maxActive;
    },
    get overlap() {
      return overlap;
    },
  };
}

Deno.test(
  "scheduler: one key never runs twice at once; triggers during a run collapse into one follow-up",
  withClock(async (clock) => {
    const r = recorder(100);
    const s = new Scheduler(r.worker);
    s.start();
    s.schedule("ns/a");
    await clock.tickAsync(10); // running now
    for (let i = 0; i < 5; i++) s.schedule("ns/a"); // five triggers while running
    await clock.tickAsync(1_000);
    assert.equal(r.overlap, false);
    assert.deepEqual(r.log.map((e) => [e.key, e.start, e.end]), [
      ["ns/a", 0, 100],
      ["ns/a", 100, 200], // exactly one follow-up, right after the first ended
    ]);
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: triggers for a queued key collapse; the earliest requested time wins",
  withClock(async (clock) => {
    const r = recorder(10);
    const s = new Scheduler(r.worker);
    s.start();
    s.schedule("a", 5_000);
    s.schedule("a", 1_000);
    s.schedule("a", 3_000); // later than pending: ignored
    await clock.tickAsync(10_000);
    assert.deepEqual(r.log.map((e) => e.start), [1_000]);
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: requeue(after) runs the key again after exactly that delay",
  withClock(async (clock) => {
    const r = recorder(50, (_k, n) => (n < 3 ? 2_000 : undefined));
    const s = new Scheduler(r.worker);
    s.start();
    s.schedule("a");
    await clock.tickAsync(20_000);
    // Each run takes 50 ms, then waits 2 s from its end.
    assert.deepEqual(r.log.map((e) => e.start), [0, 2_050, 4_100]);
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: a trigger during a run with a later requeue runs once, at the earlier time",
  withClock(async (clock) => {
    const r = recorder(100, (_k, n) => (n === 1 ? 60_000 : undefined));
    const s = new Scheduler(r.worker);
    s.start();
    s.schedule("a");
    await clock.tickAsync(50);
    s.schedule("a"); // a change while running
    await clock.tickAsync(120_000);
    assert.deepEqual(r.log.map((e) => e.start), [0, 100]);
  }),
);

Deno.test(
  "scheduler: concurrency bound holds and every key runs",
  withClock(async (clock) => {
    const r = recorder(100);
    const s = new Scheduler(r.worker, { concurrency: 3 });
    s.start();
    for (let i = 0; i < 10; i++) s.schedule(`k${i}`);
    assert.deepEqual(s.stats(), { scheduled: 0, ready: 7, running: 3 });
    await clock.tickAsync(1_000);
    assert.equal(r.maxActive, 3);
    assert.equal(r.log.length, 10);
    assert.deepEqual(
      r.log.map((e) => e.start),
      [0, 0, 0, 100, 100, 100, 200, 200, 200, 300],
    );
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: unbounded concurrency runs all due keys at once",
  withClock(async (clock) => {
    const r = recorder(100);
    const s = new Scheduler(r.worker);
    s.start();
    for (let i = 0; i < 50; i++) s.schedule(`k${i}`);
    await clock.tickAsync(200);
    assert.equal(r.maxActive, 50);
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: debounce waits for quiet and restarts on each trigger",
  withClock(async (clock) => {
    const r = recorder(10);
    const s = new Scheduler(r.worker, { debounceMs: 1_000 });
    s.start();
    s.schedule("a");
    await clock.tickAsync(500);
    s.schedule("a"); // restarts the wait
    await clock.tickAsync(900);
    assert.equal(r.log.length, 0);
    await clock.tickAsync(200);
    assert.deepEqual(r.log.map((e) => e.start), [1_500]);
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: nothing runs before start; keys collected before start collapse",
  withClock(async (clock) => {
    const r = recorder(10);
    const s = new Scheduler(r.worker);
    s.schedule("a");
    s.schedule("a");
    s.schedule("b");
    await clock.tickAsync(1_000);
    assert.equal(r.log.length, 0);
    s.start();
    await clock.tickAsync(100);
    assert.deepEqual(r.log.map((e) => e.key).sort(), ["a", "b"]);
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: shutdown lets running work finish within the grace period and starts nothing new",
  withClock(async (clock) => {
    const r = recorder(1_000);
    const s = new Scheduler(r.worker, { concurrency: 1 });
    s.start();
    s.schedule("a");
    s.schedule("b");
    s.schedule("c", 500);
    await clock.tickAsync(100);
    let done: boolean | undefined;
    s.shutdown(5_000).then((clean) => (done = clean));
    await clock.tickAsync(800);
    assert.equal(done, undefined); // "a" still running
    await clock.tickAsync(200);
    assert.equal(done, true);
    s.schedule("d"); // ignored after shutdown
    await clock.tickAsync(10_000);
    assert.deepEqual(r.log.map((e) => [e.key, e.end]), [["a", 1_000]]);
  }),
);

Deno.test(
  "scheduler: shutdown aborts work still running after the grace period",
  withClock(async (clock) => {
    const r = recorder(60_000);
    const s = new Scheduler(r.worker);
    s.start();
    s.schedule("a");
    await clock.tickAsync(10);
    let done: boolean | undefined;
    s.shutdown(1_000).then((clean) => (done = clean));
    await clock.tickAsync(1_000);
    assert.equal(done, false);
    assert.deepEqual(r.log.map((e) => [e.key, e.end]), [["a", 1_010]]);
  }),
);

Deno.test(
  "scheduler: shutdown ends graceMs + abandonAfterMs after a worker that ignores its signal, naming its key",
  withClock(async (clock) => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const abandoned: string[][] = [];
    const s = new Scheduler(async (key, signal) => {
      if (key === "stuck") await stuck; // ignores the signal
      else await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
    }, { abandonAfterMs: 500, onAbandoned: (keys) => abandoned.push(keys) });
    s.start();
    s.schedule("stuck");
    s.schedule("polite");
    await clock.tickAsync(10);
    let done: boolean | undefined;
    const t0 = Date.now();
    s.shutdown(1_000).then((clean) => (done = clean));
    await clock.tickAsync(1_499);
    assert.equal(done, undefined);
    await clock.tickAsync(1);
    assert.equal(done, false);
    assert.equal(Date.now() - t0, 1_500);
    assert.deepEqual(abandoned, [["stuck"]]); // "polite" settled when aborted
    release();
    await clock.tickAsync(10);
    assert.deepEqual(s.stats(), { scheduled: 0, ready: 0, running: 0 });
  }),
);

Deno.test(
  "scheduler: shutdown(0) during a graceful shutdown aborts running work at once",
  withClock(async (clock) => {
    let abortedAt: number | undefined;
    const s = new Scheduler(async (_key, signal) => {
      await new Promise((r) =>
        signal.addEventListener("abort", () => r(abortedAt = Date.now()), { once: true })
      );
    });
    s.start();
    s.schedule("a");
    await clock.tickAsync(10);
    const first = s.shutdown(30_000);
    await clock.tickAsync(100);
    assert.equal(abortedAt, undefined);
    const second = s.shutdown(0);
    assert.equal(abortedAt, 110); // synchronously, not after the 30 s grace period
    await clock.tickAsync(0);
    assert.equal(await first, false);
    assert.equal(await second, false);
  }),
);

Deno.test(
  "scheduler: a throwing worker is reported and the key can run again",
  withClock(async (clock) => {
    const errors: string[] = [];
    let runs = 0;
    const s = new Scheduler(async (key) => {
      runs++;
      await Promise.resolve();
      throw new Error(`boom ${key}`);
    }, { onWorkerError: (_k, e) => errors.push((e as Error).message) });
    s.start();
    s.schedule("a");
    await clock.tickAsync(10);
    s.schedule("a");
    await clock.tickAsync(10);
    assert.equal(runs, 2);
    assert.deepEqual(errors, ["boom a", "boom a"]);
    await s.shutdown(0);
  }),
);

Deno.test(
  "scheduler: many keys with random triggers never overlap per key and all end",
  withClock(async (clock) => {
    const r = recorder(37);
    const s = new Scheduler(r.worker, { concurrency: 4 });
    s.start();
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let t = 0; t < 200; t++) {
      s.schedule(`k${Math.floor(rand() * 8)}`, Math.floor(rand() * 300));
      await clock.tickAsync(Math.floor(rand() * 20));
    }
    await clock.tickAsync(60_000);
    assert.equal(r.overlap, false);
    assert.ok(r.maxActive <= 4);
    assert.deepEqual(s.stats(), { scheduled: 0, ready: 0, running: 0 });
    await s.shutdown(0);
  }),
);

Deno.test("scheduler: rejects bad options", () => {
  assert.throws(() => new Scheduler(async () => {}, { concurrency: -1 }), RangeError);
  assert.throws(() => new Scheduler(async () => {}, { debounceMs: NaN }), RangeError);
});

Deno.test("backoffDelay: doubles from the base and stops at the cap", () => {
  const d1 = backoffDelay(1, 100, 10_000, 0);
  const d4 = backoffDelay(4, 100, 10_000, 0);
  assert.equal(d1, 100);
  assert.equal(d4, 800);
  assert.equal(backoffDelay(50, 100, 10_000, 0), 10_000);
  const j = backoffDelay(1, 100, 10_000, 0.1);
  assert.ok(j >= 100 && j <= 110);
});

Deno.test("backoffDelay: jitter never takes it over the cap", () => {
  const random = Math.random;
  Math.random = () => 0.999_999;
  try {
    assert.equal(backoffDelay(20), 300_000); // the documented cap, not 330 000
    assert.equal(backoffDelay(50, 100, 10_000, 0.1), 10_000);
    assert.equal(backoffDelay(1, 100, 10_000, 0.1), 110); // below the cap jitter still applies
  } finally {
    Math.random = random;
  }
});

Deno.test(
  "scheduler: a requeue of 0 ms waits for a timer, not the microtask that ended the run",
  withClock(async (clock) => {
    let runs = 0;
    // Bounded, so that the old microtask loop ends (after 1,000 runs) instead of hanging.
    const s = new Scheduler(() => Promise.resolve(++runs < 1_000 ? 0 : undefined));
    s.start();
    s.schedule("a");
    assert.equal(runs, 1, "a trigger still starts at once");
    for (let i = 0; i < 100; i++) await Promise.resolve();
    assert.equal(runs, 1, "no second run from microtasks alone");
    await clock.tickAsync(0);
    assert.equal(runs, 2);
    // (A timer set during a fake tick with delay 0 is due 1 ms later.)
    await clock.tickAsync(1);
    assert.equal(runs, 3);
    await s.shutdown(0);
  }),
);

Deno.test("scheduler: a worker that requeues at once without I/O lets a 100 ms interval tick", async () => {
  // Real timers: before the fix, the runs chained through microtasks and no timer ever fired
  // until the worker stopped requeueing (here after 200,000 runs).
  const limit = 200_000;
  let runs = 0;
  const s = new Scheduler(() => Promise.resolve(++runs < limit ? 0 : undefined));
  const ticksAt: number[] = [];
  let interval: ReturnType<typeof setInterval> | undefined;
  const twoTicks = new Promise<void>((resolve) => {
    interval = setInterval(() => {
      if (ticksAt.push(runs) === 2) resolve();
    }, 100);
  });
  s.start();
  s.schedule("a");
  await twoTicks;
  clearInterval(interval);
  await s.shutdown(0);
  assert.ok(ticksAt[1] < limit, `the interval ticked only after the loop ended (${ticksAt})`);
  assert.ok(ticksAt[1] > ticksAt[0], `the loop went on between ticks (${ticksAt})`);
});

Deno.test(
  "scheduler: a worker's negative, NaN or infinite requeue is reported, not run at once",
  withClock(async (clock) => {
    const errors: string[] = [];
    const runs = new Map<string, number>();
    const delays: Record<string, unknown> = { neg: -1, nan: NaN, inf: Infinity, str: "500" };
    const s = new Scheduler((key) => {
      const n = (runs.get(key) ?? 0) + 1;
      runs.set(key, n);
      // Only the first run asks for it (the old clamp to 0 would loop forever otherwise).
      return Promise.resolve(n === 1 ? delays[key] as number : undefined);
    }, { onWorkerError: (key, e) => errors.push(`${key}: ${(e as Error).name}`) });
    s.start();
    for (const k of Object.keys(delays)) s.schedule(k);
    await clock.tickAsync(60_000);
    assert.deepEqual([...runs.values()], [1, 1, 1, 1]);
    assert.deepEqual(errors, [
      "neg: RangeError",
      "nan: RangeError",
      "inf: RangeError",
      "str: RangeError",
    ]);
    assert.deepEqual(s.stats(), { scheduled: 0, ready: 0, running: 0 });
    await s.shutdown(0);
  }),
);

Deno.test("scheduler: schedule rejects a negative, NaN or infinite delay with a RangeError", () => {
  const s = new Scheduler(async () => {});
  for (const bad of [-1, NaN, Infinity, -Infinity]) {
    assert.throws(
      () => s.schedule("a", bad),
      (e: unknown) =>
        e instanceof RangeError && /finite number of milliseconds >= 0/.test(e.message),
    );
  }
  s.schedule("a", 0);
  assert.equal(s.has("a"), true);
});
