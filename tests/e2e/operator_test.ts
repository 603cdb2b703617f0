/**
 * The configmapgen operator against the real control plane, run as its own process with
 * exactly the permissions the README lists (examples/demo/operator.ts).
 */

import assert from "node:assert/strict";
import { Api, applyCrd, Client } from "../../mod.ts";
import { ConfigMap, Namespace } from "../../core/k8s/core/v1.ts";
import { Event } from "../../core/k8s/events.k8s.io/v1.ts";
import {
  ConfigMapGenerator,
  FINALIZER,
  MANAGER,
  REPORTER,
} from "../../examples/configmapgen_controller.ts";
import { startOperator } from "../../examples/demo/operator.ts";
import { requireCluster } from "./_cluster.ts";

// Fails (never skips) without a cluster, as every e2e test.
const hasCluster = requireCluster();

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms ${last ?? ""}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function setup(client: Client, prefix: string) {
  await applyCrd(client, ConfigMapGenerator, {
    fieldManager: "kubeno-e2e",
    force: true,
    timeoutMs: 30_000,
  });
  const ns = `${prefix}-${crypto.randomUUID().slice(0, 6)}`;
  await Api.all(client, Namespace).create({ metadata: { name: ns } });
  return ns;
}

Deno.test({
  name: "e2e operator: ownerRef, drift reverted, status, event, finalizer cleanup once, GC",
  ignore: !hasCluster,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  using client = await Client.tryDefault();
  const ns = await setup(client, "e2e-op");
  const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
  const op = startOperator({
    server: client.config.clusterUrl,
    kubeconfig,
    args: [`--namespace=${ns}`, "--identity=e2e"],
  });
  try {
    await op.waitFor(/started: watching/);
    const gens = Api.namespaced(client, ConfigMapGenerator, ns);
    const cms = Api.namespaced(client, ConfigMap, ns);
    const created = await gens.create(ConfigMapGenerator.new("a", { content: "one" }));
    const uid = created.metadata.uid!;

    // The ConfigMap, with a controller owner reference to the generator.
    const cm = await until("ConfigMap a", async () => {
      const c = await cms.getOpt("a");
      return c?.data?.content === "one" ? c : undefined;
    });
    const ref = cm.metadata.ownerReferences?.[0];
    assert.equal(ref?.uid, uid);
    assert.equal(ref?.kind, "ConfigMapGenerator");
    assert.equal(ref?.controller, true);
    assert.equal(cm.metadata.labels?.["app.kubernetes.io/managed-by"], MANAGER);

    // The finalizer is on, and the status came through the status subresource.
    const withStatus = await until("Ready status", async () => {
      const g = await gens.getStatus("a");
      return g.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ? g
        : undefined;
    });
    assert.deepEqual(withStatus.metadata.finalizers, [FINALIZER]);
    assert.equal(withStatus.status?.observedGeneration, withStatus.metadata.generation);
    assert.ok(
      withStatus.metadata.managedFields?.some((f) =>
        f.manager === MANAGER && f.subresource === "status"
      ),
      "status written through the status subresource by our field manager",
    );

    // A hand edit is reverted.
    await cms.patch("a", { type: "merge", body: { data: { content: "edited" } } }, {
      fieldManager: "kubectl-edit",
    });
    await until("revert", async () => (await cms.get("a")).data?.content === "one" || undefined);

    // Events of our controller are visible.
    const events = Api.namespaced(client, Event, ns);
    await until("events", async () => {
      const reasons = new Set(
        (await events.list()).items.filter((e) =>
          e.reportingController === REPORTER && e.regarding?.uid === uid
        ).map((e) => e.reason),
      );
      return reasons.has("ConfigMapCreated") && reasons.has("DriftReverted") || undefined;
    });

    // Delete: cleanup runs once, the finalizer goes, GC removes the ConfigMap.
    await gens.delete("a");
    await until("generator gone", async () => (await gens.getOpt("a")) === undefined || undefined);
    await until(
      "ConfigMap collected",
      async () => (await cms.getOpt("a")) === undefined || undefined,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1_000)); // a second cleanup would show by now
    const cleaned = (await events.list()).items.filter((e) =>
      e.reason === "CleanedUp" && e.regarding?.uid === uid
    );
    assert.equal(cleaned.reduce((n, e) => n + (e.series?.count ?? 1), 0), 1);
    assert.equal(op.lines.filter((l) => l.includes(`${ns}/a: cleanup`)).length, 1);
  } finally {
    const status = await op.stop();
    assert.equal(status.code, 0, op.lines.join("\n"));
    assert.ok(op.lines.some((l) => l.includes("stopped: reconciles finished")));
    await Api.all(client, Namespace).delete(ns).catch(() => {});
  }
});

for (const omit of ["net", "read", "env"] as const) {
  Deno.test({
    name: `e2e operator: without its --allow-${omit} it exits and names the flag`,
    ignore: !hasCluster,
    sanitizeResources: false,
    sanitizeOps: false,
  }, async () => {
    using client = await Client.tryDefault();
    const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
    const op = startOperator({
      server: client.config.clusterUrl,
      kubeconfig,
      args: ["--namespace=default"],
      omit,
    });
    const timer = setTimeout(() => op.stop(0), 20_000);
    const status = await op.done;
    clearTimeout(timer);
    assert.equal(status.code, 1, op.lines.join("\n"));
    const out = op.lines.join("\n");
    assert.match(out, new RegExp(`Run again with --allow-${omit}=`), out);
    if (omit === "net") {
      const port = client.config.clusterUrl.port;
      assert.match(out, new RegExp(`--allow-net=127\\.0\\.0\\.1:${port}`));
    }
    if (omit === "read") assert.ok(out.includes(`--allow-read=${kubeconfig}`), out);
  });
}
