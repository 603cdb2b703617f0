import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { microTime, Recorder } from "../../runtime/events.ts";
import { testClient } from "./_client.ts";
import { json, scriptedServer, status } from "./_scripted.ts";

const regarding = {
  apiVersion: "example.com/v1",
  kind: "Foo",
  name: "foo",
  namespace: "ns",
  uid: "u1",
};

function echoServer(onPatch?: () => Response | undefined) {
  return scriptedServer((req) => {
    if (req.method === "POST") return json(JSON.parse(req.body), 201);
    if (req.method === "PATCH") return onPatch?.() ?? json({ metadata: { name: "x" } });
    return status(405, "MethodNotAllowed", "no");
  });
}

Deno.test("Recorder: creates an events.k8s.io/v1 Event with every required field", async () => {
  await using srv = echoServer();
  const rec = new Recorder(testClient(srv.url), {
    controller: "example.com/demo",
    instance: "i-0",
  });
  await rec.publish({
    type: "Normal",
    reason: "Created",
    action: "CreateConfigMap",
    note: "made it",
    related: { apiVersion: "v1", kind: "ConfigMap", name: "cm", namespace: "ns" },
  }, regarding);
  assert.equal(srv.requests.length, 1);
  const r = srv.requests[0];
  assert.equal(r.path, "/apis/events.k8s.io/v1/namespaces/ns/events");
  const ev = JSON.parse(r.body);
  assert.equal(ev.apiVersion, "events.k8s.io/v1");
  assert.equal(ev.kind, "Event");
  assert.match(ev.metadata.name, /^foo\.[0-9a-f]+$/);
  assert.match(ev.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(ev.reportingController, "example.com/demo");
  assert.equal(ev.reportingInstance, "i-0");
  assert.equal(ev.type, "Normal");
  assert.equal(ev.reason, "Created");
  assert.equal(ev.action, "CreateConfigMap");
  assert.equal(ev.note, "made it");
  assert.deepEqual(ev.regarding, regarding);
  assert.deepEqual(ev.related, {
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "cm",
    namespace: "ns",
  });
});

Deno.test("Recorder: repeats merge into a series; a different note starts a new Event", async () => {
  await using srv = echoServer();
  const rec = new Recorder(testClient(srv.url), { controller: "example.com/demo" });
  const e = { type: "Warning" as const, reason: "Failed", action: "Reconcile", note: "boom" };
  await rec.publish(e, regarding);
  await rec.publish(e, regarding);
  await rec.publish(e, regarding);
  await rec.publish({ ...e, note: "other" }, regarding);
  assert.deepEqual(srv.requests.map((r) => r.method), ["POST", "PATCH", "PATCH", "POST"]);
  const name = JSON.parse(srv.requests[0].body).metadata.name;
  assert.equal(srv.requests[1].path, `/apis/events.k8s.io/v1/namespaces/ns/events/${name}`);
  assert.equal(srv.requests[1].headers.get("content-type"), "application/merge-patch+json");
  assert.equal(JSON.parse(srv.requests[1].body).series.count, 2);
  assert.equal(JSON.parse(srv.requests[2].body).series.count, 3);
});

Deno.test("Recorder: concurrent repeats still create only one Event", async () => {
  await using srv = echoServer();
  const rec = new Recorder(testClient(srv.url), { controller: "example.com/demo" });
  const e = { type: "Normal" as const, reason: "Tick", action: "Tick" };
  await Promise.all([1, 2, 3, 4].map(() => rec.publish(e, regarding)));
  assert.deepEqual(srv.requests.map((r) => r.method), ["POST", "PATCH", "PATCH", "PATCH"]);
  const counts = srv.requests.slice(1).map((r) => JSON.parse(r.body).series.count);
  assert.deepEqual(counts, [2, 3, 4]);
});

Deno.test("Recorder: an expired Event (404 on patch) is created again", async () => {
  await using srv = echoServer(() => status(404, "NotFound", "gone"));
  const rec = new Recorder(testClient(srv.url), { controller: "example.com/demo" });
  const e = { type: "Normal" as const, reason: "Tick", action: "Tick" };
  await rec.publish(e, regarding);
  await rec.publish(e, regarding);
  assert.deepEqual(srv.requests.map((r) => r.method), ["POST", "PATCH", "POST"]);
});

Deno.test("Recorder: after the series window a repeat creates a new Event", async () => {
  await using srv = echoServer();
  const rec = new Recorder(testClient(srv.url), { controller: "c" }, { seriesWindowMs: 1_000 });
  const clock = FakeTimers.install({ toFake: ["Date"], now: 1_000_000 });
  try {
    const e = { type: "Normal" as const, reason: "Tick", action: "Tick" };
    await rec.publish(e, regarding);
    clock.tick(500);
    await rec.publish(e, regarding);
    clock.tick(1_500);
    await rec.publish(e, regarding);
  } finally {
    clock.uninstall();
  }
  assert.deepEqual(srv.requests.map((r) => r.method), ["POST", "PATCH", "POST"]);
});

Deno.test("Recorder: a cluster-scoped object's events go to the default namespace", async () => {
  await using srv = echoServer();
  const rec = new Recorder(testClient(srv.url), { controller: "c" });
  await rec.publish({ type: "Normal", reason: "R", action: "A" }, {
    apiVersion: "v1",
    kind: "Node",
    name: "n1",
  });
  assert.equal(srv.requests[0].path, "/apis/events.k8s.io/v1/namespaces/default/events");
});

Deno.test("microTime: six fractional digits", () => {
  assert.equal(microTime(Date.UTC(2025, 0, 2, 3, 4, 5, 678)), "2025-01-02T03:04:05.678000Z");
});

Deno.test("Recorder: a publish's signal cuts off the request, a queued repeat and an aborted start", async () => {
  const held = Promise.withResolvers<void>();
  await using srv = scriptedServer(async (req) => {
    if (req.method === "POST") {
      await held.promise; // the first create hangs until the test releases it
      return json(JSON.parse(req.body), 201);
    }
    return status(405, "MethodNotAllowed", "no");
  });
  const rec = new Recorder(testClient(srv.url), { controller: "example.com/demo" });
  const ev = { type: "Normal", reason: "R", action: "A" } as const;
  // In flight: the abort reaches the request.
  const inFlight = new AbortController();
  const first = rec.publish(ev, regarding, { signal: inFlight.signal });
  // Queued behind it (same event): aborted while waiting, it never sends.
  const queued = new AbortController();
  const second = rec.publish(ev, regarding, { signal: queued.signal });
  while (srv.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  queued.abort();
  inFlight.abort();
  await assert.rejects(first, (e: Error) => e.name === "AbortError");
  await assert.rejects(second, (e: Error) => e.name === "AbortError");
  // Aborted before the call: nothing is sent either.
  await assert.rejects(
    rec.publish({ ...ev, reason: "Other" }, regarding, { signal: AbortSignal.abort() }),
    (e: Error) => e.name === "AbortError",
  );
  held.resolve();
  assert.equal(srv.requests.length, 1);
});

Deno.test("Recorder: the spam filter drops Events about one object beyond its burst, one more per refill", async () => {
  const clock = FakeTimers.install({ toFake: ["Date"], now: 1_000_000 });
  try {
    await using srv = echoServer();
    const rec = new Recorder(testClient(srv.url), { controller: "example.com/demo" }, {
      spamBurst: 3,
      spamRefillMs: 1_000,
    });
    const ev = { type: "Normal", reason: "Hot", action: "Loop" } as const;
    const sent: boolean[] = [];
    // A hot loop: 3 go out (a create, then 2 series patches), the rest are dropped unsent.
    for (let i = 0; i < 6; i++) sent.push((await rec.publish(ev, regarding)) !== undefined);
    assert.deepEqual(sent, [true, true, true, false, false, false]);
    assert.deepEqual(srv.requests.map((r) => r.method), ["POST", "PATCH", "PATCH"]);
    // Another object has its own bucket.
    assert.ok(await rec.publish(ev, { ...regarding, name: "bar", uid: "u2" }));
    // One refill period later: one more, then dropped again.
    clock.tick(1_000);
    assert.ok(await rec.publish(ev, regarding));
    assert.equal(await rec.publish(ev, regarding), undefined);
    assert.equal(srv.requests.length, 5);
  } finally {
    clock.uninstall();
  }
  assert.throws(
    () =>
      new Recorder(testClient(new URL("http://127.0.0.1:1")), { controller: "c" }, {
        spamBurst: 0,
      }),
    RangeError,
  );
});
