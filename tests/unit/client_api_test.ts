// Scripted-server tests of Client and Api<K>: the exact request of every verb, retries,
// Retry-After, timeouts, aborts, redirects and error shapes.

import assert from "node:assert/strict";
import {
  Api,
  ApiError,
  ConfigError,
  ConnectionError,
  isStatus,
  RedirectError,
  TimeoutError,
} from "../../mod.ts";
import { ConfigMap, Namespace } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { json, scriptedServer, status } from "./_scripted.ts";
import { testClient } from "./_client.ts";

const cm = (name: string): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", resourceVersion: "1" },
  data: { k: "v" },
});

Deno.test("Api sends the exact request of every verb", async (t) => {
  await using srv = scriptedServer((req) => {
    if (req.query.get("watch") === "true") {
      return new Response(
        JSON.stringify({ type: "ADDED", object: cm("a") }) + "\n" +
          JSON.stringify({ type: "DELETED", object: cm("a") }) + "\n",
      );
    }
    if (req.path.endsWith("/scale")) {
      return json({ apiVersion: "autoscaling/v1", kind: "Scale", spec: { replicas: 3 } });
    }
    if (req.method === "DELETE") {
      return json({ kind: "Status", apiVersion: "v1", status: "Success" });
    }
    if (req.method === "GET" && req.path.endsWith("/configmaps")) {
      return json({ apiVersion: "v1", kind: "ConfigMapList", metadata: {}, items: [cm("a")] });
    }
    return json(cm("a"));
  });
  using client = testClient(srv.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  const last = () => srv.requests[srv.requests.length - 1];

  await t.step("get", async () => {
    const got = await cms.get("a");
    assert.equal(got.metadata.name, "a");
    assert.equal(last().method, "GET");
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps/a");
    assert.match(last().headers.get("user-agent") ?? "", /^kubeno\//);
    assert.equal(last().headers.get("accept"), "application/json");
  });
  await t.step("list with params", async () => {
    const list = await cms.list({ labelSelector: "a=b", limit: 5, resourceVersion: "0" });
    assert.equal(list.items.length, 1);
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps");
    assert.equal(last().query.get("labelSelector"), "a=b");
    assert.equal(last().query.get("limit"), "5");
    assert.equal(last().query.get("resourceVersion"), "0");
  });
  await t.step("create sends apiVersion and kind and PostParams", async () => {
    await cms.create({ metadata: { name: "a" }, data: { x: "y" } }, {
      dryRun: true,
      fieldManager: "me",
      fieldValidation: "Strict",
    });
    assert.equal(last().method, "POST");
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps");
    assert.equal(last().headers.get("content-type"), "application/json");
    assert.deepEqual(JSON.parse(last().body), {
      metadata: { name: "a" },
      data: { x: "y" },
      apiVersion: "v1",
      kind: "ConfigMap",
    });
    assert.equal(last().query.get("dryRun"), "All");
    assert.equal(last().query.get("fieldManager"), "me");
    assert.equal(last().query.get("fieldValidation"), "Strict");
  });
  await t.step("replace", async () => {
    await cms.replace("a", cm("a"));
    assert.equal(last().method, "PUT");
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps/a");
  });
  await t.step("patch: each kind with its content type", async () => {
    await cms.patch("a", { type: "apply", body: { data: { k: "w" } } }, {
      fieldManager: "m",
      force: true,
    });
    assert.equal(last().method, "PATCH");
    assert.equal(last().headers.get("content-type"), "application/apply-patch+yaml");
    assert.equal(last().query.get("force"), "true");
    // Name and namespace come from the arguments: without them an apply that creates the
    // object is refused ("name must be provided").
    assert.deepEqual(JSON.parse(last().body), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", namespace: "ns" },
      data: { k: "w" },
    });
    await cms.patch("a", { type: "apply", body: { metadata: { labels: { x: "y" } } } }, {
      fieldManager: "m",
    });
    assert.deepEqual(JSON.parse(last().body), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { labels: { x: "y" }, name: "a", namespace: "ns" },
    });
    await cms.patchStatus("a", { type: "apply", body: { data: {} } }, { fieldManager: "m" });
    assert.deepEqual(JSON.parse(last().body).metadata, { name: "a", namespace: "ns" });
    await Api.all(client, Namespace).patch("n1", { type: "apply", body: {} }, {
      fieldManager: "m",
    });
    assert.deepEqual(JSON.parse(last().body), {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "n1" },
    });
    await cms.patch("a", { type: "merge", body: { data: { k: "w" } } });
    assert.equal(last().headers.get("content-type"), "application/merge-patch+json");
    await cms.patch("a", { type: "strategic", body: { data: { k: "w" } } });
    assert.equal(last().headers.get("content-type"), "application/strategic-merge-patch+json");
    await cms.patch("a", { type: "json", body: [{ op: "remove", path: "/data/k" }] });
    assert.equal(last().headers.get("content-type"), "application/json-patch+json");
    assert.deepEqual(JSON.parse(last().body), [{ op: "remove", path: "/data/k" }]);
  });
  await t.step("delete returns the Status and sends DeleteOptions", async () => {
    const res = await cms.delete("a", {
      propagationPolicy: "Foreground",
      preconditions: { uid: "u1" },
    });
    assert.ok(isStatus(res));
    assert.equal(last().method, "DELETE");
    assert.deepEqual(JSON.parse(last().body), {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Foreground",
      preconditions: { uid: "u1" },
    });
  });
  await t.step("deleteCollection", async () => {
    await cms.deleteCollection({}, { labelSelector: "tmp=1" });
    assert.equal(last().method, "DELETE");
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps");
    assert.equal(last().query.get("labelSelector"), "tmp=1");
  });
  await t.step("watch decodes events", async () => {
    const types: string[] = [];
    for await (const ev of cms.watch({ timeoutSeconds: 5, allowWatchBookmarks: true }, "7")) {
      types.push(ev.type);
    }
    assert.deepEqual(types, ["ADDED", "DELETED"]);
    assert.equal(last().query.get("watch"), "true");
    assert.equal(last().query.get("resourceVersion"), "7");
    assert.equal(last().query.get("allowWatchBookmarks"), "true");
    assert.equal(last().query.get("timeoutSeconds"), "5");
  });
  await t.step("status subresource", async () => {
    await cms.getStatus("a");
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps/a/status");
    await cms.patchStatus("a", { type: "merge", body: { data: {} } });
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps/a/status");
    assert.equal(last().method, "PATCH");
    await cms.replaceStatus("a", cm("a"));
    assert.equal(last().method, "PUT");
    assert.equal(last().path, "/api/v1/namespaces/ns/configmaps/a/status");
  });
  await t.step("scale subresource", async () => {
    const deps = Api.namespaced(client, Deployment, "ns");
    const s = await deps.getScale("web");
    assert.equal(s.spec?.replicas, 3);
    assert.equal(last().path, "/apis/apps/v1/namespaces/ns/deployments/web/scale");
    await deps.patchScale("web", { type: "merge", body: { spec: { replicas: 2 } } });
    assert.equal(last().method, "PATCH");
    assert.deepEqual(JSON.parse(last().body), { spec: { replicas: 2 } });
    await deps.replaceScale("web", { metadata: { name: "web" }, spec: { replicas: 1 } });
    assert.equal(last().method, "PUT");
    assert.equal(JSON.parse(last().body).kind, "Scale");
  });
  await t.step("cluster-scoped and all-namespace paths", async () => {
    await Api.all(client, ConfigMap).list();
    assert.equal(last().path, "/api/v1/configmaps");
    await Api.all(client, Namespace).get("kube-system").catch(() => {});
    assert.equal(last().path, "/api/v1/namespaces/kube-system");
    assert.throws(() => Api.namespaced(client, Namespace, "x"), /cluster-scoped/);
    await assert.rejects(Api.all(client, ConfigMap).get("a"), /namespaced/);
    // kube-apiserver has no collection DELETE across namespaces (405): say so before sending.
    const sent = srv.requests.length;
    await assert.rejects(
      Api.all(client, ConfigMap).deleteCollection({}, { labelSelector: "x=y" }),
      /deleteCollection: ConfigMap is namespaced/,
    );
    assert.equal(srv.requests.length, sent);
    await Api.all(client, Namespace).deleteCollection({}, { labelSelector: "x=y" });
    assert.equal(last().path, "/api/v1/namespaces");
  });
});

