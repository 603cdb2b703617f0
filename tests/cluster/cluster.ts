/**
 * A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) with two kwok nodes on 127.0.0.1 for kubeno's e2e tests, built from the
 * official Go modules by build.sh. node-streams serves the nodes' pod logs, exec, attach and
 * port-forward (see README.md for what a container is on these nodes).
 *
 *   deno task cluster up|down|status|env|restart
 *
 * State (PKI, etcd data, logs, kubeconfig, env.json) lives in
 * ${KUBENO_CLUSTER_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubeno/cluster/state}.
 * The processes outlive this command: `up` returns once the API is ready, `down` stops them.
 *
 * The implementation is the one of `@kubeno/kube/testing` (testing/_control_plane.ts and
 * testing/_build.ts); this file is its command line.
 *
 * @module
 */

import {
  ClusterStartError,
  locked as lockedDir,
  NotAStateDirError,
  type Output,
  readEnv,
  restartApiserver,
  runningCluster,
  startControlPlane,
  statusReport,
  stopControlPlane,
} from "../../testing/_control_plane.ts";
import {
  defaultCacheHome,
  ensureBinaries,
  layoutOf,
  timeoutFromEnv,
} from "../../testing/_build.ts";

export type { ClusterEnv, OidcIssuerEnv } from "../../testing/_control_plane.ts";

const env = (name: string): string | undefined => Deno.env.get(name) || undefined;
const cacheHome = defaultCacheHome(env);
const stateDir = env("KUBENO_CLUSTER_STATE") ?? `${cacheHome}/kubeno/cluster/state`;
/** How long `up` and `restart` wait for the control plane before giving up. */
const readyTimeoutMs = timeoutFromEnv(env("KUBENO_CLUSTER_TIMEOUT"), 120);
const L = layoutOf(cacheHome, stateDir, readyTimeoutMs);
const out: Output = { info: (l) => console.log(l), warn: (l) => console.error(l) };

async function up(): Promise<number> {
  const old = await runningCluster(stateDir);
  if (old) {
    console.log(`cluster already running at ${old.server}; KUBECONFIG=${old.kubeconfig}`);
    return 0;
  }
  await ensureBinaries(L, {
    sources: new URL(".", import.meta.url),
    cacheHome,
    path: env("PATH") ?? "",
  }, out);
  try {
    await startControlPlane(L, out);
  } catch (err) {
    if (!(err instanceof ClusterStartError)) throw err;
    console.error(err.message);
    return 1;
  }
  console.log(`  export KUBECONFIG=${stateDir}/kubeconfig`);
  console.log(`  eval "$(deno task -q cluster env)"   # KUBECONFIG and PATH with kubectl`);
  return 0;
}

async function down(): Promise<number> {
  const had = await stopControlPlane(stateDir);
  console.log(had ? "cluster stopped and state removed" : "no cluster state: nothing to stop");
  return 0;
}

async function status(): Promise<number> {
  const { ok, lines } = await statusReport(L);
  for (const line of lines) console.log(line);
  return ok ? 0 : 1;
}

function printEnv(): number {
  const e = readEnv(stateDir);
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
  const e = readEnv(stateDir);
  if (!e) {
    console.error(`no cluster state in ${stateDir}: run \`deno task cluster up\` first`);
    return 1;
  }
  try {
    const ms = await restartApiserver(e, readyTimeoutMs);
    console.log(`kube-apiserver restarted, ready after ${(ms / 1000).toFixed(1)}s`);
    return 0;
  } catch (err) {
    if (!(err instanceof ClusterStartError)) throw err;
    console.error(err.message);
    return 1;
  }
}

/**
 * Serializes up/down/restart: several engineers and test runs share one state directory, and
 * two concurrent `up`s would wipe each other's PKI and etcd data.
 */
const locked = (fn: () => Promise<number>) => lockedDir(stateDir, readyTimeoutMs, out, fn);

const usage = "usage: deno task cluster up|down|status|env|restart";

/** A refused wipe (`KUBENO_CLUSTER_STATE` pointing at a directory of other files) is exit 1. */
async function refusing(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof NotAStateDirError)) throw err;
    console.error(err.message);
    return 1;
  }
}

if (import.meta.main) {
  const cmd = Deno.args[0];
  const commands: Record<string, () => number | Promise<number>> = {
    up: () => refusing(() => locked(up)),
    down: () => refusing(() => locked(down)),
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
