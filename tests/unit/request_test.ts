import assert from "node:assert/strict";
import {
  createRequest,
  deleteCollectionRequest,
  deleteRequest,
  escapeSegment,
  getRequest,
  type KubeRequest,
  listRequest,
  patchRequest,
  replaceRequest,
  resourcePath,
  watchRequest,
} from "../../core/request.ts";
import { type KubeObject, resourceType } from "../../core/resource.ts";
import { type Patch, patchContentType } from "../../core/params.ts";
import { ConfigMap, Namespace, Pod } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { ApiError, isInvalid } from "../../core/error.ts";

interface Foo extends KubeObject {
  spec: { size: number };
}
const Foo = resourceType<Foo>({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true });
const Cluster = resourceType<KubeObject>({
  group: "example.com",
  version: "v1alpha1",
  kind: "ClusterThing",
  namespaced: false,
});

const ns = { resource: Pod, namespace: "default" };

/** The query as a plain object, to compare whole. */
function q(r: KubeRequest): Record<string, string> {
  return Object.fromEntries(r.query.entries());
}

// --- paths ---------------------------------------------------------------------------------------

Deno.test("request: core group vs named group paths", () => {
  assert.equal(resourcePath(ns), "/api/v1/namespaces/default/pods");
  assert.equal(resourcePath(ns, "p"), "/api/v1/namespaces/default/pods/p");
  assert.equal(resourcePath(ns, "p", "log"), "/api/v1/namespaces/default/pods/p/log");
  assert.equal(
    resourcePath({ resource: Deployment, namespace: "apps" }, "web", "scale"),
    "/apis/apps/v1/namespaces/apps/deployments/web/scale",
  );
  assert.equal(
    resourcePath({ resource: Foo, namespace: "x" }, "f"),
    "/apis/clux.dev/v1/namespaces/x/foos/f",
  );
});

Deno.test("request: cluster-scoped and all-namespace paths", () => {
  assert.equal(resourcePath({ resource: Namespace }), "/api/v1/namespaces");
  assert.equal(
    resourcePath({ resource: Namespace }, "kube-system"),
    "/api/v1/namespaces/kube-system",
  );
  assert.equal(
    resourcePath({ resource: Namespace }, "kube-system", "finalize"),
    "/api/v1/namespaces/kube-system/finalize",
  );
  assert.equal(
    resourcePath({ resource: Cluster }, "c"),
    "/apis/example.com/v1alpha1/clusterthings/c",
  );
  // A namespace given for a cluster-scoped resource is ignored, not put in the path.
  assert.equal(resourcePath({ resource: Namespace, namespace: "x" }), "/api/v1/namespaces");
  // All namespaces: no namespace segment.
  assert.equal(listRequest({ resource: Pod }).path, "/api/v1/pods");
  assert.equal(watchRequest({ resource: Deployment }, "1").path, "/apis/apps/v1/deployments");
});

Deno.test("request: odd names are escaped into one segment", () => {
  assert.equal(resourcePath(ns, "a/b"), "/api/v1/namespaces/default/pods/a%2Fb");
  assert.equal(resourcePath(ns, "a b"), "/api/v1/namespaces/default/pods/a%20b");
  assert.equal(resourcePath(ns, "a?b#c"), "/api/v1/namespaces/default/pods/a%3Fb%23c");
  assert.equal(resourcePath(ns, "100%"), "/api/v1/namespaces/default/pods/100%25");
  assert.equal(
    resourcePath(ns, "héllo🚀"),
    "/api/v1/namespaces/default/pods/h%C3%A9llo%F0%9F%9A%80",
  );
  assert.equal(resourcePath({ resource: Pod, namespace: "a/b" }), "/api/v1/namespaces/a%2Fb/pods");
  // "..." is a legal segment, only "." and ".." are path navigation.
  assert.equal(escapeSegment("..."), "...");
  assert.equal(escapeSegment("a..b"), "a..b");
});

