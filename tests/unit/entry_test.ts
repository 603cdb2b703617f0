import assert from "node:assert/strict";
import { Api } from "../../client/api.ts";
import { isConflict, KubeError } from "../../core/error.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import {
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
  TABLE_ACCEPT,
} from "../../core/metadata.ts";
import { testClient } from "./_client.ts";
import { json, type Recorded, scriptedServer, status } from "./_scripted.ts";

/**
 * One ConfigMap `c` with optimistic concurrency, as the apiserver keeps it: POST on an
 * existing name is 409 AlreadyExists, a PUT whose resourceVersion is not the current one is
 * 409 Conflict, a PUT of a missing object 404. `interfere(n)` may change the object behind the client's back before request n.
 */
interface Store {
  obj?: Record<string, unknown>;
  rv: number;
}
function oneObjectServer(interfere: (n: number, store: Store) => void) {
  const store: Store = { rv: 0 };
  const server = scriptedServer((req: Recorded, n: number) => {
    interfere(n, store);
    const bump = (o: Record<string, unknown>) => {
      store.rv++;
      const meta = o.metadata as Record<string, unknown>;
      store.obj = { ...o, metadata: { ...meta, resourceVersion: String(store.rv) } };
      return json(store.obj, req.method === "POST" ? 201 : 200);
    };
    if (req.method === "GET") return store.obj ? json(store.obj) : status(404, "NotFound", "nf");
    if (req.method === "POST") {
      if (store.obj) return status(409, "AlreadyExists", 'configmaps "c" already exists');
      return bump(JSON.parse(req.body));
    }
    if (req.method === "PUT") {
      // ConfigMaps are not created by a PUT: a missing one is 404.
      if (!store.obj) return status(404, "NotFound", 'configmaps "c" not found');
      const body = JSON.parse(req.body);
      const cur = (store.obj?.metadata as { resourceVersion?: string })?.resourceVersion;
      if (body.metadata.resourceVersion !== cur) {
        return status(409, "Conflict", "the object has been modified; please apply your changes");
      }
      return bump(body);
    }
    return status(405, "MethodNotAllowed", "no");
  });
  return { server, store };
}

const verbs = (rs: Recorded[]) => rs.map((r) => r.method);

