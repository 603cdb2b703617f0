/**
 * crd_api: install the Foo CRD of crd_derive.ts, then create, list, patch (server-side apply),
 * patch the status and scale a Foo, and clean up — as kube-rs' example of the same name.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env=KUBECONFIG,HOME examples/crd_api.ts
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Api, applyCrd, Client } from "../mod.ts";
import { CustomResourceDefinition } from "../core/k8s/apiextensions.k8s.io/v1.ts";
import { Foo } from "./crd_derive.ts";

const { positionals: [namespace = "default"] } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
});
using client = await Client.tryDefault();

await applyCrd(client, Foo, { fieldManager: "crd_api" });
console.log(`CRD ${Foo.crd().metadata.name} established`);

const foos = Api.namespaced(client, Foo, namespace);
if (await foos.getOpt("baz")) await foos.delete("baz");

// Validate locally exactly as the apiserver will, then create.
const baz = Foo.parse(Foo.new("baz", { name: "baz", info: "old baz" }));
const created = await foos.create(baz, { fieldManager: "crd_api" });
console.log(`created ${created.metadata.name}: replicas=${created.spec.replicas}`);

const applied = await foos.patch("baz", {
  type: "apply",
  body: { apiVersion: Foo.apiVersion, kind: Foo.kind, spec: { name: "baz", info: "new baz" } },
}, { fieldManager: "crd_api", force: true });
console.log(`applied: info=${applied.spec.info}`);

const withStatus = await foos.patchStatus("baz", {
  type: "merge",
  body: { status: { isBad: false, replicas: 1 } },
});
console.log(`status: ${JSON.stringify(withStatus.status)}`);

await foos.patchScale("baz", { type: "merge", body: { spec: { replicas: 3 } } });
console.log(`scaled: replicas=${(await foos.get("baz")).spec.replicas}`);

for (const f of (await foos.list()).items) console.log(`listed ${f.metadata.name}`);

await foos.delete("baz");
await Api.all(client, CustomResourceDefinition).delete(Foo.crd().metadata.name!);
console.log("cleaned up");
