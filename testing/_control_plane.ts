/**
 * The control plane of the test kit: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, node-streams and kwok on 127.0.0.1, started from binaries built by
 * tests/cluster/build.sh. One implementation for `@kubeno/kube/testing` and the
 * `deno task cluster` CLI (tests/cluster/cluster.ts). Internal: the public surface is mod.ts.
 *
 * The processes outlive the Deno process that starts them (each in its own session); env.json
 * in the state dir records their pids so that any later process can stop them.
 *
 * @module
 */

import { stringify } from "yaml";
import { isPermissionDenial } from "../client/permissions.ts";
import { KubeError } from "../core/error.ts";

/** Written into a state dir right after it is created: it may be wiped. */
export const STATE_MARKER = ".kubeno-cluster-state";
/** SIGTERM grace before SIGKILL when stopping a component. */
const stopGraceMs = 10_000;
const serviceCidr = "10.0.0.0/24";
/** First address of serviceCidr: the apiserver's own `kubernetes` service IP. */
const serviceIp = "10.0.0.1";
/** Pod IPs kwok hands out: apart from serviceCidr. */
const podCidr = "10.244.0.0/16";
/** The fake nodes kwok keeps Ready; pods are scheduled onto them by kube-scheduler. */
const nodeNames = ["kwok-node-0", "kwok-node-1"];
/** kwok manages only nodes with this annotation. */
const kwokNodeAnnotation = "kwok.x-k8s.io/node";

/** Where things are for one cluster: the binaries of a version and one state dir. */
export interface Layout {
  /** `<cache home>/kubeno/cluster`. */
  cacheRoot: string;
  /** The Kubernetes version, e.g. `v1.37.2`. */
  version: string;
  /** `<cacheRoot>/<version>/bin`. */
  binDir: string;
  /** kwok's stages, extracted by build.sh. */
  stagesFile: string;
  /** PKI, etcd data, logs, kubeconfig, env.json. */
  stateDir: string;
  /** How long starting (or restarting the apiserver) may take. */
  timeoutMs: number;
}

/** Where progress lines go: `info` what the CLI prints on stdout, `warn` on stderr. */
export interface Output {
  info(line: string): void;
  warn(line: string): void;
}

/** A point in time to give up at, and the timeout it came from (for the message). */
interface Deadline {
  at: number;
  ms: number;
}

const deadlineIn = (ms: number): Deadline => ({ at: Date.now() + ms, ms });

/**
 * The processes of a test cluster, as `env.json` names them.
 *
 * @example
 * ```ts
 * import type { Component } from "@kubeno/kube/testing";
 * const c: Component = "kube-apiserver";
 * ```
 */
export type Component =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "node-streams"
  | "kwok";
/** Start order; stopped in reverse. */
export const components: Component[] = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "node-streams",
  "kwok",
];

/**
 * A started component, as `env.json` records it.
 *
 * @example
 * ```ts
 * import type { Proc } from "@kubeno/kube/testing";
 * const p: Proc = { pid: 42, startTime: "1234", args: [], log: "/tmp/state/logs/etcd.log" };
 * ```
 */
export interface Proc {
  /** Its process id. */
  pid: number;
  /** /proc/<pid>/stat starttime: tells our process apart from a later one reusing the pid. */
  startTime: string;
  /** The arguments it was started with (a restart reuses them). */
  args: string[];
  /** Its log file (stdout and stderr). */
  log: string;
}

/**
 * The test OIDC issuer kube-apiserver is configured to trust.
 *
 * @example
 * ```ts
 * // doc:no-run: reads a running cluster's env.json
 * import { testCluster } from "@kubeno/kube/testing";
 * await using cluster = await testCluster({ shared: true });
 * console.log(cluster.env.oidc?.issuer);
 * ```
 */
export interface OidcIssuerEnv {
  /** `https://127.0.0.1:<port>`: the `iss` of accepted tokens. */
  issuer: string;
  /** The port of `issuer`, for a test to serve it on. */
  port: number;
  /** The `aud` tokens must carry (the OAuth client id). */
  audience: string;
  /** Usernames are `<prefix><sub>`, groups `<prefix><group>`. */
  prefix: string;
  /** A certificate (signed by the cluster CA, valid for 127.0.0.1) to serve the issuer with. */
  servingCert: string;
  /** The key of `servingCert`. */
  servingKey: string;
}

/**
 * What `<state>/env.json` records about a running test cluster; tests and tooling may read it
 * ({@link TestCluster.env}). Paths are absolute.
 *
 * @example
 * ```ts
 * // doc:no-run: reads a running cluster's env.json
 * import { testCluster } from "@kubeno/kube/testing";
 * await using cluster = await testCluster({ shared: true });
 * console.log(cluster.env.nodes.names, cluster.env.ports.apiserver);
 * ```
 */
