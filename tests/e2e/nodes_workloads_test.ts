// The test control plane's nodes (kube-scheduler + kwok) run workloads through the real
// controllers: kubectl of the same release is the oracle.

import assert from "node:assert/strict";
import { type ApiError, Client, Config, isTooManyRequests } from "../../mod.ts";
import { requireCluster } from "./_cluster.ts";
import {
  kubectl,
  kubectlJson,
  kubectlOk,
  nodesEnv,
  until,
  withKubectlNamespace,
} from "./nodes_kit.ts";

interface Condition {
  type: string;
  status: string;
}
interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: Condition[] };
}
interface List<T> {
  items: T[];
}

const ready = (p: PodJson) =>
  p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** `web`: 3 replicas of an image that is never pulled (kwok only pretends to run it). */
const createDeployment = (ns: string) =>
  kubectlOk([
    "create",
    "deployment",
    "web",
    "-n",
    ns,
    "--image=kubeno.invalid/web:1",
    "--replicas=3",
  ]);

if (requireCluster()) {
  Deno.test("e2e nodes: kubectl get nodes shows the kwok nodes Ready", async () => {
    const { nodeNames } = nodesEnv();
    const nodes = await kubectlJson<
      List<{ metadata: { name: string }; status: { conditions: Condition[] } }>
    >(["get", "nodes"]);
    for (const name of nodeNames) {
      const n = nodes.items.find((i) => i.metadata.name === name);
      assert.ok(n, `node ${name} missing`);
      assert.ok(
        n.status.conditions.some((c) => c.type === "Ready" && c.status === "True"),
        `${name} not Ready: ${JSON.stringify(n.status.conditions)}`,
      );
    }
    // kubectl's own table says the same.
    const table = await kubectlOk(["get", "nodes", "--no-headers"]);
    for (const name of nodeNames) assert.match(table, new RegExp(`^${name}\\s+Ready\\s`, "m"));
  });

  Deno.test("e2e nodes: a Deployment of 3 replicas becomes available on the kwok nodes", async () => {
    await withKubectlNamespace("nodes-deploy", async (ns) => {
      const t0 = performance.now();
      await createDeployment(ns);
      await kubectlOk([
        "wait",
        "-n",
        ns,
        "--for=condition=Available",
        "deployment/web",
        "--timeout=90s",
      ]);
      console.log(`deployment available after ${((performance.now() - t0) / 1000).toFixed(1)}s`);
      const d = await kubectlJson<{ status: { availableReplicas?: number } }>([
        "get",
        "-n",
        ns,
        "deployment/web",
      ]);
      assert.equal(d.status.availableReplicas, 3);
      const pods = await kubectlJson<List<PodJson>>(["get", "pods", "-n", ns, "-l", "app=web"]);
      assert.equal(pods.items.length, 3);
      for (const p of pods.items) {
        assert.ok(nodesEnv().nodeNames.includes(p.spec.nodeName ?? ""), String(p.spec.nodeName));
        assert.equal(p.status.phase, "Running");
        assert.ok(ready(p));
        assert.match(p.status.podIP ?? "", /^10\.244\./);
      }
    });
  });

  Deno.test("e2e nodes: a Job completes", async () => {
    await withKubectlNamespace("nodes-job", async (ns) => {
      await kubectlOk(["create", "job", "once", "-n", ns, "--image=kubeno.invalid/job:1"]);
      await kubectlOk([
        "wait",
        "-n",
        ns,
        "--for=condition=Complete",
        "job/once",
        "--timeout=90s",
      ]);
      const job = await kubectlJson<{ status: { succeeded?: number } }>([
        "get",
        "-n",
        ns,
        "job/once",
      ]);
      assert.equal(job.status.succeeded, 1);
      const pods = await kubectlJson<List<PodJson>>([
        "get",
        "pods",
        "-n",
        ns,
        "-l",
        "job-name=once",
      ]);
      assert.deepEqual(pods.items.map((p) => p.status.phase), ["Succeeded"]);
    });
  });

  Deno.test("e2e nodes: deleting a ReplicaSet's pod makes a new one; a PDB blocks an eviction with 429", async () => {
    await withKubectlNamespace("nodes-rs", async (ns) => {
      await createDeployment(ns);
      await kubectlOk(["rollout", "status", "-n", ns, "deployment/web", "--timeout=90s"]);
      const listPods = async () =>
        (await kubectlJson<List<PodJson>>(["get", "pods", "-n", ns, "-l", "app=web"])).items;
      const before = await listPods();
      assert.equal(before.length, 3);
      const victim = before[0].metadata.name;

      // The pod goes away (kwok's delete stage) and the ReplicaSet makes a replacement.
      await kubectlOk(["delete", "pod", "-n", ns, victim, "--timeout=90s"]);
      const after = await until("a replacement pod, Ready", async () => {
        const pods = await listPods();
        const live = pods.filter((p) => !p.metadata.deletionTimestamp && ready(p));
        return live.length === 3 && !pods.some((p) => p.metadata.name === victim)
          ? live
          : undefined;
      });
      const fresh = after.filter((p) => !before.some((b) => b.metadata.uid === p.metadata.uid));
      assert.equal(fresh.length, 1, "exactly one new pod");

      // minAvailable 3 of 3: no voluntary disruption is allowed.
      await kubectlOk([
        "create",
        "poddisruptionbudget",
        "web",
        "-n",
        ns,
        "--selector=app=web",
        "--min-available=3",
      ]);
      await until("the PDB's status", async () => {
        const pdb = await kubectlJson<{
          metadata: { generation: number };
          status?: { observedGeneration?: number; currentHealthy?: number };
        }>(["get", "-n", ns, "pdb/web"]);
        return pdb.status?.observedGeneration === pdb.metadata.generation &&
            pdb.status?.currentHealthy === 3
          ? true
          : undefined;
      });
      using client = new Client(await Config.fromKubeconfig({}), { retry: { maxRetries: 0 } });
      const target = after[0].metadata.name;
      const evict = () =>
        client.request({
          method: "POST",
          path: `/api/v1/namespaces/${ns}/pods/${target}/eviction`,
          query: new URLSearchParams(),
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            apiVersion: "policy/v1",
            kind: "Eviction",
            metadata: { name: target, namespace: ns },
          }),
        });
      const blocked: ApiError = await evict().then(() => assert.fail("eviction allowed"), (e) => e);
      assert.ok(isTooManyRequests(blocked), String(blocked));
      assert.equal(blocked.code, 429);
      assert.match(String(blocked.message), /disruption budget/);

      // The same eviction goes through once the budget allows one disruption.
      await kubectlOk([
        "patch",
        "pdb",
        "web",
        "-n",
        ns,
        "--type=merge",
        "-p",
        '{"spec":{"minAvailable":2}}',
      ]);
      await until("the eviction, once allowed", async () => {
        try {
          await evict();
          return true;
        } catch (err) {
          if (isTooManyRequests(err)) return undefined; // the PDB controller has not caught up
          throw err;
        }
      });
      await until("the evicted pod gone", async () => {
        const r = await kubectl(["get", "pod", "-n", ns, target, "-o", "name"]);
        return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
      });
    });
  });
}