Deno.test("request: empty, '.' and '..' names and namespaces are rejected", () => {
  for (const bad of ["", ".", ".."]) {
    assert.throws(() => escapeSegment(bad), /invalid path segment/);
    assert.throws(() => resourcePath({ resource: Pod, namespace: bad }), TypeError, `ns ${bad}`);
  }
  assert.throws(() => resourcePath(ns, ".."), /must not be empty, "." or ".."/);
  assert.throws(() => resourcePath(ns, "p", "../secrets"), /invalid path segment/);
  assert.throws(
    () => resourcePath(ns, undefined, "status"),
    /subresource status needs an object name/,
  );
});

// Issue 11, item 12: a lone surrogate threw a bare URIError from encodeURIComponent.
Deno.test("request: a lone surrogate in a name or namespace is a 422 Invalid ApiError, not a URIError", () => {
  const bad = "web\ud800";
  const cm = { metadata: { name: "x" } };
  const cases: [string, () => KubeRequest, string][] = [
    ["GET", () => getRequest(ns, bad), "metadata.name"],
    ["GET", () => getRequest(ns, "p", {}, bad), "subresource"],
    ["GET", () => listRequest({ resource: Pod, namespace: bad }), "metadata.namespace"],
    ["GET", () => watchRequest({ resource: Pod, namespace: bad }, "1"), "metadata.namespace"],
    ["POST", () => createRequest({ resource: Pod, namespace: bad }, cm), "metadata.namespace"],
    ["PUT", () => replaceRequest(ns, bad, cm), "metadata.name"],
    ["PATCH", () => patchRequest(ns, bad, { type: "merge", body: {} }), "metadata.name"],
    ["DELETE", () => deleteRequest(ns, bad), "metadata.name"],
    [
      "DELETE",
      () => deleteCollectionRequest({ resource: Pod, namespace: bad }),
      "metadata.namespace",
    ],
  ];
  for (const [method, build, field] of cases) {
    assert.throws(build, (e: unknown) => {
      assert.ok(e instanceof ApiError, `${method} ${field}: ${e}`);
      assert.ok(isInvalid(e));
      assert.equal(e.code, 422);
      assert.equal(e.method, method);
      assert.equal(e.details?.causes?.[0].field, field);
      assert.ok(e.message.includes(`${field}: Invalid value: "web\\ud800"`), e.message);
      assert.ok(e.path.startsWith("/api/v1/"), e.path);
      return true;
    });
  }
  assert.throws(() => escapeSegment(bad), TypeError);
});

Deno.test("request: verbs that need a name reject an empty one", () => {
  assert.throws(() => getRequest(ns, ""), /get needs an object name/);
  assert.throws(() => replaceRequest(ns, "", {}), /replace needs an object name/);
  assert.throws(
    () => patchRequest(ns, "", { type: "merge", body: {} }),
    /patch needs an object name/,
  );
  assert.throws(() => deleteRequest(ns, ""), /delete needs an object name/);
});

// --- get / list / watch ----------------------------------------------------------------------------

Deno.test("request: get", () => {
  const r = getRequest(ns, "blog");
  assert.equal(r.method, "GET");
  assert.equal(r.path, "/api/v1/namespaces/default/pods/blog");
  assert.deepEqual(q(r), {});
  assert.equal(r.headers.accept, "application/json");
  assert.equal(r.body, undefined);
  assert.deepEqual(q(getRequest(ns, "blog", { resourceVersion: "0" })), { resourceVersion: "0" });
  assert.equal(
    getRequest({ resource: Deployment, namespace: "a" }, "w", {}, "status").path,
    "/apis/apps/v1/namespaces/a/deployments/w/status",
  );
});

