/**
 * pod_api: every ordinary verb on a Pod, as kube-rs' example of the same name.
 *
 * Run against a cluster (for example the local one: `deno task cluster up`):
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env=KUBECONFIG,HOME examples/pod_api.ts
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Api, Client, isStatus } from "../mod.ts";
import { Pod } from "../core/k8s/core/v1.ts";

const { positionals: [namespace = "default"] } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
});
using client = await Client.tryDefault();
const pods = Api.namespaced(client, Pod, namespace);
const name = "blog";

// Start clean, so the example can run twice.
if (await pods.getOpt(name)) {
  await pods.delete(name, { gracePeriodSeconds: 0 });
  console.log(`deleted a leftover ${name}`);
}

const pod: Pod = {
  metadata: { name, labels: { app: "blog" } },
  spec: { containers: [{ name: "blog", image: "clux/blog:0.1.0" }] },
};
const created = await pods.create(pod, { fieldManager: "pod_api" });
console.log(
  `created ${created.metadata.namespace}/${created.metadata.name} uid=${created.metadata.uid}`,
);

const got = await pods.get(name);
console.log(`got ${got.metadata.name}, phase ${got.status?.phase ?? "(none yet)"}`);

const applied = await pods.patch(name, {
  type: "apply",
  body: { spec: { activeDeadlineSeconds: 5 } },
}, { fieldManager: "pod_api" });
console.log(`applied activeDeadlineSeconds=${applied.spec?.activeDeadlineSeconds}`);

const merged = await pods.patch(name, {
  type: "merge",
  body: { metadata: { labels: { tier: "web" } } },
});
console.log(`labels now ${JSON.stringify(merged.metadata.labels)}`);

for await (const p of pods.listAll({ labelSelector: "app=blog", limit: 10 })) {
  console.log(`listed ${p.metadata.name}`);
}

const deleted = await pods.delete(name, { gracePeriodSeconds: 0 });
console.log(isStatus(deleted) ? "deleted" : `deleting ${deleted.metadata.name}`);
