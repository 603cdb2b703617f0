/**
 * Leader election with two operator processes against the real control plane: exactly one
 * reconciles, and stopping (or killing) it hands over in time. Prints the measured handover.
 */

import assert from "node:assert/strict";
import { Api, applyCrd, awaitCondition, Client, conditions } from "../../mod.ts";
import { Namespace } from "../../core/k8s/core/v1.ts";
import { Lease } from "../../core/k8s/coordination.k8s.io/v1.ts";
import { ConfigMapGenerator, FINALIZER } from "../../examples/configmapgen_controller.ts";
import { type OperatorProcess, startOperator } from "../../examples/demo/operator.ts";
import { requireCluster } from "./_cluster.ts";

// Fails (never skips) without a cluster, as every e2e test.
const hasCluster = requireCluster();
const LEASE_MS = 4_000;
const RENEW_MS = 3_000;
const RETRY_MS = 500;

Deno.test({
  name: "e2e lease: two operators, one leads and reconciles; stop and kill hand over in time",
  ignore: !hasCluster,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  using client = await Client.tryDefault();
  await applyCrd(client, ConfigMapGenerator, {
    fieldManager: "kubeno-e2e",
    force: true,
    timeoutMs: 30_000,
  });
  const ns = `e2e-lease-${crypto.randomUUID().slice(0, 6)}`;
  const nsUid = (await Api.all(client, Namespace).create({ metadata: { name: ns } })).metadata.uid!;
  const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
  const start = (id: string) =>
    startOperator({
      server: client.config.clusterUrl,
      kubeconfig,
      args: [
        `--namespace=${ns}`,
        `--identity=${id}`,
        "--leader-elect",
        `--lease-duration-ms=${LEASE_MS}`,
        `--renew-deadline-ms=${RENEW_MS}`,
        `--retry-period-ms=${RETRY_MS}`,
      ],
    });
  const procs: OperatorProcess[] = [];
  let namespaceGone = false;
  try {
    const a = start("op-a");
    procs.push(a);
    await a.waitFor(/\] leading$/);
    const b = start("op-b");
    procs.push(b);
    await b.waitFor(/waiting for leadership/);
    await b.waitFor(/leader is now op-a/);

    // Only the leader reconciles.
    const gens = Api.namespaced(client, ConfigMapGenerator, ns);
    await gens.create(ConfigMapGenerator.new("x", { content: "1" }));
    await a.waitFor(/reconciled .*\/x: success/);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(b.lines.filter((l) => l.includes("reconciled")).length, 0);
    const lease = await Api.namespaced(client, Lease, ns).get("configmapgen");
    assert.equal(lease.spec?.holderIdentity, "op-a");

    // A clean stop releases the lease: b takes over within a retry period or so.
    const stopAt = performance.now();
    const stopping = a.stop();
    await b.waitFor(/\] leading$/, LEASE_MS + 5 * RETRY_MS);
    const releaseHandover = performance.now() - stopAt;
    assert.equal((await stopping).code, 0);
    await b.waitFor(/reconciled .*\/x: success/);

    // A crash (SIGKILL) cannot release: c waits for the lease to expire.
    const c = start("op-c");
    procs.push(c);
    await c.waitFor(/leader is now op-b/);
    const killAt = performance.now();
    b.child.kill("SIGKILL");
    await c.waitFor(/\] leading$/, LEASE_MS + 10 * RETRY_MS);
    const crashHandover = performance.now() - killAt;
    console.log(
      `handover after a clean stop: ${releaseHandover.toFixed(0)} ms; after SIGKILL: ${
        crashHandover.toFixed(0)
      } ms (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`,
    );
    assert.ok(
      releaseHandover < LEASE_MS,
      `a released lease is taken at once, not after expiry: ${releaseHandover} ms`,
    );
    assert.ok(crashHandover <= LEASE_MS + RETRY_MS * 2.2 + 1_500, `${crashHandover} ms`);
    assert.ok(crashHandover >= LEASE_MS - RETRY_MS * 1.2, `${crashHandover} ms`);
  } finally {
    namespaceGone = await cleanUp(client, { name: ns, uid: nsUid }, procs);
  }
  // Without this the namespace stayed in Terminating for ever: its generators still carried
  // the operator's finalizer when the operators were stopped.
  assert.ok(namespaceGone, `namespace ${ns} was not deleted within 60 s`);
});

