// What the pod stream subresources share. Internal.

import { encodeFrame } from "../../core/channel.ts";
import { KubeError } from "../../core/error.ts";
import type { ResourceScope } from "../../core/request.ts";

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
