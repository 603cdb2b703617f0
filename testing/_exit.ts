/**
 * Own clusters at exit: what keeps a cluster the kit started for one handle from outliving the
 * Deno process (or worker) that started it. Internal: see mod.ts.
 *
 * @module
 */

import {
  type ClusterEnv,
  type Proc,
  removeStateDirSync,
  startWatchdog,
  stopAllSync,
  stopWatchdog,
} from "./_control_plane.ts";

/** The own clusters of this worker that are not stopped yet, by state dir. */
const ownAtExit = new Map<string, { env: ClusterEnv; watchdog: Proc }>();
const exitSignals = ["SIGINT", "SIGTERM"] as const;

/** Stops every own cluster now, synchronously: this worker is going away. */
function stopOwnSync(): void {
  for (const { env, watchdog } of ownAtExit.values()) {
    try {
      stopAllSync(env);
    } catch { /* going away: the watchdog is still there */ }
    if (removeStateDirSync(env.stateDir)) stopWatchdog(watchdog);
  }
  ownAtExit.clear();
}

const onUnload = () => stopOwnSync();
/** Stops the clusters, then lets the signal do what it would have done (exit 130 or 143). */
const onSignal = (sig: Deno.Signal) => {
  stopOwnSync();
  unlisten();
  Deno.kill(Deno.pid, sig);
};
const signalListeners = new Map(exitSignals.map((s) => [s, () => onSignal(s)]));

function listen(): void {
  globalThis.addEventListener("unload", onUnload);
  for (const [sig, fn] of signalListeners) {
    try {
      Deno.addSignalListener(sig, fn);
    } catch { /* not on this platform */ }
  }
}

function unlisten(): void {
  globalThis.removeEventListener("unload", onUnload);
  for (const [sig, fn] of signalListeners) {
    try {
      Deno.removeSignalListener(sig, fn);
    } catch { /* was not added */ }
  }
}

/** What {@link guardAtExit} returns. */
export interface ExitGuard {
  /** After a regular stop: ends the watchdog and, with the last own cluster, the listeners. */
  release(): void;
  /** After a process of the cluster was replaced (an apiserver restart): a watchdog for it. */
  refresh(): Promise<void>;
}

/**
 * Keeps an own cluster from outliving this process: `unload`, SIGINT and SIGTERM stop it
 * synchronously, and a watchdog process stops it when nothing here could (`deno test` exits on
 * Ctrl-C without running listeners; SIGKILL runs nothing). The listeners read `env` when they
 * run; the watchdog knows the pids it was started with, hence {@link ExitGuard.refresh}. The
 * listeners do not keep the process alive.
 */
export async function guardAtExit(env: ClusterEnv): Promise<ExitGuard> {
  const watchdog = await startWatchdog(env);
  if (ownAtExit.size === 0) listen();
  ownAtExit.set(env.stateDir, { env, watchdog });
  return {
    release() {
      const own = ownAtExit.get(env.stateDir);
      if (!own) return;
      ownAtExit.delete(env.stateDir);
      stopWatchdog(own.watchdog);
      if (ownAtExit.size === 0) unlisten();
    },
    async refresh() {
      const own = ownAtExit.get(env.stateDir);
      if (!own) return;
      const old = own.watchdog;
      own.watchdog = await startWatchdog(env);
      stopWatchdog(old);
    },
  };
}
