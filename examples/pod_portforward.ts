/**
 * Forwards a local port to a pod port, as `kubectl port-forward POD LOCAL:REMOTE` does, until
 * Ctrl-C / SIGTERM. LOCAL 0 (or `:REMOTE`) picks a free port.
 *
 *   deno run --allow-net --allow-read --allow-env examples/pod_portforward.ts POD LOCAL:REMOTE [-n NS]
 */

import { parseArgs } from "node:util";
import { Api, Client } from "../mod.ts";
import { Pod } from "../core/k8s/core/v1.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { namespace: { type: "string", short: "n" } },
});
const [pod, mapping] = positionals;
const m = /^(\d*):(\d+)$/.exec(mapping ?? "");
if (!pod || !m) {
  console.error("usage: pod_portforward.ts POD LOCAL:REMOTE [-n NS]   (LOCAL empty or 0: any)");
  Deno.exit(2);
}

using client = await Client.tryDefault();
const pods = Api.namespaced(client, Pod, values.namespace ?? client.defaultNamespace);
await using fwd = await pods.forward(pod, Number(m[1] || 0), Number(m[2]));
console.log(`Forwarding from 127.0.0.1:${fwd.port} -> ${m[2]}`);
await new Promise<void>((resolve) => {
  Deno.addSignalListener("SIGINT", resolve);
  Deno.addSignalListener("SIGTERM", resolve);
});
