import assert from "node:assert/strict";
import fc from "fast-check";
import {
  defaultPlural,
  keyOf,
  type KubeObject,
  objectKey,
  type ObjectOf,
  objectRef,
  ownerReference,
  parseKey,
  resourceType,
  ResourceTypeError,
  resourceTypeProblems,
} from "../../core/resource.ts";
import { KubeError } from "../../core/error.ts";
import { resourcePath } from "../../core/request.ts";
import { ConfigMap, Namespace, Pod } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { Lease } from "../../core/k8s/coordination.k8s.io/v1.ts";

interface Foo extends KubeObject {
  spec: { size: number };
}

Deno.test("resource: resourceType builds a frozen descriptor", () => {
  const Foo = resourceType<Foo>({
    group: "clux.dev",
    version: "v1",
    kind: "Foo",
    namespaced: true,
  });
  assert.equal(Foo.apiVersion, "clux.dev/v1");
  assert.equal(Foo.plural, "foos");
  assert.equal(Foo.namespaced, true);
  assert.equal(Foo.verbs, undefined);
  assert.ok(Object.isFrozen(Foo));
  assert.throws(() => {
    (Foo as { plural: string }).plural = "x";
  }, TypeError);

  const core = resourceType({ group: "", version: "v1", kind: "Thing", namespaced: false });
  assert.equal(core.apiVersion, "v1", "the core group's apiVersion is the bare version");

  const verbs = ["get", "list"];
  const withVerbs = resourceType({
    group: "g",
    version: "v1",
    kind: "K",
    plural: "kays",
    namespaced: false,
    verbs,
  });
  assert.equal(withVerbs.plural, "kays", "an explicit plural wins");
  verbs.push("delete");
  assert.deepEqual(withVerbs.verbs, ["get", "list"], "verbs are copied");
  assert.ok(Object.isFrozen(withVerbs.verbs));
});

Deno.test("resource: built-in descriptors", () => {
  assert.deepEqual(
    [Pod.apiVersion, Pod.plural, Pod.namespaced],
    ["v1", "pods", true],
  );
  assert.deepEqual([Namespace.plural, Namespace.namespaced], ["namespaces", false]);
  assert.deepEqual([ConfigMap.plural, ConfigMap.kind], ["configmaps", "ConfigMap"]);
  assert.deepEqual([Deployment.apiVersion, Deployment.plural], ["apps/v1", "deployments"]);
  assert.deepEqual([Lease.apiVersion, Lease.plural], ["coordination.k8s.io/v1", "leases"]);
  // The descriptor carries the object type.
  const p: ObjectOf<typeof Pod> = { metadata: { name: "x" }, spec: { containers: [] } };
  assert.equal(p.metadata.name, "x");
});

Deno.test("resource: defaultPlural follows the English rules CRD tooling uses", () => {
  const cases: [string, string][] = [
    ["Pod", "pods"],
    ["Foo", "foos"],
    ["Ingress", "ingresses"],
    ["Box", "boxes"],
    ["Quiz", "quizes"], // not English, but what kube-rs derives too
    ["Match", "matches"],
    ["Mesh", "meshes"],
    ["NetworkPolicy", "networkpolicies"],
    ["Gateway", "gateways"],
    ["Key", "keys"],
    ["Endpoints", "endpoints"],
    ["EndpointSlice", "endpointslices"],
  ];
  for (const [kind, plural] of cases) assert.equal(defaultPlural(kind), plural, kind);
});

Deno.test("resource: object keys", () => {
  assert.equal(objectKey({ metadata: { name: "a", namespace: "ns" } }), "ns/a");
  assert.equal(objectKey({ metadata: { name: "node-1" } }), "node-1");
  assert.equal(objectKey({ metadata: { name: "a", namespace: "" } }), "a");
  assert.equal(keyOf("a", "ns"), "ns/a");
  assert.equal(keyOf("a"), "a");
  assert.deepEqual(parseKey("ns/a"), { namespace: "ns", name: "a" });
  assert.deepEqual(parseKey("a"), { name: "a" });
});

Deno.test("resource: property: parseKey inverts keyOf for DNS-like names", () => {
  const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,20}[a-z0-9])?$/);
  fc.assert(
    fc.property(name, fc.option(name, { nil: undefined }), (n, ns) => {
      const parsed = parseKey(keyOf(n, ns));
      assert.deepEqual(parsed, ns ? { namespace: ns, name: n } : { name: n });
    }),
  );
});

Deno.test("resource: objectRef", () => {
  assert.deepEqual(objectRef(ConfigMap, { metadata: { name: "a", namespace: "ns", uid: "1" } }), {
    apiVersion: "v1",
    kind: "ConfigMap",
    name: "a",
    namespace: "ns",
    uid: "1",
  });
  assert.deepEqual(objectRef(Namespace, { metadata: { name: "apps" } }), {
    apiVersion: "v1",
    kind: "Namespace",
    name: "apps",
  });
});

