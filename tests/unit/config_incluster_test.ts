// In-cluster configuration and Config.infer's order of sources.
import assert from "node:assert/strict";
import { Config, ConfigError, inClusterConfig } from "../../client/config/mod.ts";

const SECRET = "eyJhbGciOiJSUzI1NiJ9.sa-token-secret";
const CA = "-----BEGIN CERTIFICATE-----\nMIIBcafile\n-----END CERTIFICATE-----\n";

// Every test's files live under one folder, removed when the module unloads.
const ROOT = Deno.makeTempDirSync({ prefix: "kubeno-incluster-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

async function serviceAccountDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: ROOT, prefix: "sa-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

const POD_ENV = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

async function rejects(p: Promise<unknown>, ...parts: string[]): Promise<ConfigError> {
  const err = await p.then(() => assert.fail("expected an error"), (e: unknown) => e);
  assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
  for (const part of parts) {
    assert.ok(err.message.includes(part), `"${part}" not in: ${err.message}`);
  }
  assert.ok(!err.message.includes(SECRET));
  return err;
}

Deno.test("inCluster: server from env, token, CA and namespace from the folder", async () => {
  const dir = await serviceAccountDir({ token: `${SECRET}\n`, "ca.crt": CA, namespace: "apps\n" });
  const config = await inClusterConfig({ serviceAccountDir: dir, env: envOf(POD_ENV) });
  assert.equal(config.clusterUrl.href, "https://10.96.0.1/"); // 443 is https' default
  assert.equal(config.defaultNamespace, "apps");
  assert.deepEqual(config.caCerts, [CA]);
  assert.equal(await config.auth.authorization(), `Bearer ${SECRET}`);
  assert.equal(config.source, `in-cluster (https://10.96.0.1:443, ${dir})`);
});

Deno.test("inCluster: IPv6 host gets brackets; no namespace file means default", async () => {
  const dir = await serviceAccountDir({ token: SECRET, "ca.crt": CA });
  const config = await inClusterConfig({
    serviceAccountDir: dir,
    env: envOf({ KUBERNETES_SERVICE_HOST: "fd00:10:96::1", KUBERNETES_SERVICE_PORT: "6443" }),
  });
  assert.equal(config.clusterUrl.href, "https://[fd00:10:96::1]:6443/");
  assert.equal(config.clusterUrl.hostname, "[fd00:10:96::1]");
  assert.equal(config.defaultNamespace, "default");
});

Deno.test("inCluster: the token is re-read as it rotates", async () => {
  const dir = await serviceAccountDir({ token: "old", "ca.crt": CA });
  const config = await inClusterConfig({
    serviceAccountDir: dir,
    env: envOf(POD_ENV),
    tokenRefreshIntervalMs: 0, // every request re-reads, to see the rotation without waiting
  });
  assert.equal(await config.auth.authorization(), "Bearer old");
  await Deno.writeTextFile(`${dir}/token`, "new");
  assert.equal(await config.auth.authorization(), "Bearer new");
});

Deno.test("inCluster errors: env missing, token missing, CA missing or not PEM", async () => {
  const dir = await serviceAccountDir({ "ca.crt": CA });
  await rejects(
    inClusterConfig({ serviceAccountDir: dir, env: envOf({}) }),
    "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
  );
  await rejects(
    inClusterConfig({ serviceAccountDir: dir, env: envOf({ KUBERNETES_SERVICE_HOST: "h" }) }),
    "KUBERNETES_SERVICE_PORT is not set",
  );
  const e = await rejects(
    inClusterConfig({ serviceAccountDir: dir, env: envOf(POD_ENV) }),
    `in-cluster config: token file ${dir}/token`,
    "does not exist",
    "automountServiceAccountToken",
  );
  assert.equal(e.file, `${dir}/token`);
  await Deno.writeTextFile(`${dir}/token`, SECRET);
  await Deno.remove(`${dir}/ca.crt`);
  await rejects(
    inClusterConfig({ serviceAccountDir: dir, env: envOf(POD_ENV) }),
    `the CA certificate ${dir}/ca.crt does not exist`,
  );
  await Deno.writeTextFile(`${dir}/ca.crt`, "garbage");
  await rejects(
    inClusterConfig({ serviceAccountDir: dir, env: envOf(POD_ENV) }),
    `${dir}/ca.crt is not a PEM file`,
  );
});

Deno.test("infer: kubeconfig first, even inside a pod", async () => {
  const home = await Deno.makeTempDir({ dir: ROOT, prefix: "home-" });
  await Deno.mkdir(`${home}/.kube`);
  await Deno.writeTextFile(
    `${home}/.kube/config`,
    `
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443" } }]
contexts: [{ name: c, context: { cluster: k, namespace: from-kubeconfig } }]
`,
  );
  const sa = await serviceAccountDir({ token: SECRET, "ca.crt": CA, namespace: "from-pod" });
  const config = await Config.infer({
    env: envOf({ ...POD_ENV, HOME: home }),
    serviceAccountDir: sa,
  });
  assert.equal(config.defaultNamespace, "from-kubeconfig");
  assert.equal(config.source, `kubeconfig ${home}/.kube/config, context "c"`);
  // Options reach the kubeconfig loader.
  const ns = await Config.infer({ env: envOf({ HOME: home }), namespace: "x" });
  assert.equal(ns.defaultNamespace, "x");
});

Deno.test("infer: in-cluster when there is no kubeconfig", async () => {
  const home = await Deno.makeTempDir({ dir: ROOT, prefix: "home-" });
  const sa = await serviceAccountDir({ token: SECRET, "ca.crt": CA, namespace: "from-pod" });
  const config = await Config.infer({
    env: envOf({ ...POD_ENV, HOME: home }),
    serviceAccountDir: sa,
  });
  assert.equal(config.defaultNamespace, "from-pod");
  assert.ok(config.source.startsWith("in-cluster"));
});

Deno.test("infer: a broken kubeconfig is reported, not skipped for in-cluster", async () => {
  const home = await Deno.makeTempDir({ dir: ROOT, prefix: "home-" });
  await Deno.mkdir(`${home}/.kube`);
  await Deno.writeTextFile(`${home}/.kube/config`, "clusters: 3\n");
  const sa = await serviceAccountDir({ token: SECRET, "ca.crt": CA });
  await rejects(
    Config.infer({ env: envOf({ ...POD_ENV, HOME: home }), serviceAccountDir: sa }),
    `kubeconfig ${home}/.kube/config: clusters must be a list`,
  );
});

Deno.test("infer: nothing found lists each source and why it failed", async () => {
  const home = await Deno.makeTempDir({ dir: ROOT, prefix: "home-" });
  const e1 = await rejects(
    Config.infer({ env: envOf({ HOME: home }) }),
    "no Kubernetes configuration found. Tried:",
    `1. kubeconfig: KUBECONFIG is not set and ${home}/.kube/config does not exist`,
    "2. in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
  );
  assert.ok(e1.message.includes("Set KUBECONFIG"));
  await rejects(
    Config.infer({ env: envOf({ KUBECONFIG: `${home}/nope` }) }),
    `1. kubeconfig: KUBECONFIG=${home}/nope names a file that does not exist`,
  );
  const sa = await serviceAccountDir({ "ca.crt": CA });
  await rejects(
    Config.infer({ env: envOf({ ...POD_ENV, HOME: home }), serviceAccountDir: sa }),
    `2. in-cluster config: token file ${sa}/token`,
  );
});

// Issue 11, item 2: a service account token file no header can carry fails at load, naming the
// file; a rotation to such a file keeps the last good token instead of sending it.
Deno.test("inCluster: a token file of two lines is a ConfigError; a bad rotation is not sent", async () => {
  const bad = await serviceAccountDir({ token: `${SECRET}\n${SECRET}\n`, "ca.crt": CA });
  const err = await rejects(
    inClusterConfig({ serviceAccountDir: bad, env: envOf(POD_ENV) }),
    "in-cluster config: token file",
    `${bad}/token`,
    "line break",
  );
  assert.equal(err.file, `${bad}/token`);
  const dir = await serviceAccountDir({ token: "good", "ca.crt": CA });
  const config = await inClusterConfig({
    serviceAccountDir: dir,
    env: envOf(POD_ENV),
    tokenRefreshIntervalMs: 0,
  });
  await Deno.writeTextFile(`${dir}/token`, `${SECRET}\u0000`);
  assert.equal(await config.auth.authorization(), "Bearer good");
});
