/**
 * crd_apply: keep a CRD and an object in shape with server-side apply, as kube-rs' example
 * of the same name. Running it twice changes nothing the second time.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env=KUBECONFIG,HOME examples/crd_apply.ts
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { Api, applyCrd, Client, customResource, type InferResource } from "../mod.ts";

const Bar = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Bar",
  namespaced: true,
  spec: z.object({ name: z.string(), size: z.int().min(1).default(1) }),
});
type Bar = InferResource<typeof Bar>;

using client = await Client.tryDefault();
const crd = await applyCrd(client, Bar, { fieldManager: "crd_apply" });
console.log(`applied CRD ${crd.metadata.name}, generation ${crd.metadata.generation}`);

const { positionals: [namespace = "default"] } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
});
const bars = Api.namespaced(client, Bar, namespace);
const desired: Bar = Bar.parse(Bar.new("qux", { name: "qux", size: 2 }));
const applied = await bars.patch("qux", { type: "apply", body: desired }, {
  fieldManager: "crd_apply",
  force: true,
});
console.log(`applied ${applied.metadata.name}: ${JSON.stringify(applied.spec)}`);
