import assert from "node:assert/strict";
import { Api } from "../../client/api.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import { Action } from "../../runtime/action.ts";
import { finalizer, FinalizerError } from "../../runtime/finalizer.ts";
import { testClient } from "./_client.ts";
import { json, scriptedServer, status } from "./_scripted.ts";

const NAME = "example.com/cleanup";

function cm(meta: Partial<ConfigMap["metadata"]> = {}): ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "a", namespace: "ns", uid: "u1", resourceVersion: "5", ...meta },
  };
}

function handlers(log: string[], fail?: "apply" | "cleanup") {
  return {
    apply: (_o: ConfigMap) => {
      log.push("apply");
      if (fail === "apply") return Promise.reject(new Error("apply broke"));
      return Promise.resolve(Action.requeue(1_000));
    },
    cleanup: (_o: ConfigMap) => {
      log.push("cleanup");
      if (fail === "cleanup") return Promise.reject(new Error("cleanup broke"));
      return Promise.resolve(Action.awaitChange());
    },
  };
}

Deno.test("finalizer: adds the finalizer with a test on the absent array, before any apply", async () => {
  await using srv = scriptedServer(() =>
    json({ ...cm(), metadata: { ...cm().metadata, finalizers: [NAME] } })
  );
  const api = Api.namespaced(testClient(srv.url), ConfigMap, "ns");
  const log: string[] = [];
  const action = await finalizer(api, NAME, cm(), handlers(log));
  assert.equal(action.requeueAfterMs, undefined);
  assert.deepEqual(log, []);
  assert.equal(srv.requests.length, 1);
  const r = srv.requests[0];
  assert.equal(r.method, "PATCH");
  assert.equal(r.path, "/api/v1/namespaces/ns/configmaps/a");
  assert.equal(r.headers.get("content-type"), "application/json-patch+json");
  assert.deepEqual(JSON.parse(r.body), [
    { op: "test", path: "/metadata/finalizers", value: null },
    { op: "add", path: "/metadata/finalizers", value: [NAME] },
  ]);
});

Deno.test("finalizer: appends to other finalizers, testing the whole array", async () => {
  await using srv = scriptedServer(() => json(cm()));
  const api = Api.namespaced(testClient(srv.url), ConfigMap, "ns");
  await finalizer(api, NAME, cm({ finalizers: ["other.io/x"] }), handlers([]));
  assert.deepEqual(JSON.parse(srv.requests[0].body), [
    { op: "test", path: "/metadata/finalizers", value: ["other.io/x"] },
    { op: "add", path: "/metadata/finalizers/-", value: NAME },
  ]);
});

Deno.test("finalizer: with our finalizer and alive, runs apply and sends nothing", async () => {
  await using srv = scriptedServer(() => json({}));
  const api = Api.namespaced(testClient(srv.url), ConfigMap, "ns");
  const log: string[] = [];
  const action = await finalizer(api, NAME, cm({ finalizers: [NAME] }), handlers(log));
  assert.deepEqual(log, ["apply"]);
  assert.equal(action.requeueAfterMs, 1_000);
  assert.equal(srv.requests.length, 0);
});

Deno.test("finalizer: on deletion runs cleanup, then removes exactly our entry under a test", async () => {
  await using srv = scriptedServer(() => json(cm()));
  const api = Api.all(testClient(srv.url), ConfigMap); // the object's namespace is used
  const log: string[] = [];
  const obj = cm({ finalizers: ["other.io/x", NAME], deletionTimestamp: "2025-01-01T00:00:00Z" });
  await finalizer(api, NAME, obj, handlers(log));
  assert.deepEqual(log, ["cleanup"]);
  assert.equal(srv.requests[0].path, "/api/v1/namespaces/ns/configmaps/a");
  assert.deepEqual(JSON.parse(srv.requests[0].body), [
    { op: "test", path: "/metadata/finalizers/1", value: NAME },
    { op: "remove", path: "/metadata/finalizers/1" },
  ]);
});

