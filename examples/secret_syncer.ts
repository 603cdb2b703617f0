/**
 * secret_syncer: a controller that keeps a Secret for each ConfigMap labelled
 * `kubeno.dev/sync-to-secret=true`, and deletes it through a finalizer when the ConfigMap goes
 * (no owner reference here: the finalizer does the cleanup). As kube-rs' example of the same
 * name.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/secret_syncer.ts [namespace]
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  Action,
  Api,
  backoffDelay,
  Client,
  Controller,
  type DeepReadonly,
  finalizer,
  isNotFound,
  shutdownSignal,
} from "../mod.ts";
import { ConfigMap, Secret } from "../core/k8s/core/v1.ts";

const FINALIZER = "kubeno.dev/secret-syncer";
const MANAGER = "secret-syncer";

interface Ctx {
  client: Client;
}

async function reconcile(cm: DeepReadonly<ConfigMap>, ctx: Ctx): Promise<Action> {
  const ns = cm.metadata.namespace!;
  const name = cm.metadata.name!;
  const secrets = Api.namespaced(ctx.client, Secret, ns);
  return await finalizer(Api.namespaced(ctx.client, ConfigMap, ns), FINALIZER, cm, {
    apply: async () => {
      await secrets.patch(name, {
        type: "apply",
        body: { metadata: { name }, stringData: { ...cm.data } },
      }, { fieldManager: MANAGER, force: true });
      console.log(`synced Secret ${ns}/${name}`);
      return Action.awaitChange();
    },
    cleanup: async () => {
      try {
        await secrets.delete(name);
        console.log(`deleted Secret ${ns}/${name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err; // already gone is fine
      }
      return Action.awaitChange();
    },
  });
}

const signal = shutdownSignal();
using client = await Client.tryDefault();
const { positionals: [ns] } = parseArgs({ args: Deno.args, allowPositionals: true });
const cms = ns ? Api.namespaced(client, ConfigMap, ns) : Api.all(client, ConfigMap);
const controller = new Controller(cms, { labelSelector: "kubeno.dev/sync-to-secret=true" });
for await (
  const r of controller.run(
    reconcile,
    (_cm, err, _ctx, info) => {
      console.error(`${info.key}: ${err instanceof Error ? err.message : err}`);
      return Action.requeue(backoffDelay(info.attempt));
    },
    { client },
    { signal },
  )
) {
  if (r.outcome === "error") console.error(`${r.key} failed; retry ${r.action}`);
}