Deno.test("request: list with every parameter", () => {
  const r = listRequest({ resource: ConfigMap, namespace: "ns" }, {
    labelSelector: "app=blog,env in (a,b)",
    fieldSelector: "metadata.name=x",
    limit: 50,
    continue: "tok==",
    resourceVersion: "123",
    resourceVersionMatch: "NotOlderThan",
    timeoutSeconds: 10,
  });
  assert.equal(r.method, "GET");
  assert.equal(r.path, "/api/v1/namespaces/ns/configmaps");
  assert.deepEqual(q(r), {
    labelSelector: "app=blog,env in (a,b)",
    fieldSelector: "metadata.name=x",
    limit: "50",
    continue: "tok==",
    resourceVersion: "123",
    resourceVersionMatch: "NotOlderThan",
    timeoutSeconds: "10",
  });
  // The selectors are URL-encoded on the wire.
  assert.match(r.query.toString(), /labelSelector=app%3Dblog%2Cenv\+in\+%28a%2Cb%29/);
  assert.equal(r.body, undefined);
});

Deno.test("request: list omits empty parameters; continue/limit paging", () => {
  assert.deepEqual(q(listRequest(ns, {})), {});
  assert.deepEqual(q(listRequest(ns, { labelSelector: "", continue: "" })), {});
  assert.deepEqual(q(listRequest(ns, { limit: 2, continue: "next" })), {
    limit: "2",
    continue: "next",
  });
  assert.deepEqual(q(listRequest(ns, { resourceVersion: "0" })), { resourceVersion: "0" });
  assert.deepEqual(
    q(listRequest(ns, { resourceVersion: "42", resourceVersionMatch: "Exact" })),
    { resourceVersion: "42", resourceVersionMatch: "Exact" },
  );
});

Deno.test("request: watch with every parameter", () => {
  const r = watchRequest({ resource: Pod }, "77", {
    labelSelector: "app=blog",
    fieldSelector: "spec.nodeName=n1",
    timeoutSeconds: 290,
    allowWatchBookmarks: true,
  });
  assert.equal(r.method, "GET");
  assert.equal(r.path, "/api/v1/pods");
  assert.deepEqual(q(r), {
    watch: "true",
    resourceVersion: "77",
    labelSelector: "app=blog",
    fieldSelector: "spec.nodeName=n1",
    timeoutSeconds: "290",
    allowWatchBookmarks: "true",
  });
});

Deno.test("request: watch without resourceVersion, and the streaming list (sendInitialEvents)", () => {
  assert.deepEqual(q(watchRequest(ns, undefined)), { watch: "true" });
  assert.deepEqual(q(watchRequest(ns, "")), { watch: "true" });
  assert.deepEqual(q(watchRequest(ns, "5", { allowWatchBookmarks: false })), {
    watch: "true",
    resourceVersion: "5",
  });
  const r = watchRequest(ns, "", {
    sendInitialEvents: true,
    resourceVersionMatch: "NotOlderThan",
    allowWatchBookmarks: true,
  });
  assert.deepEqual(q(r), {
    watch: "true",
    sendInitialEvents: "true",
    resourceVersionMatch: "NotOlderThan",
    allowWatchBookmarks: "true",
  });
  assert.equal(q(watchRequest(ns, "1", { sendInitialEvents: false })).sendInitialEvents, "false");
});

Deno.test("request: sendInitialEvents fills in what the server requires with it", () => {
  // kube-apiserver: sendInitialEvents needs resourceVersionMatch=NotOlderThan, and =true needs
  // allowWatchBookmarks=true; without them the watch is a 422.
  assert.deepEqual(q(watchRequest(ns, "", { sendInitialEvents: true })), {
    watch: "true",
    sendInitialEvents: "true",
    resourceVersionMatch: "NotOlderThan",
    allowWatchBookmarks: "true",
  });
  assert.deepEqual(q(watchRequest(ns, "7", { sendInitialEvents: false })), {
    watch: "true",
    resourceVersion: "7",
    sendInitialEvents: "false",
    resourceVersionMatch: "NotOlderThan",
  });
  assert.throws(
    () => watchRequest(ns, "", { sendInitialEvents: true, allowWatchBookmarks: false }),
    /sendInitialEvents needs bookmarks/,
  );
});

// --- create / replace ----------------------------------------------------------------------------

