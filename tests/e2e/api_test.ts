// Api<K> against the real kube-apiserver of tests/cluster: what the server decides
// (conflicts, RBAC, validation) is only ever asserted here.

import assert from "node:assert/strict";
import {
  Api,
  type ApiError,
  Client,
  Config,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
  isStatus,
  type ListParams,
} from "../../mod.ts";
import { ConfigMap, Namespace } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";

// Without a cluster the tests are left out; requireCluster registered one that fails the run.
const test = requireCluster() ? Deno.test : Deno.test.ignore;

async function clientFor(context?: string): Promise<Client> {
  return new Client(await Config.fromKubeconfig(context ? { context } : {}));
}

test("e2e: ConfigMap CRUD with typed errors", async () => {
  using client = await clientFor();
  await withNamespace(client, "crud", async (ns) => {
    const cms = Api.namespaced(client, ConfigMap, ns);
    const created = await cms.create({ metadata: { name: "a" }, data: { k: "v" } });
    assert.equal(created.metadata.namespace, ns);
    assert.ok(created.metadata.uid);

    const again = await cms.create({ metadata: { name: "a" } }).catch((e) => e);
    assert.ok(isAlreadyExists(again), String(again));
    assert.equal((again as ApiError).code, 409);

    const got = await cms.get("a");
    assert.deepEqual(got.data, { k: "v" });

    const replaced = await cms.replace("a", { ...got, data: { k: "w" } });
    assert.deepEqual(replaced.data, { k: "w" });

    // A replace with the old resourceVersion is a lost update: 409 Conflict.
    const stale = await cms.replace("a", { ...got, data: { k: "x" } }).catch((e) => e);
    assert.ok(isConflict(stale), String(stale));
    assert.equal((stale as ApiError).reason, "Conflict");

    const merged = await cms.patch("a", { type: "merge", body: { data: { m: "1" } } });
    assert.deepEqual(merged.data, { k: "w", m: "1" });
    const jsonPatched = await cms.patch("a", {
      type: "json",
      body: [{ op: "test", path: "/data/m", value: "1" }, { op: "remove", path: "/data/m" }],
    });
    assert.deepEqual(jsonPatched.data, { k: "w" });
    const strategic = await cms.patch("a", { type: "strategic", body: { data: { s: "2" } } });
    assert.equal(strategic.data?.s, "2");

    const del = await cms.delete("a");
    assert.ok(isStatus(del) || del.metadata.name === "a");
    assert.equal(await cms.getOpt("a"), undefined);
    const missing = await cms.get("a").catch((e) => e);
    assert.ok(isNotFound(missing));
    assert.equal((missing as ApiError).code, 404);
    assert.match((missing as ApiError).message, /not found/);
  });
});

test("e2e: Namespace CRUD (cluster-scoped)", async () => {
  using client = await clientFor();
  const namespaces = Api.all(client, Namespace);
  const ns = await namespaces.create({ metadata: { generateName: "nscrud-", labels: { t: "1" } } });
  const name = ns.metadata.name!;
  const got = await namespaces.get(name);
  assert.equal(got.metadata.labels?.t, "1");
  const listed = await namespaces.list({ labelSelector: "t=1" });
  assert.ok(listed.items.some((n) => n.metadata.name === name));
  const deleting = await namespaces.delete(name);
  // A namespace is finalized by the controller-manager: the server answers with the object.
  if (!isStatus(deleting)) assert.ok(deleting.metadata.deletionTimestamp);
});

