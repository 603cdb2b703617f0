// @kubeno/kube/testing against the real control plane: shared mode finds the running cluster
// through KUBECONFIG, namespaces are created and deleted (also when the test throws), chosen
// users and ServiceAccounts are who the apiserver says they are, kubectl of the same release
// keeps its exit codes; and an own cluster starts, restarts its apiserver and is torn down
// when the test throws.

import assert from "node:assert/strict";
import { Api, ApiError } from "../../mod.ts";
import { ConfigMap, Namespace, Pod, ServiceAccount } from "../../core/k8s/core/v1.ts";
import { RoleBinding } from "../../core/k8s/rbac.authorization.k8s.io/v1.ts";
import { SelfSubjectReview } from "../../core/k8s/authentication.k8s.io/v1.ts";
import type { Client } from "../../mod.ts";
import { startCluster, testCluster } from "../../testing/mod.ts";
import { wipeRefusal } from "../../testing/_control_plane.ts";
import { requireCluster } from "./_cluster.ts";
import { running, startScript } from "../unit/_child.ts";

/** Who the apiserver says `client` is. */
async function whoAmI(client: Client): Promise<{ username?: string; groups?: string[] }> {
  const review = await Api.all(client, SelfSubjectReview).create({ metadata: {} });
  const { username, groups } = review.status?.userInfo ?? {};
  return { username, groups };
}

const existsSync = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};

const statusOf = (p: Promise<unknown>) =>
  p.then(() => 200, (e) => (e instanceof ApiError ? e.code : Promise.reject(e)));

