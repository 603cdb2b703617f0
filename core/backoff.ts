/**
 * Exponential backoff with jitter, the one way kubeno computes waits between attempts: the
 * client's retries, the watcher's reconnects, the controller's requeues of failing objects and
 * the retries of optimistic-concurrency conflicts all draw from {@link exponentialDelay}.
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
 * Options of {@link exponentialDelay} and {@link ExponentialBackoff}.
 *
 * @example
 * ```ts
 * import type { ExponentialBackoffOptions } from "@kubeno/kube";
 * const o: ExponentialBackoffOptions = { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.5 };
 * ```
 */
export interface ExponentialBackoffOptions {
  /** The first step, in milliseconds. @default 800 */
  initialMs?: number;
  /** The largest step, in milliseconds. @default 30000 */
  maxMs?: number;
  /** Growth of the step per attempt. @default 2 */
  factor?: number;
  /**
   * Share of each step drawn at random, in [0, 1]: the wait is uniform in
   * `[step * (1 - jitter), step]`. 0 turns jitter off, 1 is "full jitter". @default 0.5
   */
  jitter?: number;
  /** Random source in [0, 1), for tests. @default Math.random */
  random?: () => number;
}

// The defaults of ExponentialBackoffOptions (kube-rs' DefaultBackoff), shared by both users.
const DEFAULT_INITIAL_MS = 800;
const DEFAULT_MAX_MS = 30_000;
const DEFAULT_FACTOR = 2;

/**
 * The wait before attempt `attempt` (0-based): the step `initialMs * factor^attempt`, capped at
 * `maxMs`, shortened by a random share of up to `jitter` so that many clients do not retry in
 * lockstep. Never more than `maxMs`.
 *
 * @example
 * ```ts
 * import { exponentialDelay } from "@kubeno/kube";
 * exponentialDelay(0, { initialMs: 100, jitter: 0 }); // 100
 * exponentialDelay(3, { initialMs: 100, jitter: 0 }); // 800
 * exponentialDelay(60, { initialMs: 100, maxMs: 1_000 }); // between 500 and 1000
 * ```
 */
export function exponentialDelay(
  attempt: number,
  options: ExponentialBackoffOptions = {},
): number {
  const initial = options.initialMs ?? DEFAULT_INITIAL_MS;
  const max = options.maxMs ?? DEFAULT_MAX_MS;
  const factor = options.factor ?? DEFAULT_FACTOR;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const random = options.random ?? Math.random;
  // A huge attempt count overflows to Infinity, which the cap turns back into maxMs.
  const step = Math.min(max, initial * factor ** Math.max(0, attempt));
  return Math.round(step * (1 - jitter * random()));
}

/**
 * {@link exponentialDelay} as a {@link Backoff}: each `next()` is the next attempt, `reset()`
 * starts from `initialMs` again. Never gives up: the watcher must not end on errors.
 *
 * @example
 * ```ts
 * import { ExponentialBackoff } from "@kubeno/kube";
 * const b = new ExponentialBackoff({ initialMs: 100, maxMs: 1_000, jitter: 0 });
 * console.log(b.next(), b.next(), b.next()); // 100 200 400
 * ```
 */
export class ExponentialBackoff implements Backoff {
  readonly #opts: ExponentialBackoffOptions;
  #attempt = 0;

  /**
   * Builds the policy; see {@link ExponentialBackoffOptions} for the defaults.
   *
   * @throws {RangeError} unless initialMs > 0, maxMs >= initialMs and factor >= 1.
   */
  constructor(opts: ExponentialBackoffOptions = {}) {
    const initial = opts.initialMs ?? DEFAULT_INITIAL_MS;
    const max = opts.maxMs ?? DEFAULT_MAX_MS;
    const factor = opts.factor ?? DEFAULT_FACTOR;
    if (!(initial > 0) || !(max >= initial) || !(factor >= 1)) {
      throw new RangeError(
        "ExponentialBackoff needs initialMs > 0, maxMs >= initialMs and factor >= 1",
      );
    }
    this.#opts = { ...opts };
  }

  /** The next wait, in milliseconds. */
  next(): number {
    // Bounded so that the counter cannot grow without end in a program that runs for years.
    const wait = exponentialDelay(this.#attempt, this.#opts);
    if (this.#attempt < 1_100) this.#attempt++;
    return wait;
  }

  /** Back to `initialMs`. */
  reset(): void {
    this.#attempt = 0;
  }
}
