/**
 * Runs the mirror operator against the current kubeconfig's cluster, in its namespace.
 *
 *   deno task start
 *
 * @module
 */

import { Client } from "@kubeno/kube";
import { runMirror } from "./mirror.ts";

if (import.meta.main) {
  const client = await Client.tryDefault();
  const ac = new AbortController();
  Deno.addSignalListener("SIGINT", () => ac.abort());
  for await (const r of runMirror(client, client.defaultNamespace, ac.signal)) {
    console.log(r.key, r.outcome);
  }
}
