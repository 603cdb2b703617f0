/**
 * event_watcher: print Events (events.k8s.io/v1) as they happen, across all namespaces.
 * As kube-rs' example of the same name.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/event_watcher.ts
 *
 * @module
 */

import { Api, Client, shutdownSignal, watcher } from "../mod.ts";
import { Event } from "../core/k8s/events.k8s.io/v1.ts";

const signal = shutdownSignal();
using client = await Client.tryDefault();
const events = Api.all(client, Event);
for await (const ev of watcher(events, { signal })) {
  if (ev.type !== "Apply") continue; // only new and updated events, not the initial list
  const e = ev.object;
  const what = `${e.regarding?.kind}/${e.regarding?.namespace ?? ""}/${e.regarding?.name}`;
  const count = e.series ? ` x${e.series.count}` : "";
  console.log(`${e.type} ${e.reason} ${what} (${e.reportingController})${count}: ${e.note ?? ""}`);
}
