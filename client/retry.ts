/**
 * Retry policy of the client: which failures are retried, and how long to wait.
 *
 * @module
 */

import { exponentialDelay } from "../core/backoff.ts";
import { log } from "../core/log.ts";

/**
 * How the client retries failed requests. Waits grow exponentially from `baseDelayMs` to
 * `maxDelayMs`, each wait drawn between half and all of its step (jitter); a `Retry-After` header from the server takes precedence
 * (capped by `maxRetryAfterMs`).
 *
 * @example
 * ```ts
 * import type { RetryPolicy } from "@kubeno/kube";
 * const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };
 * ```
 */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. @default 5 */
  maxRetries: number;
  /** First backoff step in milliseconds. @default 200 */
  baseDelayMs: number;
  /** Upper bound of one backoff step, in milliseconds. @default 10000 */
  maxDelayMs: number;
  /** Upper bound on a server-requested `Retry-After` wait, in milliseconds. @default 60000 */
  maxRetryAfterMs: number;
}

/**
 * The default policy: 5 retries, 200 ms doubling up to 10 s, `Retry-After` honoured up to 60 s.
 *
 * @example
 * ```ts
 * import { defaultRetryPolicy } from "@kubeno/kube";
 * console.log(defaultRetryPolicy.maxRetries); // 5
 * ```
 */
export const defaultRetryPolicy: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
});

/**
 * A retry the client is about to make, as told to `RequestOptions.onRetry`: callers that must
 * not stay silent while retries add up (the watcher) report it.
 *
 * @example
 * ```ts
 * import type { RetryNotice } from "@kubeno/kube";
 * const log = (r: RetryNotice) =>
 *   console.warn(`retry ${r.attempt}/${r.maxRetries} in ${r.delayMs} ms after`, r.error);
 * ```
 */
export interface RetryNotice {
  /** Which retry this is, from 1. */
  attempt: number;
  /** The most retries the policy allows. */
  maxRetries: number;
  /** The wait before it, in milliseconds. */
  delayMs: number;
  /** Why: the `ApiError` of a 429/5xx answer, or the `ConnectionError`. */
  error: unknown;
}

/** Tells `onRetry` of a retry; a throwing callback must not change what the request does. */
export function notifyRetry(
  onRetry: ((r: RetryNotice) => void) | undefined,
  notice: RetryNotice,
): void {
  try {
    onRetry?.(notice);
  } catch (err) {
    log({ level: "error", source: "client", message: "client: onRetry threw:", error: err });
  }
}

/** Methods whose repetition has the same effect as one call. */
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * Whether a response status is worth retrying for a method.
 * A 429 means the server's flow control rejected the request before acting on it, so any
 * method may be retried; a 502/503/504 may have reached a server, so only idempotent methods.
 */
export function isRetryableStatus(method: string, status: number): boolean {
  if (status === 429) return true;
  return (status === 502 || status === 503 || status === 504) && IDEMPOTENT.has(method);
}

/** Whether a connection-level failure (no response at all) may be retried for a method. */
export function isRetryableConnectionError(method: string): boolean {
  return IDEMPOTENT.has(method);
}

/**
 * The wait before retry number `attempt` (0-based): `Retry-After` if the server sent one,
 * otherwise exponential backoff with full jitter.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfter: string | null,
  random: () => number = Math.random,
): number {
  const after = parseRetryAfter(retryAfter);
  if (after !== undefined) return Math.min(after, policy.maxRetryAfterMs);
  return exponentialDelay(attempt, {
    initialMs: policy.baseDelayMs,
    maxMs: policy.maxDelayMs,
    jitter: 0.5,
    random,
  });
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const secs = Number(value.trim());
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Sleeps `ms`, rejecting at once with the signal's reason when it aborts. */
export { sleep } from "../core/_util.ts";
