/**
 * Backoff policies for the watcher: how long to wait after an error before trying again.
 * The default is kube-rs' `DefaultBackoff`: 800 ms doubling to 30 s with jitter, reset after
 * 120 s without an error.
 *
 * @module
 */

/**
 * A source of waits between retries. `next()` is called after each error and returns the wait
 * in milliseconds; `reset()` is called when things went well and the next error should wait
 * the shortest time again.
 *
 * @example
 * ```ts
 * import type { Backoff } from "@kubeno/kube";
 * // A constant one-second wait.
 * const fixed: Backoff = { next: () => 1_000, reset: () => {} };
 * ```
 */
export interface Backoff {
  /** The wait before the next attempt, in milliseconds. */
  next(): number;
  /** Starts over from the shortest wait. */
  reset(): void;
}

/**
 * Options of {@link ExponentialBackoff}.
 *
 * @example
 * ```ts
 * import type { ExponentialBackoffOptions } from "@kubeno/kube";
 * const o: ExponentialBackoffOptions = { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.5 };
 * ```
 */
export interface ExponentialBackoffOptions {
  /** The first step, in milliseconds. Default 800. */
  initialMs?: number;
  /** The largest step, in milliseconds. Default 30,000. */
  maxMs?: number;
  /** Growth of the step per error. Default 2. */
  factor?: number;
  /**
   * Share of each step drawn at random, in [0, 1]: the wait is uniform in
   * `[step * (1 - jitter), step]`. Default 0.5; 0 turns jitter off.
   */
  jitter?: number;
  /** Random source in [0, 1), for tests. Default `Math.random`. */
  random?: () => number;
}

/**
 * Exponential backoff with jitter: steps of `initialMs * factor^n`, capped at `maxMs`, each wait
 * shortened by a random share of up to `jitter` so that many clients do not retry in lockstep.
 * Never gives up: the watcher must not end on errors.
 *
 * @example
 * ```ts
 * import { ExponentialBackoff } from "@kubeno/kube";
 * const b = new ExponentialBackoff({ initialMs: 100, maxMs: 1_000, jitter: 0 });
 * console.log(b.next(), b.next(), b.next()); // 100 200 400
 * ```
 */
export class ExponentialBackoff implements Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #step: number;

  /** Builds the policy; see {@link ExponentialBackoffOptions} for the defaults. */
  constructor(opts: ExponentialBackoffOptions = {}) {
    this.#initial = opts.initialMs ?? 800;
    this.#max = opts.maxMs ?? 30_000;
    this.#factor = opts.factor ?? 2;
    this.#jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
    this.#random = opts.random ?? Math.random;
    if (!(this.#initial > 0) || !(this.#max >= this.#initial) || !(this.#factor >= 1)) {
      throw new RangeError(
        "ExponentialBackoff needs initialMs > 0, maxMs >= initialMs and factor >= 1",
      );
    }
    this.#step = this.#initial;
  }

  /** The next wait, in milliseconds. */
  next(): number {
    const step = this.#step;
    this.#step = Math.min(this.#max, step * this.#factor);
    return Math.round(step * (1 - this.#jitter * this.#random()));
  }

  /** Back to `initialMs`. */
  reset(): void {
    this.#step = this.#initial;
  }
}

/**
 * Wraps a backoff so that it starts over when no error happened for `resetAfterMs`: a watcher
 * that failed a few times an hour ago should not wait 30 s for the next blip. Also resets on
 * `reset()`.
 *
 * @example
 * ```ts
 * import { ExponentialBackoff, ResetTimerBackoff } from "@kubeno/kube";
 * const b = new ResetTimerBackoff(new ExponentialBackoff(), 120_000);
 * const wait = b.next();
 * ```
 */
export class ResetTimerBackoff implements Backoff {
  readonly #inner: Backoff;
  readonly #resetAfterMs: number;
  readonly #now: () => number;
  #last: number | undefined;

  /**
   * Wraps `inner`.
   *
   * @param inner The policy to reset.
   * @param resetAfterMs Quiet time after which the next error starts from the shortest wait.
   * @param now Clock in milliseconds, for tests. Default `Date.now`.
   */
  constructor(inner: Backoff, resetAfterMs: number, now: () => number = Date.now) {
    this.#inner = inner;
    this.#resetAfterMs = resetAfterMs;
    this.#now = now;
  }

  /** The next wait; the inner policy is reset first if the last error is long past. */
  next(): number {
    const now = this.#now();
    if (this.#last !== undefined && now - this.#last > this.#resetAfterMs) this.#inner.reset();
    this.#last = now;
    return this.#inner.next();
  }

  /** Resets the inner policy. */
  reset(): void {
    this.#last = undefined;
    this.#inner.reset();
  }
}

/**
 * kube-rs' `DefaultBackoff`: exponential from 800 ms, doubling, capped at 30 s, with jitter,
 * reset after 120 s without an error. Each call returns a fresh policy.
 *
 * @example
 * ```ts
 * import { defaultBackoff } from "@kubeno/kube";
 * const b = defaultBackoff();
 * const first = b.next(); // between 400 and 800 ms
 * ```
 */
export function defaultBackoff(): Backoff {
  return new ResetTimerBackoff(new ExponentialBackoff(), 120_000);
}
