import assert from "node:assert/strict";
import { applyManifests, ManifestError, parseManifests } from "../../client/manifests.ts";
import { testClient } from "./_client.ts";
import { json, type Recorded, scriptedServer, status } from "./_scripted.ts";

const yaml = `
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {a: "1"}
---
# an empty document
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.x.test, namespace: ignored}
spec: {group: x.test, names: {kind: Gadget, plural: gadgets}, scope: Namespaced, versions: []}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: ns1}
`;

Deno.test("parseManifests: documents, empty ones skipped, List flattened", () => {
  assert.deepEqual(parseManifests(yaml).map((o) => o.kind), [
    "ConfigMap",
    "CustomResourceDefinition",
    "Namespace",
  ]);
});

Deno.test("parseManifests: bad input names the object and the fix", () => {
  assert.throws(() => parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"), (e) => {
    assert.ok(e instanceof ManifestError);
    assert.match(e.message, /object 1 \(ConfigMap\): needs metadata\.name/);
    return true;
  });
  assert.throws(
    () => parseManifests("kind: ConfigMap\nmetadata: {name: a}\n"),
    /apiVersion and kind/,
  );
  assert.throws(
    () => parseManifests("a: [\n"),
    (e) => e instanceof ManifestError && /YAML document 1/.test(e.message),
  );
  assert.throws(() => parseManifests("- 1\n"), /not a mapping/);
});

function res(resource: string, kind: string, scope: string) {
  return {
    resource,
    responseKind: { kind },
    scope,
    singularResource: kind.toLowerCase(),
    verbs: ["get", "patch"],
  };
}

Deno.test("applyManifests: Namespaces, then CRDs (until Established), then the rest; a report per object", async () => {
  const rvs: Record<string, string> = { "/api/v1/namespaces/default/configmaps/cm": "5" };
  await using server = scriptedServer((req: Recorded) => {
    if (req.path === "/api") {
      return json({
        kind: "APIGroupDiscoveryList",
        items: [{
          metadata: { name: "" },
          versions: [{
            version: "v1",
            resources: [
              res("configmaps", "ConfigMap", "Namespaced"),
              res("namespaces", "Namespace", "Cluster"),
            ],
          }],
        }],
      });
    }
    if (req.path === "/apis") {
      return json({
        kind: "APIGroupDiscoveryList",
        items: [{
          metadata: { name: "apiextensions.k8s.io" },
          versions: [{
            version: "v1",
            resources: [res("customresourcedefinitions", "CustomResourceDefinition", "Cluster")],
          }],
        }],
      });
    }
    const established = { conditions: [{ type: "Established", status: "True" }] };
    const known = rvs[req.path];
    if (req.method === "GET") {
      return known
        ? json({ metadata: { resourceVersion: known }, status: established })
        : status(404, "NotFound", "nf");
    }
    // PATCH: the ConfigMap's apply changes nothing; the others are new.
    const body = JSON.parse(req.body);
    const rv = known ?? "1";
    rvs[req.path] = rv;
    return json({
      ...body,
      metadata: { ...body.metadata, resourceVersion: rv },
      status: established,
    });
  });
  using client = testClient(server.url);
  const report = await applyManifests(client, yaml, { fieldManager: "t", force: true });
  assert.deepEqual(report.map((a) => [a.resource.plural, a.namespace, a.name, a.result]), [
    ["namespaces", undefined, "ns1", "created"],
    ["customresourcedefinitions", undefined, "gadgets.x.test", "created"],
    ["configmaps", "default", "cm", "unchanged"],
  ]);
  const patches = server.requests.filter((r) => r.method === "PATCH");
  assert.deepEqual(patches.map((r) => r.path), [
    "/api/v1/namespaces/ns1",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.x.test",
    // applyCrd's own apply, then its wait
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.x.test",
    "/api/v1/namespaces/default/configmaps/cm",
  ]);
  for (const p of patches) {
    assert.equal(p.headers.get("content-type"), "application/apply-patch+yaml");
    assert.equal(p.query.get("fieldManager"), "t");
    assert.equal(p.query.get("force"), "true");
  }
  assert.equal(
    JSON.parse(patches[1].body).metadata.namespace,
    undefined,
    "cluster-scoped: no namespace",
  );
  assert.equal(JSON.parse(patches[3].body).metadata.namespace, "default");

  await assert.rejects(
    () =>
      applyManifests(client, [{
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "x", namespace: "a" },
      }], { namespace: "b" }),
    /namespace "a" is not the namespace\s+"b"/,
  );
  await assert.rejects(
    () =>
      applyManifests(client, [{ apiVersion: "x.test/v1", kind: "Nope", metadata: { name: "n" } }]),
    (e) => e instanceof ManifestError && /no resource serves x\.test\/v1 Nope/.test(e.message),
  );
});
