/**
 * version_rs: kube-rs' version-rs in Deno. A reflector keeps the Deployments of a namespace in a
 * Store; an HTTP server answers from that cache (never from the apiserver):
 *
 *   GET /versions             [{ "container", "name", "namespace", "version" }, ...]
 *   GET /versions/<ns>/<name> one entry, or 404
 *   GET /metrics              HTTP requests by path and status, and their durations
 *   GET /healthz, /readyz     /readyz answers 200 once the store has its first complete list
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/version_rs.ts \
 *     [--port 8000] [--hostname 127.0.0.1] [namespace]
 *
 * (`--port 0` picks a free port; the first line printed says where it listens.)
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  Api,
  Client,
  Counter,
  Histogram,
  metricsHandler,
  reflector,
  Registry,
  shutdownSignal,
  stripManagedFields,
  watcher,
} from "../mod.ts";
import { Deployment } from "../core/k8s/apps/v1.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    port: { type: "string", default: "8000" },
    hostname: { type: "string", default: "127.0.0.1" },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`version_rs: --port must be a port number, not ${JSON.stringify(values.port)}`);
  Deno.exit(2);
}

/** What /versions says of a Deployment: its first container's image, split at the tag. */
interface Entry {
  container: string;
  name: string;
  namespace: string;
  version: string;
}

function entry(d: Deployment): Entry | undefined {
  const image = d.spec?.template.spec?.containers[0]?.image;
  if (!image) return undefined;
  // The tag follows the last ":" after the last "/" (a registry may have a port: host:5000/app).
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  const [container, version] = colon > slash
    ? [image.slice(0, colon), image.slice(colon + 1)]
    : [image, "latest"];
  return { container, name: d.metadata.name!, namespace: d.metadata.namespace!, version };
}

const signal = shutdownSignal();
using client = await Client.tryDefault();
const namespace = positionals[0] ?? client.defaultNamespace;
const r = reflector(watcher(Api.namespaced(client, Deployment, namespace), { signal }), {
  transform: stripManagedFields,
});
const store = r.store;
const watching = r.run();

const registry = new Registry();
const requests = registry.register(
  new Counter("api_http_requests_total", "HTTP requests, by route and status."),
);
const durations = registry.register(
  new Histogram("api_http_requests_duration_seconds", "Time to answer an HTTP request."),
);
let ready = false;
store.ready().then(() => (ready = true));
const probes = metricsHandler(registry, { ready: () => ready });

function route(req: Request): { route: string; res: Response } {
  const path = new URL(req.url).pathname;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return { route: "other", res: new Response("method not allowed\n", { status: 405 }) };
  }
  if (path === "/versions") {
    const all = store.list().map((d) => entry(d as Deployment)).filter((e) => e !== undefined);
    all.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    return { route: "/versions", res: Response.json(all) };
  }
  const m = /^\/versions\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) {
    const d = store.get(`${m[1]}/${m[2]}`);
    const e = d && entry(d as Deployment);
    return {
      route: "/versions/{namespace}/{name}",
      res: e ? Response.json(e) : Response.json({ error: "no such deployment" }, { status: 404 }),
    };
  }
  // /metrics, /healthz, /readyz; 404 for anything else.
  const res = probes(req);
  return { route: res.status === 404 ? "other" : path, res };
}

const server = Deno.serve({
  hostname: values.hostname,
  port,
  signal,
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
}, (req) => {
  const t0 = performance.now();
  const { route: path, res } = route(req);
  const labels = { method: req.method, path, status: String(res.status) };
  requests.inc(labels);
  durations.observe((performance.now() - t0) / 1000, labels);
  return res;
});

await store.ready();
console.log(`synced: ${store.size} deployments in ${namespace}`);
await server.finished;
await watching;
console.log("stopped");