Deno.test("an apply body that names another object or namespace fails before any request", async () => {
  await using srv = scriptedServer(() => json(cm("a")));
  using client = testClient(srv.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  await assert.rejects(
    cms.patch("a", { type: "apply", body: { metadata: { name: "b" } } }, { fieldManager: "m" }),
    (e: Error) =>
      e instanceof TypeError &&
      e.message.startsWith('patch("a"): the apply body names metadata.name "b"'),
  );
  await assert.rejects(
    cms.patch("a", { type: "apply", body: { metadata: { namespace: "other" } } }, {
      fieldManager: "m",
    }),
    /metadata\.namespace "other" but this Api is for namespace "ns"; use Api\.namespaced\(client, ConfigMap, "other"\)/,
  );
  // Naming the same object is fine.
  await cms.patch("a", { type: "apply", body: { metadata: { name: "a", namespace: "ns" } } }, {
    fieldManager: "m",
  });
  assert.equal(srv.requests.length, 1);
});

Deno.test("getOpt is undefined on 404; get throws an ApiError that keeps the Status", async () => {
  await using srv = scriptedServer(() => status(404, "NotFound", 'configmaps "a" not found'));
  using client = testClient(srv.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  assert.equal(await cms.getOpt("a"), undefined);
  const err = await cms.get("a").catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 404);
  assert.equal(err.reason, "NotFound");
  assert.match(err.message, /configmaps "a" not found/);
});

Deno.test("listAll follows continue tokens page by page", async () => {
  await using srv = scriptedServer((req) => {
    const token = req.query.get("continue");
    const page = token ? Number(token) : 0;
    const items = [cm(`p${page}a`), cm(`p${page}b`)];
    return json({ metadata: { continue: page < 2 ? String(page + 1) : "" }, items });
  });
  using client = testClient(srv.url);
  const names: string[] = [];
  for await (const o of Api.namespaced(client, ConfigMap, "ns").listAll({ limit: 2 })) {
    names.push(o.metadata.name!);
  }
  assert.deepEqual(names, ["p0a", "p0b", "p1a", "p1b", "p2a", "p2b"]);
  assert.deepEqual(srv.requests.map((r) => r.query.get("limit")), ["2", "2", "2"]);
  assert.deepEqual(srv.requests.map((r) => r.query.get("continue")), [null, "1", "2"]);
});

Deno.test("listAll: resourceVersion applies to the first page only; a user continue starts there", async () => {
  await using srv = scriptedServer((req) => {
    const page = Number(req.query.get("continue") ?? 0);
    return json({
      metadata: { continue: page < 2 ? String(page + 1) : "" },
      items: [cm(`p${page}`)],
    });
  });
  using client = testClient(srv.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  const names: string[] = [];
  const lp = { limit: 1, resourceVersion: "42", resourceVersionMatch: "Exact" } as const;
  for await (const o of cms.listAll(lp)) names.push(o.metadata.name!);
  assert.deepEqual(names, ["p0", "p1", "p2"]);
  // kube-apiserver answers 422 to resourceVersion or resourceVersionMatch next to continue.
  assert.deepEqual(
    srv.requests.map((r) => [r.query.get("resourceVersion"), r.query.get("resourceVersionMatch")]),
    [["42", "Exact"], [null, null], [null, null]],
  );
  srv.requests.length = 0;
  names.length = 0;
  for await (const o of cms.listAll({ ...lp, continue: "1" })) names.push(o.metadata.name!);
  assert.deepEqual(names, ["p1", "p2"]);
  assert.deepEqual(srv.requests.map((r) => r.query.get("resourceVersion")), [null, null]);
});

Deno.test("429 is retried after Retry-After, for writes too", async () => {
  await using srv = scriptedServer((_req, n) =>
    n === 0 ? status(429, "TooManyRequests", "slow down", { "retry-after": "1" }) : json(cm("a"))
  );
  const seen: number[] = [];
  using client = testClient(srv.url);
  const t0 = performance.now();
  await Api.namespaced(client, ConfigMap, "ns").create({ metadata: { name: "a" } });
  seen.push(performance.now() - t0);
  assert.equal(srv.requests.length, 2);
  // The server asked for 1 s; retrying sooner would disobey it.
  assert.ok(seen[0] >= 950, `retried after ${seen[0]} ms`);
});

Deno.test("503 is retried for GET but not for POST; 500 is not retried", async () => {
  await using srv = scriptedServer((req, n) => {
    if (req.path.endsWith("/fail500")) return status(500, "InternalError", "boom");
    return n < 2 ? status(503, "ServiceUnavailable", "later") : json(cm("a"));
  });
  using client = testClient(srv.url, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  const cms = Api.namespaced(client, ConfigMap, "ns");
  await cms.get("a");
  assert.equal(srv.requests.length, 3);

  const before = srv.requests.length;
  // After the two 503s above the server answers 200 to everything but /fail500.
  const e500 = await cms.get("fail500").catch((e) => e);
  assert.ok(e500 instanceof ApiError && e500.code === 500);
  assert.equal(srv.requests.length, before + 1);
});

Deno.test("a POST answered 503 is not retried", async () => {
  await using srv = scriptedServer(() => status(503, "ServiceUnavailable", "later"));
  using client = testClient(srv.url, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  const err = await Api.namespaced(client, ConfigMap, "ns").create({ metadata: { name: "a" } })
    .catch((e) => e);
  assert.ok(err instanceof ApiError && err.code === 503);
  assert.equal(srv.requests.length, 1);
});

Deno.test("retries give up after maxRetries with the last error", async () => {
  await using srv = scriptedServer(() => status(429, "TooManyRequests", "no"));
  using client = testClient(srv.url, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a").catch((e) => e);
  assert.ok(err instanceof ApiError && err.code === 429);
  assert.equal(srv.requests.length, 3);
});

Deno.test("a slow server hits the per-request timeout", async () => {
  const gate = Promise.withResolvers<void>();
  await using srv = scriptedServer(async () => {
    await gate.promise;
    return json(cm("a"));
  });
  using client = testClient(srv.url, { timeoutMs: 100, retry: { maxRetries: 0 } });
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a").catch((e) => e);
  gate.resolve();
  assert.ok(err instanceof TimeoutError, String(err));
  assert.match(err.message, /within 100 ms/);
});

Deno.test("an abort ends a pending request and a retry wait with the signal's reason", async () => {
  const gate = Promise.withResolvers<void>();
  await using srv = scriptedServer(async (_r, n) => {
    if (n === 0) await gate.promise;
    return status(429, "TooManyRequests", "wait", { "retry-after": "60" });
  });
  using client = testClient(srv.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  const ac = new AbortController();
  const pending = cms.get("a", {}, { signal: ac.signal });
  setTimeout(() => ac.abort(new Error("stop")), 50);
  await assert.rejects(pending, /stop/);
  gate.resolve();

  // Retry-After: 60 would wait a minute; the abort must cut the wait short.
  const ac2 = new AbortController();
  const waiting = cms.get("a", {}, { signal: ac2.signal });
  setTimeout(() => ac2.abort(new Error("stop waiting")), 100);
  await assert.rejects(waiting, /stop waiting/);
});

Deno.test("a streaming watch ends when its signal aborts mid-stream", async () => {
  await using srv = scriptedServer(() => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(
          new TextEncoder().encode(JSON.stringify({ type: "ADDED", object: cm("a") }) + "\n"),
        );
        // then nothing: a watch that stays open
      },
    });
    return new Response(body);
  });
  using client = testClient(srv.url);
  const ac = new AbortController();
  const seen: string[] = [];
  const run = (async () => {
    for await (
      const ev of Api.namespaced(client, ConfigMap, "ns").watch({}, "1", { signal: ac.signal })
    ) {
      seen.push(ev.type);
      ac.abort(new Error("done watching"));
    }
  })();
  await assert.rejects(run, /done watching/);
  assert.deepEqual(seen, ["ADDED"]);
});

Deno.test("an HTML error page still gives an ApiError with the code and an excerpt", async () => {
  await using srv = scriptedServer(() =>
    new Response("<html><body>Bad Gateway from proxy</body></html>", {
      status: 502,
      headers: { "content-type": "text/html" },
    })
  );
  using client = testClient(srv.url, { retry: { maxRetries: 0 } });
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a").catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 502);
  assert.match(err.message, /Bad Gateway from proxy/);
});

Deno.test("a redirect to another origin is refused and gets no credentials", async () => {
  await using other = scriptedServer(() => json(cm("stolen")));
  await using srv = scriptedServer(() =>
    new Response(null, { status: 302, headers: { location: new URL("/x", other.url).href } })
  );
  using client = testClient(srv.url, { token: "sekrit-token" });
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a").catch((e) => e);
  assert.ok(err instanceof RedirectError, String(err));
  assert.equal(other.requests.length, 0);
  assert.ok(!String(err.message).includes("sekrit-token"));
  assert.equal(srv.requests[0].headers.get("authorization"), "Bearer sekrit-token");
});

Deno.test("a same-origin redirect is followed", async () => {
  await using srv = scriptedServer((req) =>
    req.path === "/moved"
      ? json(cm("a"))
      : new Response(null, { status: 307, headers: { location: "/moved" } })
  );
  using client = testClient(srv.url, { token: "same-origin-token", userAgent: "ua-test" });
  const got = await Api.namespaced(client, ConfigMap, "ns").get("a");
  assert.equal(got.metadata.name, "a");
  assert.equal(srv.requests.length, 2);
  // Same origin: the credentials and the other headers go along.
  const moved = srv.requests[1];
  assert.equal(moved.path, "/moved");
  assert.equal(moved.headers.get("authorization"), "Bearer same-origin-token");
  assert.equal(moved.headers.get("user-agent"), "ua-test");
  assert.equal(moved.headers.get("accept"), "application/json");
});

Deno.test("connection refused: GET is retried, then a ConnectionError names the server", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  using client = testClient(new URL(`http://127.0.0.1:${port}`), {
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
  });
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a").catch((e) => e);
  assert.ok(err instanceof ConnectionError, String(err));
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

Deno.test("a 401 makes the client re-read its credentials once", async () => {
  let reads = 0;
  await using srv = scriptedServer((req) =>
    req.headers.get("authorization") === "Bearer fresh"
      ? json(cm("a"))
      : status(401, "Unauthorized", "Unauthorized")
  );
  using client = testClient(srv.url, {
    auth: {
      authorization: () => Promise.resolve(`Bearer ${reads++ === 0 ? "stale" : "fresh"}`),
      invalidate: () => {},
    },
  });
  const got = await Api.namespaced(client, ConfigMap, "ns").get("a");
  assert.equal(got.metadata.name, "a");
  assert.equal(srv.requests.length, 2);
});

Deno.test("impersonation from the config becomes Impersonate-* headers", async () => {
  await using srv = scriptedServer(() => json(cm("a")));
  using client = testClient(srv.url, {
    impersonate: { user: "jane", groups: ["devs", "ops"], extra: { scopes: ["view"] } },
  });
  await Api.namespaced(client, ConfigMap, "ns").get("a");
  const h = srv.requests[0].headers;
  assert.equal(h.get("impersonate-user"), "jane");
  assert.equal(h.get("impersonate-group"), "devs, ops");
  assert.equal(h.get("impersonate-extra-scopes"), "view");
});

Deno.test("streams let go of the caller's signal when they end (no listener pile-up)", async () => {
  await using srv = scriptedServer(() =>
    new Response(JSON.stringify({ type: "ADDED", object: cm("a") }) + "\n")
  );
  using client = testClient(srv.url);
  const ac = new AbortController();
  let live = 0;
  const add = ac.signal.addEventListener.bind(ac.signal);
  const remove = ac.signal.removeEventListener.bind(ac.signal);
  ac.signal.addEventListener = (...args: Parameters<typeof add>) => {
    live++;
    add(...args);
  };
  ac.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
    live--;
    remove(...args);
  };
  const cms = Api.namespaced(client, ConfigMap, "ns");
  for (let i = 0; i < 5; i++) {
    const seen: string[] = [];
    for await (const ev of cms.watch({}, "1", { signal: ac.signal })) seen.push(ev.type);
    assert.deepEqual(seen, ["ADDED"]);
  }
  // A consumer that stops early cancels the stream, which also lets go.
  for await (const _ of cms.watch({}, "1", { signal: ac.signal })) break;
  await cms.get("a", {}, { signal: ac.signal });
  assert.equal(live, 0);
});

// Issue 11, item 2: a header value fetch would refuse is a ConfigError, at once, never retried
// as a connection failure, and never quoted.
Deno.test("an Authorization value no header can carry fails at once, unretried, unquoted", async () => {
  await using srv = scriptedServer(() => json(cm("a")));
  let calls = 0;
  using client = testClient(srv.url, {
    retry: { maxRetries: 5, baseDelayMs: 1_000 },
    auth: { authorization: () => (calls++, Promise.resolve("Bearer sekrit\nsekrit")) },
  });
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a").catch((e) => e);
  assert.ok(err instanceof ConfigError, String(err));
  assert.match(err.message, /Authorization header .* line break/);
  assert.ok(!Deno.inspect(err).includes("sekrit"), Deno.inspect(err));
  assert.equal(calls, 1);
  assert.equal(srv.requests.length, 0);
});

Deno.test("impersonation: non-ASCII values travel as UTF-8 (as kubectl sends them); bad ones are refused", async () => {
  await using srv = scriptedServer(() => json(cm("a")));
  using client = testClient(srv.url, { impersonate: { user: "jöhn", groups: ["dév"] } });
  await Api.namespaced(client, ConfigMap, "ns").get("a");
  const latin1 = (s: string) => String.fromCharCode(...new TextEncoder().encode(s));
  assert.equal(srv.requests[0].headers.get("impersonate-user"), latin1("jöhn"));
  assert.equal(srv.requests[0].headers.get("impersonate-group"), latin1("dév"));
  assert.throws(
    () => testClient(srv.url, { impersonate: { user: "a\nb", extra: {} } }),
    (e: unknown) =>
      e instanceof ConfigError && /impersonate\.user contains a line break/.test(e.message),
  );
  assert.throws(
    () => testClient(srv.url, { impersonate: { extra: { ["k\ud800"]: ["v"] } } }),
    (e: unknown) => e instanceof ConfigError && /extra key is not valid Unicode/.test(e.message),
  );
});

/**
 * A raw HTTP/1.1 server for faults Deno.serve cannot produce: connection `n` gets the bytes
 * `answer(n)` after its request, then is closed.
 */
function rawServer(answer: (n: number) => string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: string[] = [];
  const serveOne = async (conn: Deno.Conn, n: number) => {
    const buf = new Uint8Array(64 * 1024);
    let text = "";
    // The head, then as much body as Content-Length says.
    while (true) {
      const got = await conn.read(buf);
      if (got === null) break;
      text += new TextDecoder().decode(buf.subarray(0, got));
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length >= end + 4 + length) break;
    }
    requests.push(text);
    await conn.write(new TextEncoder().encode(answer(n))).catch(() => {});
    conn.close();
  };
  const loop = (async () => {
    let n = 0;
    for await (const conn of listener) serveOne(conn, n++).catch(() => conn.close());
  })().catch(() => {});
  return {
    url: new URL(`http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`),
    requests,
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
    },
  };
}

