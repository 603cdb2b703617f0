/**
 * The reconcile queue behind the `Controller`: pure, driven by `setTimeout` and `Date.now`
 * (so fake timers drive it in tests), with no knowledge of Kubernetes.
 *
 * Guarantees, per key (an object key such as `ns/name`):
 *
 * - never two runs of one key at the same time;
 * - triggers for a key that is queued or running collapse into one follow-up run;
 * - of several requested times the earliest wins;
 * - at most `concurrency` runs at once (0 means no bound);
 * - with `debounceMs`, a run waits until no new trigger came for that long (as kube-rs: a
 *   steady stream of triggers closer than the debounce keeps postponing the run);
 * - `shutdown()` stops taking work, lets running work finish within a grace period, then
 *   aborts what is left through each run's `AbortSignal`, and gives up on (abandons) runs that
 *   have not settled a short while after that, so that shutdown always ends.
 * - a requeue asked for by a finished run starts from a timer, never from the microtask that
 *   ended the run (as kube-rs' delay queue): a worker that requeues itself at once without I/O
 *   cannot starve timers, I/O and signal handlers;
 * - delays must be finite and >= 0: anything else is a `RangeError` (a worker's bad delay is
 *   reported through `onWorkerError` and not requeued), not "now".
 *
 * @module
 */

import { exponentialDelay } from "../core/backoff.ts";

/**
 * Options of a {@link Scheduler}.
 *
 * @example
 * ```ts
 * import type { SchedulerOptions } from "@kubeno/kube";
 * const opts: SchedulerOptions = { concurrency: 4, debounceMs: 200 };
 * ```
 */
export interface SchedulerOptions {
  /** Most runs at once; 0 means no bound. @default 0 */
  concurrency?: number;
  /**
   * Wait this long after a trigger for more triggers of the same key before running it; each
   * new trigger restarts the wait; 0 runs as soon as requested.
   * @default 0
   */
  debounceMs?: number;
  /** Called when a worker throws (workers should handle their own errors; this is a net). */
  onWorkerError?: (key: string, error: unknown) => void;
  /**
   * At shutdown, how long to wait for aborted workers to settle before giving up on them.
   * A worker that ignores its signal is then abandoned: shutdown resolves without it.
   * @default 1000
   */
  abandonAfterMs?: number;
  /**
   * Told which keys were abandoned at shutdown: still running `abandonAfterMs` after their
   * signal aborted. Their runs may still be going on in the background.
   */
  onAbandoned?: (keys: string[]) => void;
}

/**
 * A run of one key. Resolves to a delay in milliseconds to run the key again after (a
 * requeue), or `undefined` for no requeue. The signal aborts when the scheduler gives up
 * waiting for the run at shutdown.
 *
 * @example
 * ```ts
 * import type { SchedulerWorker } from "@kubeno/kube";
 * const worker: SchedulerWorker = async (key, _signal) => { console.log(key); return undefined; };
 * ```
 */
export type SchedulerWorker = (
  key: string,
  signal: AbortSignal,
) => Promise<number | undefined | void>;

/**
 * What the scheduler holds at a moment.
 *
 * @example
 * ```ts
 * import type { SchedulerStats } from "@kubeno/kube";
 * const s: SchedulerStats = { scheduled: 1, ready: 0, running: 2 };
 * ```
 */
export interface SchedulerStats {
  /** Keys waiting for their time (or for their own run to finish). */
  scheduled: number;
  /** Keys whose time has come, waiting for a free slot. */
  ready: number;
  /** Keys running now. */
  running: number;
}

/** A pending request for one key. */
interface Entry {
  /** The earliest time requested (ms since epoch). */
  runAt: number;
  /** When it becomes due: `runAt`, or later with debounce. */
  dueAt: number;
  /** Bumped on every reschedule; heap items of an older version are stale. */
  version: number;
  /** Due and in the ready queue (or held behind its own running run). */
  due: boolean;
}

/** A heap item: lazily invalidated by comparing versions with the entry. */
interface HeapItem {
  key: string;
  dueAt: number;
  version: number;
  seq: number;
}

/** A binary min-heap by (dueAt, seq). */
class TimerHeap {
  #items: HeapItem[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): HeapItem | undefined {
    return this.#items[0];
  }

  push(item: HeapItem): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): HeapItem | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.#items = [];
  }
}