Deno.test("entry: vacant + orInsert creates, with the entry's name and namespace", async () => {
  const { server, store } = oneObjectServer(() => {});
  await using _ = server;
  using client = testClient(server.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  const e = await cms.entry("c");
  assert.equal(e.exists, false);
  assert.equal(e.get(), undefined);
  const saved = await e.orInsert(() => ({ metadata: {}, data: { n: "0" } }))
    .andModify((cm) => void (cm.data = { n: "1" }))
    .commit({ fieldManager: "t" });
  assert.deepEqual(verbs(server.requests), ["GET", "POST"]);
  assert.equal(server.requests[1].query.get("fieldManager"), "t");
  assert.deepEqual(saved?.data, { n: "1" }, "andModify applies to the inserted object");
  assert.deepEqual(store.obj?.metadata, { name: "c", namespace: "ns", resourceVersion: "1" });
  assert.equal(e.exists, true);
});

Deno.test("entry: occupied + andModify replaces with the resourceVersion read; unchanged sends nothing", async () => {
  const { server } = oneObjectServer((n, store) => {
    if (n === 0) store.obj = { metadata: { name: "c", namespace: "ns", resourceVersion: "7" } };
  });
  await using _ = server;
  using client = testClient(server.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  const e = await cms.entry("c");
  assert.equal(e.exists, true);
  await e.orInsert(() => assert.fail("not called when occupied")).commit();
  assert.deepEqual(verbs(server.requests), ["GET"], "nothing changed, nothing sent");
  await e.andModify((cm) => ({ ...cm, data: { a: "b" } })).commit();
  assert.deepEqual(verbs(server.requests), ["GET", "PUT"]);
  assert.equal(JSON.parse(server.requests[1].body).metadata.resourceVersion, "7");
  // Vacant without an insert: nothing to commit.
  const { server: s2 } = oneObjectServer(() => {});
  await using __ = s2;
  using c2 = testClient(s2.url);
  const v = await Api.namespaced(c2, ConfigMap, "ns").entry("c");
  assert.equal(await v.andModify(() => assert.fail("vacant")).commit(), undefined);
  assert.deepEqual(verbs(s2.requests), ["GET"]);
});

Deno.test("entry: a conflict re-reads and re-runs the modification on the fresh object", async () => {
  const { server, store } = oneObjectServer((n, store) => {
    if (n === 0) store.obj = { metadata: { name: "c", resourceVersion: "1" }, data: { n: "1" } };
    // Someone else bumps the counter between our read and our write.
    if (n === 1) {
      store.obj = { metadata: { name: "c", resourceVersion: "2" }, data: { n: "5" } };
      store.rv = 2;
    }
  });
  await using _ = server;
  using client = testClient(server.url);
  let runs = 0;
  const saved = await (await Api.namespaced(client, ConfigMap, "ns").entry("c"))
    .andModify((cm) => {
      runs++;
      cm.data = { n: String(Number(cm.data!.n) + 1) };
    })
    .commit();
  assert.deepEqual(verbs(server.requests), ["GET", "PUT", "GET", "PUT"]);
  assert.equal(runs, 2);
  assert.deepEqual(saved?.data, { n: "6" });
  assert.deepEqual(store.obj?.data, { n: "6" });
});

Deno.test("entry: created by someone else first: AlreadyExists re-reads, skips the insert, modifies", async () => {
  const { server } = oneObjectServer((n, store) => {
    if (n === 1) {
      store.obj = { metadata: { name: "c", resourceVersion: "9" }, data: { other: "x" } };
      store.rv = 9;
    }
  });
  await using _ = server;
  using client = testClient(server.url);
  let inserts = 0;
  const saved = await (await Api.namespaced(client, ConfigMap, "ns").entry("c"))
    .orInsert(() => (inserts++, { metadata: {}, data: {} }))
    .andModify((cm) => void (cm.data = { ...cm.data, mine: "y" }))
    .commit();
  assert.deepEqual(verbs(server.requests), ["GET", "POST", "GET", "PUT"]);
  assert.equal(inserts, 1);
  assert.deepEqual(saved?.data, { other: "x", mine: "y" });
});

Deno.test("entry: conflicts past maxAttempts end in a KubeError that keeps the 409", async () => {
  const { server } = oneObjectServer((_n, store) => {
    // Always changed behind our back.
    store.rv += 1;
    store.obj = { metadata: { name: "c", resourceVersion: String(store.rv) }, data: {} };
  });
  await using _ = server;
  using client = testClient(server.url);
  const e = await Api.namespaced(client, ConfigMap, "ns").entry("c");
  await assert.rejects(
    () => e.andModify((cm) => void (cm.data = { k: "v" })).commit({ maxAttempts: 3 }),
    (err) => {
      assert.ok(err instanceof KubeError);
      assert.match(err.message, /still conflicting after 3 attempts/);
      assert.ok(isConflict(err.cause));
      return true;
    },
  );
  assert.deepEqual(verbs(server.requests), ["GET", "PUT", "GET", "PUT", "GET", "PUT"]);
  await assert.rejects(() => e.commit({ maxAttempts: 0 }), RangeError);
});

Deno.test("entry: an inserted object named otherwise is a TypeError", async () => {
  const { server } = oneObjectServer(() => {});
  await using _ = server;
  using client = testClient(server.url);
  const e = await Api.namespaced(client, ConfigMap, "ns").entry("c");
  assert.throws(() => e.orInsert(() => ({ metadata: { name: "d" } })), /named d/);
  await assert.rejects(() => Api.all(client, ConfigMap).entry("c"), /namespaced/);
});

Deno.test("metadata-only and table calls send the representation's Accept header", async () => {
  await using server = scriptedServer((req) =>
    req.query.get("watch") ? new Response("") : json({
      kind: "PartialObjectMetadata",
      metadata: { name: "c" },
      items: [],
      rows: [],
      columnDefinitions: [],
    })
  );
  using client = testClient(server.url);
  const cms = Api.namespaced(client, ConfigMap, "ns");
  await cms.getMetadata("c");
  await cms.listMetadata({ labelSelector: "a=b" });
  for await (const _ of cms.watchMetadata({}, "1")) { /* empty */ }
  await cms.patchMetadata("c", { type: "apply", body: { metadata: { labels: { a: "b" } } } }, {
    fieldManager: "t",
  });
  await cms.listTable();
  await cms.getTable("c");
  assert.deepEqual(server.requests.map((r) => [r.method, r.path, r.headers.get("accept")]), [
    ["GET", "/api/v1/namespaces/ns/configmaps/c", PARTIAL_OBJECT_METADATA_ACCEPT],
    ["GET", "/api/v1/namespaces/ns/configmaps", PARTIAL_OBJECT_METADATA_LIST_ACCEPT],
    ["GET", "/api/v1/namespaces/ns/configmaps", PARTIAL_OBJECT_METADATA_ACCEPT],
    ["PATCH", "/api/v1/namespaces/ns/configmaps/c", PARTIAL_OBJECT_METADATA_ACCEPT],
    ["GET", "/api/v1/namespaces/ns/configmaps", TABLE_ACCEPT],
    ["GET", "/api/v1/namespaces/ns/configmaps/c", TABLE_ACCEPT],
  ]);
  // An apply patch names the resource's kind, not PartialObjectMetadata.
  assert.deepEqual(JSON.parse(server.requests[3].body), {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { labels: { a: "b" }, name: "c", namespace: "ns" },
  });
  assert.equal(server.requests[1].query.get("labelSelector"), "a=b");
});

Deno.test("entry: deleted by someone else before the replace: re-read, insert again, create", async () => {
  const { server, store } = oneObjectServer((n, store) => {
    if (n === 0) store.obj = { metadata: { name: "c", resourceVersion: "3" }, data: { n: "1" } };
    if (n === 1) store.obj = undefined; // gone before our PUT
  });
  await using _ = server;
  using client = testClient(server.url);
  const saved = await (await Api.namespaced(client, ConfigMap, "ns").entry("c"))
    .orInsert(() => ({ metadata: {}, data: { n: "0" } }))
    .andModify((cm) => void (cm.data = { n: String(Number(cm.data!.n) + 1) }))
    .commit();
  assert.deepEqual(verbs(server.requests), ["GET", "PUT", "GET", "POST"]);
  assert.deepEqual(saved?.data, { n: "1" });
  assert.deepEqual(store.obj?.data, { n: "1" });
});
