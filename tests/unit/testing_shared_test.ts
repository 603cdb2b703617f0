// Shared mode of the test kit against a fake cluster: env.json whose processes are one `sleep`
// (alive, so the cluster "runs") and an HTTPS /readyz this test answers. Shows that a cluster
// whose processes run is never stopped, only waited for, and what a handle prints.

import assert from "node:assert/strict";
import { ClusterStartError, testCluster } from "../../testing/mod.ts";
import {
  type ClusterEnv,
  components,
  locked,
  lockedSync,
  type Proc,
  procStatSync,
} from "../../testing/_control_plane.ts";
import { webhookPki } from "./_webhook_pki.ts";
import { running, runScript, startScript } from "./_child.ts";

const ROOT = new URL("../../", import.meta.url);
const TOKEN = "s3cr3t-admin-token-for-the-test";
const quiet = { log: () => {} };

interface Fake {
  dir: string;
  /** What /readyz answers. */
  readyz: { status: number };
  sleeper: Deno.ChildProcess;
  sleeperAlive(): boolean;
  close(): Promise<void>;
}

async function fakeCluster(): Promise<Fake> {
  const dir = await Deno.makeTempDir({ prefix: "kubeno-fake-cluster-" });
  const state = `${dir}/state`;
  await Deno.mkdir(`${state}/pki`, { recursive: true });
  const [{ ca, serving }] = await webhookPki();
  const readyz = { status: 200 };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, ...serving, onListen() {} },
    () => new Response("", { status: readyz.status }),
  );
  const sleeper = new Deno.Command("sleep", { args: ["600"], stdin: "null" }).spawn();
  const startTime = procStatSync(sleeper.pid)!.startTime;
  const proc: Proc = { pid: sleeper.pid, startTime, args: [], log: "" };
  const pki = {
    ca: `${state}/pki/ca.crt`,
    adminCert: `${state}/pki/admin.crt`,
    adminKey: `${state}/pki/admin.key`,
  };
  await Deno.writeTextFile(pki.ca, ca);
  await Deno.writeTextFile(pki.adminCert, serving.cert);
  await Deno.writeTextFile(pki.adminKey, serving.key);
  const server_ = `https://127.0.0.1:${server.addr.port}`;
  const b64 = (s: string) => btoa(s);
  await Deno.writeTextFile(
    `${state}/kubeconfig`,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "admin",
      clusters: [{
        name: "kubeno",
        cluster: { server: server_, "certificate-authority-data": b64(ca) },
      }],
      users: [{
        name: "admin",
        user: {
          "client-certificate-data": b64(serving.cert),
          "client-key-data": b64(serving.key),
        },
      }],
      contexts: [{ name: "admin", context: { cluster: "kubeno", user: "admin" } }],
    }),
  );
  const env = {
    version: "v0.0.0",
    stateDir: state,
    binDir: `${dir}/bin`,
    kubeconfig: `${state}/kubeconfig`,
    server: server_,
    pki: { ...pki, nobodyCert: "", nobodyKey: "", tokens: "" },
    tokens: { admin: TOKEN, nobody: TOKEN },
    nodes: { names: [], podsDir: `${state}/pods`, sandboxDir: `${state}/sandbox` },
    processes: Object.fromEntries(components.map((c) => [c, proc])),
    startedAt: new Date().toISOString(),
  } as unknown as ClusterEnv;
  await Deno.writeTextFile(`${state}/env.json`, JSON.stringify(env));
  return {
    dir: state,
    readyz,
    sleeper,
    sleeperAlive: () => running(sleeper.pid),
    close: async () => {
      try {
        sleeper.kill("SIGKILL");
      } catch { /* gone */ }
      await sleeper.status;
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("shared: a cluster whose processes run but whose apiserver is not ready is waited for, never stopped", async () => {
  const fake = await fakeCluster();
  try {
    fake.readyz.status = 503;
    const opts = { shared: true, stateDir: fake.dir, cacheHome: fake.dir, ...quiet };
    const t0 = Date.now();
    const err = await testCluster({ ...opts, timeoutMs: 1500 }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ClusterStartError, String(err));
    assert.ok(Date.now() - t0 >= 1400, "gave up before the timeout");
    assert.match(
      err.message,
      /runs, but timed out after 1\.5s waiting for kube-apiserver \/readyz/,
    );
    assert.match(err.message, /It was left running/);
    assert.equal(err.component, "kube-apiserver");
    // Nothing was stopped or wiped.
    assert.ok(fake.sleeperAlive(), "the cluster's process was stopped");
    assert.ok((await Deno.stat(`${fake.dir}/env.json`)).isFile);

    // Ready again a moment later (a restart finished): the waiting handle gets the cluster.
    setTimeout(() => fake.readyz.status = 200, 600);
    await using cluster = await testCluster({ ...opts, timeoutMs: 10_000 });
    assert.equal(cluster.stateDir, fake.dir);
    assert.ok(fake.sleeperAlive());

    // console.log(cluster) says where it is, and shows no token or key.
    const shown = Deno.inspect(cluster, { depth: 10 });
    assert.match(shown, /^TestCluster \{/);
    assert.ok(shown.includes(cluster.server), shown);
    assert.ok(!shown.includes(TOKEN), shown);
    assert.ok(!shown.includes("PRIVATE KEY"), shown);
    assert.ok(!Deno.inspect([cluster], { depth: 10 }).includes(TOKEN));
  } finally {
    await fake.close();
  }
});

Deno.test("shared: a denied --allow-net is a PermissionError naming the flag, not 'no cluster'", async () => {
  const fake = await fakeCluster();
  try {
    const mod = JSON.stringify(new URL("testing/mod.ts", ROOT).href);
    const r = await runScript(
      `import { testCluster } from ${mod};
       try {
         await testCluster({ shared: true, stateDir: ${JSON.stringify(fake.dir)},
           cacheHome: ${JSON.stringify(fake.dir)}, log: () => {} });
         console.log("opened");
       } catch (e) {
         console.log(e.name + ": " + e.message);
       }`,
      [
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-run",
        "--allow-net=example.invalid",
      ],
    );
    assert.equal(r.code, 0, r.stderr);
    const stdout = r.stdout;
    assert.match(stdout, /^PermissionError: using the shared test control plane: Deno denied net/m);
    assert.match(stdout, /Run again with --allow-net=127\.0\.0\.1/);
    assert.ok(fake.sleeperAlive());
  } finally {
    await fake.close();
  }
});

/** A child Deno using the shared cluster of `dir` until its stdin closes, then exiting. */
async function user(dir: string): Promise<Deno.ChildProcess> {
  const script = `import { testCluster } from ${
    JSON.stringify(new URL("testing/mod.ts", ROOT).href)
  };
     const c = await testCluster({ shared: true, stateDir: ${JSON.stringify(dir)},
       cacheHome: ${JSON.stringify(dir)}, log: () => {} });
     await c.stop();
     console.log("holding");
     for await (const _ of Deno.stdin.readable) { /* until closed */ }`;
  return (await startScript("run", script, (l) => l === "holding", "piped")).proc;
}

async function leave(p: Deno.ChildProcess): Promise<void> {
  await p.stdin.close();
  assert.equal((await p.status).code, 0);
}

Deno.test("shared, started by tests: the last user to leave stops it, under the state dir's lock", async () => {
  const fake = await fakeCluster();
  const users: Deno.ChildProcess[] = [];
  try {
    await Deno.writeTextFile(`${fake.dir}/started-by-tests`, "1\n");
    users.push(await user(fake.dir), await user(fake.dir));
    assert.equal([...Deno.readDirSync(`${fake.dir}/holders`)].length, 2);

    await leave(users[0]);
    assert.ok(fake.sleeperAlive(), "stopped while another user still holds it");
    assert.equal([...Deno.readDirSync(`${fake.dir}/holders`)].length, 1);

    // The last one waits for a lock another process holds (a start, a restart, a leaving user)
    // and only then decides.
    await Deno.writeTextFile(`${fake.dir}.lock`, `${Deno.pid}\n`);
    const t0 = Date.now();
    await users[1].stdin.close();
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(fake.sleeperAlive(), "stopped without the lock");
    await Deno.remove(`${fake.dir}.lock`);
    assert.equal((await users[1].status).code, 0);
    assert.ok(Date.now() - t0 >= 1500);
    assert.ok(!fake.sleeperAlive(), "the last user did not stop the cluster");
    await assert.rejects(Deno.stat(fake.dir), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(`${fake.dir}.lock`), Deno.errors.NotFound);
  } finally {
    for (const u of users) {
      try {
        u.kill("SIGKILL");
      } catch { /* exited */ }
      await u.status;
    }
    await fake.close();
  }
});

Deno.test("shared, KUBENO_CLUSTER_START=never: no cluster runs, so it fails at once and starts nothing", async () => {
  const dir = await Deno.makeTempDir();
  const before = Deno.env.get("KUBENO_CLUSTER_START");
  Deno.env.set("KUBENO_CLUSTER_START", "never");
  try {
    await assert.rejects(
      testCluster({ shared: true, stateDir: `${dir}/state`, cacheHome: dir, ...quiet }),
      (e: Error) => /KUBENO_CLUSTER_START=never forbids starting one/.test(e.message),
    );
    // Not even a build was begun: the cache and the state dir stay empty.
    assert.deepEqual([...Deno.readDirSync(dir)].map((f) => f.name), []);
  } finally {
    if (before === undefined) Deno.env.delete("KUBENO_CLUSTER_START");
    else Deno.env.set("KUBENO_CLUSTER_START", before);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("state dir lock: one left by a reused pid or an old empty file is taken over", async () => {
  const dir = await Deno.makeTempDir();
  const state = `${dir}/state`;
  try {
    // This process's pid with another start time: the pid was reused, the holder is gone.
    await Deno.writeTextFile(`${state}.lock`, `${Deno.pid}:1\n`);
    let ran = false;
    await locked(state, 1_000, { info() {}, warn() {} }, () => Promise.resolve(ran = true));
    assert.ok(ran, "a lock of a reused pid held the state dir");
    // Created and never written (killed in between), long ago.
    await Deno.writeTextFile(`${state}.lock`, "");
    Deno.utimeSync(`${state}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    assert.ok(lockedSync(state, 1_000, () => {}), "an old empty lock held the state dir");
    // A live holder (this very process, as another worker of it would be) still holds it.
    await Deno.writeTextFile(`${state}.lock`, `${Deno.pid}\n`);
    assert.equal(lockedSync(state, 300, () => {}), false);
    await Deno.remove(`${state}.lock`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("shared, started by tests: the last user stops the processes env.json records now (a restarted apiserver too)", async () => {
  const fake = await fakeCluster();
  // What a restartApiserver() by another user leaves: env.json names a new apiserver process.
  const restarted = new Deno.Command("sleep", { args: ["600"], stdin: "null" }).spawn();
  try {
    await Deno.writeTextFile(`${fake.dir}/started-by-tests`, "1\n");
    const u = await user(fake.dir);
    const env = JSON.parse(await Deno.readTextFile(`${fake.dir}/env.json`)) as ClusterEnv;
    const startTime = procStatSync(restarted.pid)!.startTime;
    env.processes["kube-apiserver"] = { pid: restarted.pid, startTime, args: [], log: "" };
    await Deno.writeTextFile(`${fake.dir}/env.json`, JSON.stringify(env));
    await leave(u);
    assert.equal(running(restarted.pid), false, "the restarted apiserver outlived its cluster");
    assert.equal(fake.sleeperAlive(), false);
  } finally {
    try {
      restarted.kill("SIGKILL");
    } catch { /* stopped, as it should be */ }
    await restarted.status;
    await fake.close();
  }
});
