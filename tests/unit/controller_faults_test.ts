/**
 * The Controller against a scripted API server that sends what a real one never should:
 * objects without metadata, in the list and on the watches. Nothing may crash the process or
 * stop a trigger for good.
 */

import assert from "node:assert/strict";
import { Api } from "../../client/api.ts";
import { PermissionError } from "../../client/permissions.ts";
import { ConfigMap, Secret } from "../../core/k8s/core/v1.ts";
import type { KubeObject } from "../../core/resource.ts";
import { Action } from "../../runtime/action.ts";
import { Controller, type ReconcileResult } from "../../runtime/controller.ts";
import { ControllerMetrics } from "../../runtime/metrics.ts";
import { ExponentialBackoff } from "../../core/backoff.ts";
import type { WatchableApi, WatcherError } from "../../runtime/watcher.ts";
import { testClient } from "./_client.ts";
import { json, scriptedServer } from "./_scripted.ts";

/** A watch response the test writes lines to. */
function watchStream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return {
    response: () => new Response(body, { headers: { "content-type": "application/json" } }),
    line: (text: string) => ctl.enqueue(new TextEncoder().encode(text + "\n")),
    close: () => ctl.close(),
  };
}

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Runs `c` with a reconcile that always succeeds, collecting results until `stop`. */
function runInBackground<K extends KubeObject>(c: Controller<K>) {
  const ac = new AbortController();
  const results: ReconcileResult[] = [];
  const done = (async () => {
    const ok = () => Promise.resolve(Action.awaitChange());
    for await (const r of c.run(ok, () => Action.awaitChange(), {}, { signal: ac.signal })) {
      results.push(r);
    }
  })();
  return { results, stop: async () => (ac.abort(), await done) };
}

Deno.test("Controller: objects without metadata in the list and on the main and owned watches are skipped; it keeps working", async () => {
  const cmWatch = watchStream();
  const secretWatch = watchStream();
  await using srv = scriptedServer((req) => {
    const watching = req.query.get("watch") === "true";
    if (req.path === "/api/v1/namespaces/ns/configmaps") {
      if (watching) return cmWatch.response();
      return json({
        kind: "ConfigMapList",
        metadata: { resourceVersion: "10" },
        items: [
          { metadata: { name: "a", namespace: "ns", resourceVersion: "1" } },
          { kind: "ConfigMap" },
        ],
      });
    }
    if (watching) return secretWatch.response();
    return json({ kind: "SecretList", metadata: { resourceVersion: "10" }, items: [] });
  });
  const client = testClient(srv.url, { retry: { maxRetries: 0 } });
  const errors: WatcherError[] = [];
  const onError = (e: WatcherError) => errors.push(e);
  const c = new Controller(Api.namespaced(client, ConfigMap, "ns"), { onError })
    .owns(Api.namespaced(client, Secret, "ns"), { onError });
  const { results, stop } = runInBackground(c);
  try {
    await until(() => results.length === 1, "the first reconcile");
    cmWatch.line('{"type":"MODIFIED","object":{"kind":"ConfigMap"}}');
    secretWatch.line('{"type":"ADDED","object":{"kind":"Secret"}}');
    // Both watches go on: an owned Secret reconciles its owner, a new ConfigMap itself.
    secretWatch.line(JSON.stringify({
      type: "ADDED",
      object: {
        kind: "Secret",
        metadata: {
          name: "s",
          namespace: "ns",
          resourceVersion: "12",
          ownerReferences: [{
            apiVersion: "v1",
            kind: "ConfigMap",
            name: "a",
            uid: "u",
            controller: true,
          }],
        },
      },
    }));
    await until(() => results.length === 2, "the owner's reconcile");
    cmWatch.line(JSON.stringify({
      type: "ADDED",
      object: {
        kind: "ConfigMap",
        metadata: { name: "b", namespace: "ns", resourceVersion: "13" },
      },
    }));
    await until(() => results.length === 3, "b's reconcile");
    assert.deepEqual(results.map((r) => r.key), ["ns/a", "ns/a", "ns/b"]);
    assert.equal(errors.length, 3);
    assert.ok(errors.every((e) => e.cause?.constructor.name === "WatchDecodeError"));
    assert.equal(c.store.size, 2);
  } finally {
    await stop();
    cmWatch.close();
    secretWatch.close();
    client.close();
  }
});

interface Bar extends KubeObject {
  data?: Record<string, string>;
}

/** A collection with a fixed list and a watch that yields what the test pushes. */
function pushedApi<K extends KubeObject>(items: K[]) {
  const queue: K[] = [];
  let wake: (() => void) | undefined;
  const api: WatchableApi<K> & { push(obj: K): void } = {
    resource: { kind: "Bar", plural: "bars" },
    list: () => Promise.resolve({ metadata: { resourceVersion: "1" }, items }),
    async *watch(_wp, _rv, opts) {
      while (!opts?.signal?.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((r) => {
            wake = r;
            opts?.signal?.addEventListener("abort", () => r(), { once: true });
          });
        }
        while (queue.length) yield { type: "ADDED" as const, object: queue.shift()! };
      }
    },
    push(obj: K) {
      queue.push(obj);
      wake?.();
    },
  };
  return api;
}

