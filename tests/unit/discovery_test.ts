import assert from "node:assert/strict";
import { Discovery } from "../../client/discovery.ts";
import {
  AGGREGATED_DISCOVERY_ACCEPT,
  DiscoveryError,
  qualifiedName,
  UnknownResourceError,
} from "../../core/dynamic.ts";
import { ApiError } from "../../core/error.ts";
import { resourceType } from "../../core/resource.ts";
import { json, type Recorded, scriptedServer, status } from "./_scripted.ts";
import { testClient } from "./_client.ts";

const AGG_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

function res(
  resource: string,
  kind: string,
  group: string,
  version: string,
  shortNames: string[] = [],
) {
  return {
    resource,
    responseKind: { group, version, kind },
    scope: "Namespaced",
    singularResource: kind.toLowerCase(),
    verbs: ["get", "list", "watch"],
    shortNames,
  };
}

const core = {
  kind: "APIGroupDiscoveryList",
  apiVersion: "apidiscovery.k8s.io/v2",
  metadata: {},
  items: [{
    metadata: { name: "" },
    versions: [{ version: "v1", resources: [res("pods", "Pod", "", "v1", ["po"])] }],
  }],
};

function apis(withCrd: boolean) {
  const items: unknown[] = [{
    metadata: { name: "apps" },
    versions: [{
      version: "v1",
      resources: [res("deployments", "Deployment", "apps", "v1", ["deploy"])],
    }],
  }];
  if (withCrd) {
    items.push({
      metadata: { name: "stable.example.com" },
      versions: [{
        version: "v1",
        resources: [res("crontabs", "CronTab", "stable.example.com", "v1", ["ct"])],
      }],
    });
  }
  return { ...core, items };
}

/** A server with aggregated discovery and ETags; `state.crd` flips what /apis serves. */
function aggregatedServer(state: { crd: boolean }) {
  return scriptedServer((req: Recorded) => {
    const body = req.path === "/api" ? core : apis(state.crd);
    const etag = req.path === "/api" ? '"core-1"' : `"apis-${state.crd ? 2 : 1}"`;
    if (req.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers: { etag } });
    }
    return json(body, 200, { etag, "content-type": AGG_TYPE });
  });
}

Deno.test("Discovery: aggregated discovery in two requests, with the v2 Accept header", async () => {
  await using server = aggregatedServer({ crd: false });
  using client = testClient(server.url);
  const d = await Discovery.run(client);
  assert.deepEqual(server.requests.map((r) => r.path), ["/api", "/apis"]);
  for (const r of server.requests) {
    assert.equal(r.headers.get("accept"), AGGREGATED_DISCOVERY_ACCEPT);
    assert.match(r.headers.get("accept")!, /^application\/json;g=apidiscovery\.k8s\.io;v=v2;/);
    assert.equal(r.headers.get("if-none-match"), null);
  }
  assert.deepEqual(d.groups.map((g) => g.name), ["", "apps"]);
  assert.equal(qualifiedName(await d.resolve("deploy")), "deployments.v1.apps");
  assert.equal(server.requests.length, 2, "a hit sends nothing");
});

Deno.test("Discovery.refresh: revalidates with the ETag; a 304 keeps the cache", async () => {
  await using server = aggregatedServer({ crd: false });
  using client = testClient(server.url);
  const d = await Discovery.run(client);
  const mapper = d.mapper;
  const r = await d.refresh();
  assert.deepEqual(r, { aggregated: true, changed: false, requests: 2, notModified: 2 });
  assert.deepEqual(server.requests.slice(2).map((q) => q.headers.get("if-none-match")), [
    '"core-1"',
    '"apis-1"',
  ]);
  assert.equal(d.mapper, mapper, "nothing rebuilt on 304");
});

Deno.test("Discovery: a miss refreshes once, so a CRD installed after start resolves", async () => {
  const state = { crd: false };
  await using server = aggregatedServer(state);
  using client = testClient(server.url);
  const d = await Discovery.run(client);
  assert.equal(d.mapper.candidates("ct").length, 0);
  state.crd = true; // the CRD gets installed
  assert.equal(qualifiedName(await d.resolve("ct")), "crontabs.v1.stable.example.com");
  // /api answered 304, /apis the new document.
  assert.equal(server.requests.length, 4);
  assert.equal(server.requests[3].headers.get("if-none-match"), '"apis-1"');
  assert.equal(qualifiedName(await d.resolve("crontabs")), "crontabs.v1.stable.example.com");
  assert.equal(server.requests.length, 4, "now cached");
});

