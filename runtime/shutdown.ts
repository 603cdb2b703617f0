/**
 * Turning SIGINT / SIGTERM into an `AbortSignal`, for a clean stop of long-running work.
 *
 * @module
 */

import { log } from "../core/log.ts";

/**
 * A repeat within this time of the first signal is the same request delivered twice, not a
 * second Ctrl-C: a terminal's Ctrl-C reaches every process of the foreground group, and a
 * parent such as `deno task` forwards the one it got as well.
 */
const SAME_REQUEST_MS = 1_000;

/**
 * An `AbortSignal` that aborts on the first SIGINT (Ctrl-C) or SIGTERM (what Kubernetes sends
 * a pod). A second signal, at least a second after the first, exits the process at once with
 * status 130, for when a graceful stop hangs (a repeat within that second is taken as the same
 * request delivered twice, as `deno task` does by forwarding the terminal's Ctrl-C). Call it
 * once per program; on Windows only SIGINT (and SIGBREAK) exist. Pass `SIGHUP` too for a
 * program that should stop cleanly when its terminal closes.
 *
 * @example
 * ```ts
 * import { shutdownSignal } from "@kubeno/kube";
 * const signal = shutdownSignal();
 * signal.addEventListener("abort", () => console.log("stopping..."));
 * ```
 */
export function shutdownSignal(
  signals: readonly Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"],
): AbortSignal {
  const ac = new AbortController();
  let first = 0;
  const onSignal = (name: Deno.Signal) => () => {
    if (ac.signal.aborted) {
      if (performance.now() - first < SAME_REQUEST_MS) return;
      log({
        level: "error",
        source: "shutdown",
        message: `${name} again: exiting without waiting`,
      });
      Deno.exit(130);
    }
    first = performance.now();
    ac.abort(new DOMException(`received ${name}`, "AbortError"));
  };
  for (const s of signals) Deno.addSignalListener(s, onSignal(s));
  return ac.signal;
}
