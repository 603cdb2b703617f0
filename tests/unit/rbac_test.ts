// The RBAC derivation (runtime/rbac.ts, Controller.permissions/rbac): tables of controllers and
// permissions -> rules. Pure: the Apis are never called.

import assert from "node:assert/strict";
import {
  Api,
  Controller,
  finalizerPermissions,
  isRbacError,
  leaderElectionPermissions,
  metadataApi,
  type Permission,
  permission,
  rbacManifests,
  type RbacRules,
  rbacRules,
  recorderPermissions,
  sharedReflector,
  watcher,
} from "../../mod.ts";
import { ConfigMap, Namespace, Secret } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { configMapGenController, MANAGER } from "../../examples/configmapgen_controller.ts";
import { testClient } from "./_client.ts";

const client = testClient(new URL("http://127.0.0.1:1"));

const CMG = "configmapgenerators";

interface Case {
  name: string;
  controller: () => Controller<never> | { rbac(): RbacRules };
  want: RbacRules;
}

const table: Case[] = [
  {
    name: "namespaced main resource: a Role with list+watch",
    controller: () => new Controller(Api.namespaced(client, ConfigMap, "apps")),
    want: {
      cluster: [],
      namespaces: {
        apps: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list", "watch"] }],
      },
    },
  },
  {
    name: "Api.all: a ClusterRole",
    controller: () => new Controller(Api.all(client, Secret)),
    want: {
      cluster: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list", "watch"] }],
      namespaces: {},
    },
  },
  {
    name: "cluster-scoped main resource: a ClusterRole, uses() of a namespaced type goes there too",
    controller: () => new Controller(Api.all(client, Namespace)).uses(ConfigMap, ["create"]),
    want: {
      cluster: [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
        { apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch"] },
      ],
      namespaces: {},
    },
  },
  {
    name: "the configmapgen operator, namespaced: owns + writes + status + finalizer + events",
    controller: () => configMapGenController(client, { namespace: "apps" }),
    want: {
      cluster: [],
      namespaces: {
        apps: [
          {
            apiGroups: [""],
            resources: ["configmaps"],
            verbs: ["get", "list", "watch", "create", "patch"],
          },
          { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
          // list+watch+patch of the main resource (finalizer) and patch of its status differ.
          { apiGroups: ["kubeno.dev"], resources: [CMG], verbs: ["list", "watch", "patch"] },
          { apiGroups: ["kubeno.dev"], resources: [`${CMG}/status`], verbs: ["patch"] },
        ],
      },
    },
  },
  {
    name: "the configmapgen operator, all namespaces, lease in ops: ClusterRole + Role in ops",
    controller: () => configMapGenController(client, { leaseNamespace: "ops" }),
    want: {
      cluster: [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          verbs: ["get", "list", "watch", "create", "patch"],
        },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: ["kubeno.dev"], resources: [CMG], verbs: ["list", "watch", "patch"] },
        { apiGroups: ["kubeno.dev"], resources: [`${CMG}/status`], verbs: ["patch"] },
      ],
      namespaces: {
        ops: [
          { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
          {
            apiGroups: ["coordination.k8s.io"],
            resources: ["leases"],
            verbs: ["get", "update"],
            resourceNames: [MANAGER],
          },
        ],
      },
    },
  },
  {
    name: "cluster-scoped objects: finalizer in the ClusterRole, their Events in default",
    controller: () =>
      new Controller(Api.all(client, Namespace))
        .needs(
          ...finalizerPermissions(Namespace),
          ...recorderPermissions({ namespace: "default" }),
        ),
    want: {
      cluster: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch", "patch"] }],
      namespaces: {
        default: [{
          apiGroups: ["events.k8s.io"],
          resources: ["events"],
          verbs: ["create", "patch"],
        }],
      },
    },
  },
  {
    name: "same group, same verbs: one rule with both resources; other groups never share a rule",
    controller: () =>
      new Controller(Api.namespaced(client, ConfigMap, "apps"))
        .watches(Api.namespaced(client, Secret, "apps"), {}, () => [])
        .watches(Api.namespaced(client, Deployment, "apps"), {}, () => []),
    want: {
      cluster: [],
      namespaces: {
        apps: [
          { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["list", "watch"] },
          { apiGroups: ["apps"], resources: ["deployments"], verbs: ["list", "watch"] },
        ],
      },
    },
  },
  {
    name: "a lease elsewhere: a Role in the lease's namespace, get/update by name, create apart",
    controller: () =>
      new Controller(Api.all(client, Secret))
        .needs(...leaderElectionPermissions({ namespace: "ops", name: "op" })),
    want: {
      cluster: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list", "watch"] }],
      namespaces: {
        ops: [
          { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
          {
            apiGroups: ["coordination.k8s.io"],
            resources: ["leases"],
            verbs: ["get", "update"],
            resourceNames: ["op"],
          },
        ],
      },
    },
  },
  {
    name: "a namespaced rule the cluster rule covers is dropped; the rest stays",
    controller: () =>
      new Controller(Api.all(client, ConfigMap))
        .uses(Api.namespaced(client, ConfigMap, "apps"), ["watch", "delete"]),
    want: {
      cluster: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list", "watch"] }],
      namespaces: {
        apps: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["delete"] }],
      },
    },
  },
  {
    name: "metadata-only watches need the same list+watch",
    controller: () =>
      new Controller(metadataApi(Api.namespaced(client, Secret, "apps"))).owns(
        metadataApi(Api.namespaced(client, ConfigMap, "apps")),
      ),
    want: {
      cluster: [],
      namespaces: {
        apps: [{ apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["list", "watch"] }],
      },
    },
  },
  {
    name: "streams say what they watch (streamOf); false: granted elsewhere",
    controller: () => {
      const cms = sharedReflector(watcher(Api.namespaced(client, ConfigMap, "apps")));
      const secrets = sharedReflector(watcher(Api.namespaced(client, Secret, "apps")));
      return Controller.forStream(Secret, secrets.subscribe(), {
        streamOf: Api.namespaced(client, Secret, "apps"),
      })
        .ownsStream(cms.subscribe(), { streamOf: Api.namespaced(client, ConfigMap, "apps") })
        .watchesStream(cms.subscribe(), () => [], { streamOf: false })
        .uses(Secret, ["update"]);
    },
    want: {
      cluster: [],
      namespaces: {
        apps: [
          { apiGroups: [""], resources: ["configmaps"], verbs: ["list", "watch"] },
          { apiGroups: [""], resources: ["secrets"], verbs: ["list", "watch", "update"] },
        ],
      },
    },
  },
];

