/**
 * crd_reflector: a reflector over a custom resource declared with Zod; apply the CRD, then
 * print the cached objects on every change. As kube-rs' example of the same name.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/crd_reflector.ts
 *
 * @module
 */

import { z } from "zod";
import {
  Api,
  applyCrd,
  Client,
  customResource,
  type InferResource,
  reflector,
  shutdownSignal,
  watcher,
} from "../mod.ts";

export const Foo = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Foo",
  namespaced: true,
  spec: z.object({ name: z.string(), info: z.string() }),
});
export type Foo = InferResource<typeof Foo>;

const signal = shutdownSignal();
using client = await Client.tryDefault();
await applyCrd(client, Foo, { fieldManager: "crd_reflector", force: true, timeoutMs: 30_000 });

const r = reflector(watcher(Api.all(client, Foo), { signal }));
for await (const ev of r) {
  if (ev.type === "InitDone" || ev.type === "Apply" || ev.type === "Delete") {
    const all = r.store.list().map((f) => `${f.metadata.name}: ${f.spec.info}`);
    console.log(`${r.store.size} Foo(s): ${all.join("; ") || "none"}`);
  }
}