function less(a: HeapItem, b: HeapItem): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}

/**
 * The reconcile queue: schedules keys, runs a worker for each when due, one run per key at a
 * time, within a concurrency bound. Nothing runs before {@link Scheduler.start} (the
 * controller starts it once its store is synced).
 *
 * @example
 * ```ts
 * import { Scheduler } from "@kubeno/kube";
 * const s = new Scheduler(async (key) => {
 *   console.log("reconcile", key);
 *   return key === "ns/a" ? 5_000 : undefined; // requeue ns/a in 5 s
 * }, { concurrency: 2 });
 * s.start();
 * s.schedule("ns/a");
 * s.schedule("ns/a"); // collapses with the first
 * await s.shutdown(1_000);
 * ```
 */
export class Scheduler {
  readonly #worker: SchedulerWorker;
  readonly #concurrency: number;
  readonly #debounceMs: number;
  readonly #onWorkerError: ((key: string, error: unknown) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #heap = new TimerHeap();
  /** Due keys waiting for a slot, in order; a key is in here at most once. */
  readonly #ready: string[] = [];
  readonly #running = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #started = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];
  readonly #abandonAfterMs: number;
  readonly #onAbandoned: ((keys: string[]) => void) | undefined;
  #draining: Promise<boolean> | undefined;
  readonly #graceTimers: ReturnType<typeof setTimeout>[] = [];

  /**
   * A stopped-until-{@link Scheduler.start} queue running `worker` for due keys.
   *
   * @param worker runs one key; see {@link SchedulerWorker}
   * @param options concurrency, debounce
   */
  constructor(worker: SchedulerWorker, options: SchedulerOptions = {}) {
    const concurrency = options.concurrency ?? 0;
    if (!Number.isInteger(concurrency) || concurrency < 0) {
      throw new RangeError(
        `concurrency must be a whole number >= 0 (0 = unbounded), got ${concurrency}`,
      );
    }
    const debounce = options.debounceMs ?? 0;
    if (!(debounce >= 0) || !Number.isFinite(debounce)) {
      throw new RangeError(`debounceMs must be a finite number >= 0, got ${debounce}`);
    }
    this.#worker = worker;
    this.#concurrency = concurrency;
    this.#debounceMs = debounce;
    this.#onWorkerError = options.onWorkerError;
    const abandon = options.abandonAfterMs ?? 1_000;
    if (!(abandon >= 0) || !Number.isFinite(abandon)) {
      throw new RangeError(`abandonAfterMs must be a finite number >= 0, got ${abandon}`);
    }
    this.#abandonAfterMs = abandon;
    this.#onAbandoned = options.onAbandoned;
  }

  /**
   * Requests a run of `key` after `delayMs` (default now). If the key is already scheduled the
   * requests collapse and the earlier time wins; if it is running, one follow-up run is kept.
   * Ignored after shutdown.
   *
   * @throws {RangeError} if `delayMs` is negative, NaN or infinite.
   *
   * @example
   * ```ts
   * import { Scheduler } from "@kubeno/kube";
   * const s = new Scheduler(async () => {});
   * s.schedule("ns/a", 10_000);
   * s.schedule("ns/a", 1_000); // now due in 1 s
   * ```
   */
  schedule(key: string, delayMs: number = 0): void {
    checkDelay(delayMs, `Scheduler.schedule(${JSON.stringify(key)})`);
    if (this.#stopped) return;
    this.#enqueue(key, delayMs);
    this.#pump();
  }

  /** Records a request for `key`; the caller pumps. */
  #enqueue(key: string, delayMs: number): void {
    const runAt = Date.now() + delayMs;
    const dueAt = runAt + this.#debounceMs;
    const entry = this.#entries.get(key);
    if (entry) {
      // Already due (ready or held behind its running run): it will run; nothing to add.
      if (entry.due) return;
      // Later than what is pending: the pending, earlier run covers it. (Compared with the due
      // time, so that with debounce a new trigger restarts the wait.)
      if (entry.dueAt < runAt) return;
      entry.runAt = runAt;
      entry.dueAt = dueAt;
      entry.version++;
      this.#heap.push({ key, dueAt, version: entry.version, seq: this.#seq++ });
    } else {
      const e: Entry = { runAt, dueAt, version: 0, due: false };
      this.#entries.set(key, e);
      this.#heap.push({ key, dueAt, version: 0, seq: this.#seq++ });
    }
  }