for (const c of table) {
  Deno.test(`rbac: ${c.name}`, () => {
    assert.deepEqual(c.controller().rbac(), c.want);
  });
}

Deno.test("rbac: a stream trigger without streamOf is an RbacError naming it and the fix", () => {
  const cms = sharedReflector(watcher(Api.all(client, ConfigMap)));
  const c = new Controller(Api.all(client, Secret)).ownsStream(cms.subscribe());
  assert.throws(() => c.rbac(), (e: unknown) => {
    assert.ok(isRbacError(e));
    assert.match(e.message, /ownsStream does not say what it lists and watches/);
    assert.match(e.message, /streamOf: api/);
    return true;
  });
  // forStream too: the stream's watcher's namespace is unknown.
  const f = Controller.forStream(ConfigMap, cms.subscribe());
  assert.throws(() => f.permissions(), /forStream/);
});

Deno.test("rbac: forStream with streamOf false leaves its declarations to rbacRules' namespace", () => {
  const cms = sharedReflector(watcher(Api.all(client, ConfigMap)));
  const f = Controller.forStream(ConfigMap, cms.subscribe(), { streamOf: false })
    .uses(ConfigMap, ["patch"]);
  assert.throws(() => f.rbac(), /has no namespace/);
  assert.deepEqual(f.rbac({ namespace: "x" }).namespaces.x, [
    { apiGroups: [""], resources: ["configmaps"], verbs: ["patch"] },
  ]);
});

