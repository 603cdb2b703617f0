/**
 * Every resource the server has, found at run time: discovery, then `Api.dynamic` lists the
 * objects of each listable resource (in one namespace for namespaced ones).
 *
 *   deno run --allow-net --allow-read --allow-env examples/dynamic_api.ts [NAMESPACE]
 */

import { parseArgs } from "node:util";
import { Api, Client, Discovery, isForbidden } from "../mod.ts";

using client = await Client.tryDefault();
const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true });
const ns = positionals[0] ?? client.defaultNamespace;
const discovery = await Discovery.run(client);
for (const r of discovery.mapper.preferred()) {
  if (!r.verbs.includes("list")) continue;
  const api = Api.dynamic(client, r, r.namespaced ? ns : undefined);
  try {
    const names = (await api.list({ limit: 5 })).items.map((o) => o.metadata.name);
    console.log(`${r.plural}.${r.apiVersion}: ${names.join(", ") || "-"}`);
  } catch (err) {
    if (!isForbidden(err)) throw err;
    console.log(`${r.plural}.${r.apiVersion}: forbidden`);
  }
}
