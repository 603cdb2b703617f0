/**
 * pod_reflector: a reflector keeps a Store of Pods in sync; print it whenever it changes.
 * As kube-rs' example of the same name.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/pod_reflector.ts [namespace]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Api, Client, indexers, reflector, shutdownSignal, watcher } from "../mod.ts";
import { Pod } from "../core/k8s/core/v1.ts";

const signal = shutdownSignal();
using client = await Client.tryDefault();
const { positionals: [ns] } = parseArgs({ args: Deno.args, allowPositionals: true });
const pods = ns ? Api.namespaced(client, Pod, ns) : Api.all(client, Pod);
const r = reflector(watcher(pods, { signal }), {
  indexers: { namespace: indexers.namespace },
});
for await (const ev of r) {
  if (ev.type === "InitDone") console.log(`synced: ${r.store.size} pods`);
  if (ev.type !== "Apply" && ev.type !== "Delete") continue;
  const names = r.store.list().map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
  console.log(`${ev.type} ${ev.object.metadata.name}; store: ${names.join(", ") || "(empty)"}`);
}
