// The nudge after a pod stream's last frame (client/subresource/_pods.ts): Deno 2.9's WebSocket
// over TLS may keep the last frame sent until the next send, so an idle socket gets one frame
// the server ignores.

import assert from "node:assert/strict";
import { sendChannel, sendFrame } from "../../client/subresource/_pods.ts";

class FakeSocket extends EventTarget {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: number[][] = [];
  send(data: Uint8Array): void {
    this.sent.push([...data]);
  }
  close(): void {
    this.readyState = WebSocket.CLOSED;
    this.dispatchEvent(new Event("close"));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const asSocket = (f: FakeSocket) => f as unknown as WebSocket;

Deno.test("pod streams: nudges after the last frame of a burst (10 ms, then 50 ms), none while frames follow", async () => {
  const ws = new FakeSocket();
  for (let i = 0; i < 3; i++) {
    sendFrame(asSocket(ws), new Uint8Array([0, i]), new Uint8Array([0]));
    await sleep(2);
  }
  assert.deepEqual(ws.sent, [[0, 0], [0, 1], [0, 2]]);
  await sleep(30);
  assert.deepEqual(ws.sent.slice(3), [[0]]);
  await sleep(60);
  assert.deepEqual(ws.sent.slice(3), [[0], [0]], "again 50 ms after the last frame");
  // A real frame starts the schedule again; data in pieces: an empty frame on that channel.
  await sendChannel(asSocket(ws), 2, new Uint8Array(70 * 1024), "test");
  await sleep(30);
  assert.deepEqual(ws.sent.slice(5).map((f) => [f[0], f.length]), [
    [2, 32 * 1024 + 1],
    [2, 32 * 1024 + 1],
    [2, 6 * 1024 + 1],
    [2, 1],
  ]);
  ws.close();
});

Deno.test("pod streams: a closed socket gets no more nudges (no timer outlives it), nor one that is closing", async () => {
  const ws = new FakeSocket();
  sendFrame(asSocket(ws), new Uint8Array([255, 0]), new Uint8Array([0]));
  await sleep(30); // one nudge, the next is due at 50 ms
  ws.close();
  await sleep(60);
  assert.deepEqual(ws.sent, [[255, 0], [0]]);
  // Not open any more (closing): nothing is sent either.
  const closing = new FakeSocket();
  sendFrame(asSocket(closing), new Uint8Array([4, 1]), new Uint8Array([4, 1]));
  closing.readyState = WebSocket.CLOSING;
  await sleep(30);
  assert.deepEqual(closing.sent, [[4, 1]]);
});
