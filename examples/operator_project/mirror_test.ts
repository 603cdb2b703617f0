// The operator's own test, as a user writes it: a real control plane from
// @kubeno/kube/testing. `shared: true` uses the cluster KUBECONFIG points to when it is a
// kubeno test cluster (CI starts one), else starts one (and stops it when the run ends).

import assert from "node:assert/strict";
import { Api } from "@kubeno/kube";
import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
import { testCluster } from "@kubeno/kube/testing";
import { LABEL, MANAGER, runMirror } from "./mirror.ts";

async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("mirror: a labelled ConfigMap gets an owned copy that follows its data", async () => {
  await using cluster = await testCluster({ shared: true });
  const ns = await cluster.namespace("mirror");
  const cms = Api.namespaced(cluster.admin, ConfigMap, ns);
  const ac = new AbortController();
  const running = Array.fromAsync(runMirror(cluster.admin, ns, ac.signal));
  try {
    const source = await cms.create({
      metadata: { name: "settings", labels: { [LABEL]: "true" } },
      data: { color: "blue" },
    });
    await cms.create({ metadata: { name: "plain" }, data: { x: "1" } });

    const copy = await eventually(
      "settings-mirror",
      () => cms.get("settings-mirror").catch(() => undefined),
    );
    assert.deepEqual(copy.data, { color: "blue" });
    assert.equal(copy.metadata.ownerReferences?.[0]?.uid, source.metadata.uid);
    assert.equal(copy.metadata.managedFields?.[0]?.manager, MANAGER);

    await cms.patch("settings", {
      type: "merge",
      body: { data: { color: "green" } },
    });
    await eventually("the copy to follow", async () => {
      const c = await cms.get("settings-mirror");
      return c.data?.color === "green" ? c : undefined;
    });
    // A hand edit of the copy is reverted (the controller owns it).
    await cms.patch("settings-mirror", {
      type: "merge",
      body: { data: { color: "red" } },
    });
    await eventually("the hand edit reverted", async () => {
      const c = await cms.get("settings-mirror");
      return c.data?.color === "green" ? c : undefined;
    });

    // Unlabelled ConfigMaps are left alone; kubectl of the same release agrees.
    const r = await cluster.kubectl(
      "get",
      "configmaps",
      "-n",
      ns,
      "-o",
      "name",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes("plain-mirror"), r.stdout);
    assert.ok(r.stdout.includes("configmap/settings-mirror"), r.stdout);
  } finally {
    ac.abort();
    await running;
  }
});