/** A 200 that promises `declared` bytes and sends `body`, then the connection closes. */
function cutShort(body: string, declared = body.length + 1000): string {
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n` +
    `connection: close\r\n\r\n${body}`;
}

// Issue 11, item 9: a 2xx body cut short was a bare TypeError (no method, no path), not retried.
Deno.test("a 2xx body cut short is a ConnectionError with method and path, retried for GET", async () => {
  const full = JSON.stringify(cm("a"));
  await using srv = rawServer((n) =>
    n < 2 ? cutShort(full.slice(0, 20)) : cutShort(full, full.length)
  );
  using client = testClient(srv.url, { retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 } });
  const cms = Api.namespaced(client, ConfigMap, "ns");
  assert.equal((await cms.get("a")).metadata.name, "a");
  assert.equal(srv.requests.length, 3);

  await using broken = rawServer(() => cutShort(full.slice(0, 20)));
  using once = testClient(broken.url, { retry: { maxRetries: 0 } });
  const err = await Api.namespaced(once, ConfigMap, "ns").list().catch((e) => e);
  assert.ok(err instanceof ConnectionError, String(err));
  assert.match(
    err.message,
    /^GET \/api\/v1\/namespaces\/ns\/configmaps: the answer \(200\) .* broke off/,
  );
  assert.ok(err.cause instanceof Error, "the underlying error is kept as the cause");
});

Deno.test("a 2xx body cut short after a POST is a ConnectionError, not retried", async () => {
  await using srv = rawServer(() => cutShort('{"kind":"Conf'));
  using client = testClient(srv.url, { retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 } });
  const err = await Api.namespaced(client, ConfigMap, "ns").create(cm("a")).catch((e) => e);
  assert.ok(err instanceof ConnectionError, String(err));
  assert.match(err.message, /^POST \/api\/v1\/namespaces\/ns\/configmaps: the answer \(200\)/);
  assert.equal(srv.requests.length, 1);
});

Deno.test("a watch stream cut off mid-chunk ends with a ConnectionError naming the request", async () => {
  const line = JSON.stringify({ type: "ADDED", object: cm("a") }) + "\n";
  const chunk = (s: string) => `${new TextEncoder().encode(s).length.toString(16)}\r\n${s}\r\n`;
  await using srv = rawServer(() =>
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n" +
    chunk(line) + '400\r\n{"type":"MOD'
  );
  using client = testClient(srv.url, { retry: { maxRetries: 0 } });
  const seen: string[] = [];
  const err = await (async () => {
    for await (const ev of Api.namespaced(client, ConfigMap, "ns").watch({}, "1")) {
      seen.push(ev.type);
    }
  })().catch((e) => e);
  assert.deepEqual(seen, ["ADDED"]);
  assert.ok(err instanceof ConnectionError, String(err));
  assert.match(err.message, /^GET \/api\/v1\/namespaces\/ns\/configmaps: the stream .* broke off/);
});

// Issue 11, item 12: a same-origin 303 re-sent the POST body; fetch switches to a GET.
Deno.test("redirects change the method as fetch does: 303 (and 301/302 after POST) to GET without body", async () => {
  await using srv = scriptedServer((req) => {
    const code = Number(req.path.split("/")[1]);
    return code
      ? new Response(null, { status: code, headers: { location: "/done" } })
      : json(cm("a"));
  });
  using client = testClient(srv.url);
  const cases: [string, number, string, boolean][] = [
    ["POST", 303, "GET", false],
    ["PUT", 303, "GET", false],
    ["DELETE", 303, "GET", false],
    ["POST", 302, "GET", false],
    ["POST", 301, "GET", false],
    ["PUT", 301, "PUT", true],
    ["PATCH", 302, "PATCH", true],
    ["POST", 307, "POST", true],
    ["PUT", 308, "PUT", true],
  ];
  for (const [method, code, then, keepsBody] of cases) {
    srv.requests.length = 0;
    await client.request({
      method: method as "POST",
      path: `/${code}`,
      query: new URLSearchParams(),
      headers: { "content-type": "application/json" },
      body: '{"kind":"ConfigMap"}',
    });
    const [first, second] = srv.requests;
    const what = `${method} answered ${code}`;
    assert.equal(first.body, '{"kind":"ConfigMap"}', what);
    assert.equal(second.path, "/done", what);
    assert.equal(second.method, then, what);
    assert.equal(second.body, keepsBody ? '{"kind":"ConfigMap"}' : "", what);
    assert.equal(second.headers.has("content-type"), keepsBody, what);
  }
});

Deno.test("a lone surrogate in a name is refused before any request, as a 422 Invalid ApiError", async () => {
  await using srv = scriptedServer(() => json(cm("a")));
  using client = testClient(srv.url);
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a\udc00").catch((e) => e);
  assert.ok(err instanceof ApiError && err.code === 422, String(err));
  assert.equal(srv.requests.length, 0);
});

Deno.test("a 200 that is not JSON: a KubeError with a short, one-line excerpt of the body", async () => {
  const body = "<html>\n<body>\u0007proxy login</body>\n</html>" + "x".repeat(5_000);
  await using srv = scriptedServer(() => new Response(body, { status: 200 }));
  using client = testClient(srv.url);
  const api = Api.namespaced(client, ConfigMap, "ns");
  const err = await api.get("a").then(() => undefined, (e) => e);
  assert.ok(err instanceof Error && !(err instanceof ApiError), String(err));
  assert.match(
    err.message,
    /^GET \/api\/v1\/namespaces\/ns\/configmaps\/a: the server's answer is not JSON: "<html> <body>\\\\u0007proxy login/,
  );
  assert.ok(err.message.length < 400, err.message);
  assert.ok(err.cause instanceof SyntaxError);
});
