/**
 * Requests the typed API does not cover, sent through the same Client (credentials, TLS,
 * retries): a hand-built `KubeRequest`, the answer's headers with `requestRaw`, and a
 * conditional GET that the server answers with 304.
 *
 *   deno run --allow-net --allow-read --allow-env examples/request_raw.ts
 */

import { AGGREGATED_DISCOVERY_ACCEPT, Client, type KubeRequest } from "../mod.ts";

using client = await Client.tryDefault();
const get = (path: string, headers: Record<string, string> = {}): KubeRequest => ({
  method: "GET",
  path,
  query: new URLSearchParams(),
  headers,
});

const version = await client.request<{ gitVersion: string }>(get("/version"));
console.log(`server ${version.gitVersion}`);

const apis = await client.requestRaw(get("/apis", { accept: AGGREGATED_DISCOVERY_ACCEPT }));
const etag = apis.headers.get("etag");
console.log(`/apis: ${apis.status} ${apis.headers.get("content-type")} etag ${etag}`);
if (etag) {
  const again = await client.requestRaw(
    get("/apis", { accept: AGGREGATED_DISCOVERY_ACCEPT, "if-none-match": etag }),
  );
  console.log(`/apis again: ${again.status}${again.status === 304 ? " (not modified)" : ""}`);
}
