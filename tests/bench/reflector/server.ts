/**
 * A synthetic list+watch API server for the reflector benchmark: `N` ConfigMaps of about 2 KB
 * (labels, annotations, managedFields, data) served in pages at `/api/v1/configmaps`, and a
 * watch that streams `E` MODIFIED events as fast as the client reads them, then stays open.
 *
 * Usage: deno run --allow-net=127.0.0.1 server.ts <objects> <events> [proto]
 * Prints `{"port": ...}` on stdout once listening.
 *
 * With `proto`, a client that accepts `application/vnd.kubernetes.protobuf` (client-go's generated
 * clients) gets the list and the watch in Kubernetes' protobuf form (_proto.ts), encoded once at
 * start like the JSON events; everyone else gets JSON.
 */

import { configMap, type ConfigMapLike, configMapList, watchFrame } from "./_proto.ts";
import { concatBytes } from "../../../core/_util.ts";

const objects = Number(Deno.args[0] ?? 10_000);
const events = Number(Deno.args[1] ?? 50_000);
const proto = Deno.args[2] === "proto";

const enc = new TextEncoder();

/** One object as JSON, split around its resourceVersion so that versions can be stamped fast. */
interface Template {
  head: string;
  tail: string;
  /** The object itself, for the protobuf form. */
  obj: ConfigMapLike;
}

function template(i: number): Template {
  const name = `cm-${String(i).padStart(6, "0")}`;
  const namespace = `ns-${i % 50}`;
  const RV = "@@RV@@";
  const obj = {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: {
      name,
      namespace,
      uid: crypto.randomUUID(),
      resourceVersion: RV,
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: {
        "app.kubernetes.io/name": `app-${i % 100}`,
        "app.kubernetes.io/instance": `inst-${i % 1000}`,
        "app.kubernetes.io/part-of": "benchmark",
        "app.kubernetes.io/managed-by": "kubeno-bench",
        tier: ["web", "db", "cache"][i % 3],
      },
      annotations: {
        "kubeno.dev/owner": "bench@example.com",
        "kubeno.dev/revision": String(i),
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace },
          data: { "config.yaml": "key: value", mode: "fast" },
        }),
      },
      managedFields: [
        {
          manager: "kubectl-client-side-apply",
          operation: "Update",
          apiVersion: "v1",
          time: "2026-01-01T00:00:00Z",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:data": { ".": {}, "f:config.yaml": {}, "f:mode": {}, "f:payload": {} },
            "f:metadata": {
              "f:annotations": {
                ".": {},
                "f:kubectl.kubernetes.io/last-applied-configuration": {},
                "f:kubeno.dev/owner": {},
                "f:kubeno.dev/revision": {},
              },
              "f:labels": {
                ".": {},
                "f:app.kubernetes.io/instance": {},
                "f:app.kubernetes.io/managed-by": {},
                "f:app.kubernetes.io/name": {},
                "f:app.kubernetes.io/part-of": {},
                "f:tier": {},
              },
            },
          },
        },
        {
          manager: "bench-controller",
          operation: "Apply",
          apiVersion: "v1",
          time: "2026-01-01T00:00:01Z",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:data": { "f:mode": {}, "f:payload": {} } },
        },
      ],
    },
    data: {
      "config.yaml": `key: value\nindex: ${i}\nlist:\n  - a\n  - b\n  - c\n`,
      mode: "fast",
      payload: "x".repeat(400 + (i % 7) * 10),
    },
  };
  const [head, tail] = JSON.stringify(obj).split(RV);
  return { head, tail, obj };
}

const templates: Template[] = Array.from({ length: objects }, (_, i) => template(i));
const listRv = String(objects);

function objectJson(i: number, rv: number): string {
  const t = templates[i];
  return t.head + rv + t.tail;
}

function listPage(limit: number, start: number): string {
  const end = Math.min(objects, start + limit);
  const items: string[] = [];
  for (let i = start; i < end; i++) items.push(objectJson(i, i + 1));
  const cont = end < objects ? `,"continue":"${end}"` : "";
  return `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"${listRv}"${cont}},"items":[${
    items.join(",")
  }]}`;
}

/** The whole event stream, encoded once: serving it then costs the server almost nothing. */
function eventChunks(): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let next = 0;
  while (next < events) {
    // About 64 KB per chunk, as a busy apiserver writes.
    let chunk = "";
    while (next < events && chunk.length < 65_536) {
      const rv = objects + next + 1;
      chunk += `{"type":"MODIFIED","object":${objectJson(next % objects, rv)}}\n`;
      next++;
    }
    chunks.push(enc.encode(chunk));
  }
  return chunks;
}
const chunks = eventChunks();

function objectProto(i: number, rv: number): Uint8Array<ArrayBuffer> {
  const { obj } = templates[i];
  return configMap({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });
}

// The list's objects, encoded once at start as the JSON ones are cheap to stamp: the list then
// costs the server about as little in either form.
const listItemsProto = proto ? templates.map((_, i) => objectProto(i, i + 1)) : [];

function listPageProto(limit: number, start: number): Uint8Array<ArrayBuffer> {
  const end = Math.min(objects, start + limit);
  const items = listItemsProto.slice(start, end);
  return configMapList(items, listRv, end < objects ? String(end) : undefined);
}

/** The same events as {@link eventChunks}, as length-framed protobuf watch events. */
function protoChunks(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let next = 0;
  while (next < events) {
    const frames: Uint8Array[] = [];
    let size = 0;
    while (next < events && size < 65_536) {
      const f = watchFrame("MODIFIED", objectProto(next % objects, objects + next + 1));
      frames.push(f);
      size += f.length;
      next++;
    }
    out.push(concatBytes(frames));
  }
  return out;
}
const pChunks = proto ? protoChunks() : [];

function watchBody(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next >= chunks.length) return new Promise(() => {}); // stay open, as a quiet watch
      controller.enqueue(chunks[next++]);
    },
  }, { highWaterMark: 2 });
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) =>
    console.log(JSON.stringify({ port, bytesPerObject: objectJson(0, 1).length })),
}, (req) => {
  const url = new URL(req.url);
  if (url.pathname !== "/api/v1/configmaps") return new Response("not found", { status: 404 });
  const limit = Number(url.searchParams.get("limit") ?? 0) || objects;
  const start = Number(url.searchParams.get("continue") ?? 0);
  const watch = url.searchParams.get("watch") === "true";
  if (proto && req.headers.get("accept")?.includes("application/vnd.kubernetes.protobuf")) {
    const type = "application/vnd.kubernetes.protobuf";
    if (watch) {
      const headers = { "content-type": `${type};stream=watch` };
      return new Response(watchBody(pChunks), { headers });
    }
    return new Response(listPageProto(limit, start), { headers: { "content-type": type } });
  }
  const headers = { "content-type": "application/json" };
  if (watch) return new Response(watchBody(chunks), { headers });
  return new Response(listPage(limit, start), { headers });
});

await server.finished;
