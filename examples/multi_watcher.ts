/**
 * multi_watcher: watchers of Deployments, ConfigMaps and Secrets merged into one stream, as
 * kube-rs' example of the same name: one loop handles every change, whichever watch it came
 * from. Each watcher keeps its own connection and its own relist and backoff.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/multi_watcher.ts [namespace]
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  Api,
  Client,
  type KubeObject,
  shutdownSignal,
  watcher,
  type WatcherEvent,
} from "../mod.ts";
import { ConfigMap, Secret } from "../core/k8s/core/v1.ts";
import { Deployment } from "../core/k8s/apps/v1.ts";

/** The events of several watchers as one stream, each tagged with its kind, in arrival order. */
async function* merge<T>(
  sources: Record<string, AsyncIterable<T>>,
): AsyncGenerator<{ kind: string; event: T }, void, undefined> {
  const its = Object.entries(sources).map(([kind, s]) => ({ kind, it: s[Symbol.asyncIterator]() }));
  const next = (i: number) => its[i].it.next().then((r) => ({ i, r }));
  const pending = new Map(its.map((_, i) => [i, next(i)]));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i); // this watcher ended (its signal aborted)
        continue;
      }
      pending.set(i, next(i));
      yield { kind: its[i].kind, event: r.value };
    }
  } finally {
    for (const { it } of its) it.return?.()?.catch(() => {});
  }
}

const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true });
const signal = shutdownSignal();
using client = await Client.tryDefault();
const namespace = positionals[0] ?? client.defaultNamespace;
const events = merge<WatcherEvent<KubeObject>>({
  Deployment: watcher(Api.namespaced(client, Deployment, namespace), { signal }),
  ConfigMap: watcher(Api.namespaced(client, ConfigMap, namespace), { signal }),
  Secret: watcher(Api.namespaced(client, Secret, namespace), { signal }),
});
let synced = 0;
for await (const { kind, event } of events) {
  switch (event.type) {
    case "InitDone":
      if (++synced === 3) console.log("listed all three; watching");
      break;
    case "Apply":
    case "Delete":
      console.log(`${event.type} ${kind} ${namespace}/${event.object.metadata.name}`);
  }
}
console.log("stopped");