Deno.test("Controller: a mapper that throws for one object is reported; the trigger goes on", async () => {
  const foos = pushedApi<KubeObject>([{ metadata: { name: "a", namespace: "ns" } }]);
  const bars = pushedApi<Bar>([]);
  const logged: string[] = [];
  const orig = console.error;
  console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
  const c = new Controller(foos).watches(bars, {}, (b) => {
    if (b.data?.target === undefined) throw new TypeError("no target");
    return [{ name: b.data.target, namespace: "ns" }];
  });
  const { results, stop } = runInBackground(c);
  try {
    await until(() => results.length === 1, "the first reconcile");
    bars.push({ metadata: { name: "bad", namespace: "ns" } });
    bars.push({ metadata: { name: "good", namespace: "ns" }, data: { target: "a" } });
    await until(() => results.length === 2, "the reconcile the good Bar triggers");
  } finally {
    await stop();
    console.error = orig;
  }
  assert.equal(logged.length, 1, logged.join("\n"));
  assert.match(logged[0], /watches bars: the mapper threw for ns\/bad: TypeError: no target/);
});

Deno.test("Controller: a missing Deno permission stops it and run throws the PermissionError", async () => {
  const denied = new PermissionError("Deno denied net access", "net", "--allow-net=10.0.0.1:6443");
  const api: WatchableApi<KubeObject> = {
    resource: { kind: "Bar", plural: "bars" },
    list: () => Promise.reject(denied),
    // deno-lint-ignore require-yield
    async *watch() {
      throw denied;
    },
  };
  const logged: string[] = [];
  const orig = console.error;
  console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
  try {
    const c = new Controller(api);
    const run = c.run(() => Promise.resolve(Action.awaitChange()), () => Action.awaitChange(), {});
    await assert.rejects(
      (async () => {
        for await (const _ of run) { /* none */ }
      })(),
      (e: unknown) => e === denied,
    );
  } finally {
    console.error = orig;
  }
  assert.match(logged.join("\n"), /the watch of bars ended, stopping: PermissionError/);
});

Deno.test("Controller: a failing owned watch backs off (growing waits) and each error is counted in kubeno_watch_errors_total", async () => {
  const cmWatch = watchStream();
  const secretWatch = watchStream();
  const secretLists: number[] = [];
  const FAILURES = 4;
  await using srv = scriptedServer((req) => {
    const watching = req.query.get("watch") === "true";
    if (req.path === "/api/v1/namespaces/ns/configmaps") {
      if (watching) return cmWatch.response();
      return json({ kind: "ConfigMapList", metadata: { resourceVersion: "10" }, items: [] });
    }
    if (req.path === "/api/v1/namespaces/ns/secrets") {
      if (watching) return secretWatch.response();
      secretLists.push(performance.now());
      if (secretLists.length <= FAILURES) {
        return json({ kind: "Status", status: "Failure", code: 500, reason: "InternalError" }, 500);
      }
      return json({ kind: "SecretList", metadata: { resourceVersion: "20" }, items: [] });
    }
    return json({ kind: "Status", code: 404 }, 404);
  });
  using client = testClient(srv.url, { retry: { maxRetries: 0 } });
  const metrics = new ControllerMetrics("cm");
  const backoff = () =>
    new ExponentialBackoff({ initialMs: 40, maxMs: 2_000, factor: 2, jitter: 0 });
  const c = new Controller(Api.namespaced(client, ConfigMap, "ns"), { backoff })
    .owns(Api.namespaced(client, Secret, "ns"), { backoff, onError: () => {} });
  const ac = new AbortController();
  const done = (async () => {
    for await (
      const _ of c.run(
        () => Promise.resolve(Action.awaitChange()),
        () => Action.awaitChange(),
        {},
        { signal: ac.signal, metrics },
      )
    ) { /* results not needed */ }
  })();
  await until(() => secretLists.length > FAILURES, "the owned list to succeed after its failures");
  await until(() => c.isReady, "the controller to be ready");
  ac.abort();
  await done;
  // Waits between attempts grow: at least 40, 80, 160, 320 ms (no jitter; a timer never fires early).
  const gaps = secretLists.slice(1).map((t, i) => t - secretLists[i]);
  gaps.forEach((g, i) => assert.ok(g >= 40 * 2 ** i - 5, `gap ${i}: ${g.toFixed(0)} ms`));
  const text = metrics.registry.render();
  assert.match(text, /kubeno_watch_errors_total\{controller="cm",resource="owns secrets"\} 4\n/);
  assert.doesNotMatch(
    text,
    /kubeno_watch_errors_total\{controller="cm",resource="[^"]*configmaps"\}/,
  );
});
