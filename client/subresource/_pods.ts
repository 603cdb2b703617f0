// What the pod stream subresources share. Internal.

import { sleep } from "../../core/_util.ts";
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
const EMPTY = new Uint8Array(0);

/** Default of `maxUnreadBytes` (exec, attach, port-forward): 64 MiB. */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024;

/**
 * The `maxUnreadBytes` asked for, or the default; a RangeError for anything but a positive
 * number (called before a socket is opened, so that a bad value opens none).
 */
export function unreadLimit(maxUnreadBytes: number | undefined): number {
  const n = maxUnreadBytes ?? MAX_UNREAD_BYTES;
  if (!(n > 0)) throw new RangeError("maxUnreadBytes must be a positive number of bytes");
  return n;
}

/** A queue counted in bytes: a stream's `-desiredSize` is then what waits unread. */
export const BYTE_QUEUE: QueuingStrategy<Uint8Array> = {
  highWaterMark: 0,
  size: (c) => c.byteLength,
};

/** An empty frame on `channel`: the nudge of {@link sendFrame} for data channels. */
export const emptyFrame = (channel: number): Uint8Array => encodeFrame(channel, EMPTY);

/**
 * When an idle socket is nudged, ms after its last frame: soon, then less and less often,
 * for about a minute (the bytes stuck stay stuck only while the server does not read).
 */
const NUDGES_MS = [10, 50, 250, 1_000, 5_000, 10_000, 15_000, 30_000];
const nudges = new WeakMap<WebSocket, ReturnType<typeof setTimeout>>();
const watched = new WeakSet<WebSocket>();

/**
 * Sends `frame`; then, while nothing else is sent, `nudge` now and then (see NUDGES_MS): a
 * frame the server treats as nothing (an empty data frame, or a repeated resize).
 *
 * Why: Deno 2.9's WebSocket over TLS can keep up to 64 KiB of what was sent in rustls' buffer
 * when the socket would block, and nothing writes it until the next send
 * (denoland/deno#36862, fix pending in #36863). Measured here: 2 of 300 transfers of 10 MB and
 * a 1-byte end frame to a Go WebSocket server over wss:// kept the end until another send
 * (none of 300 over ws://); through kube-apiserver about 3% of 10 MB exec stdin transfers
 * stalled for good, the command never seeing its input's end. A send while the socket still
 * blocks can leave the bytes stuck again, hence more than one nudge.
 */
export function sendFrame(ws: WebSocket, frame: Uint8Array, nudge: Uint8Array): void {
  ws.send(frame);
  clearTimeout(nudges.get(ws));
  if (!watched.has(ws)) {
    watched.add(ws); // no timer outlives the socket
    ws.addEventListener("close", () => clearTimeout(nudges.get(ws)), { once: true });
  }
  const schedule = (i: number) => {
    if (i >= NUDGES_MS.length) return;
    const timer = setTimeout(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(nudge);
      schedule(i + 1);
    }, NUDGES_MS[i] - (NUDGES_MS[i - 1] ?? 0));
    Deno.unrefTimer(timer as unknown as number);
    nudges.set(ws, timer);
  };
  schedule(0);
}

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
      await sleep(2);
    }
    sendFrame(
      ws,
      encodeFrame(channel, chunk.subarray(at, at + PIECE)),
      emptyFrame(channel),
    );
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
