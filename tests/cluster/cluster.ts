/**
 * A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on 127.0.0.1
 * for kubeno's e2e tests, built from the official Go modules by build.sh.
 *
 *   deno task cluster up|down|status|env|restart
 *
 * State (PKI, etcd data, logs, kubeconfig, env.json) lives in
 * ${KUBENO_CLUSTER_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeno/cluster/state}.
 * The processes outlive this command: `up` returns once the API is ready, `down` stops them.
 *
 * @module
 */

import { stringify } from "yaml";

const here = new URL(".", import.meta.url).pathname;
const env = (name: string): string | undefined => Deno.env.get(name) || undefined;
const cacheRoot = `${env("XDG_CACHE_HOME") ?? `${env("HOME") ?? "/tmp"}/.cache`}/kubeno/cluster`;
const stateDir = env("KUBENO_CLUSTER_STATE") ?? `${cacheRoot}/state`;
const envFile = `${stateDir}/env.json`;
const pkiDir = `${stateDir}/pki`;
const logDir = `${stateDir}/logs`;
const kubeconfigPath = `${stateDir}/kubeconfig`;
/** How long `up` and `restart` wait for the control plane before giving up. */
const readyTimeoutMs = Number(env("KUBENO_CLUSTER_TIMEOUT") ?? 120) * 1000;
/** SIGTERM grace before SIGKILL on `down` / `restart`. */
const stopGraceMs = 10_000;
const serviceCidr = "10.0.0.0/24";
/** First address of serviceCidr: the apiserver's own `kubernetes` service IP. */
const serviceIp = "10.0.0.1";

type Component = "etcd" | "kube-apiserver" | "kube-controller-manager";
const components: Component[] = ["etcd", "kube-apiserver", "kube-controller-manager"];

interface Proc {
  pid: number;
  /** /proc/<pid>/stat starttime: tells our process apart from a later one reusing the pid. */
  startTime: string;
  args: string[];
  log: string;
}

/** Written to `<state>/env.json`; tests and tooling may read it. */
export interface ClusterEnv {
  version: string;
  stateDir: string;
  binDir: string;
  kubeconfig: string;
  server: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number };
  pki: {
    ca: string;
    adminCert: string;
    adminKey: string;
    nobodyCert: string;
    nobodyKey: string;
    tokens: string;
  };
  tokens: { admin: string; nobody: string };
  processes: Partial<Record<Component, Proc>>;
  startedAt: string;
  readyAfterMs?: number;
}

function k8sVersion(): string {
  const mod = Deno.readTextFileSync(`${here}go.mod`);
  const m = mod.match(/^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v\S+)/m);
  if (!m) throw new Error(`cannot find the k8s.io/kubernetes version in ${here}go.mod`);
  return m[1];
}

const version = k8sVersion();
const binDir = `${cacheRoot}/${version}/bin`;
const bin = (name: string) => `${binDir}/${name}`;

// ---------------------------------------------------------------------------------------------
// Processes

/**
 * Reads /proc/<pid>/stat through `cat`: Deno grants /proc only with --allow-all, which the task
 * does not have. A zombie counts as gone (PID 1 on CI machines may never reap it).
 */
async function procStat(pid: number): Promise<{ state: string; startTime: string } | undefined> {
  const out = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) return undefined;
  const stat = new TextDecoder().decode(out.stdout);
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: rest[0], startTime: rest[19] };
}

