/**
 * Runs a command in a pod, as `kubectl exec` does: its stdout and stderr here, this program's
 * stdin there with `-i`, and its exit code as this program's.
 *
 *   deno run --allow-net --allow-read --allow-env examples/pod_exec.ts POD [-n NS] [-c C] [-i] -- CMD...
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
    stdin: { type: "boolean", short: "i" },
  },
});
const [pod, ...command] = positionals;
if (!pod || command.length === 0) {
  console.error("usage: pod_exec.ts POD [-n NS] [-c CONTAINER] [-i] -- COMMAND [ARGS...]");
  Deno.exit(2);
}

let code: number;
{
  using client = await Client.tryDefault();
  const pods = Api.namespaced(client, Pod, values.namespace ?? client.defaultNamespace);
  await using p = await pods.exec(pod, command, {
    container: values.container,
    stdin: values.stdin,
  });
  // Not awaited: the command may end before our stdin does.
  if (p.stdin) Deno.stdin.readable.pipeTo(p.stdin).catch(() => {});
  await Promise.all([
    p.stdout.pipeTo(Deno.stdout.writable, { preventClose: true }),
    p.stderr.pipeTo(Deno.stderr.writable, { preventClose: true }),
  ]);
  code = (await p.status).exitCode;
}
Deno.exit(code);
