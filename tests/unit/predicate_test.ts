import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import type { KubeObject } from "../../core/resource.ts";
import {
  combinePredicates,
  fallbackPredicate,
  PredicateCache,
  predicates,
} from "../../runtime/predicate.ts";

function obj(name: string, meta: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return { metadata: { name, namespace: "ns", uid: `uid-${name}`, ...meta } };
}

Deno.test("predicate: generation drops status-only updates; a recreated object (new UID) passes", () => {
  const cache = new PredicateCache(predicates.generation);
  assert.equal(cache.changed(obj("a", { generation: 1, resourceVersion: "1" })), true);
  assert.equal(cache.changed(obj("a", { generation: 1, resourceVersion: "2" })), false);
  assert.equal(cache.changed(obj("a", { generation: 2, resourceVersion: "3" })), true);
  assert.equal(
    cache.changed(obj("a", { generation: 2, uid: "other", resourceVersion: "9" })),
    true,
  );
  // No generation (a ConfigMap): cannot tell, always passes.
  assert.equal(cache.changed(obj("cm")), true);
  assert.equal(cache.changed(obj("cm")), true);
});

Deno.test("predicate: combine is undefined only when every part is; fallback takes the first value", () => {
  const both = combinePredicates(predicates.generation, predicates.labels);
  // Without a generation, labels still decide.
  const cache = new PredicateCache(both);
  assert.equal(cache.changed(obj("a", { labels: { x: "1" } })), true);
  assert.equal(cache.changed(obj("a", { labels: { x: "1" } })), false);
  assert.equal(cache.changed(obj("a", { labels: { x: "2" } })), true);
  assert.equal(cache.changed(obj("a", { labels: { x: "2" }, generation: 1 })), true);
  assert.equal(combinePredicates(predicates.generation)(obj("a")), undefined);

  const fb = fallbackPredicate(predicates.generation, predicates.resourceVersion);
  assert.equal(fb(obj("a", { generation: 4, resourceVersion: "7" })), 4);
  assert.equal(fb(obj("a", { resourceVersion: "7" })), "7");
  assert.equal(fb(obj("a")), undefined);
  // A custom predicate.
  const custom = new PredicateCache((o: KubeObject) => o.metadata.labels?.tier);
  assert.equal(custom.changed(obj("a", { labels: { tier: "web", x: "1" } })), true);
  assert.equal(custom.changed(obj("a", { labels: { tier: "web", x: "2" } })), false);
});

Deno.test("predicate: entries not seen for the TTL go; seeing an object keeps its entry", () => {
  const clock = FakeTimers.install({ toFake: ["Date"], now: 0 });
  try {
    const cache = new PredicateCache(predicates.generation, { ttlMs: 1_000 });
    const a = obj("a", { generation: 1 });
    const b = obj("b", { generation: 1 });
    assert.equal(cache.changed(a), true);
    assert.equal(cache.changed(b), true);
    clock.tick(600);
    assert.equal(cache.changed(b), false); // b seen again at 600: kept until 1600
    assert.equal(cache.size, 2);
    clock.tick(400); // now 1000: a (seen at 0) expires
    assert.equal(cache.size, 1);
    assert.equal(cache.changed(a), true); // forgotten: passes as new
    clock.tick(599); // 1599: b still remembered
    assert.equal(cache.changed(b), false);
    clock.tick(10_000);
    assert.equal(cache.size, 0);
  } finally {
    clock.uninstall();
  }
  assert.throws(() => new PredicateCache(predicates.labels, { ttlMs: 0 }), RangeError);
});

Deno.test("predicate: observe forgets deleted objects and, at InitDone, those missing from a relist", () => {
  const cache = new PredicateCache(predicates.generation);
  const a = obj("a", { generation: 1 });
  const b = obj("b", { generation: 1 });
  assert.equal(cache.observe({ type: "Init" }), false);
  assert.equal(cache.observe({ type: "InitApply", object: a }), true);
  assert.equal(cache.observe({ type: "InitApply", object: b }), true);
  assert.equal(cache.observe({ type: "InitDone" }), false);
  assert.equal(cache.observe({ type: "Apply", object: { ...a } }), false);
  assert.equal(cache.size, 2);
  // A delete always triggers, and its entry goes.
  assert.equal(cache.observe({ type: "Delete", object: a }), true);
  assert.equal(cache.size, 1);
  // A relist without b (deleted while the watch was down): b's entry goes at InitDone.
  cache.observe({ type: "Init" });
  assert.equal(cache.observe({ type: "InitApply", object: obj("c", { generation: 1 }) }), true);
  assert.equal(cache.size, 2);
  cache.observe({ type: "InitDone" });
  assert.equal(cache.size, 1);
  assert.equal(cache.observe({ type: "Apply", object: b }), true);
});

Deno.test("predicate: a relist of unchanged objects does not trigger again", () => {
  const cache = new PredicateCache(predicates.generation);
  const a = obj("a", { generation: 3 });
  for (
    const ev of [{ type: "Init" }, { type: "InitApply", object: a }, { type: "InitDone" }] as const
  ) {
    cache.observe(ev);
  }
  cache.observe({ type: "Init" });
  assert.equal(cache.observe({ type: "InitApply", object: { ...a } }), false);
  cache.observe({ type: "InitDone" });
  assert.equal(cache.size, 1);
});