  /**
   * Starts running due keys. Before this, keys are only collected.
   *
   * @example
   * ```ts
   * import { Scheduler } from "@kubeno/kube";
   * const s = new Scheduler(async () => {});
   * s.schedule("a");
   * s.start(); // "a" runs now
   * ```
   */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#pump();
  }

  /**
   * Whether `key` is scheduled, ready or running.
   *
   * @example
   * ```ts
   * import { Scheduler } from "@kubeno/kube";
   * const s = new Scheduler(async () => {});
   * s.schedule("a");
   * s.has("a"); // true
   * ```
   */
  has(key: string): boolean {
    return this.#entries.has(key) || this.#running.has(key);
  }

  /**
   * Counts of scheduled, ready and running keys (the queue depth is their sum).
   *
   * @example
   * ```ts
   * import { Scheduler } from "@kubeno/kube";
   * const s = new Scheduler(async () => {});
   * console.log(s.stats().scheduled);
   * ```
   */
  stats(): SchedulerStats {
    return {
      scheduled: this.#entries.size - this.#ready.length,
      ready: this.#ready.length,
      running: this.#running.size,
    };
  }

  /**
   * Resolves when nothing runs and nothing is due now (keys scheduled for later may remain).
   *
   * @example
   * ```ts
   * import { Scheduler } from "@kubeno/kube";
   * const s = new Scheduler(async () => {});
   * s.start();
   * s.schedule("a");
   * await s.idle();
   * ```
   */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops: drops every scheduled key, starts nothing new, waits up to `graceMs` for running
   * work, then aborts the signal each running worker got. Workers that have not settled
   * `abandonAfterMs` after the abort are abandoned (reported to `onAbandoned`), so shutdown
   * always ends within `graceMs + abandonAfterMs`. Resolves to true if every run finished
   * within the grace period.
   *
   * Calling it again while it waits shortens the wait to the new `graceMs` if that is sooner
   * (`shutdown(0)` aborts running work at once, synchronously); every call resolves with the
   * same result.
   *
   * @example
   * ```ts
   * import { Scheduler } from "@kubeno/kube";
   * const s = new Scheduler(async () => {}, {
   *   onAbandoned: (keys) => console.warn(`abandoned: ${keys.join(", ")}`),
   * });
   * s.start();
   * const clean = await s.shutdown(5_000);
   * ```
   */
  shutdown(graceMs: number = 30_000): Promise<boolean> {
    this.#stopped = true;
    this.#entries.clear();
    this.#heap.clear();
    this.#ready.length = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const draining = this.#draining ??= this.#drain();
    if (!(graceMs > 0)) this.#abortRunning();
    else if (!this.#abort.signal.aborted && this.#running.size > 0) {
      this.#graceTimers.push(setTimeout(() => this.#abortRunning(), graceMs));
    }
    return draining;
  }

  #abortRunning(): void {
    for (const t of this.#graceTimers.splice(0)) clearTimeout(t);
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(new DOMException("scheduler shut down", "AbortError"));
    }
  }

  async #drain(): Promise<boolean> {
    const running = new Map(this.#running);
    if (running.size === 0) {
      this.#notifyIdle();
      return true;
    }
    const all = Promise.all(running.values()).then(() => true as const);
    const aborted = new Promise<false>((resolve) => {
      if (this.#abort.signal.aborted) resolve(false);
      this.#abort.signal.addEventListener("abort", () => resolve(false), { once: true });
    });
    const clean = await Promise.race([all, aborted]);
    for (const t of this.#graceTimers.splice(0)) clearTimeout(t);
    if (!clean) {
      // Bounded: a worker that ignores its signal must not hold up the shutdown forever.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settled = await Promise.race([
        all,
        new Promise<false>((r) => (timer = setTimeout(() => r(false), this.#abandonAfterMs))),
      ]);
      clearTimeout(timer);
      if (!settled) {
        const abandoned = [...running.keys()].filter((k) =>
          this.#running.get(k) === running.get(k)
        );
        try {
          this.#onAbandoned?.(abandoned);
        } catch (err) {
          this.#onWorkerError?.(abandoned.join(","), err);
        }
      }
    }
    this.#notifyIdle();
    return clean;
  }

  /** True once {@link Scheduler.shutdown} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  #isIdle(): boolean {
    return this.#running.size === 0 && this.#ready.length === 0 &&
      (this.#stopped || !this.#hasDueNow());
  }

  #hasDueNow(): boolean {
    const top = this.#heap.peek();
    return top !== undefined && top.dueAt <= Date.now();
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Moves due keys to the ready queue, starts what fits, and arms the timer for the rest.
   * `fromTimers` false leaves due keys in the heap for the timer to move: at the end of a run,
   * so that what the run requeued starts from a macrotask.
   */
  #pump(fromTimers = true): void {
    if (this.#stopped) return;
    const now = Date.now();
    while (fromTimers) {
      const top = this.#heap.peek();
      if (!top || top.dueAt > now) break;
      this.#heap.pop();
      const entry = this.#entries.get(top.key);
      if (!entry || entry.version !== top.version || entry.due) continue; // stale
      entry.due = true;
      // A running key stays held: it is queued again when its run ends.
      if (!this.#running.has(top.key)) this.#ready.push(top.key);
    }
    if (this.#started) {
      while (
        this.#ready.length > 0 &&
        (this.#concurrency === 0 || this.#running.size < this.#concurrency)
      ) {
        this.#startRun(this.#ready.shift()!);
      }
    }
    this.#arm(now);
    this.#notifyIdle();
  }

  #arm(now: number): void {
    // Skip stale heap heads so the timer is not armed for nothing.
    for (;;) {
      const top = this.#heap.peek();
      if (!top) break;
      const e = this.#entries.get(top.key);
      if (e && e.version === top.version && !e.due) break;
      this.#heap.pop();
    }
    const next = this.#heap.peek()?.dueAt ?? Infinity;
    if (next === this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = next;
    if (next === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#pump();
    }, Math.max(0, next - now));
  }

  #startRun(key: string): void {
    this.#entries.delete(key);
    const run = (async () => {
      let requeue: number | undefined | void;
      try {
        requeue = await this.#worker(key, this.#abort.signal);
      } catch (err) {
        this.#onWorkerError?.(key, err);
      }
      this.#running.delete(key);
      if (requeue !== undefined && !this.#stopped) {
        try {
          checkDelay(requeue, `the worker for ${JSON.stringify(key)}: its requeue delay`);
          this.#enqueue(key, requeue);
        } catch (err) {
          this.#onWorkerError?.(key, err);
        }
      }
      // A trigger that came while running: it was held; queue it now.
      const held = this.#entries.get(key);
      if (held?.due && !this.#stopped) this.#ready.push(key);
      // Not from the heap: a requeue (even of 0 ms) waits for the timer, so that a worker that
      // requeues at once cannot run again and again from microtasks alone.
      this.#pump(false);
      this.#notifyIdle();
    })();
    this.#running.set(key, run);
  }
}

/** Throws a `RangeError` unless `ms` is a finite number of milliseconds >= 0. */
function checkDelay(ms: unknown, what: string): asserts ms is number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(
      `${what} must be a finite number of milliseconds >= 0, got ${
        typeof ms === "string" ? JSON.stringify(ms) : String(ms)
      } (to run it only on the next change, do not requeue it)`,
    );
  }
}

/**
 * Per-key exponential backoff for failing reconciles: `baseMs * 2^(attempt-1)` with up to 10%
 * jitter, never more than `maxMs` (jitter included). `attempt` counts consecutive failures
 * from 1.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "@kubeno/kube";
 * backoffDelay(1); // about 500 ms
 * backoffDelay(20); // 300 000 ms (the cap)
 * ```
 */
export function backoffDelay(
  attempt: number,
  baseMs: number = 500,
  maxMs: number = 300_000,
  jitter: number = 0.1,
): number {
  // Lengthening a step by up to `jitter` is the common jitter (which shortens) applied to a step
  // (1 + jitter) times as long, by up to jitter / (1 + jitter). Clamped after the jitter: the
  // cap is a promise to the user, not a base to add 10% to.
  const grown = 1 + Math.max(0, jitter);
  const wait = exponentialDelay(Math.max(0, attempt - 1), {
    initialMs: baseMs * grown,
    maxMs: maxMs * grown,
    jitter: (grown - 1) / grown,
    random: () => 1 - Math.random(), // so that a larger draw is a longer wait, as before
  });
  return Math.min(maxMs, wait);
}
