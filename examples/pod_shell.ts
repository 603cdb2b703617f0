/**
 * An interactive shell in a pod, as `kubectl exec -it POD -- sh` does: the local terminal in
 * raw mode (every key, Ctrl-C included, goes to the remote shell, which echoes), the remote
 * terminal resized with the local one (SIGWINCH), and the local terminal restored however this
 * ends: the shell's exit (its code becomes this program's), an error, SIGTERM or SIGHUP
 * (128 + the signal's number). Deno's raw mode keeps output processing on, so the remote
 * terminal's CR LF shows as CR CR LF here (the same on screen; kubectl's raw mode sends CR LF).
 *
 *   deno run --allow-net=<apiserver host:port> --allow-read=<kubeconfig> --allow-env examples/pod_shell.ts POD [-n NS] [-c C] [-- CMD...]
 */

import { parseArgs } from "node:util";
import { Api, Client } from "../mod.ts";
import { Pod } from "../core/k8s/core/v1.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    namespace: { type: "string", short: "n" },
    container: { type: "string", short: "c" },
  },
});
const [pod, ...rest] = positionals;
if (!pod) {
  console.error("usage: pod_shell.ts POD [-n NS] [-c CONTAINER] [-- COMMAND [ARGS...]]");
  Deno.exit(2);
}
if (!Deno.stdin.isTerminal()) {
  console.error("pod_shell.ts needs a terminal on stdin; for pipes use pod_exec.ts -i");
  Deno.exit(2);
}
const command = rest.length > 0 ? rest : ["sh"];

const signals = { SIGTERM: 15, SIGHUP: 1 } as const;

async function main(): Promise<number> {
  using client = await Client.tryDefault();
  const pods = Api.namespaced(client, Pod, values.namespace ?? client.defaultNamespace);
  await using p = await pods.exec(pod, command, {
    container: values.container,
    stdin: true,
    tty: true,
  });
  let stoppedBy: keyof typeof signals | undefined;
  const stops = Object.keys(signals).map((name) => {
    const sig = name as keyof typeof signals;
    const fn = () => {
      stoppedBy = sig;
      p.close();
    };
    Deno.addSignalListener(sig, fn);
    return () => Deno.removeSignalListener(sig, fn);
  });
  const resize = () => {
    const { columns, rows } = Deno.consoleSize();
    p.resize(columns, rows);
  };
  Deno.stdin.setRaw(true);
  try {
    resize();
    Deno.addSignalListener("SIGWINCH", resize);
    stops.push(() => Deno.removeSignalListener("SIGWINCH", resize));
    // Not awaited: the shell ends before our stdin does.
    Deno.stdin.readable.pipeTo(p.stdin!).catch(() => {});
    await p.stdout.pipeTo(Deno.stdout.writable, { preventClose: true });
    return await p.status.then(
      (s) => s.exitCode,
      (e) => {
        if (stoppedBy) return 128 + signals[stoppedBy];
        throw e;
      },
    );
  } finally {
    for (const stop of stops) stop();
    Deno.stdin.setRaw(false);
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  // The terminal is restored by now (main's finally ran).
  console.error(`pod_shell: ${e instanceof Error ? e.message : String(e)}`);
  Deno.exit(1);
}
