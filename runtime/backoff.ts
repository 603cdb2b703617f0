/**
 * Backoff policies for the watcher: how long to wait after an error before trying again.
 * The default is kube-rs' `DefaultBackoff`: 800 ms doubling to 30 s with jitter, reset after
 * 120 s without an error.
 *
 * @module
 */

import { type Backoff, ExponentialBackoff } from "../core/backoff.ts";

// The policies themselves live in core (the client's retries use them too).
export {
  type Backoff,
  ExponentialBackoff,
  type ExponentialBackoffOptions,
  exponentialDelay,
} from "../core/backoff.ts";

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
