/**
 * Attaches to a pod's running container, as `kubectl attach POD` does: what the container
 * prints from now on comes here (stdout to stdout, stderr to stderr), and with `-i` this
 * program's stdin goes to the container's. It ends when the container does (with its exit
 * code), or on Ctrl-C / SIGTERM (exit 0). An interactive terminal (`-t`) is examples/pod_shell.ts's job.
 *
 *   deno run --allow-net=<apiserver host:port> --allow-read=<kubeconfig> --allow-env examples/pod_attach.ts POD [-n NS] [-c C] [-i]
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
    stdin: { type: "boolean", short: "i", default: false },
  },
});
if (positionals.length !== 1) {
  console.error("usage: pod_attach.ts POD [-n NS] [-c CONTAINER] [-i]");
  Deno.exit(2);
}
const [pod] = positionals;

async function main(): Promise<number> {
  using client = await Client.tryDefault();
  const ns = values.namespace ?? client.defaultNamespace;
  const pods = Api.namespaced(client, Pod, ns);
  await using p = await pods.attach(pod, { container: values.container, stdin: values.stdin });
  console.error(`attached to ${ns}/${pod} (${p.protocol}); Ctrl-C to detach`);

  // Detaching closes the stream: the output ends, the container goes on running.
  let detached = false;
  const detach = () => {
    detached = true;
    p.close();
  };
  Deno.addSignalListener("SIGINT", detach);
  Deno.addSignalListener("SIGTERM", detach);
  // Not awaited: the container may end before our stdin does.
  if (p.stdin) Deno.stdin.readable.pipeTo(p.stdin).catch(() => {});
  await Promise.all([
    p.stdout.pipeTo(Deno.stdout.writable, { preventClose: true }),
    p.stderr.pipeTo(Deno.stderr.writable, { preventClose: true }),
  ]);
  Deno.removeSignalListener("SIGINT", detach);
  Deno.removeSignalListener("SIGTERM", detach);
  try {
    // The container ended: its exit code becomes this program's.
    return (await p.status).exitCode;
  } catch (e) {
    // A detach closes the stream before the server says anything: that is the normal end.
    if (detached) return 0;
    throw e;
  }
}

try {
  // Exits at once even while stdin is still being read.
  Deno.exit(await main());
} catch (e) {
  console.error(`pod_attach: ${e instanceof Error ? e.message : String(e)}`);
  Deno.exit(1);
}