Deno.test("rbac: several controllers (one program) merge; verbs keep kubectl's order", () => {
  const a = new Controller(Api.namespaced(client, ConfigMap, "apps")).uses(ConfigMap, ["delete"]);
  const b = new Controller(Api.namespaced(client, ConfigMap, "apps")).uses(ConfigMap, [
    "patch",
    "create",
    "get",
  ]);
  assert.deepEqual(rbacRules([a, b]).namespaces.apps, [
    {
      apiGroups: [""],
      resources: ["configmaps"],
      verbs: ["get", "list", "watch", "create", "patch", "delete"],
    },
  ]);
});

Deno.test("rbac: hostile or incomplete permissions are refused with the fix", () => {
  const bad: [Permission, RegExp][] = [
    [{ apiGroup: "", resource: "configmaps", verbs: ["get"] }, /has no namespace/],
    [{ apiGroup: "", resource: "*", verbs: ["get"], namespace: "a" }, /not a wildcard/],
    [{ apiGroup: "", resource: "", verbs: ["get"], namespace: "a" }, /plural/],
    [{ apiGroup: "", resource: "pods", verbs: [], namespace: "a" }, /no verbs/],
    [{ apiGroup: "", resource: "pods", verbs: ["*" as "get"], namespace: "a" }, /must be named/],
    [{ apiGroup: "", resource: "pods", verbs: ["get"], namespace: "" }, /has no namespace/],
  ];
  for (const [p, re] of bad) {
    assert.throws(() => rbacRules([p]), (e: unknown) => isRbacError(e) && re.test(e.message));
  }
});

Deno.test("rbac: permission() — descriptor, Api, subresource, names", () => {
  assert.deepEqual(permission(ConfigMap, ["get"]), {
    apiGroup: "",
    resource: "configmaps",
    verbs: ["get"],
  });
  assert.equal(permission(Namespace, ["get"]).namespace, "*");
  assert.equal(permission(Api.all(client, ConfigMap), ["get"]).namespace, "*");
  assert.equal(permission(Api.namespaced(client, ConfigMap, "a"), ["get"]).namespace, "a");
  assert.deepEqual(
    permission(Deployment, ["patch"], { subresource: "scale", resourceNames: ["web"] }),
    { apiGroup: "apps", resource: "deployments/scale", verbs: ["patch"], resourceNames: ["web"] },
  );
});

Deno.test("rbac: rbacManifests binds the roles to the ServiceAccount", () => {
  const rules = new Controller(Api.all(client, Secret))
    .needs(...leaderElectionPermissions({ namespace: "ops", name: "op" }))
    .rbac();
  const objs = rbacManifests(rules, {
    name: "op",
    serviceAccount: { name: "op-sa", namespace: "ops" },
    labels: { app: "op" },
  });
  assert.deepEqual(objs.map((o) => [o.kind, o.metadata.namespace ?? "", o.metadata.name]), [
    ["ClusterRole", "", "op"],
    ["ClusterRoleBinding", "", "op"],
    ["Role", "ops", "op"],
    ["RoleBinding", "ops", "op"],
  ]);
  const crb = objs[1] as { roleRef: unknown; subjects: unknown };
  assert.deepEqual(crb.roleRef, {
    apiGroup: "rbac.authorization.k8s.io",
    kind: "ClusterRole",
    name: "op",
  });
  assert.deepEqual(crb.subjects, [{ kind: "ServiceAccount", name: "op-sa", namespace: "ops" }]);
  assert.deepEqual((objs[2] as { rules: unknown }).rules, rules.namespaces.ops);
  assert.deepEqual(objs[0].metadata.labels, { app: "op" });
  // Nothing but a Role when everything is namespaced.
  const ns = rbacManifests(new Controller(Api.namespaced(client, Secret, "a")).rbac(), {
    name: "r",
    serviceAccount: { name: "r", namespace: "a" },
  });
  assert.deepEqual(ns.map((o) => o.kind), ["Role", "RoleBinding"]);
});
