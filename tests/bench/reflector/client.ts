/**
 * One client of the reflector benchmark, in its own process so that memory figures are its own.
 *
 * Usage: deno run --v8-flags=--expose-gc -A client.ts <kind> <url> <objects> <events>
 * where kind is `raw`, `kubeno`, `kubeno-strip` or `client-node`. Prints one JSON line:
 * sync time, events per second, heap bytes per cached object after GC, peak RSS.
 */

import { Api } from "../../../client/api.ts";
import { Client } from "../../../client/client.ts";
import { NoAuth } from "../../../client/config/auth.ts";
import { ConfigMap } from "../../../core/k8s/core/v1.ts";
import { reflector } from "../../../runtime/reflector.ts";
import { stripManagedFields } from "../../../runtime/stream.ts";
import { watcher } from "../../../runtime/watcher.ts";

const [kind, base, objectsArg, eventsArg] = Deno.args;
const objects = Number(objectsArg);
const events = Number(eventsArg);

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
function collect(): number {
  for (let i = 0; i < 3; i++) gc!();
  return Deno.memoryUsage().heapUsed;
}

// Peak RSS by sampling: /proc/self/status (VmHWM) needs --allow-all in Deno. RSS falls slowly
// after a spike (V8 keeps its pages for a while), so 5 ms samples see the peak closely.
let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss));
const sampler = setInterval(sampleRss, 5);
function peakRssBytes(): number {
  sampleRss();
  clearInterval(sampler);
  return peakRss;
}

interface Cache {
  size: number;
}

/** Runs the client; returns when `events` events are applied. */
type Runner = (marks: { synced(): void }) => Promise<Cache>;

const raw: Runner = async (marks) => {
  const cache = new Map<string, unknown>();
  type Obj = { metadata: { name: string; namespace?: string; resourceVersion: string } };
  const key = (o: Obj) => `${o.metadata.namespace}/${o.metadata.name}`;
  let cont = "";
  let rv = "";
  do {
    const res = await fetch(
      `${base}/api/v1/configmaps?limit=500${cont ? `&continue=${cont}` : ""}`,
    );
    const page = await res.json() as {
      metadata: { continue?: string; resourceVersion: string };
      items: Obj[];
    };
    for (const o of page.items) cache.set(key(o), o);
    cont = page.metadata.continue ?? "";
    rv = page.metadata.resourceVersion;
  } while (cont);
  marks.synced();
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/configmaps?watch=true&resourceVersion=${rv}`, {
    signal: ac.signal,
  });
  const decoder = new TextDecoder();
  let buf = "";
  let n = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let start = 0;
    for (;;) {
      const nl = buf.indexOf("\n", start);
      if (nl < 0) break;
      const ev = JSON.parse(buf.slice(start, nl)) as { type: string; object: Obj };
      start = nl + 1;
      if (ev.type === "DELETED") cache.delete(key(ev.object));
      else cache.set(key(ev.object), ev.object);
      n++;
    }
    buf = buf.slice(start);
    if (n >= events) break;
  }
  ac.abort();
  await reader.cancel().catch(() => {});
  return cache;
};

function kubeno(strip: boolean): Runner {
  return async (marks) => {
    const client = new Client({
      clusterUrl: new URL(base),
      defaultNamespace: "default",
      auth: new NoAuth(),
      source: "benchmark server",
    });
    const api = Api.all(client, ConfigMap);
    const ac = new AbortController();
    const r = reflector(watcher(api, { signal: ac.signal }), {
      transform: strip ? stripManagedFields : undefined,
    });
    let n = 0;
    for await (const ev of r) {
      if (ev.type === "InitDone") marks.synced();
      else if (ev.type === "Apply" && ++n >= events) break;
    }
    ac.abort();
    return r.store;
  };
}

const clientNode: Runner = async (marks) => {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "bench", server: base, skipTLSVerify: true }],
    users: [{ name: "bench" }],
    contexts: [{ name: "bench", cluster: "bench", user: "bench" }],
    currentContext: "bench",
  });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer(
    kc,
    "/api/v1/configmaps",
    () => core.listConfigMapForAllNamespaces(),
  );
  let adds = 0;
  let updates = 0;
  const done = Promise.withResolvers<void>();
  informer.on("add", () => {
    if (++adds === objects) marks.synced();
  });
  informer.on("update", () => {
    if (++updates === events) done.resolve();
  });
  informer.on("error", (err: unknown) => done.reject(err));
  await informer.start();
  await done.promise;
  await informer.stop();
  return { size: informer.list().length };
};

const runners: Record<string, Runner> = {
  raw,
  kubeno: kubeno(false),
  "kubeno-strip": kubeno(true),
  "client-node": clientNode,
};
const runner = runners[kind];
if (!runner) throw new Error(`unknown client ${kind}; one of ${Object.keys(runners).join(", ")}`);

// Load every module before the baseline, so that code is not counted as cache.
if (kind === "client-node") await import("@kubernetes/client-node");
const heap0 = collect();
const t0 = performance.now();
let tSync = 0;
const cache = await runner({ synced: () => (tSync = performance.now()) });
const tEnd = performance.now();
const heap1 = collect();
if (cache.size !== objects) throw new Error(`${kind}: cache has ${cache.size} of ${objects}`);
console.log(JSON.stringify({
  kind,
  objects,
  events,
  syncMs: Math.round(tSync - t0),
  eventsPerSec: Math.round(events / ((tEnd - tSync) / 1000)),
  heapPerObject: Math.round((heap1 - heap0) / objects),
  peakRssMB: Math.round(peakRssBytes() / 1024 / 1024),
}));
// Keep the cache alive until after the measurement.
if (cache.size < 0) console.log(cache);
Deno.exit(0);
