/**
 * A watcher over any resource, named as kubectl names it (`cm`, `deploy.apps`, a CRD's short
 * name): discovery resolves it, the runtime's `watcher` follows it.
 *
 *   deno run --allow-net --allow-read --allow-env examples/dynamic_watcher.ts TYPE [NAMESPACE]
 */

import { parseArgs } from "node:util";
import { Api, Client, Discovery, shutdownSignal, watcher } from "../mod.ts";

const { positionals: [type = "configmaps", ns] } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
});
using client = await Client.tryDefault();
const resource = await (await Discovery.run(client)).resolve(type);
const api = Api.dynamic(client, resource, resource.namespaced ? ns : undefined);
console.log(`watching ${resource.plural}.${resource.apiVersion}${ns ? ` in ${ns}` : ""}`);
for await (const ev of watcher(api, { signal: shutdownSignal() })) {
  if (ev.type === "Apply" || ev.type === "Delete") {
    console.log(`${ev.type} ${ev.object.metadata.namespace ?? ""}/${ev.object.metadata.name}`);
  }
}
