// Resources known at run time against the real apiserver: Api.dynamic with every verb, watch,
// watcher, reflector and Controller over a resolved ApiResource; the entry API under 20
// concurrent writers; metadata-only calls and server tables; applyManifests against
// `kubectl apply --server-side` on the same file.

import assert from "node:assert/strict";
import {
  Action,
  Api,
  applyManifests,
  Client,
  Config,
  Controller,
  type DeepReadonly,
  Discovery,
  type DynamicObject,
  isStatus,
  reflector,
  watcher,
} from "../../mod.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { Namespace } from "../../core/k8s/core/v1.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";

async function kubectl(
  args: string[],
  stdin?: string,
): Promise<{ code: number; out: string; err: string }> {
  const p = new Deno.Command("kubectl", {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await p.output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

if (requireCluster()) {
  Deno.test("e2e: Api.dynamic over a resolved resource: every verb, watch, watcher, reflector, Controller", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const d = await Discovery.run(client);
    const cmResource = await d.resolve("cm");
    await withNamespace(client, "dyn", async (ns) => {
      const cms = Api.dynamic(client, cmResource, ns);
      const created = await cms.create({
        metadata: { name: "a", labels: { app: "dyn" } },
        data: { k: "v" },
      });
      assert.equal(created.kind, "ConfigMap");
      assert.deepEqual((await cms.get("a")).data, { k: "v" });
      assert.equal((await cms.list({ labelSelector: "app=dyn" })).items.length, 1);
      const merged = await cms.patch("a", { type: "merge", body: { data: { k: "w" } } });
      assert.deepEqual(merged.data, { k: "w" });
      const applied = await cms.patch("a", { type: "apply", body: { data: { s: "t" } } }, {
        fieldManager: "e2e",
      });
      assert.deepEqual(applied.data, { k: "w", s: "t" });
      const replaced = await cms.replace("a", { ...applied, data: { r: "1" } });
      assert.deepEqual(replaced.data, { r: "1" });

      // watch: one event for a create after the list's version
      const rv = (await cms.list()).metadata.resourceVersion;
      const events: string[] = [];
      const watching = (async () => {
        for await (const ev of cms.watch({ timeoutSeconds: 30 }, rv)) {
          if (ev.type === "ADDED") {
            events.push((ev.object as DynamicObject).metadata.name!);
            break;
          }
        }
      })();
      await cms.create({ metadata: { name: "b", labels: { app: "dyn" } } });
      await watching;
      assert.deepEqual(events, ["b"]);

      // watcher + reflector
      const ac = new AbortController();
      const store = reflector(watcher(cms, { signal: ac.signal, labelSelector: "app=dyn" }));
      const running = store.run();
      await store.ready();
      assert.deepEqual(store.store.list().map((o) => o.metadata.name).sort(), ["a", "b"]);

      // Controller over DynamicObjects: every ConfigMap reconciled
      const seen = new Set<string>();
      const cac = new AbortController();
      const results = new Controller(cms, { labelSelector: "app=dyn" }).run(
        (cm: DeepReadonly<DynamicObject>) => {
          seen.add(cm.metadata.name!);
          if (seen.size === 2) cac.abort();
          return Promise.resolve(Action.awaitChange());
        },
        () => Action.requeue(1_000),
        {},
        { signal: cac.signal },
      );
      for await (const _ of results) { /* until aborted */ }
      assert.deepEqual([...seen].sort(), ["a", "b"]);
      ac.abort();
      await running.catch(() => {});

      // metadata-only and tables
      const meta = await cms.getMetadata("a");
      assert.equal(meta.kind, "PartialObjectMetadata");
      assert.equal((meta as DynamicObject).data, undefined);
      assert.deepEqual(
        (await cms.listMetadata({ labelSelector: "app=dyn" })).items.map((m) => m.metadata.name)
          .sort(),
        [
          "a",
          "b",
        ],
      );
      const pm = await cms.patchMetadata("a", {
        type: "merge",
        body: { metadata: { labels: { x: "y" } } },
      });
      assert.equal(pm.metadata.labels?.x, "y");
      const table = await cms.listTable({ labelSelector: "app=dyn" });
      assert.deepEqual(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name), [
        "Name",
        "Data",
        "Age",
      ]);
      assert.deepEqual(table.rows.map((r) => r.cells[0]).sort(), ["a", "b"]);

      const del = await cms.delete("b");
      assert.ok(isStatus(del) || del.metadata.name === "b");
      await cms.deleteCollection({}, { labelSelector: "app=dyn" });
      assert.deepEqual((await cms.list()).items.map((o) => o.metadata.name), ["kube-root-ca.crt"]);
    });
  });

  Deno.test("e2e: entry under 20 concurrent writers applies every modification once", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const d = await Discovery.run(client);
    await withNamespace(client, "entry", async (ns) => {
      const cms = Api.dynamic(client, await d.resolve("configmaps"), ns);
      let runs = 0;
      await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const e = await cms.entry("counter");
        await e.orInsert(() => ({ metadata: {}, data: { n: "0" } }))
          .andModify((cm) => {
            runs++;
            const data = cm.data as Record<string, string>;
            cm.data = { ...data, n: String(Number(data.n) + 1), [`w${i}`]: "1" };
          })
          .commit({ maxAttempts: 40 });
      }));
      const cm = await cms.get("counter");
      const data = cm.data as Record<string, string>;
      assert.equal(data.n, "20", "every increment once, none lost");
      assert.equal(Object.keys(data).filter((k) => k.startsWith("w")).length, 20);
      console.log(
        `20 writers: ${runs} modification runs for 20 commits (${
          runs - 20
        } re-runs after conflicts)`,
      );
    });
  });

  Deno.test("e2e: applyManifests matches kubectl apply --server-side and is idempotent", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const manifest = (t: string) =>
      `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: man-${t}}
data: {mode: fast}
---
apiVersion: kubeno.test/v1
kind: Sprocket
metadata: {name: one, namespace: man-${t}}
spec: {teeth: 12}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: man-${t}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.k8s.io/pause:3.10}]}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: sprockets-${t}.kubeno.test}
spec:
  group: kubeno.test
  names: {kind: Sprocket${t}, plural: sprockets-${t}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {teeth: {type: integer}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: man-${t}}
`.replaceAll("kind: Sprocket\n", `kind: Sprocket${t}\n`);
    const a = crypto.randomUUID().slice(0, 6);
    const b = crypto.randomUUID().slice(0, 6);
    const crds = Api.all(client, CustomResourceDefinition);
    const namespaces = Api.all(client, Namespace);
    try {
      // kubectl applies in file order and does not wait for a CRD: it gets the namespace and
      // the CRD first, waits, then the rest. Ours takes the file as it is (objects before
      // their CRD and namespace).
      const docs = manifest(a).split("---\n");
      const kubectlApply = async () => {
        const k1 = await kubectl(
          ["apply", "--server-side", "-f", "-"],
          [docs[4], docs[3]].join("---\n"),
        );
        assert.equal(k1.code, 0, k1.err);
        const kw = await kubectl([
          "wait",
          "--for=condition=Established",
          `crd/sprockets-${a}.kubeno.test`,
        ]);
        assert.equal(kw.code, 0, kw.err);
        const k = await kubectl(
          ["apply", "--server-side", "-f", "-"],
          [docs[0], docs[1], docs[2]].join("---\n"),
        );
        assert.equal(k.code, 0, k.err);
      };
      const nsVersion = async (t: string) =>
        (await namespaces.get(`man-${t}`)).metadata.resourceVersion;
      await kubectlApply();
      const kubectlNs1 = await nsVersion(a);
      // The second apply of kubectl changes the Namespace once more: this apiserver records no
      // managed fields for a namespace created by apply, and the next apply gives its fields to
      // "before-first-apply". Everything else is left alone.
      await kubectlApply();
      const kubectlNsChanged = kubectlNs1 !== await nsVersion(a);

      const first = await applyManifests(client, manifest(b), { fieldManager: "kubectl" });
      assert.deepEqual(first.map((x) => `${x.resource.plural}/${x.name} ${x.result}`), [
        `namespaces/man-${b} created`,
        `customresourcedefinitions/sprockets-${b}.kubeno.test created`,
        "configmaps/settings created",
        `sprockets-${b}/one created`,
        "deployments/web created",
      ]);
      const second = await applyManifests(client, manifest(b), { fieldManager: "kubectl" });
      assert.deepEqual(second.map((x) => x.result), [
        kubectlNsChanged ? "configured" : "unchanged",
        ...Array(4).fill("unchanged"),
      ]);
      const third = await applyManifests(client, manifest(b), { fieldManager: "kubectl" });
      assert.deepEqual(third.map((x) => x.result), Array(5).fill("unchanged"));

      // The same objects and the same Apply managers as kubectl's.
      const norm = (o: DynamicObject, t: string) => {
        const text = JSON.stringify(o).replaceAll(t, "T");
        const x = JSON.parse(text) as DynamicObject;
        const appliers = (x.metadata.managedFields ?? []).filter((f) => f.operation === "Apply")
          .map((f) => `${f.manager}:${JSON.stringify(f.fieldsV1)}`).sort();
        const {
          uid: _u,
          resourceVersion: _r,
          creationTimestamp: _c,
          managedFields: _m,
          generation: _g,
          ...meta
        } = x.metadata;
        // Set by kube-controller-manager when it gets to it: not part of the comparison.
        delete meta.annotations?.["deployment.kubernetes.io/revision"];
        if (meta.annotations && Object.keys(meta.annotations).length === 0) delete meta.annotations;
        const { status: _s, ...rest } = x;
        return { ...rest, metadata: meta, appliers };
      };
      for (const x of first) {
        const api = Api.dynamic(client, x.resource, x.namespace);
        const ours = await api.get(x.name);
        const theirsName = x.name.replaceAll(b, a);
        const theirsRes = await new Discovery(client).forKind({
          apiVersion: x.resource.apiVersion.replaceAll(b, a),
          kind: x.resource.kind.replaceAll(b, a),
        });
        const theirs = await Api.dynamic(client, theirsRes, x.namespace?.replaceAll(b, a)).get(
          theirsName,
        );
        assert.deepEqual(norm(ours, b), norm(theirs, a), `${x.resource.plural}/${x.name}`);
      }
    } finally {
      for (const t of [a, b]) {
        await namespaces.delete(`man-${t}`).catch(() => {});
        await crds.delete(`sprockets-${t}.kubeno.test`).catch(() => {});
      }
    }
  });
}