Deno.test("request: create with dryRun=All, fieldManager and fieldValidation", () => {
  const body = { metadata: { name: "a" }, data: { k: "v" } };
  const r = createRequest({ resource: ConfigMap, namespace: "ns" }, body, {
    dryRun: true,
    fieldManager: "my-op",
    fieldValidation: "Strict",
  });
  assert.equal(r.method, "POST");
  assert.equal(r.path, "/api/v1/namespaces/ns/configmaps");
  assert.deepEqual(q(r), { dryRun: "All", fieldManager: "my-op", fieldValidation: "Strict" });
  assert.equal(r.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(r.body!), body);
  assert.deepEqual(q(createRequest(ns, {}, { dryRun: false })), {});
  for (const fv of ["Ignore", "Warn", "Strict"] as const) {
    assert.equal(q(createRequest(ns, {}, { fieldValidation: fv })).fieldValidation, fv);
  }
});

Deno.test("request: create on a subresource (eviction) and cluster-scoped create", () => {
  const r = createRequest(ns, { apiVersion: "policy/v1", kind: "Eviction" }, {}, "p", "eviction");
  assert.equal(r.path, "/api/v1/namespaces/default/pods/p/eviction");
  assert.equal(createRequest({ resource: Namespace }, {}).path, "/api/v1/namespaces");
});

Deno.test("request: replace, and replace of the status subresource", () => {
  const body = { metadata: { name: "w", resourceVersion: "9" } };
  const r = replaceRequest({ resource: Deployment, namespace: "a" }, "w", body, {
    fieldManager: "m",
    dryRun: true,
  });
  assert.equal(r.method, "PUT");
  assert.equal(r.path, "/apis/apps/v1/namespaces/a/deployments/w");
  assert.deepEqual(q(r), { dryRun: "All", fieldManager: "m" });
  assert.equal(r.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(r.body!), body);
  assert.equal(
    replaceRequest({ resource: Deployment, namespace: "a" }, "w", body, {}, "status").path,
    "/apis/apps/v1/namespaces/a/deployments/w/status",
  );
});

// --- patch ---------------------------------------------------------------------------------------

Deno.test("request: each patch type has its content type and body", () => {
  const cases: Patch[] = [
    { type: "merge", body: { data: { a: "1" } } },
    { type: "strategic", body: { spec: { replicas: 2 } } },
    { type: "json", body: [{ op: "replace", path: "/spec/replicas", value: 3 }] },
  ];
  for (const patch of cases) {
    const r = patchRequest({ resource: Deployment, namespace: "a" }, "w", patch);
    assert.equal(r.method, "PATCH");
    assert.equal(r.path, "/apis/apps/v1/namespaces/a/deployments/w");
    assert.equal(r.headers["content-type"], patchContentType[patch.type]);
    assert.deepEqual(JSON.parse(r.body!), patch.body);
    assert.deepEqual(q(r), {});
  }
  assert.equal(patchContentType.merge, "application/merge-patch+json");
  assert.equal(patchContentType.json, "application/json-patch+json");
  assert.equal(patchContentType.strategic, "application/strategic-merge-patch+json");
});

Deno.test("request: server-side apply with fieldManager, force and dryRun", () => {
  const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "v" } };
  const r = patchRequest({ resource: ConfigMap, namespace: "n" }, "a", { type: "apply", body }, {
    fieldManager: "ctl",
    force: true,
    dryRun: true,
    fieldValidation: "Strict",
  });
  assert.equal(r.headers["content-type"], "application/apply-patch+yaml");
  assert.deepEqual(q(r), {
    dryRun: "All",
    fieldManager: "ctl",
    fieldValidation: "Strict",
    force: "true",
  });
  assert.deepEqual(JSON.parse(r.body!), body);
  assert.deepEqual(
    q(patchRequest(ns, "a", { type: "apply", body: {} }, { fieldManager: "c", force: false })),
    { fieldManager: "c" },
  );
});

Deno.test("request: apply without fieldManager, and force on a non-apply patch, are rejected", () => {
  assert.throws(
    () => patchRequest(ns, "a", { type: "apply", body: {} }),
    /server-side apply needs a field manager/,
  );
  assert.throws(
    () => patchRequest(ns, "a", { type: "apply", body: {} }, { fieldManager: "" }),
    /needs a field manager/,
  );
  assert.throws(
    () => patchRequest(ns, "a", { type: "merge", body: {} }, { force: true }),
    /force is only valid for server-side apply/,
  );
});