Deno.test({
  name: "e2e lease: a leader whose lease is taken stops reconciling within a retry period",
  ignore: !hasCluster,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  using client = await Client.tryDefault();
  const ns = `e2e-lease-${crypto.randomUUID().slice(0, 6)}`;
  const nsUid = (await Api.all(client, Namespace).create({ metadata: { name: ns } })).metadata.uid!;
  const procs: OperatorProcess[] = [];
  let namespaceGone = false;
  try {
    const a = startOperator({
      server: client.config.clusterUrl,
      kubeconfig: Deno.env.get("KUBECONFIG")!.split(":")[0],
      args: [
        `--namespace=${ns}`,
        "--identity=op-a",
        "--leader-elect",
        `--lease-duration-ms=${LEASE_MS}`,
        `--renew-deadline-ms=${RENEW_MS}`,
        `--retry-period-ms=${RETRY_MS}`,
      ],
    });
    procs.push(a);
    await a.waitFor(/\] leading$/);
    // Someone else takes the lease (as a partition would let a successor do).
    const leases = Api.namespaced(client, Lease, ns);
    const lease = await leases.get("configmapgen");
    const takenAt = performance.now();
    await leases.replace("configmapgen", {
      ...lease,
      spec: { ...lease.spec, holderIdentity: "thief", leaseDurationSeconds: 3_600 },
    });
    await a.waitFor(/lost the lease: reconciles aborted/, 3 * RETRY_MS + 2_000);
    const stoppedAfter = performance.now() - takenAt;
    console.log(`stopped reconciling ${stoppedAfter.toFixed(0)} ms after the lease was taken`);
    assert.ok(stoppedAfter < RETRY_MS + 1_000, `${stoppedAfter} ms`);
    const gens = Api.namespaced(client, ConfigMapGenerator, ns);
    await gens.create(ConfigMapGenerator.new("y", { content: "1" }));
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(a.lines.filter((l) => l.includes("reconciled") && l.includes("/y")).length, 0);
  } finally {
    namespaceGone = await cleanUp(client, { name: ns, uid: nsUid }, procs);
  }
  assert.ok(namespaceGone, `namespace ${ns} was not deleted within 60 s`);
});

/**
 * Deletes the test's generators while an operator still runs (its cleanup removes the
 * finalizer), stops the operators, takes our finalizer off whatever is left (no operator
 * would ever finalize it), deletes the namespace and waits until it is gone.
 */
async function cleanUp(
  client: Client,
  ns: { name: string; uid: string },
  procs: OperatorProcess[],
): Promise<boolean> {
  const gens = Api.namespaced(client, ConfigMapGenerator, ns.name);
  const names = async () => (await gens.list().catch(() => ({ items: [] }))).items;
  if (procs.length > 0) {
    for (const g of await names()) await gens.delete(g.metadata.name!).catch(() => {});
    const until = Date.now() + 15_000;
    while ((await names()).length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  for (const p of procs) await p.stop(5_000).catch(() => {});
  for (const g of await names()) {
    const i = g.metadata.finalizers?.indexOf(FINALIZER) ?? -1;
    if (i < 0) continue;
    await gens.patch(g.metadata.name!, {
      type: "json",
      body: [
        { op: "test", path: `/metadata/finalizers/${i}`, value: FINALIZER },
        { op: "remove", path: `/metadata/finalizers/${i}` },
      ],
    }).catch((err) => console.warn(`cleanup: ${g.metadata.name}: ${err.message}`));
    await gens.delete(g.metadata.name!).catch(() => {});
  }
  const namespaces = Api.all(client, Namespace);
  await namespaces.delete(ns.name).catch(() => {});
  try {
    await awaitCondition(namespaces, ns.name, conditions.isDeleted(ns.uid), {
      signal: AbortSignal.timeout(60_000),
    });
    return true;
  } catch {
    return false;
  }
}
