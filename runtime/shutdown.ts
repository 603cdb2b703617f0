/**
 * Turning SIGINT / SIGTERM into an `AbortSignal`, for a clean stop of long-running work.
 *
 * @module
 */

/**
 * An `AbortSignal` that aborts on the first SIGINT (Ctrl-C) or SIGTERM (what Kubernetes sends
 * a pod). A second signal exits the process at once with status 130, for when a graceful stop
 * hangs. Call it once per program; on Windows only SIGINT (and SIGBREAK) exist.
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
  const onSignal = (name: Deno.Signal) => () => {
    if (ac.signal.aborted) {
      console.error(`${name} again: exiting without waiting`);
      Deno.exit(130);
    }
    ac.abort(new DOMException(`received ${name}`, "AbortError"));
  };
  for (const s of signals) Deno.addSignalListener(s, onSignal(s));
  return ac.signal;
}