Deno.test("request: patch of the scale and status subresources", () => {
  const scope = { resource: Deployment, namespace: "a" };
  const r = patchRequest(
    scope,
    "w",
    { type: "merge", body: { spec: { replicas: 0 } } },
    {},
    "scale",
  );
  assert.equal(r.path, "/apis/apps/v1/namespaces/a/deployments/w/scale");
  const s = patchRequest(scope, "w", { type: "apply", body: {} }, { fieldManager: "m" }, "status");
  assert.equal(s.path, "/apis/apps/v1/namespaces/a/deployments/w/status");
});

// --- delete --------------------------------------------------------------------------------------

Deno.test("request: delete without options has no body", () => {
  const r = deleteRequest(ns, "p");
  assert.equal(r.method, "DELETE");
  assert.equal(r.path, "/api/v1/namespaces/default/pods/p");
  assert.equal(r.body, undefined);
  assert.equal(r.headers["content-type"], undefined);
  assert.deepEqual(q(r), {});
});

Deno.test("request: delete sends a DeleteOptions body with every option", () => {
  const r = deleteRequest(ns, "p", {
    propagationPolicy: "Foreground",
    gracePeriodSeconds: 0,
    preconditions: { resourceVersion: "7", uid: "u-1" },
    dryRun: true,
  });
  assert.equal(r.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(r.body!), {
    apiVersion: "v1",
    kind: "DeleteOptions",
    propagationPolicy: "Foreground",
    gracePeriodSeconds: 0,
    preconditions: { resourceVersion: "7", uid: "u-1" },
    dryRun: ["All"],
  });
  assert.deepEqual(q(r), {});
  for (const p of ["Orphan", "Background", "Foreground"] as const) {
    assert.equal(
      JSON.parse(deleteRequest(ns, "p", { propagationPolicy: p }).body!).propagationPolicy,
      p,
    );
  }
  // gracePeriodSeconds 0 ("now") is sent, not dropped as falsy.
  assert.equal(
    JSON.parse(deleteRequest(ns, "p", { gracePeriodSeconds: 0 }).body!).gracePeriodSeconds,
    0,
  );
  assert.equal(deleteRequest(ns, "p", { dryRun: false }).body, undefined);
});

Deno.test("request: deleteCollection takes list parameters in the query and options in the body", () => {
  const r = deleteCollectionRequest(
    { resource: ConfigMap, namespace: "t" },
    { propagationPolicy: "Background" },
    { labelSelector: "tmp=true", fieldSelector: "metadata.name!=keep" },
  );
  assert.equal(r.method, "DELETE");
  assert.equal(r.path, "/api/v1/namespaces/t/configmaps");
  assert.deepEqual(q(r), { labelSelector: "tmp=true", fieldSelector: "metadata.name!=keep" });
  assert.deepEqual(JSON.parse(r.body!), {
    apiVersion: "v1",
    kind: "DeleteOptions",
    propagationPolicy: "Background",
  });
  const bare = deleteCollectionRequest({ resource: ConfigMap, namespace: "t" });
  assert.equal(bare.body, undefined);
  assert.deepEqual(q(bare), {});
});

// --- invariants ----------------------------------------------------------------------------------

Deno.test("request: no request carries credentials or a host", () => {
  const all = [
    getRequest(ns, "a"),
    listRequest(ns),
    watchRequest(ns, "1"),
    createRequest(ns, {}),
    replaceRequest(ns, "a", {}),
    patchRequest(ns, "a", { type: "merge", body: {} }),
    deleteRequest(ns, "a"),
    deleteCollectionRequest(ns),
  ];
  for (const r of all) {
    assert.ok(r.path.startsWith("/api"), r.path);
    for (const h of Object.keys(r.headers)) {
      assert.ok(["accept", "content-type"].includes(h), `unexpected header ${h}`);
    }
  }
});
