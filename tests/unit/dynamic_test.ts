import assert from "node:assert/strict";
import {
  AmbiguousResourceError,
  type ApiGroup,
  apiGroupsFromAggregated,
  apiResource,
  type ApiResourceInit,
  apiResourcesFromList,
  DiscoveryError,
  gvkOf,
  parseApiVersion,
  qualifiedName,
  RestMapper,
  UnknownResourceError,
} from "../../core/dynamic.ts";

type R = Omit<ApiResourceInit, "group" | "version">;
const ns = (kind: string, plural: string, more: Partial<R> = {}): R => ({
  kind,
  plural,
  namespaced: true,
  ...more,
});
const cl = (kind: string, plural: string, more: Partial<R> = {}): R => ({
  kind,
  plural,
  namespaced: false,
  ...more,
});

/** A group from `[version, resources]` pairs, preferred first. */
function group(name: string, versions: [string, R[]][], preferred = versions[0][0]): ApiGroup {
  return {
    name,
    preferredVersion: preferred,
    versions: versions.map(([version, rs]) => ({
      version,
      resources: rs.map((r) => apiResource({ ...r, group: name, version })),
    })),
  };
}

const all = ["all"];
/** The shape of a real server, in its order, plus CRDs that collide on purpose. */
const mapper = new RestMapper([
  group("", [["v1", [
    ns("Pod", "pods", { shortNames: ["po"], categories: all }),
    ns("Service", "services", { shortNames: ["svc"], categories: all }),
    ns("ConfigMap", "configmaps", { shortNames: ["cm"] }),
    ns("Event", "events", { shortNames: ["ev"] }),
    ns("Endpoints", "endpoints", { shortNames: ["ep"], singular: "endpoints" }),
    cl("Namespace", "namespaces", { shortNames: ["ns"] }),
    cl("Node", "nodes", { shortNames: ["no"] }),
  ]]]),
  group("apps", [["v1", [
    ns("Deployment", "deployments", { shortNames: ["deploy"], categories: all }),
    ns("ReplicaSet", "replicasets", { shortNames: ["rs"], categories: all }),
  ]]]),
  group("events.k8s.io", [["v1", [ns("Event", "events", { shortNames: ["ev"] })]]]),
  group("autoscaling", [
    ["v2", [ns("HorizontalPodAutoscaler", "horizontalpodautoscalers", { shortNames: ["hpa"] })]],
    ["v1", [ns("HorizontalPodAutoscaler", "horizontalpodautoscalers", { shortNames: ["hpa"] })]],
  ]),
  // Listed v1 first, but v2 is preferred: priority follows the preference.
  group("stable.example.com", [
    ["v1", [
      ns("CronTab", "crontabs", { shortNames: ["ct"], categories: all }),
      ns("OldThing", "oldthings"),
    ]],
    ["v2", [ns("CronTab", "crontabs", { shortNames: ["ct"], categories: all })]],
  ], "v2"),
  // A short name another group already has, and a kind whose singular is not its lower case.
  group("widgets.example.com", [["v1", [
    ns("Widget", "widgets", { singular: "wid", shortNames: ["cm", "wd"] }),
  ]]]),
  // Two resources whose singular collide inside one group-version: nothing ranks one first.
  group("amb.example.com", [["v1", [
    ns("Foo", "foos", { singular: "thing" }),
    ns("Bar", "bars", { singular: "thing" }),
  ]]]),
]);