export interface ClusterEnv {
  /** The Kubernetes version, e.g. `v1.37.2`. */
  version: string;
  /** The state dir (this file's directory). */
  stateDir: string;
  /** Where the binaries (kubectl too) are. */
  binDir: string;
  /** The admin kubeconfig. */
  kubeconfig: string;
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** The ports the components listen on, all on 127.0.0.1. */
  ports: {
    /** etcd's client port (plain HTTP). */
    etcdClient: number;
    /** etcd's peer port. */
    etcdPeer: number;
    /** kube-apiserver (TLS). */
    apiserver: number;
    /** kube-controller-manager's health port. */
    controllerManager: number;
    /** kube-scheduler's health port. */
    scheduler: number;
    /** The kubelet port every node advertises: node-streams. */
    nodeStreams: number;
    /** kwok's own server (health, metrics). */
    kwok: number;
  };
  /** The fake nodes and where their pods' logs, port targets and exec'd commands live. */
  nodes: {
    /** `kwok-node-0`, `kwok-node-1`. */
    names: string[];
    /** `<podsDir>/<namespace>/<pod>/<container>.log` and `.../ports/<port>`. */
    podsDir: string;
    /** Working directory of commands run by `kubectl exec`. */
    sandboxDir: string;
  };
  /** PEM files of the cluster's PKI (the CA key is `ca.key` beside `ca`). */
  pki: {
    /** The CA certificate. */
    ca: string;
    /** The admin's client certificate (`system:masters`). */
    adminCert: string;
    /** Its key. */
    adminKey: string;
    /** `nobody`'s client certificate: authenticated, no RBAC grants. */
    nobodyCert: string;
    /** Its key. */
    nobodyKey: string;
    /** The static token file (`--token-auth-file`). */
    tokens: string;
  };
  /** Bearer tokens of `admin` and `nobody`. */
  tokens: {
    /** Token of `kubeno-admin` (`system:masters`). */
    admin: string;
    /** Token of `nobody`. */
    nobody: string;
  };
  /**
   * The OIDC issuer kube-apiserver trusts (a JWT authenticator in its authentication config):
   * nothing listens there until a test serves it, over HTTPS with its `servingCert`/`Key`.
   */
  oidc?: OidcIssuerEnv;
  /** The running components. */
  processes: Partial<Record<Component, Proc>>;
  /** When it was started (ISO 8601). */
  startedAt: string;
  /** How long the start took, once everything was ready. */
  readyAfterMs?: number;
}

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
  return out.success ? parseStat(new TextDecoder().decode(out.stdout)) : undefined;
}

