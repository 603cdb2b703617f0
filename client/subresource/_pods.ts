// What the pod stream subresources share. Internal.

import { encodeFrame } from "../../core/channel.ts";
import { ApiError, KubeError } from "../../core/error.ts";
import type { KubeRequest, ResourceScope } from "../../core/request.ts";
import type { Client, RequestOptions } from "../client.ts";

/** Logs, exec, attach and port-forward are subresources of core/v1 pods only. */
export function assertPods(scope: ResourceScope, verb: string): void {
  const r = scope.resource;
  if (r.group !== "" || r.plural !== "pods") {
    const what = r.group === "" ? r.plural : `${r.plural}.${r.group}`;
    throw new KubeError(
      `${verb} is a subresource of pods; this Api is over ${what}. Use Api.namespaced(client, Pod, namespace).`,
    );
  }
}

/** Data is sent in pieces of this size, and waits while this much is still unsent. */
const PIECE = 32 * 1024;
const HIGH_WATER = 1024 * 1024;

/**
 * Sends `chunk` on `channel` in pieces, waiting while much is still unsent (a WebSocket only
 * says how much it holds, so it is polled); fails once the socket is no longer open.
 */
export async function sendChannel(
  ws: WebSocket,
  channel: number,
  chunk: Uint8Array,
  what: string,
): Promise<void> {
  for (let at = 0; at < chunk.length; at += PIECE) {
    while (true) {
      if (ws.readyState !== WebSocket.OPEN) {
        throw new KubeError(`${what}: cannot write, the stream has ended`);
      }
      if (ws.bufferedAmount < HIGH_WATER) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    ws.send(encodeFrame(channel, chunk.subarray(at, at + PIECE)));
  }
}

/**
 * Opens a pod stream: `adopt` takes the socket over while it is still connecting (so that no
 * early message is missed), and is closed again if the handshake fails. A 401 is tried once
 * more when the credential can be renewed (`Client.webSocket` has told the AuthProvider), as
 * the client retries a request once after a 401.
 */
export async function openPodStream<T extends { close(): Promise<void> }>(
  client: Client,
  req: KubeRequest,
  protocols: string[],
  opts: RequestOptions,
  adopt: (socket: WebSocket) => T,
): Promise<{ stream: T; socket: WebSocket }> {
  for (let attempt = 0;; attempt++) {
    const { socket, opened } = await client.webSocket(req, protocols, opts);
    const stream = adopt(socket);
    try {
      await opened;
      return { stream, socket };
    } catch (err) {
      await stream.close();
      const renewable = client.config.auth.invalidate !== undefined;
      if (attempt === 0 && renewable && err instanceof ApiError && err.code === 401) continue;
      throw err;
    }
  }
}
