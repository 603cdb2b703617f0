/** The one backoff: exponentialDelay, and every user of it keeping its documented range. */

import assert from "node:assert/strict";
import fc from "fast-check";
import { ExponentialBackoff, exponentialDelay } from "../../core/backoff.ts";
import { defaultRetryPolicy, retryDelayMs } from "../../client/retry.ts";
import { backoffDelay } from "../../runtime/scheduler.ts";

Deno.test("exponentialDelay: steps grow by factor from initialMs, capped, jitter shortens only", () => {
  const o = { initialMs: 100, maxMs: 1_000, jitter: 0 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => exponentialDelay(n, o)), [
    100,
    200,
    400,
    800,
    1_000,
    1_000,
  ]);
  assert.equal(exponentialDelay(10_000, o), 1_000); // 2^10000 overflows to Infinity: capped
  assert.equal(exponentialDelay(-3, o), 100);
  assert.equal(exponentialDelay(2, { ...o, factor: 3 }), 900);
  // random near 1 with jitter 0.5: half the step; random 0: the whole step.
  assert.equal(exponentialDelay(3, { ...o, jitter: 0.5, random: () => 0 }), 800);
  assert.equal(exponentialDelay(3, { ...o, jitter: 0.5, random: () => 0.999999 }), 400);
  assert.equal(exponentialDelay(3, { ...o, jitter: 7, random: () => 0.5 }), 400); // clamped to 1
});

Deno.test("exponentialDelay: property: within [step * (1 - jitter), step] and never over maxMs", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2_000 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, initialMs, extra, jitter, r) => {
        const maxMs = initialMs + extra;
        const step = Math.min(maxMs, initialMs * 2 ** attempt);
        const d = exponentialDelay(attempt, { initialMs, maxMs, jitter, random: () => r });
        assert.ok(d <= maxMs, `${d} > ${maxMs}`);
        assert.ok(d >= Math.floor(step * (1 - jitter)) && d <= Math.ceil(step), `${d} vs ${step}`);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("ExponentialBackoff: next() walks the attempts, reset() starts over", () => {
  const b = new ExponentialBackoff({ initialMs: 100, maxMs: 1_000, jitter: 0 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000]);
  b.reset();
  assert.equal(b.next(), 100);
  for (let i = 0; i < 5_000; i++) b.next(); // a long outage: stays at the cap, no NaN
  assert.equal(b.next(), 1_000);
  assert.throws(() => new ExponentialBackoff({ initialMs: 0 }), RangeError);
  assert.throws(() => new ExponentialBackoff({ initialMs: 10, maxMs: 5 }), RangeError);
  assert.throws(() => new ExponentialBackoff({ factor: 0.5 }), RangeError);
});

Deno.test("client retries: each wait between half and all of base * 2^attempt, capped (as before)", () => {
  const p = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1_000 };
  for (const r of [0, 0.25, 0.5, 0.999999]) {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(1_000, 100 * 2 ** attempt);
      const d = retryDelayMs(p, attempt, null, () => r);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${attempt}, r ${r}: ${d}`);
    }
  }
  assert.equal(retryDelayMs(p, 0, "3", () => 0), 3_000); // Retry-After wins
});

Deno.test("backoffDelay: lengthening jitter of up to 10%, capped, the same range as before", () => {
  for (let i = 0; i < 2_000; i++) {
    const attempt = 1 + (i % 12);
    const exp = Math.min(300_000, 500 * 2 ** (attempt - 1));
    const d = backoffDelay(attempt);
    assert.ok(d >= exp && d <= Math.min(300_000, Math.round(exp * 1.1)), `${attempt}: ${d}`);
  }
  assert.equal(backoffDelay(3, 100, 10_000, 0), 400);
});
