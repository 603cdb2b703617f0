/**
 * How the demo (and the e2e tests) start the configmapgen operator: a separate `deno run`
 * with only the permissions it needs.
 *
 * @module
 */

import { netPermission } from "../../client/permissions.ts";

/** The operator's entry file. */
export const OPERATOR_PATH: string = decodeURIComponent(
  new URL("../configmapgen_controller.ts", import.meta.url).pathname,
);

/**
 * Environment variables the operator reads: the kubeconfig's location and `HOME` (for
 * `~/.kube/config`) and the in-cluster service variables (checked when there is no kubeconfig).
 */
export const OPERATOR_ENV: readonly string[] = [
  "KUBECONFIG",
  "HOME",
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
];

/**
 * The exact permission flags of the operator: the apiserver's `host:port`, the kubeconfig file
 * (read), and {@link OPERATOR_ENV}. Nothing else: no write, no run, no other host.
 *
 * @param server the apiserver URL (from the kubeconfig)
 * @param kubeconfig the kubeconfig file
 * @param omit a flag kind to leave out, to show the error a missing permission gives
 */
export function operatorFlags(
  server: URL,
  kubeconfig: string,
  omit?: "net" | "read" | "env",
): string[] {
  const flags: string[] = [];
  if (omit !== "net") flags.push(`--allow-net=${netPermission(server)}`);
  if (omit !== "read") flags.push(`--allow-read=${kubeconfig}`);
  if (omit !== "env") flags.push(`--allow-env=${OPERATOR_ENV.join(",")}`);
  return flags;
}

/** A running operator process and its output, line by line. */
export interface OperatorProcess {
  /** The child process. */
  child: Deno.ChildProcess;
  /** Every line it printed (stdout and stderr), in order. */
  lines: string[];
  /** Resolves with the exit status once it exited and its output was read. */
  done: Promise<Deno.CommandStatus>;
  /** Resolves when a line matching `re` was printed (rejects after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** True once it printed that it is stopping (e.g. the terminal's Ctrl-C reached it). */
  readonly stopping: boolean;
  /**
   * SIGTERM (unless it is already stopping: a second signal would make it exit at once), then
   * SIGKILL after `graceMs`; resolves to the exit status.
   */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/**
 * Starts the operator with {@link operatorFlags}. `onLine` sees every output line.
 *
 * @param opts the kubeconfig, server, extra operator arguments, and a line callback
 */
export function startOperator(opts: {
  server: URL;
  kubeconfig: string;
  args?: string[];
  omit?: "net" | "read" | "env";
  onLine?: (line: string) => void;
}): OperatorProcess {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...operatorFlags(opts.server, opts.kubeconfig, opts.omit),
      OPERATOR_PATH,
      ...(opts.args ?? []),
    ],
    env: { KUBECONFIG: opts.kubeconfig, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    opts.onLine?.(line);
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
    if (buf) onLine(buf);
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => child.status);
  return {
    child,
    lines,
    done,
    waitFor(re, timeoutMs = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.splice(waiters.findIndex((w) => w.re === re), 1);
          reject(new Error(`the operator did not print ${re} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
    get stopping() {
      return lines.some((l) => /\bstopping: /.test(l));
    },
    async stop(graceMs = 15_000) {
      if (!this.stopping) {
        try {
          child.kill("SIGTERM");
        } catch { /* already exited */ }
      }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already exited */ }
      }, graceMs);
      const status = await done;
      clearTimeout(t);
      return status;
    },
  };
}
