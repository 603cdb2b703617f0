/**
 * shared_stream_controllers: two controllers over ONE watch of the ConfigMaps of a namespace, run
 * by one Manager, as kube-rs' example of the same name. `annotate` server-side applies an
 * annotation with the number of data keys; `report` prints what it sees. Each has its own store
 * and queue, fed by one subscription of a `sharedReflector`: one connection to the apiserver.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/shared_stream_controllers.ts [namespace]
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
  type ErrorPolicy,
  Manager,
  predicates,
  type Reconcile,
  sharedReflector,
  shutdownSignal,
  watcher,
} from "../mod.ts";
import { ConfigMap } from "../core/k8s/core/v1.ts";

const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true });
using client = await Client.tryDefault();
const namespace = positionals[0] ?? client.defaultNamespace;
const configMaps = Api.namespaced(client, ConfigMap, namespace);
const ANNOTATION = "kubeno.dev/data-keys";

const manager = new Manager(client, { signal: shutdownSignal() });
// The one watch; it closes after both controllers have stopped.
const shared = sharedReflector(watcher(configMaps, { signal: manager.signal }));

const annotate: Reconcile<ConfigMap, unknown> = async (cm, _ctx, info) => {
  const keys = String(Object.keys(cm.data ?? {}).length);
  if (cm.metadata.annotations?.[ANNOTATION] !== keys) {
    await configMaps.patch(
      cm.metadata.name!,
      { type: "apply", body: { metadata: { annotations: { [ANNOTATION]: keys } } } },
      { fieldManager: "shared-stream-annotate" },
      { signal: info.signal },
    );
    console.log(`annotate: ${info.key} ${ANNOTATION}=${keys}`);
  }
  return Action.awaitChange();
};

const report: Reconcile<ConfigMap, unknown> = (cm, _ctx, info) => {
  const keys = Object.keys(cm.data ?? {}).sort().join(",") || "(none)";
  console.log(
    `report: ${info.key} data keys: ${keys}; annotated ${
      cm.metadata.annotations?.[ANNOTATION] ?? "not yet"
    }`,
  );
  return Promise.resolve(Action.awaitChange());
};

const errorPolicy: ErrorPolicy<ConfigMap, unknown> = (_cm, err, _ctx, info) => {
  console.error(`${info.key}: ${err instanceof Error ? err.message : err}`);
  return Action.requeue(backoffDelay(info.attempt));
};

manager
  // Both see every event of the one watch; `report` reconciles only when the data or the
  // annotations change (so also after annotate's write), through its own predicate.
  .add(
    Controller.forStream(ConfigMap, shared.subscribe(), { streamOf: configMaps }),
    annotate,
    errorPolicy,
    {},
    { name: "annotate" },
  )
  .add(
    Controller.forStream(ConfigMap, shared.subscribe(), {
      streamOf: false, // the same watch as annotate's: already granted
      predicate: (cm) => JSON.stringify([cm.data ?? {}, predicates.annotations(cm)]),
    }),
    report,
    errorPolicy,
    {},
    { name: "report" },
  );
manager.ready().then(() => console.log(`synced: ${shared.store.size} configmaps, one watch`));
await manager.run();
console.log("stopped");
