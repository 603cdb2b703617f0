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