// name -> "plural.version.group" kubectl would pick, or the error it would report.
const table: [string, string][] = [
  ["pods", "pods.v1."],
  ["pod", "pods.v1."],
  ["Pod", "pods.v1."],
  ["PODS", "pods.v1."],
  ["po", "pods.v1."],
  ["PO", "unknown"], // short names are case-sensitive
  ["pods.v1.", "pods.v1."],
  ["deploy", "deployments.v1.apps"],
  ["deployments", "deployments.v1.apps"],
  ["deployment", "deployments.v1.apps"],
  ["Deployment", "deployments.v1.apps"],
  ["deploy.apps", "deployments.v1.apps"],
  ["deployments.apps", "deployments.v1.apps"],
  ["deployments.v1.apps", "deployments.v1.apps"],
  ["deployment.v1.apps", "deployments.v1.apps"],
  ["Deployment.apps", "deployments.v1.apps"],
  ["Deployment.v1.apps", "deployments.v1.apps"],
  ["deployments.v2.apps", "unknown"],
  // The shortcut expander forgets the version (client-go builds a fresh GVR).
  ["deploy.v2.apps", "deployments.v1.apps"],
  ["deployments.extensions", "unknown"],
  ["events", "events.v1."], // core first, no error
  ["ev", "events.v1."],
  ["events.events.k8s.io", "events.v1.events.k8s.io"],
  ["ev.events.k8s.io", "events.v1.events.k8s.io"],
  ["hpa", "horizontalpodautoscalers.v2.autoscaling"],
  ["horizontalpodautoscalers.v1.autoscaling", "horizontalpodautoscalers.v1.autoscaling"],
  ["hpa.autoscal", "horizontalpodautoscalers.v2.autoscaling"], // group prefix
  ["crontabs", "crontabs.v2.stable.example.com"], // the preferred version, not the first listed
  ["ct", "crontabs.v2.stable.example.com"],
  ["crontabs.v1.stable.example.com", "crontabs.v1.stable.example.com"],
  ["oldthings", "oldthings.v1.stable.example.com"], // only in a non-preferred version
  ["cm", "configmaps.v1."],
  ["cm.widgets.example.com", "widgets.v1.widgets.example.com"],
  ["wd", "widgets.v1.widgets.example.com"],
  ["wid", "widgets.v1.widgets.example.com"],
  ["Widget", "unknown"], // by kind without a group: the core group only
  ["Widget.widgets.example.com", "widgets.v1.widgets.example.com"],
  ["Widget.v1.widgets.example.com", "widgets.v1.widgets.example.com"],
  ["endpoints", "endpoints.v1."],
  ["ns", "namespaces.v1."],
  ["thing", "ambiguous"],
  ["foo", "unknown"],
  ["pods.apps", "unknown"],
];

for (const [name, want] of table) {
  Deno.test(`RestMapper.resolve(${JSON.stringify(name)}) -> ${want}`, () => {
    let got: string;
    try {
      got = qualifiedName(mapper.resolve(name));
    } catch (err) {
      if (err instanceof UnknownResourceError) got = "unknown";
      else if (err instanceof AmbiguousResourceError) got = "ambiguous";
      else throw err;
    }
    assert.equal(got, want);
  });
}

Deno.test("RestMapper: an ambiguous name's error lists every candidate", () => {
  assert.throws(() => mapper.resolve("thing"), (err) => {
    assert.ok(err instanceof AmbiguousResourceError);
    assert.deepEqual(err.candidates.map(qualifiedName), [
      "foos.v1.amb.example.com",
      "bars.v1.amb.example.com",
    ]);
    assert.match(err.message, /foos\.v1\.amb\.example\.com, bars\.v1\.amb\.example\.com/);
    return true;
  });
});

Deno.test("RestMapper: strict makes a name two groups serve an error that lists both", () => {
  assert.throws(() => mapper.resolve("events", { strict: true }), (err) => {
    assert.ok(err instanceof AmbiguousResourceError);
    assert.deepEqual(err.candidates.map(qualifiedName), [
      "events.v1.",
      "events.v1.events.k8s.io",
    ]);
    return true;
  });
  assert.throws(() => mapper.resolve("cm", { strict: true }), AmbiguousResourceError);
  // One group at several versions is not ambiguous.
  assert.equal(
    qualifiedName(mapper.resolve("hpa", { strict: true })),
    qualifiedName(
      mapper.resolve("horizontalpodautoscalers.v2.autoscaling"),
    ),
  );
  assert.equal(mapper.resolve("pods", { strict: true }).plural, "pods");
});

Deno.test("RestMapper.candidates: what resolve picks first, then the others by priority", () => {
  assert.deepEqual(mapper.candidates("ev").map(qualifiedName), [
    "events.v1.",
    "events.v1.events.k8s.io",
  ]);
  assert.deepEqual(mapper.candidates("nope"), []);
});

Deno.test("RestMapper.expand: categories and lists, in priority order, without duplicates", () => {
  assert.deepEqual(mapper.expand("all").map(qualifiedName), [
    "pods.v1.",
    "services.v1.",
    "deployments.v1.apps",
    "replicasets.v1.apps",
    "crontabs.v2.stable.example.com",
  ]);
  assert.deepEqual(mapper.expand("po,svc,pods,deploy").map((r) => r.plural), [
    "pods",
    "services",
    "deployments",
  ]);
  assert.throws(() => mapper.expand("pods,nope"), UnknownResourceError);
  assert.throws(() => mapper.resolve(""), TypeError);
});

