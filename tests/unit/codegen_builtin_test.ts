// The built-in API generator (crd/codegen/builtin.ts): descriptors from the OpenAPI paths,
// determinism, and that the committed core/k8s/** is what the generator produces today.

import assert from "node:assert/strict";
import { generateBuiltin, resourcesFromPaths } from "../../crd/codegen/builtin.ts";
import type { OpenApiDocument } from "../../crd/codegen/openapi.ts";
import { checkGenerated } from "../../crd/codegen/check.ts";
import { Binding, ConfigMap, Namespace, Node, Pod, Service } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { TokenReview } from "../../core/k8s/authentication.k8s.io/v1.ts";
import { ClusterRole, Role } from "../../core/k8s/rbac.authorization.k8s.io/v1.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

function specDir(): string | undefined {
  const home = Deno.env.get("HOME") ?? "/root";
  const cache = Deno.env.get("GOMODCACHE") ?? `${Deno.env.get("GOPATH") ?? `${home}/go`}/pkg/mod`;
  const gomod = Deno.readTextFileSync(new URL("../cluster/go.mod", import.meta.url));
  const version = /k8s\.io\/kubernetes\s+(v\S+)/.exec(gomod)?.[1];
  const dir = `${cache}/k8s.io/kubernetes@${version}/api/openapi-spec/v3`;
  try {
    Deno.statSync(dir);
    return dir;
  } catch {
    return undefined;
  }
}
const SPEC = specDir();

function readDocs(dir: string): Record<string, OpenApiDocument> {
  const docs: Record<string, OpenApiDocument> = {};
  for (const e of Deno.readDirSync(dir)) {
    if (e.name.endsWith("_openapi.json")) {
      docs[e.name] = JSON.parse(Deno.readTextFileSync(`${dir}/${e.name}`));
    }
  }
  return docs;
}

const op = (action: string, kind: string, group = "", version = "v1") => ({
  "x-kubernetes-action": action,
  "x-kubernetes-group-version-kind": { group, version, kind },
});

Deno.test("resourcesFromPaths: plural, scope and verbs from actions; subresources skipped", () => {
  const doc: OpenApiDocument = {
    paths: {
      "/api/v1/": { get: {} },
      "/api/v1/namespaces": { get: op("list", "Namespace"), post: op("post", "Namespace") },
      "/api/v1/namespaces/{name}": {
        get: op("get", "Namespace"),
        delete: op("delete", "Namespace"),
      },
      "/api/v1/namespaces/{name}/status": { put: op("put", "Namespace") },
      "/api/v1/watch/namespaces": { get: op("watchlist", "Namespace") },
      "/api/v1/pods": { get: op("list", "Pod") },
      "/api/v1/namespaces/{namespace}/pods": {
        get: op("list", "Pod"),
        post: op("post", "Pod"),
        delete: op("deletecollection", "Pod"),
        parameters: [],
      },
      "/api/v1/namespaces/{namespace}/pods/{name}": { patch: op("patch", "Pod") },
      "/api/v1/namespaces/{namespace}/pods/{name}/eviction": {
        post: op("post", "Eviction", "policy"),
      },
      "/api/v1/namespaces/{namespace}/pods/{name}/exec": { get: op("connect", "PodExecOptions") },
      "/api/v1/namespaces/{namespace}/bindings": { post: op("post", "Binding") },
    },
  };
  const rs = resourcesFromPaths(doc, { group: "", version: "v1", path: "core/v1" });
  assert.deepEqual(rs, [
    {
      group: "",
      version: "v1",
      kind: "Binding",
      plural: "bindings",
      namespaced: true,
      verbs: ["create"],
    },
    {
      group: "",
      version: "v1",
      kind: "Namespace",
      plural: "namespaces",
      namespaced: false,
      verbs: ["create", "delete", "get", "list", "watch"],
    },
    {
      group: "",
      version: "v1",
      kind: "Pod",
      plural: "pods",
      namespaced: true,
      verbs: ["create", "deletecollection", "list", "patch"],
    },
  ]);
});

Deno.test("resourcesFromPaths: one kind under two plurals is an error, not a guess", () => {
  const doc: OpenApiDocument = {
    paths: {
      "/apis/x.io/v1/foos": { get: op("list", "Foo", "x.io") },
      "/apis/x.io/v1/bars": { get: op("list", "Foo", "x.io") },
    },
  };
  assert.throws(
    () => resourcesFromPaths(doc, { group: "x.io", version: "v1", path: "x.io/v1" }),
    /kind Foo of x\.io\/v1 is served as both/,
  );
});

Deno.test("generated descriptors: group, version, plural, scope and verbs of well-known kinds", () => {
  assert.equal(Pod.apiVersion, "v1");
  assert.equal(Pod.plural, "pods");
  assert.equal(Pod.namespaced, true);
  assert.deepEqual(Pod.verbs, [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
  ]);
  assert.equal(Namespace.namespaced, false);
  assert.equal(Node.namespaced, false);
  assert.equal(ConfigMap.plural, "configmaps");
  assert.equal(Service.plural, "services");
  assert.deepEqual(Binding.verbs, ["create"]);
  assert.deepEqual(TokenReview.verbs, ["create"]);
  assert.equal(TokenReview.namespaced, false);
  assert.equal(Deployment.apiVersion, "apps/v1");
  assert.equal(Role.namespaced, true);
  assert.equal(ClusterRole.namespaced, false);
  assert.equal(CustomResourceDefinition.plural, "customresourcedefinitions");
  assert.equal(CustomResourceDefinition.namespaced, false);
});

Deno.test({
  name: "generateBuiltin: every GA group-version, unique plurals, deterministic output",
  ignore: SPEC === undefined,
  fn: () => {
    const documents = readDocs(SPEC!);
    const a = generateBuiltin({ release: "v1.37.2", documents });
    const b = generateBuiltin({ release: "v1.37.2", documents });
    assert.deepEqual(a.files, b.files);
    const files = Object.keys(a.files);
    for (
      const f of [
        "core/v1.ts",
        "meta/v1.ts",
        "apps/v1.ts",
        "batch/v1.ts",
        "networking.k8s.io/v1.ts",
        "rbac.authorization.k8s.io/v1.ts",
        "apiextensions.k8s.io/v1.ts",
        "apiregistration.k8s.io/v1.ts",
      ]
    ) assert.ok(files.includes(f), f);
    // No alpha/beta group-version in full; only the one a stable kind references (batch/v1 Job).
    assert.deepEqual(files.filter((f) => /(alpha|beta)/.test(f)), [
      "scheduling.k8s.io/v1alpha3.ts",
    ]);
    assert.doesNotMatch(a.files["scheduling.k8s.io/v1alpha3.ts"], /resourceType</);
    const seen = new Set<string>();
    for (const r of a.resources) {
      const key = `${r.group}/${r.version}/${r.plural}`;
      assert.ok(!seen.has(key), key);
      seen.add(key);
      assert.ok(r.verbs.length > 0, key);
    }
    assert.ok(a.resources.length >= 60, `${a.resources.length} resources`);
    // Prerelease on: more files, and v1beta1 descriptors.
    const all = generateBuiltin({ release: "v1.37.2", documents, prerelease: true });
    assert.ok(Object.keys(all.files).length > files.length);
    assert.ok(all.resources.some((r) => r.version.includes("beta")));
  },
});

Deno.test({
  name: "core/k8s/** and deno.json exports are up to date with the generator (CI freshness check)",
  ignore: SPEC === undefined || !canRun,
  fn: async () => {
    assert.deepEqual(await checkGenerated({ spec: SPEC }), []);
  },
});
