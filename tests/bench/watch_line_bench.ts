/**
 * `deno bench tests/bench/watch_line_bench.ts`: the watch decoder on one 32 MB event arriving in
 * 64 KiB chunks (what a fetch body delivers), and on 10,000 small events in the same chunks.
 * See tests/bench/README.md for the figures before and after the decoder kept chunks and joined
 * them once at the newline.
 */

import { WatchEventDecoderStream } from "../../core/watch.ts";

const CHUNK = 64 * 1024;
const enc = new TextEncoder();

function chunked(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

const big = chunked(enc.encode(
  JSON.stringify({
    type: "ADDED",
    object: { metadata: { name: "big" }, data: { k: "y".repeat(32 * 1000 * 1000) } },
  }) + "\n",
));
const small = chunked(enc.encode(
  Array.from({ length: 10_000 }, (_, i) =>
    JSON.stringify({
      type: "MODIFIED",
      object: { metadata: { name: `cm-${i}`, resourceVersion: String(i) }, data: { k: "v" } },
    }) + "\n").join(""),
));

async function decodeAll(chunks: Uint8Array[]): Promise<number> {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  });
  let n = 0;
  const decoder = new WatchEventDecoderStream({ maxLineBytes: 64 * 1024 * 1024 });
  for await (const _ of body.pipeThrough(decoder)) n++;
  return n;
}

Deno.bench("watch decoder: one 32 MB line in 64 KiB chunks", async () => {
  if (await decodeAll(big) !== 1) throw new Error("expected one event");
});

Deno.bench("watch decoder: 10,000 small events in 64 KiB chunks", async () => {
  if (await decodeAll(small) !== 10_000) throw new Error("expected 10,000 events");
});