Deno.test("RestMapper.preferred: one entry per resource, at the preferred version", () => {
  const got = mapper.preferred().map(qualifiedName);
  assert.ok(got.includes("crontabs.v2.stable.example.com"));
  assert.ok(!got.includes("crontabs.v1.stable.example.com"));
  assert.ok(got.includes("oldthings.v1.stable.example.com"));
  assert.ok(got.includes("horizontalpodautoscalers.v2.autoscaling"));
  assert.equal(got.filter((n) => n.startsWith("horizontalpodautoscalers.")).length, 1);
  assert.equal(got[0], "pods.v1.");
});

Deno.test("RestMapper.forKind: exact group, version and kind", () => {
  assert.equal(
    mapper.forKind({ group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" })
      ?.apiVersion,
    "autoscaling/v1",
  );
  assert.equal(mapper.forKind({ group: "apps", version: "v2", kind: "Deployment" }), undefined);
  assert.equal(mapper.forKind(gvkOf({ apiVersion: "v1", kind: "Pod" }))?.plural, "pods");
});

Deno.test("parseApiVersion / gvkOf reject what is not an apiVersion", () => {
  assert.deepEqual(parseApiVersion("stable.example.com/v2"), {
    group: "stable.example.com",
    version: "v2",
  });
  assert.throws(() => parseApiVersion("a/b/c"), /group\/version/);
  assert.throws(() => parseApiVersion("/v1"), TypeError);
  assert.throws(() => gvkOf({ apiVersion: "v1" }), /apiVersion and kind/);
});

Deno.test("apiResource: frozen, singular defaults to the lower-case kind", () => {
  const r = apiResource({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    namespaced: true,
  });
  assert.ok(Object.isFrozen(r) && Object.isFrozen(r.verbs));
  assert.equal(r.singular, "pod");
  assert.equal(r.apiVersion, "v1");
  assert.throws(
    () => apiResource({ group: "", version: "v1", kind: "Pod", plural: "", namespaced: true }),
    /plural/,
  );
});

Deno.test("apiGroupsFromAggregated: resources, subresources, scope; stale versions left out", () => {
  const groups = apiGroupsFromAggregated({
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    items: [{
      metadata: { name: "apps" },
      versions: [
        {
          version: "v1",
          freshness: "Current",
          resources: [{
            resource: "deployments",
            responseKind: { group: "apps", version: "v1", kind: "Deployment" },
            scope: "Namespaced",
            singularResource: "deployment",
            verbs: ["create", "get", "list"],
            shortNames: ["deploy"],
            categories: ["all"],
            subresources: [{
              subresource: "scale",
              responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
              verbs: ["get", "patch"],
            }],
          }],
        },
        { version: "v1beta1", freshness: "Stale", resources: [] },
      ],
    }, {
      metadata: { name: "gone.example.com" },
      versions: [{ version: "v1", freshness: "Stale" }],
    }],
  }, "GET /apis");
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0].versions.map((v) => v.version), ["v1"]);
  const d = groups[0].versions[0].resources[0];
  assert.equal(d.kind, "Deployment");
  assert.equal(d.namespaced, true);
  assert.deepEqual(d.subresources, [{ name: "scale", kind: "Scale", verbs: ["get", "patch"] }]);
  assert.throws(
    () => apiGroupsFromAggregated({ kind: "APIGroupDiscoveryList", items: "x" }, "GET /apis"),
    (e) => e instanceof DiscoveryError && /GET \/apis: items/.test(e.message),
  );
  assert.throws(
    () => apiGroupsFromAggregated({ kind: "APIGroupList" }, "GET /apis"),
    DiscoveryError,
  );
});

Deno.test("apiResourcesFromList: subresources hang off their resource", () => {
  const rs = apiResourcesFromList({
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      { name: "pods/log", kind: "Pod", verbs: ["get"], namespaced: true, singularName: "" },
      { name: "pods", kind: "Pod", namespaced: true, categories: ["all"], verbs: ["get"] },
      {
        name: "pods/status",
        singularName: "",
        namespaced: true,
        kind: "Pod",
        verbs: ["get", "patch"],
      },
      { name: "nodes", singularName: "node", namespaced: false, kind: "Node", verbs: ["get"] },
    ],
  }, "GET /api/v1");
  assert.deepEqual(rs.map((r) => [r.plural, r.group, r.version, r.namespaced]), [
    ["pods", "", "v1", true],
    ["nodes", "", "v1", false],
  ]);
  assert.deepEqual(rs[0].subresources.map((s) => s.name), ["log", "status"]);
  assert.deepEqual(rs[0].categories, ["all"]);
});
