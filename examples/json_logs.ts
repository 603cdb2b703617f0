/**
 * json_logs: an operator that writes structured logs — one JSON object per line on stdout,
 * which a log collector (Fluent Bit, Vector, Loki's promtail) parses without regexes. kubeno's
 * own messages (watch retries, failed reconciles, leader election) go through the same handler
 * as the program's, so every line has the same shape.
 *
 * It reconciles the ConfigMaps of one namespace and refuses those labelled `broken=true`.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/json_logs.ts [namespace]
 *
 * Each line looks like
 * `{"time":"…","level":"error","source":"json-logs","msg":"reconcile failed","key":"ns/x","error":{…}}`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  Action,
  Api,
  Client,
  Controller,
  jsonLogHandler,
  log,
  setLogHandler,
  shutdownSignal,
} from "../mod.ts";
import { ConfigMap } from "../core/k8s/core/v1.ts";

// Before anything else runs: from here on every record is a JSON line on stdout.
setLogHandler(jsonLogHandler({ write: (line) => console.log(line), minLevel: "info" }));

const { positionals: [namespace = "default"] } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
});
const signal = shutdownSignal();
using client = await Client.tryDefault();
const configMaps = Api.namespaced(client, ConfigMap, namespace);

const controller = new Controller(configMaps);
controller.ready().then(() =>
  log({ level: "info", source: "json-logs", message: "synced", fields: { namespace } })
).catch(() => {});
for await (
  const r of controller.run(
    (cm) => {
      if (cm.metadata.labels?.broken === "true") {
        return Promise.reject(new Error(`${cm.metadata.name} is labelled broken=true`));
      }
      return Promise.resolve(Action.awaitChange());
    },
    (_cm, error, _ctx, info) => {
      log({
        level: "error",
        source: "json-logs",
        message: "reconcile failed",
        error,
        fields: { key: info.key, attempt: info.attempt },
      });
      return Action.requeue(60_000);
    },
    {},
    { signal },
  )
) {
  if (r.outcome === "success") {
    log({ level: "info", source: "json-logs", message: "reconciled", fields: { key: r.key } });
  }
}
log({ level: "info", source: "json-logs", message: "stopped" });