Deno.test("finalizer: a failing cleanup keeps the finalizer and says which phase failed", async () => {
  await using srv = scriptedServer(() => json(cm()));
  const api = Api.namespaced(testClient(srv.url), ConfigMap, "ns");
  const obj = cm({ finalizers: [NAME], deletionTimestamp: "2025-01-01T00:00:00Z" });
  const err = await finalizer(api, NAME, obj, handlers([], "cleanup")).catch((e) => e);
  assert.ok(err instanceof FinalizerError);
  assert.equal(err.phase, "cleanup");
  assert.match(err.message, /cleanup broke/);
  assert.equal(srv.requests.length, 0);
});

Deno.test("finalizer: a concurrent change (422 from the test op) surfaces as removeFinalizer", async () => {
  await using srv = scriptedServer(() =>
    status(422, "Invalid", "the server rejected our request due to an error in our request")
  );
  const api = Api.namespaced(testClient(srv.url, { retry: { maxRetries: 0 } }), ConfigMap, "ns");
  const obj = cm({ finalizers: [NAME], deletionTimestamp: "2025-01-01T00:00:00Z" });
  const err = await finalizer(api, NAME, obj, handlers([])).catch((e) => e);
  assert.ok(err instanceof FinalizerError);
  assert.equal(err.phase, "removeFinalizer");
});

Deno.test("finalizer: being deleted without our finalizer does nothing", async () => {
  await using srv = scriptedServer(() => json({}));
  const api = Api.namespaced(testClient(srv.url), ConfigMap, "ns");
  const log: string[] = [];
  const obj = cm({ finalizers: ["other.io/x"], deletionTimestamp: "2025-01-01T00:00:00Z" });
  const action = await finalizer(api, NAME, obj, handlers(log));
  assert.equal(action.requeueAfterMs, undefined);
  assert.deepEqual(log, []);
  assert.equal(srv.requests.length, 0);
});

Deno.test("finalizer: an apply error is wrapped with phase apply; a bad name is refused", async () => {
  await using srv = scriptedServer(() => json({}));
  const api = Api.namespaced(testClient(srv.url), ConfigMap, "ns");
  const err = await finalizer(api, NAME, cm({ finalizers: [NAME] }), handlers([], "apply"))
    .catch((e) => e);
  assert.equal(err.phase, "apply");
  const bad = await finalizer(api, "not a name!", cm(), handlers([])).catch((e) => e);
  assert.equal(bad.phase, "invalidFinalizer");
});

Deno.test("finalizer: its signal stops it before a handler, before the removal, and cuts off a patch", async () => {
  const held = Promise.withResolvers<void>();
  await using srv = scriptedServer(async () => {
    await held.promise;
    return json(cm());
  });
  const api = Api.namespaced(testClient(srv.url), ConfigMap, "ns");
  const log: string[] = [];
  // Aborted already: no handler runs, nothing is sent.
  await assert.rejects(
    finalizer(api, NAME, cm({ finalizers: [NAME] }), handlers(log), {
      signal: AbortSignal.abort(),
    }),
    (e: Error) => e.name === "AbortError",
  );
  // Aborted during cleanup: the finalizer stays (the next reconcile cleans up again).
  const during = new AbortController();
  const deleting = cm({ finalizers: [NAME], deletionTimestamp: "2025-01-01T00:00:00Z" });
  await assert.rejects(
    finalizer(api, NAME, deleting, {
      ...handlers(log),
      cleanup: () => {
        log.push("cleanup");
        during.abort();
        return Promise.resolve(Action.awaitChange());
      },
    }, { signal: during.signal }),
    (e: Error) => e.name === "AbortError",
  );
  assert.deepEqual(log, ["cleanup"]);
  assert.equal(srv.requests.length, 0);
  // Aborted while the patch that adds the finalizer waits for the server.
  const inFlight = new AbortController();
  const adding = finalizer(api, NAME, cm(), handlers(log), { signal: inFlight.signal });
  while (srv.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  inFlight.abort();
  await assert.rejects(adding, (e: unknown) => {
    assert.ok(e instanceof FinalizerError);
    assert.equal(e.phase, "addFinalizer");
    assert.equal((e.cause as Error).name, "AbortError");
    return true;
  });
  held.resolve();
});