Deno.test("Discovery: an unknown name costs one revalidation, then UnknownResourceError", async () => {
  await using server = aggregatedServer({ crd: false });
  using client = testClient(server.url);
  const d = await Discovery.run(client);
  await assert.rejects(() => d.resolve("nope"), (err) => {
    assert.ok(err instanceof UnknownResourceError);
    assert.match(err.message, /doesn't have a resource type "nope"/);
    return true;
  });
  assert.equal(server.requests.length, 4);
  await assert.rejects(
    () => d.forKind({ apiVersion: "apps/v2", kind: "Deployment" }),
    /no resource serves apps\/v2 Deployment/,
  );
  assert.equal((await d.forKind({ apiVersion: "v1", kind: "Pod" })).plural, "pods");
});

Deno.test("Discovery: concurrent misses share one refresh", async () => {
  const state = { crd: false };
  await using server = aggregatedServer(state);
  using client = testClient(server.url);
  const d = await Discovery.run(client);
  state.crd = true;
  const got = await Promise.all([d.resolve("ct"), d.resolve("crontabs"), d.resolve("crontab")]);
  assert.deepEqual(new Set(got.map(qualifiedName)), new Set(["crontabs.v1.stable.example.com"]));
  assert.equal(server.requests.length, 4);
});

/** A server from before aggregated discovery: the old documents whatever the Accept header. */
function legacyServer() {
  return scriptedServer((req: Recorded) => {
    switch (req.path) {
      case "/api":
        return json({ kind: "APIVersions", versions: ["v1"] });
      case "/apis":
        return json({
          kind: "APIGroupList",
          groups: [
            {
              name: "autoscaling",
              versions: [
                { groupVersion: "autoscaling/v2", version: "v2" },
                { groupVersion: "autoscaling/v1", version: "v1" },
              ],
              preferredVersion: { groupVersion: "autoscaling/v2", version: "v2" },
            },
            {
              name: "metrics.k8s.io",
              versions: [{ groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" }],
              preferredVersion: { groupVersion: "metrics.k8s.io/v1beta1", version: "v1beta1" },
            },
          ],
        });
      case "/api/v1":
        return json({
          kind: "APIResourceList",
          groupVersion: "v1",
          resources: [
            {
              name: "pods",
              singularName: "pod",
              namespaced: true,
              kind: "Pod",
              verbs: ["get"],
              shortNames: ["po"],
            },
            { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
          ],
        });
      case "/apis/autoscaling/v2":
      case "/apis/autoscaling/v1":
        return json({
          kind: "APIResourceList",
          groupVersion: req.path.slice("/apis/".length),
          resources: [{
            name: "horizontalpodautoscalers",
            singularName: "horizontalpodautoscaler",
            namespaced: true,
            kind: "HorizontalPodAutoscaler",
            verbs: ["get"],
            shortNames: ["hpa"],
          }],
        });
      case "/apis/metrics.k8s.io/v1beta1": // an aggregated API server that is down
        return status(503, "ServiceUnavailable", "the server is currently unable to handle it");
    }
    return status(404, "NotFound", "no");
  });
}

Deno.test("Discovery: falls back to per-group discovery; a group that is down is skipped", async () => {
  await using server = legacyServer();
  using client = testClient(server.url, { retry: { maxRetries: 0 } });
  const d = await Discovery.run(client);
  assert.deepEqual(server.requests.map((r) => r.path).sort(), [
    "/api",
    "/api/v1",
    "/apis",
    "/apis/autoscaling/v1",
    "/apis/autoscaling/v2",
    "/apis/metrics.k8s.io/v1beta1",
  ]);
  assert.deepEqual(d.groups.map((g) => g.name), ["", "autoscaling"]);
  assert.equal(qualifiedName(await d.resolve("hpa")), "horizontalpodautoscalers.v2.autoscaling");
  assert.deepEqual((await d.resolve("po")).subresources.map((s) => s.name), ["log"]);
  const again = await d.refresh();
  assert.deepEqual([again.aggregated, again.changed], [false, false]);
});

Deno.test("Discovery: aggregated: false asks for the old documents only", async () => {
  await using server = legacyServer();
  using client = testClient(server.url, { retry: { maxRetries: 0 } });
  await Discovery.run(client, { aggregated: false });
  assert.equal(server.requests[0].headers.get("accept"), "application/json");
});

Deno.test("Discovery: a document that is not discovery is a DiscoveryError naming it", async () => {
  await using server = scriptedServer(() => json({ kind: "Status", hello: 1 }));
  using client = testClient(server.url);
  await assert.rejects(() => Discovery.run(client), (err) => {
    assert.ok(err instanceof DiscoveryError);
    assert.match(err.message, /GET \/api: neither an APIGroupDiscoveryList nor an APIVersions/);
    return true;
  });
});

Deno.test("Client.requestRaw: a 304 is an answer only to a conditional request", async () => {
  await using server = scriptedServer(() => new Response(null, { status: 304 }));
  using client = testClient(server.url, { retry: { maxRetries: 0 } });
  const get = (headers: Record<string, string>) =>
    client.requestRaw({ method: "GET", path: "/apis", query: new URLSearchParams(), headers });
  assert.equal((await get({ "if-none-match": '"x"' })).status, 304);
  await assert.rejects(() => get({}), (err) => err instanceof ApiError && err.code === 304);
});

Deno.test("Discovery.descriptor: the server's plural, scope and verbs replace the guessed ones", async () => {
  await using server = aggregatedServer({ crd: true });
  using client = testClient(server.url);
  const d = await Discovery.run(client);
  const guessed = resourceType({
    group: "stable.example.com",
    version: "v1",
    kind: "CronTab",
    plural: "crontabz",
    namespaced: false,
  });
  const fixed = await d.descriptor(guessed);
  assert.deepEqual([fixed.plural, fixed.namespaced, fixed.verbs], [
    "crontabs",
    true,
    ["get", "list", "watch"],
  ]);
  await assert.rejects(
    () =>
      d.descriptor(resourceType({ group: "x.io", version: "v1", kind: "Nope", namespaced: true })),
    /no resource serves x\.io\/v1 Nope/,
  );
});