export async function alive(p: Proc | undefined): Promise<boolean> {
  if (!p) return false;
  const s = await procStat(p.pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X" && s.startTime === p.startTime;
}

/**
 * Starts a component in its own session with output appended to its log. A `sh` wrapper does
 * the redirection and `setsid` so the process survives this Deno process and the terminal.
 */
function spawn(e: ClusterEnv, name: Component, args: string[]): Promise<Proc> {
  return detach(name, [`${e.binDir}/${name}`, ...args], `${e.stateDir}/logs/${name}.log`);
}

/** Runs `command` in its own session, output appended to `log`; its pid and start time. */
async function detach(name: string, command: string[], log: string): Promise<Proc> {
  const script = 'log="$1"; shift; setsid "$@" </dev/null >>"$log" 2>&1 & echo $!';
  const out = await new Deno.Command("sh", {
    args: ["-c", script, "sh", log, ...command],
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
  return { pid, startTime: stat.startTime, args: command.slice(1), log };
}

/**
 * The watchdog's script: once the process `$1` (`pid:starttime`, as all pids here: the start
 * time tells a process from a later one with the same pid) is gone, SIGTERM to each process
 * still running, SIGKILL after the grace `$2` seconds, then removes the state dir `$3` if it
 * carries the marker.
 */
const WATCHDOG = `
parent="$1"; grace="$2"; dir="$3"; shift 3
ours() {
  s=$(cat "/proc/\${1%%:*}/stat" 2>/dev/null) || return 1
  s=\${s##*") "}; set -- "$1" $s
  case "$2" in Z|X) return 1 ;; esac
  [ "\${21}" = "\${1#*:}" ]
}
signal() { sig="$1"; shift; for p in "$@"; do ours "$p" && kill "-$sig" "\${p%%:*}" 2>/dev/null; done; }
any() { for p in "$@"; do ours "$p" && return 0; done; return 1; }
while ours "$parent"; do sleep 1; done
signal TERM "$@"
i=0; while [ "$i" -lt "$((grace * 10))" ] && any "$@"; do sleep 0.1; i=$((i + 1)); done
signal KILL "$@"
if [ -f "$dir/${STATE_MARKER}" ]; then rm -rf "$dir"; fi
`;

/**
 * Starts a watchdog process (in its own session, as the components) that stops the processes
 * of `e` and removes its state dir once this Deno process is gone, however it went: `deno test`
 * exits on Ctrl-C without running any listener, and a killed process runs nothing.
 * {@link stopWatchdog} ends it before a regular stop.
 */
export async function startWatchdog(e: ClusterEnv): Promise<Proc> {
  const self = await procStat(Deno.pid);
  if (!self) throw new KubeError(`cannot read /proc/${Deno.pid}/stat`);
  const procs = [...components].reverse().map((c) => e.processes[c]).filter((p) => p !== undefined)
    .map((p) => `${p.pid}:${p.startTime}`);
  const args = [`${Deno.pid}:${self.startTime}`, String(stopGraceMs / 1000), e.stateDir, ...procs];
  return await detach("the cluster watchdog", ["sh", "-c", WATCHDOG, "sh", ...args], "/dev/null");
}

/** Ends a watchdog of {@link startWatchdog} (synchronous: also for exit handlers). */
export function stopWatchdog(w: Proc): void {
  const stat = procStatSync(w.pid);
  if (stat === undefined || stat.startTime !== w.startTime) return;
  try {
    Deno.kill(w.pid, "SIGKILL");
  } catch { /* already gone */ }
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

export async function stopAll(e: ClusterEnv): Promise<void> {
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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
async function makePki(pkiDir: string): Promise<void> {
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
sign scheduler "/CN=system:kube-scheduler" "$client"
# kwok updates any node and pod status, leases and events: cluster-admin, as kwokctl runs it.
sign kwok "/O=system:masters/CN=kwok" "$client"
# The apiserver's identity towards the nodes' kubelet port, and that port's serving certificate.
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
sign node "/CN=kwok-nodes" "\${leaf}extendedKeyUsage=serverAuth\\nsubjectAltName=IP:127.0.0.1,DNS:localhost\\n"
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
  Deno.writeTextFileSync(e.kubeconfig, stringify(kubeconfig), { mode: 0o600 });

  // Each component's own identity (pki/<name>.crt); file paths are fine for a Go client.
  for (const name of ["controller-manager", "scheduler", "kwok"]) {
    const config = {
      apiVersion: "v1",
      kind: "Config",
      "current-context": name,
      clusters: [{
        name: "kubeno",
        cluster: { server: e.server, "certificate-authority": e.pki.ca },
      }],
      users: [{
        name,
        user: {
          "client-certificate": `${e.stateDir}/pki/${name}.crt`,
          "client-key": `${e.stateDir}/pki/${name}.key`,
        },
      }],
      contexts: [ctx(name, name)],
    };
    Deno.writeTextFileSync(`${e.stateDir}/${name}.kubeconfig`, stringify(config), { mode: 0o600 });
  }
}

// ---------------------------------------------------------------------------------------------
// Component arguments

function etcdArgs(e: ClusterEnv): string[] {
  const client = `http://127.0.0.1:${e.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${e.ports.etcdPeer}`;
  return [
    "--name=kubeno",
    `--data-dir=${e.stateDir}/etcd`,
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
    `--cert-dir=${e.stateDir}/apiserver`,
    `--tls-cert-file=${e.stateDir}/pki/serving.crt`,
    `--tls-private-key-file=${e.stateDir}/pki/serving.key`,
    `--client-ca-file=${e.pki.ca}`,
    `--token-auth-file=${e.pki.tokens}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${e.stateDir}/pki/sa.pub`,
    `--service-account-signing-key-file=${e.stateDir}/pki/sa.key`,
    "--authorization-mode=Node,RBAC",
    // Aggregation-layer settings as kubeadm has them; delegating authn in the controller
    // manager (and any extension API server a test adds) reads the request-header CA.
    `--requestheader-client-ca-file=${e.stateDir}/pki/front-proxy-ca.crt`,
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--proxy-client-cert-file=${e.stateDir}/pki/front-proxy-client.crt`,
    `--proxy-client-key-file=${e.stateDir}/pki/front-proxy-client.key`,
    // pods/log, exec, attach and portforward reach the nodes' kubelet port (node-streams) as a
    // real kubelet's: a client certificate, and the node's serving certificate verified.
    `--kubelet-client-certificate=${e.stateDir}/pki/apiserver-kubelet-client.crt`,
    `--kubelet-client-key=${e.stateDir}/pki/apiserver-kubelet-client.key`,
    `--kubelet-certificate-authority=${e.pki.ca}`,
    "--kubelet-preferred-address-types=InternalIP",
    `--service-cluster-ip-range=${serviceCidr}`,
    "--allow-privileged=true",
    // The `kubernetes` Endpoints would hold 127.0.0.1, which validation rejects as loopback:
    // the reconciler would only log errors every few seconds. Nothing in-cluster needs it.
    "--endpoint-reconciler-type=none",
    // Otherwise shutdown waits up to 60s for open watch connections; restart should be quick.
    "--shutdown-send-retry-after=true",
    "--profiling=false",
    ...(e.oidc ? [`--authentication-config=${e.stateDir}/authentication.yaml`] : []),
  ];
}

/**
 * Structured authentication config with one JWT authenticator for the test issuer of
 * `e.oidc`; static tokens and client certificates keep working beside it.
 */
function writeAuthenticationConfig(e: ClusterEnv): void {
  const o = e.oidc!;
  const config = {
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AuthenticationConfiguration",
    jwt: [{
      issuer: {
        url: o.issuer,
        audiences: [o.audience],
        certificateAuthority: Deno.readTextFileSync(e.pki.ca),
      },
      claimMappings: {
        username: { claim: "sub", prefix: o.prefix },
        groups: { claim: "groups", prefix: o.prefix },
      },
    }],
  };
  Deno.writeTextFileSync(`${e.stateDir}/authentication.yaml`, stringify(config), { mode: 0o600 });
}

function controllerManagerArgs(e: ClusterEnv): string[] {
  const kubeconfig = `${e.stateDir}/controller-manager.kubeconfig`;
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${e.ports.controllerManager}`,
    `--cert-dir=${e.stateDir}/controller-manager`,
    // Serve with our certificate so `up` can check /healthz against the CA.
    `--tls-cert-file=${e.stateDir}/pki/serving.crt`,
    `--tls-private-key-file=${e.stateDir}/pki/serving.key`,
    "--leader-elect=false",
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${e.stateDir}/pki/sa.key`,
    `--root-ca-file=${e.pki.ca}`,
    `--cluster-signing-cert-file=${e.pki.ca}`,
    `--cluster-signing-key-file=${e.stateDir}/pki/ca.key`,
    `--service-cluster-ip-range=${serviceCidr}`,
    // kwok hands out pod IPs itself: no pod CIDRs to allocate to nodes.
    "--controllers=*,-node-ipam-controller",
    "--profiling=false",
  ];
}

function schedulerArgs(e: ClusterEnv): string[] {
  const kubeconfig = `${e.stateDir}/scheduler.kubeconfig`;
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${e.ports.scheduler}`,
    `--tls-cert-file=${e.stateDir}/pki/serving.crt`,
    `--tls-private-key-file=${e.stateDir}/pki/serving.key`,
    "--leader-elect=false",
    "--profiling=false",
  ];
}

function nodeStreamsArgs(e: ClusterEnv): string[] {
  return [
    `--address=127.0.0.1:${e.ports.nodeStreams}`,
    `--tls-cert-file=${e.stateDir}/pki/node.crt`,
    `--tls-private-key-file=${e.stateDir}/pki/node.key`,
    `--client-ca-file=${e.pki.ca}`,
    // Only the apiserver (which authorized the request) may reach exec and the other streams.
    "--client-cn=kube-apiserver-kubelet-client",
    `--pods-dir=${e.nodes.podsDir}`,
    `--sandbox-dir=${e.nodes.sandboxDir}`,
    // The nodes' identity (kwok's) to see a pod deleted and end its streams.
    `--kubeconfig=${e.stateDir}/kwok.kubeconfig`,
  ];
}

function kwokArgs(e: ClusterEnv): string[] {
  return [
    `--kubeconfig=${e.stateDir}/kwok.kubeconfig`,
    // Explicit, so that a ~/.kwok/kwok.yaml on the machine is not read.
    `--config=${e.stateDir}/kwok.yaml`,
    `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
    // Nodes advertise 127.0.0.1 and node-streams' port; --node-name stays unset so that no
    // Hostname address (which the apiserver could not resolve) is added.
    "--node-ip=127.0.0.1",
    `--node-port=${e.ports.nodeStreams}`,
    `--server-address=127.0.0.1:${e.ports.kwok}`,
    `--tls-cert-file=${e.stateDir}/pki/node.crt`,
    `--tls-private-key-file=${e.stateDir}/pki/node.key`,
    `--cidr=${podCidr}`,
    // Heartbeats through Leases, as kubelets do: the node lifecycle controller keeps them Ready.
    "--node-lease-duration-seconds=40",
  ];
}

/** Node objects for kwok to take over: no taints, so any pod may be scheduled onto them. */
function nodeObject(name: string): unknown {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [kwokNodeAnnotation]: "fake" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Readiness

export function adminClient(e: ClusterEnv): Deno.HttpClient {
  return Deno.createHttpClient({
    caCerts: [Deno.readTextFileSync(e.pki.ca)],
    cert: Deno.readTextFileSync(e.pki.adminCert),
    key: Deno.readTextFileSync(e.pki.adminKey),
  });
}

/** The status of a GET of `url`; 0 if it could not be sent. A Deno permission denial throws. */
async function get(url: string, client?: Deno.HttpClient): Promise<number> {
  try {
    const res = await fetch(url, { client, signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.status;
  } catch (err) {
    if (isPermissionDenial(err)) throw err;
    return 0;
  }
}

class StartError extends Error {
  constructor(readonly component: Component, message: string) {
    super(message);
  }
}

/**
 * Polls until `ready` holds (a URL: answers 200); fails fast if a component process exits
 * meanwhile. `component` is the one blamed (and whose log is shown) on a timeout.
 */
async function waitFor(
  e: ClusterEnv,
  component: Component,
  what: string,
  ready: string | (() => Promise<boolean>),
  client: Deno.HttpClient | undefined,
  deadline: Deadline,
): Promise<void> {
  const check = typeof ready === "string" ? async () => await get(ready, client) === 200 : ready;
  while (true) {
    for (const c of components) {
      const p = e.processes[c];
      if (p && !(await alive(p))) throw new StartError(c, `${c} exited while waiting for ${what}`);
    }
    if (await check()) return;
    if (Date.now() > deadline.at) {
      throw new StartError(
        component,
        `timed out after ${deadline.ms / 1000}s waiting for ${what}`,
      );
    }
    await sleep(150);
  }
}

const apiserverReady = (e: ClusterEnv, client: Deno.HttpClient, deadline: Deadline) =>
  waitFor(e, "kube-apiserver", "kube-apiserver /readyz", `${e.server}/readyz`, client, deadline);

interface NodeList {
  items?: {
    metadata: { name: string };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

/** The names of the kwok nodes whose Ready condition is True. */
async function readyNodes(e: ClusterEnv, client: Deno.HttpClient): Promise<string[]> {
  try {
    const res = await fetch(`${e.server}/api/v1/nodes`, {
      client,
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return [];
    }
    const list = await res.json() as NodeList;
    return (list.items ?? [])
      .filter((n) => e.nodes.names.includes(n.metadata.name))
      .filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
      .map((n) => n.metadata.name);
  } catch (err) {
    if (isPermissionDenial(err)) throw err;
    return [];
  }
}

async function createNodes(e: ClusterEnv, client: Deno.HttpClient): Promise<void> {
  for (const name of e.nodes.names) {
    const res = await fetch(`${e.server}/api/v1/nodes`, {
      client,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(nodeObject(name)),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.text();
    if (!res.ok && res.status !== 409) {
      throw new StartError("kube-apiserver", `creating node ${name}: ${res.status} ${body}`);
    }
  }
}

/** The env.json of `stateDir`, if there is one. */
export function readEnv(stateDir: string): ClusterEnv | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(`${stateDir}/env.json`)) as ClusterEnv;
  } catch {
    return undefined;
  }
}

function writeEnv(e: ClusterEnv): void {
  Deno.writeTextFileSync(`${e.stateDir}/env.json`, JSON.stringify(e, null, 2) + "\n", {
    mode: 0o600,
  });
}

// ---------------------------------------------------------------------------------------------
// The state dir

/** Every name a cluster (and the kit) puts into its state dir. */
const LAYOUT_NAMES: ReadonlySet<string> = new Set([
  STATE_MARKER,
  "apiserver",
  "authentication.yaml",
  "controller-manager",
  "controller-manager.kubeconfig",
  "env.json",
  "etcd",
  "holders",
  "kubeconfig",
  "kwok.kubeconfig",
  "kwok.yaml",
  "logs",
  "pki",
  "pods",
  "sandbox",
  "scheduler.kubeconfig",
  "started-by-tests",
]);

/**
 * Why a directory with these entries must not be wiped, or undefined if it may: it is empty,
 * carries {@link STATE_MARKER}, has a cluster's env.json (`clusterEnv`: one that parses as a
 * {@link ClusterEnv}; a state dir of a kit without the marker), or holds only names a cluster
 * writes.
 */
export function wipeRefusal(entries: readonly string[], clusterEnv: boolean): string | undefined {
  if (entries.includes(STATE_MARKER) || clusterEnv) return undefined;
  const foreign = entries.filter((n) => !LAYOUT_NAMES.has(n)).sort();
  if (foreign.length === 0) return undefined;
  const shown = foreign.slice(0, 3).map((n) => JSON.stringify(n)).join(", ");
  return `it holds ${shown}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ""}, ` +
    `which no test cluster writes, and no ${STATE_MARKER} marker`;
}

/**
 * A state dir was not removed because it does not look like one: `stateDir` points at a
 * directory of other files (".", a home directory). Nothing in it was deleted.
 *
 * @example
 * ```ts
 * // doc:no-run: starts a control plane
 * import { NotAStateDirError, startCluster } from "@kubeno/kube/testing";
 * try {
 *   await using _cluster = await startCluster({ stateDir: "." });
 * } catch (e) {
 *   if (e instanceof NotAStateDirError) console.error(e.dir);
 * }
 * ```
 */
export class NotAStateDirError extends KubeError {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "NotAStateDirError";
  /** The directory that was left alone. */
  readonly dir: string;
  /** Builds the error. */
  constructor(dir: string, reason: string) {
    super(
      `refusing to wipe ${dir} as a test cluster's state dir: ${reason}. Nothing was deleted; ` +
        "give the cluster a state dir of its own (stateDir, or KUBENO_CLUSTER_STATE for " +
        "`deno task cluster`): a new or empty directory",
    );
    this.dir = dir;
  }
}

/** Why `dir` must not be wiped ({@link wipeRefusal}); "" if it does not exist. */
function refusalSync(dir: string): string | undefined {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "";
    throw err;
  }
  const e = entries.includes("env.json") ? readEnv(dir) : undefined;
  return wipeRefusal(entries, typeof e?.processes === "object" && typeof e.stateDir === "string");
}

/**
 * Removes a state dir and everything in it, unless it does not look like one
 * ({@link wipeRefusal}): then {@link NotAStateDirError}. A missing dir is fine.
 */
export async function removeStateDir(dir: string): Promise<void> {
  const refusal = refusalSync(dir);
  if (refusal === "") return;
  if (refusal !== undefined) throw new NotAStateDirError(dir, refusal);
  await Deno.remove(dir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

/** {@link removeStateDir} for `unload` handlers: never throws; false if it left the dir. */
export function removeStateDirSync(dir: string): boolean {
  try {
    const refusal = refusalSync(dir);
    if (refusal === "") return true;
    if (refusal !== undefined) return false;
    Deno.removeSync(dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

/**
 * The control plane did not come up (or the apiserver did not come back after a restart).
 * The message names the component, what was awaited, and ends with the last lines of its log.
 *
 * @example
 * ```ts
 * // doc:no-run: starts a control plane
 * import { ClusterStartError, startCluster } from "@kubeno/kube/testing";
 * try {
 *   await using _cluster = await startCluster({ timeoutMs: 1 });
 * } catch (e) {
 *   if (e instanceof ClusterStartError) console.error(e.component, e.log);
 * }
 * ```
 */
export class ClusterStartError extends KubeError {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "ClusterStartError";
  /** The component blamed, e.g. `kube-apiserver`. */
  readonly component: string;
  /** Its log file. */
  readonly log: string;
  /** Builds the error. */
  constructor(message: string, component: string, log: string, options?: { cause?: unknown }) {
    super(message, options);
    this.component = component;
    this.log = log;
  }
}

/**
 * What a state dir holds: no cluster; a broken one (a recorded process is gone, or a start is
 * under way); one whose processes all run but whose apiserver is not ready (another test may be
 * restarting it: it must not be stopped); or a ready one.
 */
export type ClusterState =
  | { kind: "none" }
  | { kind: "broken"; env: ClusterEnv }
  | { kind: "unready"; env: ClusterEnv; status: number }
  | { kind: "ready"; env: ClusterEnv };

/** The {@link ClusterState} of `stateDir`, from its env.json, the processes and /readyz. */
export async function clusterState(stateDir: string): Promise<ClusterState> {
  const e = readEnv(stateDir);
  if (!e) return { kind: "none" };
  const running = await Promise.all(components.map((c) => alive(e.processes[c])));
  if (!running.every(Boolean)) return { kind: "broken", env: e };
  const client = adminClient(e);
  try {
    const status = await get(`${e.server}/readyz`, client);
    return status === 200 ? { kind: "ready", env: e } : { kind: "unready", env: e, status };
  } finally {
    client.close();
  }
}

/** The cluster of `stateDir` if every process of it runs and the apiserver is ready. */
export async function runningCluster(stateDir: string): Promise<ClusterEnv | undefined> {
  const s = await clusterState(stateDir);
  return s.kind === "ready" ? s.env : undefined;
}

/**
 * Waits for the apiserver of a cluster whose processes all run to be ready, up to `timeoutMs`;
 * stops nothing. On a timeout, or if a process exits meanwhile, a {@link ClusterStartError}
 * says that the cluster was left as it is.
 */
export async function awaitReady(e: ClusterEnv, timeoutMs: number): Promise<ClusterEnv> {
  const client = adminClient(e);
  try {
    await apiserverReady(e, client, deadlineIn(timeoutMs));
    return e;
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    const log = e.processes[err.component]?.log ?? `${e.stateDir}/logs/${err.component}.log`;
    throw new ClusterStartError(
      `the test cluster in ${e.stateDir} runs, but ${err.message}. It was left running, since ` +
        `other tests may be using it (one may be restarting its apiserver); see ${log}, or stop ` +
        `it with KUBENO_CLUSTER_STATE=${e.stateDir} deno task cluster down`,
      err.component,
      log,
    );
  } finally {
    client.close();
  }
}

/**
 * Starts a new control plane in `L.stateDir` (stopping a previous one recorded there and
 * wiping the dir first) with the binaries of `L.binDir`, which must exist. Resolves once the
 * API, the controllers, the scheduler and both nodes are ready. On failure everything started
 * is stopped and a {@link ClusterStartError} says why (logs stay in `<stateDir>/logs`).
 */
export async function startControlPlane(L: Layout, out: Output): Promise<ClusterEnv> {
  const old = readEnv(L.stateDir);
  if (old) {
    out.warn("cleaning up a previous, unhealthy cluster");
    await stopAll(old);
  }
  const { stateDir } = L;
  const pkiDir = `${stateDir}/pki`;
  const logDir = `${stateDir}/logs`;
  const t0 = performance.now();
  await removeStateDir(stateDir);
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  Deno.writeTextFileSync(`${stateDir}/${STATE_MARKER}`, "a kubeno test cluster's state\n");
  for (const d of [pkiDir, logDir]) Deno.mkdirSync(d, { recursive: true, mode: 0o700 });

  await makePki(pkiDir);
  const tokens = { admin: randomToken(), nobody: randomToken() };
  const tokensFile = `${pkiDir}/tokens.csv`;
  // token,user,uid,"groups"
  Deno.writeTextFileSync(
    tokensFile,
    `${tokens.admin},kubeno-admin,kubeno-admin,"system:masters"\n${tokens.nobody},nobody,nobody\n`,
    { mode: 0o600 },
  );

  const [
    etcdClient,
    etcdPeer,
    apiserver,
    controllerManager,
    scheduler,
    nodeStreams,
    kwok,
    oidcIssuer,
  ] = freePorts(8);
  const e: ClusterEnv = {
    version: L.version,
    stateDir,
    binDir: L.binDir,
    kubeconfig: `${stateDir}/kubeconfig`,
    server: `https://127.0.0.1:${apiserver}`,
    ports: { etcdClient, etcdPeer, apiserver, controllerManager, scheduler, nodeStreams, kwok },
    nodes: {
      names: nodeNames,
      podsDir: `${stateDir}/pods`,
      sandboxDir: `${stateDir}/sandbox`,
    },
    pki: {
      ca: `${pkiDir}/ca.crt`,
      adminCert: `${pkiDir}/admin.crt`,
      adminKey: `${pkiDir}/admin.key`,
      nobodyCert: `${pkiDir}/nobody.crt`,
      nobodyKey: `${pkiDir}/nobody.key`,
      tokens: tokensFile,
    },
    tokens,
    oidc: {
      issuer: `https://127.0.0.1:${oidcIssuer}`,
      port: oidcIssuer,
      audience: "kubeno",
      prefix: "oidc:",
      servingCert: `${pkiDir}/serving.crt`,
      servingKey: `${pkiDir}/serving.key`,
    },
    processes: {},
    startedAt: new Date().toISOString(),
  };
  writeKubeconfigs(e);
  // kwok's maintained stages, extracted by build.sh from the pinned module.
  Deno.copyFileSync(L.stagesFile, `${stateDir}/kwok.yaml`);
  writeAuthenticationConfig(e);

  const client = adminClient(e);
  const deadline = deadlineIn(L.timeoutMs);
  try {
    // env.json is rewritten after every start so that `down` can clean up a half-done `up`.
    e.processes.etcd = await spawn(e, "etcd", etcdArgs(e));
    writeEnv(e);
    await waitFor(
      e,
      "etcd",
      "etcd /health",
      `http://127.0.0.1:${etcdClient}/health`,
      undefined,
      deadline,
    );

    e.processes["kube-apiserver"] = await spawn(e, "kube-apiserver", apiserverArgs(e));
    writeEnv(e);
    await apiserverReady(e, client, deadline);
    const apiReadyMs = performance.now() - t0;

    // Started only now: they give up if the apiserver is not healthy soon enough. All start at
    // once and are waited for together below.
    e.processes["kube-controller-manager"] = await spawn(
      e,
      "kube-controller-manager",
      controllerManagerArgs(e),
    );
    e.processes["kube-scheduler"] = await spawn(e, "kube-scheduler", schedulerArgs(e));
    e.processes["node-streams"] = await spawn(e, "node-streams", nodeStreamsArgs(e));
    e.processes.kwok = await spawn(e, "kwok", kwokArgs(e));
    writeEnv(e);
    await createNodes(e, client);
    const health = (c: Component, port: number, path = "/healthz") =>
      waitFor(e, c, `${c} ${path}`, `https://127.0.0.1:${port}${path}`, client, deadline);
    await Promise.all([
      health("kube-controller-manager", controllerManager),
      health("kube-scheduler", scheduler),
      health("node-streams", nodeStreams),
      health("kwok", kwok),
      // Tests create objects in `default` right away; pods there need its `default` account.
      waitFor(
        e,
        "kube-controller-manager",
        "the default/default ServiceAccount",
        `${e.server}/api/v1/namespaces/default/serviceaccounts/default`,
        client,
        deadline,
      ),
      waitFor(
        e,
        "kwok",
        `nodes ${nodeNames.join(", ")} Ready`,
        async () => (await readyNodes(e, client)).length === e.nodes.names.length,
        client,
        deadline,
      ),
    ]);
    e.readyAfterMs = Math.round(performance.now() - t0);
    writeEnv(e);
    out.info(
      `cluster ${L.version} up at ${e.server}: /readyz after ${(apiReadyMs / 1000).toFixed(1)}s, ` +
        `fully ready after ${(e.readyAfterMs / 1000).toFixed(1)}s`,
    );
    return e;
  } catch (err) {
    await stopAll(e).catch(() => {});
    if (!(err instanceof StartError)) throw err;
    const log = e.processes[err.component]?.log ?? `${logDir}/${err.component}.log`;
    throw new ClusterStartError(
      `cluster up failed: ${err.message}\n--- last lines of ${log} ---\n${tail(log)}\n---\n` +
        `stopped what was started; logs kept in ${logDir}`,
      err.component,
      log,
    );
  } finally {
    client.close();
  }
}

/**
 * Stops the processes recorded in `stateDir` (reverse start order) and removes the dir.
 * False if there was no cluster state.
 */
export async function stopControlPlane(stateDir: string): Promise<boolean> {
  const e = readEnv(stateDir);
  if (e) await stopAll(e);
  await removeStateDir(stateDir);
  return e !== undefined;
}

/**
 * Restarts kube-apiserver only, on the same port with the same arguments, keeping etcd and its
 * data; resolves with the time until it was ready again.
 */
export async function restartApiserver(e: ClusterEnv, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  const previous = e.processes["kube-apiserver"];
  await stop("kube-apiserver", previous);
  // The same arguments as before, even if this file changed since `up`: its PKI may differ.
  e.processes["kube-apiserver"] = await spawn(
    e,
    "kube-apiserver",
    previous?.args ?? apiserverArgs(e),
  );
  writeEnv(e);
  const client = adminClient(e);
  try {
    await apiserverReady(e, client, deadlineIn(timeoutMs));
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    const log = e.processes[err.component]?.log ?? "";
    throw new ClusterStartError(
      `restart failed: ${err.message}\n${tail(log)}`,
      err.component,
      log,
    );
  } finally {
    client.close();
  }
  return performance.now() - t0;
}

/** What `cluster status` prints, and whether everything is up. */
export async function statusReport(L: Layout): Promise<{ ok: boolean; lines: string[] }> {
  const e = readEnv(L.stateDir);
  if (!e) return { ok: false, lines: [`not running (no ${L.stateDir}/env.json)`] };
  const lines: string[] = [];
  let ok = true;
  for (const c of components) {
    const p = e.processes[c];
    const running = await alive(p);
    ok &&= running;
    lines.push(`${c.padEnd(24)} ${running ? `running  pid ${p?.pid}` : "stopped"}`);
  }
  const client = adminClient(e);
  const ready = await get(`${e.server}/readyz`, client);
  const nodes = e.nodes ? await readyNodes(e, client) : [];
  client.close();
  ok &&= ready === 200;
  lines.push(`${"apiserver /readyz".padEnd(24)} ${ready === 200 ? "ok" : `not ready (${ready})`}`);
  const allNodes = e.nodes?.names ?? [];
  ok &&= nodes.length === allNodes.length;
  const notReady = allNodes.filter((n) => !nodes.includes(n));
  lines.push(
    `${"nodes Ready".padEnd(24)} ${nodes.length}/${allNodes.length}` +
      (notReady.length ? ` (not Ready: ${notReady.join(", ")})` : ""),
  );
  lines.push(`${"binaries".padEnd(24)} ${e.binDir} (${buildStamp(L)})`);
  lines.push(`${"server".padEnd(24)} ${e.server}`);
  lines.push(`${"kubeconfig".padEnd(24)} ${e.kubeconfig}`);
  return { ok, lines };
}

/** What `cluster status` says about the build: the stamps build.sh writes, or their absence. */
function buildStamp(L: Layout): string {
  const stamp = (file: string) => {
    try {
      return Deno.readTextFileSync(`${L.cacheRoot}/${L.version}/${file}`).trim().slice(0, 12);
    } catch {
      return "missing: run tests/cluster/build.sh";
    }
  };
  return `stamps: control plane ${stamp("stamp")}, nodes ${stamp("stamp-nodes")}`;
}

/** This process as `<pid>:<starttime>`: a pid alone may be reused by an unrelated process. */
export function selfId(): string {
  selfIdCache ??= `${Deno.pid}:${procStatSync(Deno.pid)?.startTime ?? ""}`;
  return selfIdCache;
}
let selfIdCache: string | undefined;

/** Whether the process `<pid>:<starttime>` (or a bare `<pid>`, as older files hold) still runs. */
export function idAliveSync(id: string): boolean {
  const [pid, start] = id.split(":");
  const stat = Number(pid) > 0 ? procStatSync(Number(pid)) : undefined;
  if (!stat || stat.state === "Z" || stat.state === "X") return false;
  return !start || stat.startTime === start;
}

// A lock file still empty after this long was left by a process killed while creating it.
const EMPTY_LOCK_STALE_MS = 10_000;

/**
 * Takes `lock` (a file holding this process's `<pid>:<starttime>`) if it is free, or left by a
 * process that is gone; otherwise the id of its live holder (which may be this process: another
 * worker of it).
 */
function tryLock(lock: string): string | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      Deno.writeTextFileSync(lock, `${selfId()}\n`, { createNew: true });
      return undefined;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    let holder = "";
    let age = 0;
    try {
      holder = Deno.readTextFileSync(lock).trim();
      age = Date.now() - (Deno.statSync(lock).mtime?.getTime() ?? Date.now());
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // released meanwhile
      throw err;
    }
    // A lock being written (no id yet) counts as held, unless it has stayed empty too long.
    if (holder === "" ? age < EMPTY_LOCK_STALE_MS : idAliveSync(holder)) return holder || "?";
    try {
      Deno.removeSync(lock); // left by a killed command
    } catch { /* taken over by another one */ }
  }
  return "?";
}

/**
 * Serializes starts, stops and restarts of one state dir across processes: two concurrent
 * starts would wipe each other's PKI and etcd data. The lock is `<stateDir>.lock` holding the
 * holder's `<pid>:<starttime>`; one left by a dead process is taken over.
 */
export async function locked<T>(
  stateDir: string,
  timeoutMs: number,
  out: Output,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = `${stateDir}.lock`;
  Deno.mkdirSync(stateDir.slice(0, stateDir.lastIndexOf("/")) || "/", { recursive: true });
  const deadline = Date.now() + timeoutMs + 30_000;
  let told = false;
  for (let holder = tryLock(lock); holder !== undefined; holder = tryLock(lock)) {
    if (Date.now() > deadline) throw new KubeError(`${lock} is held by process ${holder}`);
    if (!told) out.warn(`waiting for another cluster command (process ${holder}) to finish`);
    told = true;
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    Deno.removeSync(lock);
  }
}

/**
 * {@link locked} for `unload` handlers: waits for the lock synchronously up to `waitMs`, runs
 * `fn` holding it, and is false (`fn` not run) if the lock stayed held.
 */
export function lockedSync(stateDir: string, waitMs: number, fn: () => void): boolean {
  const lock = `${stateDir}.lock`;
  const deadline = Date.now() + waitMs;
  const wait = new Int32Array(new SharedArrayBuffer(4));
  while (tryLock(lock) !== undefined) {
    if (Date.now() > deadline) return false;
    Atomics.wait(wait, 0, 0, 100);
  }
  try {
    fn();
  } finally {
    try {
      Deno.removeSync(lock);
    } catch { /* removed with its dir's parent, or by hand */ }
  }
  return true;
}

/** {@link procStat}, synchronously (for `unload` handlers). */
export function procStatSync(pid: number): { state: string; startTime: string } | undefined {
  const out = new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return out.success ? parseStat(new TextDecoder().decode(out.stdout)) : undefined;
}

/** `state` and `starttime` of a /proc/<pid>/stat line. */
function parseStat(stat: string): { state: string; startTime: string } {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: rest[0], startTime: rest[19] };
}

/**
 * Stops the processes of `e` synchronously (SIGTERM, then SIGKILL after the grace period):
 * for an `unload` handler, where nothing can be awaited.
 */
export function stopAllSync(e: ClusterEnv): void {
  const procs = [...components].reverse().map((c) => e.processes[c]).filter((p) => p !== undefined);
  const aliveSync = (p: Proc) => {
    const stat = procStatSync(p.pid);
    return stat !== undefined && stat.state !== "Z" && stat.state !== "X" &&
      stat.startTime === p.startTime;
  };
  const signal = (sig: Deno.Signal) => {
    for (const p of procs) {
      if (!aliveSync(p)) continue;
      try {
        Deno.kill(p.pid, sig);
      } catch { /* already gone */ }
    }
  };
  signal("SIGTERM");
  const wait = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + stopGraceMs;
  while (procs.some(aliveSync) && Date.now() < deadline) Atomics.wait(wait, 0, 0, 100);
  signal("SIGKILL");
}
