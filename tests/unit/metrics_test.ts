import assert from "node:assert/strict";
import {
  ControllerMetrics,
  Counter,
  Gauge,
  Histogram,
  type Metric,
  Registry,
} from "../../runtime/metrics.ts";

Deno.test("Registry: two controllers share one registry, told apart by the controller label", () => {
  const registry = new Registry();
  const a = new ControllerMetrics("alpha", registry);
  const b = new ControllerMetrics("beta", registry);
  assert.equal(a.reconciles, b.reconciles); // one family
  a.reconciled("success", 0.01);
  b.reconciled("error", 0.2);
  b.reconciled("error", 0.3);
  a.queueDepth.set(2, { controller: "alpha" });
  b.queueDepth.set(5, { controller: "beta" });
  const text = registry.render();
  // One HELP/TYPE per family, samples of both controllers.
  assert.equal(text.match(/^# TYPE kubeno_reconciles_total counter$/gm)?.length, 1);
  assert.match(text, /^kubeno_reconciles_total\{controller="alpha",outcome="success"\} 1$/m);
  assert.match(text, /^kubeno_reconciles_total\{controller="beta",outcome="error"\} 2$/m);
  assert.match(text, /^kubeno_queue_depth\{controller="alpha"\} 2$/m);
  assert.match(text, /^kubeno_queue_depth\{controller="beta"\} 5$/m);
  assert.match(
    text,
    /^kubeno_reconcile_duration_seconds_count\{controller="beta",outcome="error"\} 2$/m,
  );
});

Deno.test("Registry: the same name with another type, help or buckets is refused", () => {
  const registry = new Registry();
  const c = registry.register(new Counter("demo_total", "Things."));
  assert.equal(registry.register(new Counter("demo_total", "Things.")), c);
  assert.throws(() => registry.register(new Gauge("demo_total", "Things.")), /another type/);
  assert.throws(() => registry.register(new Counter("demo_total", "Other.")), /another help/);
  registry.register(new Histogram("demo_seconds", "Time.", [1, 2]));
  assert.throws(
    () => registry.register(new Histogram("demo_seconds", "Time.", [1, 5])),
    /other buckets/,
  );
  registry.register(new Gauge("demo_up", "Up.", () => 1));
  assert.throws(() => registry.register(new Gauge("demo_up", "Up.", () => 0)), /scrape time/);
  const custom: Metric = { name: "demo_custom", render: () => "" };
  registry.register(custom);
  assert.throws(() => registry.register({ ...custom }), /custom metric/);
  assert.equal(registry.render().match(/^# TYPE demo_total/gm)?.length, 1);
});

Deno.test("metrics: label names follow the Prometheus data model", () => {
  const c = new Counter("demo_total", "Things.");
  const g = new Gauge("demo_depth", "Depth.");
  const h = new Histogram("demo_seconds", "Time.");
  for (const bad of ["", "1abc", "a-b", "a.b", "é", "__reserved", "a b"]) {
    assert.throws(() => c.inc({ [bad]: "x" }), TypeError, `counter accepted ${bad}`);
    assert.throws(() => g.set(1, { [bad]: "x" }), TypeError, `gauge accepted ${bad}`);
    assert.throws(() => h.observe(1, { [bad]: "x" }), TypeError, `histogram accepted ${bad}`);
  }
  assert.throws(() => h.observe(1, { le: "1" }), /reserved/); // the bucket label
  c.inc({ le: "fine on a counter", _ok: "1", Ab_9: "2" });
  assert.equal(c.get({ le: "fine on a counter", _ok: "1", Ab_9: "2" }), 1);
  assert.equal(c.render().includes('demo_total{Ab_9="2",_ok="1",le="fine on a counter"} 1'), true);
});