Deno.test("resource: ownerReference", () => {
  const owner = { metadata: { name: "web", namespace: "a", uid: "u-1" } };
  assert.deepEqual(ownerReference(Deployment, owner), {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: "web",
    uid: "u-1",
    controller: true,
    blockOwnerDeletion: true,
  });
  const plain = ownerReference(Deployment, owner, { controller: false, blockOwnerDeletion: false });
  assert.equal(plain.controller, false);
  assert.equal(plain.blockOwnerDeletion, false);
  assert.throws(
    () => ownerReference(Deployment, { metadata: { name: "web" } }),
    /the owner Deployment needs metadata.name and metadata.uid/,
  );
});

// --- Names checked as the apiserver checks them (issue 11, item 7) --------------------------------

const TRAVERSAL = "../../../../../api/v1/namespaces/victim/secrets";

Deno.test("resourceType: a plural that is not one path segment is refused (no path traversal)", () => {
  for (
    const plural of [TRAVERSAL, "..", ".", "foos/x", "foos?watch=1", "Foos", "", "foo%2f", "-x"]
  ) {
    const err = (() => {
      try {
        resourceType({ group: "clux.dev", version: "v1", kind: "Foo", plural, namespaced: true });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ResourceTypeError, `plural ${JSON.stringify(plural)} was accepted`);
    assert.ok(err instanceof KubeError);
    assert.match(err.message, /^invalid resource type Foo: plural /);
    assert.match(err.problems[0], /RFC 1123 label|no more than 63/);
  }
});

Deno.test("resourceType: group, version and kind follow the apiserver's rules; the messages say which", () => {
  const base = { group: "clux.dev", version: "v1", kind: "Foo", plural: "foos" };
  const cases: [Partial<typeof base>, RegExp][] = [
    [
      { group: "../api" },
      /^group "\.\.\/api": a lowercase RFC 1123 subdomain .*use "" for the core group/,
    ],
    [{ group: "Clux.dev" }, /^group /],
    [{ group: "a".repeat(254) }, /^group .*no more than 253 characters/],
    [{ version: "v1/../../x" }, /^version .*DNS-1035 label/],
    [{ version: "1" }, /^version "1": a DNS-1035 label/],
    [{ version: "" }, /^version /],
    [{ kind: "Foo Bar" }, /^kind "Foo Bar": may have mixed case, but should otherwise match/],
    [{ kind: "" }, /^kind /],
    [{ plural: "p".repeat(64) }, /^plural .*no more than 63 characters/],
  ];
  for (const [change, re] of cases) {
    const problems = resourceTypeProblems({ ...base, ...change });
    assert.equal(problems.length, 1, `${JSON.stringify(change)}: ${problems}`);
    assert.match(problems[0], re);
  }
  assert.deepEqual(resourceTypeProblems(base), []);
  assert.deepEqual(resourceTypeProblems({ ...base, group: "" }), []);
  // Not a string at all (from JavaScript or a parsed file).
  const loose = { ...base, plural: 5 } as unknown as typeof base;
  assert.match(resourceTypeProblems(loose)[0], /^plural 5: must be a string/);
});

Deno.test("resourceType: every built-in descriptor passes the checks", async () => {
  // Each module under core/k8s builds its descriptors with resourceType() when imported.
  const root = new URL("../../core/k8s/", import.meta.url);
  let n = 0;
  for await (const group of Deno.readDir(root)) {
    if (!group.isDirectory) continue;
    for await (const f of Deno.readDir(new URL(`${group.name}/`, root))) {
      if (!f.name.endsWith(".ts")) continue;
      const mod = await import(new URL(`${group.name}/${f.name}`, root).href);
      for (const v of Object.values(mod)) {
        if (typeof v === "object" && v !== null && "plural" in v && "apiVersion" in v) {
          assert.deepEqual(
            resourceTypeProblems(v as unknown as ResourceTypeLike),
            [],
            String(v.plural),
          );
          n++;
        }
      }
    }
  }
  assert.ok(n > 50, `only ${n} descriptors found`);
});

type ResourceTypeLike = { group: string; version: string; kind: string; plural: string };

Deno.test("resourcePath: a hand-written descriptor with a traversal plural is refused too", () => {
  const forged = {
    group: "clux.dev",
    version: "v1",
    apiVersion: "clux.dev/v1",
    kind: "Foo",
    plural: TRAVERSAL,
    namespaced: true,
  };
  assert.throws(
    () => resourcePath({ resource: forged, namespace: "ns" }, "x"),
    (e) => e instanceof ResourceTypeError && /plural/.test(e.message),
  );
  const forgedGroup = {
    ...forged,
    plural: "foos",
    group: "../../api/v1/namespaces/victim/secrets",
  };
  assert.throws(() => resourcePath({ resource: forgedGroup }), ResourceTypeError);
  // Only what goes into the URL is checked there: a kind from discovery is not (the server named it).
  assert.equal(
    resourcePath({ resource: { ...forged, plural: "foos", kind: "Odd_Kind" } }),
    "/apis/clux.dev/v1/foos",
  );
  // A valid one builds its path as before.
  assert.equal(
    resourcePath({ resource: { ...forged, plural: "foos" }, namespace: "ns" }, "x"),
    "/apis/clux.dev/v1/namespaces/ns/foos/x",
  );
});