async function alive(p: Proc | undefined): Promise<boolean> {
  if (!p) return false;
  const s = await procStat(p.pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X" && s.startTime === p.startTime;
}

/**
 * Starts a component in its own session with output appended to its log. A `sh` wrapper does
 * the redirection and `setsid` so the process survives this Deno process and the terminal.
 */
async function spawn(name: Component, args: string[]): Promise<Proc> {
  const log = `${logDir}/${name}.log`;
  const script = 'log="$1"; shift; setsid "$@" </dev/null >>"$log" 2>&1 & echo $!';
  const out = await new Deno.Command("sh", {
    args: ["-c", script, "sh", log, bin(name), ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
    // The components talk to 127.0.0.1 only; make sure no proxy setting reroutes that.
    env: { NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" },
  }).output();
  const pid = Number(new TextDecoder().decode(out.stdout).trim());
  if (!out.success || !Number.isInteger(pid) || pid <= 0) throw new Error(`cannot start ${name}`);
  const stat = await procStat(pid);
  if (!stat) throw new Error(`${name} exited at once; see ${log}`);
  return { pid, startTime: stat.startTime, args, log };
}

async function stop(name: string, p: Proc | undefined): Promise<void> {
  if (!p || !(await alive(p))) return;
  try {
    Deno.kill(p.pid, "SIGTERM");
  } catch { /* already gone */ }
  const deadline = Date.now() + stopGraceMs;
  while (await alive(p) && Date.now() < deadline) await sleep(100);
  if (await alive(p)) {
    console.error(`${name} (pid ${p.pid}) ignored SIGTERM for ${stopGraceMs / 1000}s: SIGKILL`);
    try {
      Deno.kill(p.pid, "SIGKILL");
    } catch { /* already gone */ }
    while (await alive(p)) await sleep(50);
  }
}

async function stopAll(e: ClusterEnv): Promise<void> {
  // Reverse start order: the controller manager first, etcd last.
  for (const c of [...components].reverse()) await stop(c, e.processes[c]);
}

function tail(path: string, lines = 40): string {
  try {
    return Deno.readTextFileSync(path).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ports picked by the kernel; held together so they differ, released just before use. */
function freePorts(n: number): number[] {
  const ls = Array.from({ length: n }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = ls.map((l) => (l.addr as Deno.NetAddr).port);
  ls.forEach((l) => l.close());
  return ports;
}

// ---------------------------------------------------------------------------------------------
// PKI

function randomToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** One openssl shell script: a few dozen milliseconds with EC P-256 keys. */
async function makePki(): Promise<void> {
  const sans = [
    "IP:127.0.0.1",
    `IP:${serviceIp}`,
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ].join(",");
  const script = `
set -eu
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }
# ca NAME CN
ca() {
  key "$1"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -sha256 -out "$1.crt" \\
    -addext "basicConstraints=critical,CA:TRUE" \\
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
}
# sign NAME SUBJECT EXTENSIONS [CA]
sign() {
  key "$1"
  printf '%b' "$3" > "$1.ext"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "\${4:-ca}.crt" -CAkey "\${4:-ca}.key" -CAcreateserial \\
    -days 365 -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca kubeno-ca
leaf='basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\n'
client="\${leaf}extendedKeyUsage=clientAuth\\n"
sign serving "/CN=kube-apiserver" "\${leaf}extendedKeyUsage=serverAuth,clientAuth\\nsubjectAltName=${sans}\\n"
sign admin "/O=system:masters/CN=kubeno-admin" "$client"
sign nobody "/CN=nobody" "$client"
sign controller-manager "/CN=system:kube-controller-manager" "$client"
# The aggregation layer's identity towards extension API servers, trusted for X-Remote-* headers.
ca front-proxy-ca kubeno-front-proxy-ca
sign front-proxy-client "/CN=front-proxy-client" "$client" front-proxy-ca
key sa
openssl pkey -in sa.key -pubout -out sa.pub
`;
  const out = await new Deno.Command("sh", {
    args: ["-c", script],
    cwd: pkiDir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    throw new Error(`openssl failed generating the PKI in ${pkiDir}:\n${err}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Kubeconfig

const b64 = (path: string) => btoa(Deno.readTextFileSync(path));

function writeKubeconfigs(e: ClusterEnv): void {
  const cluster = {
    name: "kubeno",
    cluster: { server: e.server, "certificate-authority-data": b64(e.pki.ca) },
  };
  const certUser = (name: string, crt: string, key: string) => ({
    name,
    user: { "client-certificate-data": b64(crt), "client-key-data": b64(key) },
  });
  const ctx = (name: string, user: string) => ({ name, context: { cluster: "kubeno", user } });
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "admin",
    clusters: [cluster],
    users: [
      certUser("kubeno-admin", e.pki.adminCert, e.pki.adminKey),
      { name: "kubeno-admin-token", user: { token: e.tokens.admin } },
      certUser("nobody", e.pki.nobodyCert, e.pki.nobodyKey),
      { name: "nobody-token", user: { token: e.tokens.nobody } },
    ],
    contexts: [
      ctx("admin", "kubeno-admin"),
      ctx("admin-token", "kubeno-admin-token"),
      ctx("nobody", "nobody"),
      ctx("nobody-token", "nobody-token"),
    ],
    preferences: {},
  };
  Deno.writeTextFileSync(kubeconfigPath, stringify(kubeconfig), { mode: 0o600 });

  // The controller manager's own identity; file paths are fine for a Go client.
  const kcm = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "kcm",
    clusters: [{
      name: "kubeno",
      cluster: { server: e.server, "certificate-authority": e.pki.ca },
    }],
    users: [{
      name: "kcm",
      user: {
        "client-certificate": `${pkiDir}/controller-manager.crt`,
        "client-key": `${pkiDir}/controller-manager.key`,
      },
    }],
    contexts: [ctx("kcm", "kcm")],
  };
  Deno.writeTextFileSync(`${stateDir}/controller-manager.kubeconfig`, stringify(kcm), {
    mode: 0o600,
  });
}

// ---------------------------------------------------------------------------------------------
// Component arguments

function etcdArgs(e: ClusterEnv): string[] {
  const client = `http://127.0.0.1:${e.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${e.ports.etcdPeer}`;
  return [
    "--name=kubeno",
    `--data-dir=${stateDir}/etcd`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=kubeno=${peer}`,
    "--initial-cluster-state=new",
    // Test data is thrown away with the state dir: durability is not worth the fsync latency.
    "--unsafe-no-fsync",
    "--log-level=warn",
  ];
}

function apiserverArgs(e: ClusterEnv): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${e.ports.etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${e.ports.apiserver}`,
    `--cert-dir=${stateDir}/apiserver`,
    `--tls-cert-file=${pkiDir}/serving.crt`,
    `--tls-private-key-file=${pkiDir}/serving.key`,
    `--client-ca-file=${e.pki.ca}`,
    `--token-auth-file=${e.pki.tokens}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pkiDir}/sa.pub`,
    `--service-account-signing-key-file=${pkiDir}/sa.key`,
    "--authorization-mode=Node,RBAC",
    // Aggregation-layer settings as kubeadm has them; delegating authn in the controller
    // manager (and any extension API server a test adds) reads the request-header CA.
    `--requestheader-client-ca-file=${pkiDir}/front-proxy-ca.crt`,
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--proxy-client-cert-file=${pkiDir}/front-proxy-client.crt`,
    `--proxy-client-key-file=${pkiDir}/front-proxy-client.key`,
    `--service-cluster-ip-range=${serviceCidr}`,
    "--allow-privileged=true",
    // The `kubernetes` Endpoints would hold 127.0.0.1, which validation rejects as loopback:
    // the reconciler would only log errors every few seconds. Nothing in-cluster needs it.
    "--endpoint-reconciler-type=none",
    // Otherwise shutdown waits up to 60s for open watch connections; restart should be quick.
    "--shutdown-send-retry-after=true",
    "--profiling=false",
  ];
}

function controllerManagerArgs(e: ClusterEnv): string[] {
  const kubeconfig = `${stateDir}/controller-manager.kubeconfig`;
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${e.ports.controllerManager}`,
    `--cert-dir=${stateDir}/controller-manager`,
    // Serve with our certificate so `up` can check /healthz against the CA.
    `--tls-cert-file=${pkiDir}/serving.crt`,
    `--tls-private-key-file=${pkiDir}/serving.key`,
    "--leader-elect=false",
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${pkiDir}/sa.key`,
    `--root-ca-file=${e.pki.ca}`,
    `--cluster-signing-cert-file=${e.pki.ca}`,
    `--cluster-signing-key-file=${pkiDir}/ca.key`,
    `--service-cluster-ip-range=${serviceCidr}`,
    // No nodes: nothing to allocate pod CIDRs to. (The cloud controllers left KCM long ago.)
    "--controllers=*,-node-ipam-controller",
    "--profiling=false",
  ];
}

// ---------------------------------------------------------------------------------------------
// Readiness

function adminClient(e: ClusterEnv): Deno.HttpClient {
  return Deno.createHttpClient({
    caCerts: [Deno.readTextFileSync(e.pki.ca)],
    cert: Deno.readTextFileSync(e.pki.adminCert),
    key: Deno.readTextFileSync(e.pki.adminKey),
  });
}

async function get(url: string, client?: Deno.HttpClient): Promise<number> {
  try {
    const res = await fetch(url, { client, signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

class StartError extends Error {
  constructor(readonly component: Component, message: string) {
    super(message);
  }
}

/** Polls `url` until it answers 200; fails fast if a component process exits meanwhile. */
async function waitFor(
  e: ClusterEnv,
  what: string,
  url: string,
  client: Deno.HttpClient | undefined,
  deadline: number,
): Promise<void> {
  while (true) {
    for (const c of components) {
      const p = e.processes[c];
      if (p && !(await alive(p))) throw new StartError(c, `${c} exited while waiting for ${what}`);
    }
    if (await get(url, client) === 200) return;
    if (Date.now() > deadline) {
      const c: Component = url.includes(`:${e.ports.etcdClient}/`)
        ? "etcd"
        : url.includes(`:${e.ports.controllerManager}/`)
        ? "kube-controller-manager"
        : "kube-apiserver";
      throw new StartError(c, `timed out after ${readyTimeoutMs / 1000}s waiting for ${what}`);
    }
    await sleep(150);
  }
}

function readEnv(): ClusterEnv | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(envFile)) as ClusterEnv;
  } catch {
    return undefined;
  }
}

function writeEnv(e: ClusterEnv): void {
  Deno.writeTextFileSync(envFile, JSON.stringify(e, null, 2) + "\n", { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------
// Commands

async function ensureBinaries(): Promise<void> {
  const names = ["etcd", "kube-apiserver", "kube-controller-manager", "kubectl"];
  const missing = names.filter((n) => {
    try {
      return !Deno.statSync(bin(n)).isFile;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  console.error(`missing ${missing.join(", ")} in ${binDir}: running tests/cluster/build.sh`);
  console.error("(a cold build takes tens of minutes on 2 cores)");
  const st = await new Deno.Command("bash", {
    args: [`${here}build.sh`],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!st.success) throw new Error(`tests/cluster/build.sh failed (exit ${st.code})`);
}

async function up(): Promise<number> {
  const old = readEnv();
  const running = old && await Promise.all(components.map((c) => alive(old.processes[c])));
  if (old && running?.every(Boolean)) {
    const client = adminClient(old);
    const ready = await get(`${old.server}/readyz`, client);
    client.close();
    if (ready === 200) {
      console.log(`cluster already running at ${old.server}; KUBECONFIG=${old.kubeconfig}`);
      return 0;
    }
  }
  if (old) {
    console.error("cleaning up a previous, unhealthy cluster");
    await stopAll(old);
  }
  await ensureBinaries();

  const t0 = performance.now();
  await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  for (const d of [stateDir, pkiDir, logDir]) Deno.mkdirSync(d, { recursive: true, mode: 0o700 });

  await makePki();
  const tokens = { admin: randomToken(), nobody: randomToken() };
  const tokensFile = `${pkiDir}/tokens.csv`;
  // token,user,uid,"groups"
  Deno.writeTextFileSync(
    tokensFile,
    `${tokens.admin},kubeno-admin,kubeno-admin,"system:masters"\n${tokens.nobody},nobody,nobody\n`,
    { mode: 0o600 },
  );

  const [etcdClient, etcdPeer, apiserver, controllerManager] = freePorts(4);
  const e: ClusterEnv = {
    version,
    stateDir,
    binDir,
    kubeconfig: kubeconfigPath,
    server: `https://127.0.0.1:${apiserver}`,
    ports: { etcdClient, etcdPeer, apiserver, controllerManager },
    pki: {
      ca: `${pkiDir}/ca.crt`,
      adminCert: `${pkiDir}/admin.crt`,
      adminKey: `${pkiDir}/admin.key`,
      nobodyCert: `${pkiDir}/nobody.crt`,
      nobodyKey: `${pkiDir}/nobody.key`,
      tokens: tokensFile,
    },
    tokens,
    processes: {},
    startedAt: new Date().toISOString(),
  };
  writeKubeconfigs(e);

  const client = adminClient(e);
  const deadline = Date.now() + readyTimeoutMs;
  try {
    // env.json is rewritten after every start so that `down` can clean up a half-done `up`.
    e.processes.etcd = await spawn("etcd", etcdArgs(e));
    writeEnv(e);
    await waitFor(e, "etcd /health", `http://127.0.0.1:${etcdClient}/health`, undefined, deadline);

    e.processes["kube-apiserver"] = await spawn("kube-apiserver", apiserverArgs(e));
    writeEnv(e);
    await waitFor(e, "kube-apiserver /readyz", `${e.server}/readyz`, client, deadline);
    const apiReadyMs = performance.now() - t0;

    // Started only now: it gives up if the apiserver is not healthy soon enough.
    e.processes["kube-controller-manager"] = await spawn(
      "kube-controller-manager",
      controllerManagerArgs(e),
    );
    writeEnv(e);
    const kcm = `https://127.0.0.1:${controllerManager}/healthz`;
    await waitFor(e, "kube-controller-manager /healthz", kcm, client, deadline);
    // Tests create objects in `default` right away; pods there need its `default` account.
    await waitFor(
      e,
      "the default/default ServiceAccount",
      `${e.server}/api/v1/namespaces/default/serviceaccounts/default`,
      client,
      deadline,
    );
    e.readyAfterMs = Math.round(performance.now() - t0);
    writeEnv(e);
    console.log(
      `cluster ${version} up at ${e.server}: /readyz after ${(apiReadyMs / 1000).toFixed(1)}s, ` +
        `fully ready after ${(e.readyAfterMs / 1000).toFixed(1)}s`,
    );
    console.log(`  export KUBECONFIG=${kubeconfigPath}`);
    console.log(`  eval "$(deno task -q cluster env)"   # KUBECONFIG and PATH with kubectl`);
    return 0;
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    const p = e.processes[err.component];
    console.error(`cluster up failed: ${err.message}`);
    console.error(`--- last lines of ${p?.log ?? `${logDir}/${err.component}.log`} ---`);
    console.error(tail(p?.log ?? `${logDir}/${err.component}.log`));
    console.error("---");
    await stopAll(e);
    console.error(`stopped what was started; logs kept in ${logDir} until \`cluster down\``);
    return 1;
  } finally {
    client.close();
  }
}

async function down(): Promise<number> {
  const e = readEnv();
  if (e) await stopAll(e);
  await Deno.remove(stateDir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  console.log(e ? "cluster stopped and state removed" : "no cluster state: nothing to stop");
  return 0;
}

async function status(): Promise<number> {
  const e = readEnv();
  if (!e) {
    console.log(`not running (no ${envFile})`);
    return 1;
  }
  let ok = true;
  for (const c of components) {
    const p = e.processes[c];
    const running = await alive(p);
    ok &&= running;
    console.log(`${c.padEnd(24)} ${running ? `running  pid ${p?.pid}` : "stopped"}`);
  }
  const client = adminClient(e);
  const ready = await get(`${e.server}/readyz`, client);
  client.close();
  ok &&= ready === 200;
  console.log(`${"apiserver /readyz".padEnd(24)} ${ready === 200 ? "ok" : `not ready (${ready})`}`);
  console.log(`${"server".padEnd(24)} ${e.server}`);
  console.log(`${"kubeconfig".padEnd(24)} ${e.kubeconfig}`);
  return ok ? 0 : 1;
}

function printEnv(): number {
  const e = readEnv();
  if (!e) {
    console.error(`no cluster state in ${stateDir}: run \`deno task cluster up\` first`);
    return 1;
  }
  console.log(`export KUBECONFIG='${e.kubeconfig}'`);
  console.log(`export PATH='${e.binDir}':"$PATH"`);
  return 0;
}

/** Restarts kube-apiserver only, on the same port, keeping etcd and its data. */
async function restart(): Promise<number> {
  const e = readEnv();
  if (!e) {
    console.error(`no cluster state in ${stateDir}: run \`deno task cluster up\` first`);
    return 1;
  }
  const t0 = performance.now();
  const previous = e.processes["kube-apiserver"];
  await stop("kube-apiserver", previous);
  // The same arguments as before, even if this file changed since `up`: its PKI may differ.
  e.processes["kube-apiserver"] = await spawn("kube-apiserver", previous?.args ?? apiserverArgs(e));
  writeEnv(e);
  const client = adminClient(e);
  try {
    const deadline = Date.now() + readyTimeoutMs;
    await waitFor(e, "kube-apiserver /readyz", `${e.server}/readyz`, client, deadline);
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    console.error(`restart failed: ${err.message}`);
    console.error(tail(e.processes[err.component]?.log ?? ""));
    return 1;
  } finally {
    client.close();
  }
  console.log(
    `kube-apiserver restarted, ready after ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
  return 0;
}

/**
 * Serializes up/down/restart: several engineers and test runs share one state directory, and
 * two concurrent `up`s would wipe each other's PKI and etcd data.
 */
async function locked(fn: () => Promise<number>): Promise<number> {
  const lock = `${stateDir}.lock`;
  Deno.mkdirSync(stateDir.slice(0, stateDir.lastIndexOf("/")) || "/", { recursive: true });
  const deadline = Date.now() + readyTimeoutMs + 30_000;
  let told = false;
  while (true) {
    try {
      Deno.writeTextFileSync(lock, `${Deno.pid}\n`, { createNew: true });
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const holder = Number(Deno.readTextFileSync(lock).trim());
    const stat = holder > 0 ? await procStat(holder) : { state: "R", startTime: "" };
    if (!stat || stat.state === "Z") {
      await Deno.remove(lock).catch(() => {}); // left by a killed command
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is held by pid ${holder}`);
    if (!told) console.error(`waiting for another cluster command (pid ${holder}) to finish`);
    told = true;
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    Deno.removeSync(lock);
  }
}

const usage = "usage: deno task cluster up|down|status|env|restart";

if (import.meta.main) {
  const cmd = Deno.args[0];
  const commands: Record<string, () => number | Promise<number>> = {
    up: () => locked(up),
    down: () => locked(down),
    status,
    env: printEnv,
    restart: () => locked(restart),
  };
  const run = cmd ? commands[cmd] : undefined;
  if (!run) {
    console.error(usage);
    Deno.exit(2);
  }
  Deno.exit(await run());
}
