/**
 * node_watcher: watch Nodes and report the ones that are not Ready, with their conditions.
 * As kube-rs' example of the same name.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/node_watcher.ts
 *
 * @module
 */

import { Api, Client, shutdownSignal, watcher } from "../mod.ts";
import { Node } from "../core/k8s/core/v1.ts";

const signal = shutdownSignal();
using client = await Client.tryDefault();
const nodes = Api.all(client, Node);
for await (const ev of watcher(nodes, { signal })) {
  if (ev.type === "InitDone") console.log("listed every node; watching");
  if (ev.type !== "Apply" && ev.type !== "InitApply" && ev.type !== "Delete") continue;
  const node = ev.object;
  if (ev.type === "Delete") {
    console.log(`node ${node.metadata.name} deleted`);
    continue;
  }
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  if (ready?.status === "True") console.log(`node ${node.metadata.name} is Ready`);
  else {
    const why = ready ? `${ready.reason}: ${ready.message}` : "no Ready condition";
    console.log(`node ${node.metadata.name} is NOT Ready (${why})`);
  }
}
