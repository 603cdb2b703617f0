/**
 * A DynamicObject read with only the fields this program needs typed, as kube-rs' dynamic_pod
 * does: a narrow interface over the untyped object, checked where it is read.
 *
 *   deno run --allow-net --allow-read --allow-env examples/dynamic_pod.ts [NAMESPACE]
 */

import { parseArgs } from "node:util";
import { Api, Client, Discovery, type DynamicObject } from "../mod.ts";

/** The part of a Pod this example looks at. */
interface PodView {
  spec?: { containers?: { name: string; image?: string }[] };
  status?: { phase?: string };
}

function view(o: DynamicObject): PodView {
  return { spec: o.spec as PodView["spec"], status: o.status as PodView["status"] };
}

using client = await Client.tryDefault();
const pods = await (await Discovery.run(client)).resolve("po");
const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true });
const api = Api.dynamic(client, pods, positionals[0] ?? client.defaultNamespace);
for (const p of (await api.list()).items) {
  const { spec, status } = view(p);
  const images = (spec?.containers ?? []).map((c) => `${c.name}=${c.image}`).join(" ");
  console.log(`${p.metadata.name} ${status?.phase ?? "?"} ${images}`);
}