test("e2e: listAll with limit 2 reads 7 objects over 4 pages", async () => {
  using client = await clientFor();
  await withNamespace(client, "pages", async (ns) => {
    const cms = Api.namespaced(client, ConfigMap, ns);
    for (let i = 0; i < 7; i++) {
      await cms.create({ metadata: { name: `cm-${i}`, labels: { page: "yes" } } });
    }
    const first = await cms.list({ labelSelector: "page=yes", limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata.continue, "a continue token on a partial page");
    const names: string[] = [];
    for await (const cm of cms.listAll({ labelSelector: "page=yes", limit: 2 })) {
      names.push(cm.metadata.name!);
    }
    assert.deepEqual(names.sort(), [0, 1, 2, 3, 4, 5, 6].map((i) => `cm-${i}`));
    const del = await cms.deleteCollection({}, { labelSelector: "page=yes" });
    assert.ok(del);
    assert.equal((await cms.list({ labelSelector: "page=yes" })).items.length, 0);
  });
});

test("e2e: server-side apply conflict between two managers, then force", async () => {
  using client = await clientFor();
  await withNamespace(client, "ssa", async (ns) => {
    const cms = Api.namespaced(client, ConfigMap, ns);
    await cms.patch("shared", {
      type: "apply",
      body: { metadata: { name: "shared" }, data: { owner: "alice" } },
    }, {
      fieldManager: "alice",
    });
    const conflict = await cms.patch(
      "shared",
      { type: "apply", body: { metadata: { name: "shared" }, data: { owner: "bob" } } },
      { fieldManager: "bob" },
    ).catch((e) => e);
    assert.ok(isConflict(conflict), String(conflict));
    assert.equal((conflict as ApiError).code, 409);
    assert.match((conflict as ApiError).message, /conflict/i);
    assert.match((conflict as ApiError).message, /alice/);

    const forced = await cms.patch(
      "shared",
      { type: "apply", body: { metadata: { name: "shared" }, data: { owner: "bob" } } },
      { fieldManager: "bob", force: true },
    );
    assert.equal(forced.data?.owner, "bob");
    const managers = (forced.metadata.managedFields ?? []).map((m) => m.manager);
    assert.ok(managers.includes("bob"));
  });
});

test("e2e: server-side apply without metadata creates the object, then updates it", async () => {
  using client = await clientFor();
  await withNamespace(client, "ssa-create", async (ns) => {
    const cms = Api.namespaced(client, ConfigMap, ns);
    // Create by apply: the body names neither the object nor its namespace; before the fix the
    // server answered 400 "name must be provided".
    const created = await cms.patch("child", { type: "apply", body: { data: { a: "1" } } }, {
      fieldManager: "op",
    });
    assert.equal(created.metadata.name, "child");
    assert.equal(created.metadata.namespace, ns);
    assert.deepEqual(created.data, { a: "1" });
    // Update by apply: the same manager drops `a` and sets `b`.
    const updated = await cms.patch("child", { type: "apply", body: { data: { b: "2" } } }, {
      fieldManager: "op",
    });
    assert.equal(updated.metadata.uid, created.metadata.uid);
    assert.deepEqual(updated.data, { b: "2" });
    // Cluster-scoped: a Namespace created by apply with an empty body.
    const name = `${ns}-applied`;
    const namespaces = Api.all(client, Namespace);
    try {
      const made = await namespaces.patch(name, { type: "apply", body: {} }, {
        fieldManager: "op",
      });
      assert.equal(made.metadata.name, name);
    } finally {
      await namespaces.delete(name).catch(() => {});
    }
  });
});

test("e2e: the nobody context is forbidden, the token context is allowed", async () => {
  using nobody = await clientFor("nobody");
  const err = await Api.namespaced(nobody, ConfigMap, "default")
    .create({ metadata: { name: "nope" } }).catch((e) => e);
  assert.ok(isForbidden(err), String(err));
  assert.equal((err as ApiError).code, 403);
  assert.equal((err as ApiError).reason, "Forbidden");
  assert.match((err as ApiError).message, /nobody/);
  // The same RBAC hint the watcher gives: what to grant, and the line that checks it.
  assert.match(
    (err as ApiError).message,
    /grant it in RBAC \(check with kubectl auth can-i create configmaps -n default --as nobody\)\.$/,
  );

  using byToken = await clientFor("admin-token");
  const list = await Api.all(byToken, Namespace).list();
  assert.ok(list.items.some((n) => n.metadata.name === "default"));
});

test("e2e: a Deployment scaled through the scale subresource", async () => {
  using client = await clientFor();
  await withNamespace(client, "scale", async (ns) => {
    const deployments = Api.namespaced(client, Deployment, ns);
    await deployments.create({
      metadata: { name: "web" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
        },
      },
    });
    const scale = await deployments.getScale("web");
    assert.equal(scale.spec?.replicas, 1);
    const patched = await deployments.patchScale("web", {
      type: "merge",
      body: { spec: { replicas: 3 } },
    });
    assert.equal(patched.spec?.replicas, 3);
    assert.equal((await deployments.get("web")).spec?.replicas, 3);
    // The deployment controller writes status meanwhile, and the Scale carries the deployment's
    // resourceVersion: a 409 here is the lost-update check working; read again and retry.
    let replaced;
    for (let attempt = 0;; attempt++) {
      const current = await deployments.getScale("web");
      try {
        replaced = await deployments.replaceScale("web", { ...current, spec: { replicas: 2 } });
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 10) throw err;
      }
    }
    assert.equal(replaced.spec?.replicas, 2);
    assert.equal((await deployments.get("web")).spec?.replicas, 2);
  });
});

test("e2e: listAll at an exact resourceVersion; deleteCollection and delete answers", async () => {
  using client = await clientFor();
  await withNamespace(client, "rvpages", async (ns) => {
    const cms = Api.namespaced(client, ConfigMap, ns);
    for (let i = 0; i < 5; i++) await cms.create({ metadata: { name: `cm-${i}` } });
    const { metadata } = await cms.list({ limit: 1 });
    await cms.create({ metadata: { name: "later" } });
    // The server refuses resourceVersion next to continue (422): only the first page carries it.
    const names: string[] = [];
    const lp = {
      limit: 2,
      resourceVersion: metadata.resourceVersion,
      resourceVersionMatch: "Exact",
    };
    for await (const cm of cms.listAll(lp as ListParams)) names.push(cm.metadata.name!);
    assert.ok(!names.includes("later"), "read at the first page's version");
    assert.deepEqual(names.filter((n) => n.startsWith("cm-")).length, 5);
    // A ConfigMap goes at once: the server answers a Status.
    assert.ok(isStatus(await cms.delete("later")));
    // deleteCollection answers the list of what it deleted.
    const gone = await cms.deleteCollection({}, {
      fieldSelector: "metadata.name!=kube-root-ca.crt",
    });
    assert.ok(!isStatus(gone));
    assert.deepEqual(
      gone.items.map((c) => c.metadata.name).sort(),
      names.filter((n) => n.startsWith("cm-")).sort(),
    );
  });
});

test("e2e: Api.watch with sendInitialEvents streams the current state, then a bookmark", async () => {
  using client = await clientFor();
  await withNamespace(client, "initial", async (ns) => {
    const cms = Api.namespaced(client, ConfigMap, ns);
    await cms.create({ metadata: { name: "a" } });
    const seen: string[] = [];
    // Only sendInitialEvents: resourceVersionMatch and bookmarks are filled in (else a 422).
    for await (const ev of cms.watch({ sendInitialEvents: true, timeoutSeconds: 10 })) {
      if (ev.type === "BOOKMARK") {
        assert.equal(ev.object.metadata.annotations?.["k8s.io/initial-events-end"], "true");
        break;
      }
      seen.push(`${ev.type} ${ev.type === "ERROR" ? "" : ev.object.metadata.name}`);
    }
    assert.ok(seen.includes("ADDED a"), seen.join(", "));
  });
});