if (requireCluster()) {
  Deno.test("shared testCluster uses the KUBECONFIG cluster; namespaces go on dispose, even after a throw", async () => {
    const kubeconfig = Deno.env.get("KUBECONFIG")!;
    let ns = "";
    await assert.rejects(async () => {
      await using cluster = await testCluster({ shared: true });
      assert.equal(cluster.kubeconfig, kubeconfig);
      assert.equal(cluster.shared, true);
      ns = await cluster.namespace("kit");
      assert.match(ns, /^kit-[a-z0-9]{5}$/);
      await Api.namespaced(cluster.admin, ConfigMap, ns).create({ metadata: { name: "a" } });
      throw new Error("the test failed");
    }, /the test failed/);
    // The cluster still runs (shared: not stopped); the namespace is being deleted.
    await using again = await testCluster({ shared: true });
    const got = await Api.all(again.admin, Namespace).get(ns).catch((e) => e);
    if (!(got instanceof ApiError)) assert.ok(got.metadata.deletionTimestamp, "namespace kept");
    else assert.equal(got.code, 404);
  });

  Deno.test("a running cluster's state dir holds only names the wipe guard knows; a handle prints no secret", async () => {
    await using cluster = await testCluster({ shared: true });
    const entries = [...Deno.readDirSync(cluster.stateDir)].map((e) => e.name);
    // Without the env.json and marker shortcuts: every entry must be a layout name.
    assert.equal(
      wipeRefusal(entries.filter((n) => n !== ".kubeno-cluster-state"), false),
      undefined,
    );
    const shown = Deno.inspect(cluster, { depth: 20 });
    assert.ok(shown.includes(cluster.server));
    assert.ok(!shown.includes(cluster.env.tokens.admin), shown);
    assert.ok(!/PRIVATE KEY/.test(shown), shown);
  });

  Deno.test("cluster.client: a user certificate and a ServiceAccount token, as the apiserver sees them", async () => {
    await using cluster = await testCluster({ shared: true });
    const ns = await cluster.namespace("kit-id");

    const jane = await cluster.client({ user: "jane", groups: ["devs"] });
    assert.deepEqual(await whoAmI(jane), {
      username: "jane",
      groups: ["devs", "system:authenticated"],
    });
    // RBAC decides: nothing granted, then a RoleBinding to the built-in `view` role.
    assert.equal(await statusOf(Api.namespaced(jane, Pod, ns).list()), 403);
    await Api.namespaced(cluster.admin, RoleBinding, ns).create({
      metadata: { name: "devs-view" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "devs" }],
    });
    let code = 0;
    for (let i = 0; i < 50 && code !== 200; i++) {
      code = await statusOf(Api.namespaced(jane, Pod, ns).list());
      if (code !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(code, 200);

    // A name that tries to add a group is one odd user name, not a cluster admin.
    const eve = await cluster.client({ user: "eve/O=system:masters" });
    assert.deepEqual(await whoAmI(eve), {
      username: "eve/O=system:masters",
      groups: ["system:authenticated"],
    });
    assert.equal(await statusOf(Api.all(eve, Namespace).list()), 403);

    await Api.namespaced(cluster.admin, ServiceAccount, ns).create({ metadata: { name: "op" } });
    const sa = await cluster.client({ serviceAccount: "op", namespace: ns });
    const who = await whoAmI(sa);
    assert.equal(who.username, `system:serviceaccount:${ns}:op`);
    assert.ok(who.groups?.includes(`system:serviceaccounts:${ns}`));
    // A ServiceAccount that does not exist: the server's 404 comes through.
    await assert.rejects(
      cluster.client({ serviceAccount: "missing", namespace: ns }),
      (e) => e instanceof ApiError && e.code === 404,
    );
  });

  Deno.test("cluster.kubectl is the release's kubectl, exit codes kept", async () => {
    await using cluster = await testCluster({ shared: true });
    const version = await cluster.kubectl("version", "-o", "json");
    assert.equal(version.code, 0, version.stderr);
    const v = JSON.parse(version.stdout);
    assert.equal(v.clientVersion.gitVersion, cluster.env.version);
    assert.equal(v.serverVersion.gitVersion, cluster.env.version);
    const nodes = await cluster.kubectl("get", "nodes", "-o", "name");
    assert.deepEqual(nodes.stdout.trim().split("\n").sort(), [
      "node/kwok-node-0",
      "node/kwok-node-1",
    ]);
    const missing = await cluster.kubectl("get", "configmap", "nope", "-n", "default");
    assert.equal(missing.code, 1);
    assert.equal(missing.success, false);
    assert.match(missing.stderr, /NotFound/);
  });

  Deno.test("an own cluster: started, apiserver restarted, torn down when the test throws", async () => {
    let stateDir = "";
    let pids: number[] = [];
    await assert.rejects(async () => {
      await using cluster = await startCluster({ log: () => {} });
      stateDir = cluster.stateDir;
      assert.notEqual(cluster.kubeconfig, Deno.env.get("KUBECONFIG"));
      assert.equal(cluster.shared, false);
      const ns = await cluster.namespace();
      await Api.namespaced(cluster.admin, ConfigMap, ns).create({ metadata: { name: "kept" } });
      const before = cluster.env.processes["kube-apiserver"]!.pid;
      assert.ok((await cluster.restartApiserver()) > 0);
      assert.notEqual(cluster.env.processes["kube-apiserver"]!.pid, before);
      // etcd kept the data across the restart.
      const cm = await Api.namespaced(cluster.admin, ConfigMap, ns).get("kept");
      assert.equal(cm.metadata.name, "kept");
      pids = Object.values(cluster.env.processes).map((p) => p!.pid);
      assert.equal(pids.length, 6);
      throw new Error("the test failed");
    }, /the test failed/);
    assert.throws(() => Deno.statSync(stateDir), Deno.errors.NotFound);
    for (const pid of pids) {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      assert.ok(stat === "" || state === "Z", `pid ${pid} still runs`);
    }
  });
}

if (requireCluster()) {
  Deno.test("an own cluster whose Deno process is killed (SIGKILL) is stopped by its watchdog, after an apiserver restart too", async () => {
    const script = `import { startCluster } from ${
      JSON.stringify(new URL("../../testing/mod.ts", import.meta.url).href)
    };
      const c = await startCluster({ log: () => {} });
      await c.restartApiserver(); // a new apiserver pid, which the watchdog must know
      console.log(JSON.stringify({ stateDir: c.stateDir, pids: Object.values(c.env.processes).map((p) => p.pid) }));
      setInterval(() => {}, 1000);`;
    const { proc, line } = await startScript("run", script, (l) => l.startsWith("{"));
    const { stateDir, pids } = JSON.parse(line) as { stateDir: string; pids: number[] };
    try {
      assert.equal(pids.length, 6);
      proc.kill("SIGKILL");
      await proc.status;
      const deadline = Date.now() + 30_000;
      while ((pids.some(running) || existsSync(stateDir)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.deepEqual(pids.filter(running), [], "still running after their Deno was killed");
      assert.ok(!existsSync(stateDir), `${stateDir} left behind`);
    } finally {
      for (const pid of pids.filter(running)) Deno.kill(pid, "SIGKILL");
    }
  });

  Deno.test("shared mode with no cluster running starts one, stopped when the process exits", async () => {
    const dir = await Deno.makeTempDir({ prefix: "kubeno-shared-" });
    const state = `${dir}/state`;
    try {
      const script = `${dir}/main.ts`;
      await Deno.writeTextFile(
        script,
        `import { testCluster } from ${
          JSON.stringify(new URL("../../testing/mod.ts", import.meta.url).href)
        };
        const a = await testCluster({ shared: true, log: () => {} });
        const b = await testCluster({ shared: true, log: () => {} });
        // Both handles use the one cluster this process started.
        if (a.server !== b.server) throw new Error("two clusters");
        console.log(JSON.stringify({ stateDir: a.stateDir, pids: Object.values(a.env.processes).map((p) => p.pid) }));
        await a[Symbol.asyncDispose]();
        await b[Symbol.asyncDispose]();
        `,
      );
      const env = { ...Deno.env.toObject(), KUBENO_CLUSTER_STATE: state, NO_COLOR: "1" };
      delete (env as Record<string, string | undefined>).KUBECONFIG;
      // CI forbids starts (its cluster step already ran); this child is about starting one.
      delete (env as Record<string, string | undefined>).KUBENO_CLUSTER_START;
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "--config",
          new URL("../../deno.json", import.meta.url).pathname,
          "--allow-run",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-net=127.0.0.1",
          script,
        ],
        clearEnv: true,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, `${stdout}\n${new TextDecoder().decode(out.stderr)}`);
      const { stateDir, pids } = JSON.parse(stdout) as { stateDir: string; pids: number[] };
      assert.equal(stateDir, state);
      assert.equal(pids.length, 6);
      assert.throws(() => Deno.statSync(state), Deno.errors.NotFound);
      for (const pid of pids) {
        const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
        const s = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
        assert.ok(stat === "" || s === "Z", `pid ${pid} still runs`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
