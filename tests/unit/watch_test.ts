import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeWatchBatches,
  decodeWatchEvent,
  decodeWatchStream,
  DEFAULT_MAX_WATCH_LINE_BYTES,
  INITIAL_EVENTS_END_ANNOTATION,
  type WatchEvent,
  WatchEventDecoderStream,
} from "../../core/watch.ts";
import { WatchDecodeError } from "../../core/error.ts";
import type { ConfigMap } from "../../core/k8s/core/v1.ts";

const enc = new TextEncoder();

/** A stream of the given chunks. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  });
}

async function collect<K>(chunks: Uint8Array[]): Promise<WatchEvent<K>[]> {
  const out: WatchEvent<K>[] = [];
  for await (const ev of decodeWatchStream<K>(streamOf(chunks))) out.push(ev);
  return out;
}

/** Splits `bytes` at the given sorted cut positions. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const events: WatchEvent<ConfigMap>[] = [
  {
    type: "ADDED",
    object: { metadata: { name: "a", resourceVersion: "1" }, data: { k: "héllo wörld ✓ 🚀" } },
  },
  { type: "MODIFIED", object: { metadata: { name: "a", resourceVersion: "2" }, data: { k: "€" } } },
  {
    type: "BOOKMARK",
    object: {
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { resourceVersion: "3", annotations: { [INITIAL_EVENTS_END_ANNOTATION]: "true" } },
    },
  },
  { type: "DELETED", object: { metadata: { name: "a", resourceVersion: "4" } } },
  {
    type: "ERROR",
    object: {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code: 410,
      reason: "Expired",
      message: "too old resource version: 1 (4)",
    },
  },
];
const sample = events.map((e) => JSON.stringify(e) + "\n").join("");
const sampleBytes = enc.encode(sample);

Deno.test("watch: decodes one chunk holding every event type", async () => {
  assert.deepEqual(await collect([sampleBytes]), events);
});

Deno.test("watch: split into two chunks at every byte position gives the same events", async () => {
  for (let i = 0; i <= sampleBytes.length; i++) {
    assert.deepEqual(await collect(cut(sampleBytes, [i])), events, `split at byte ${i}`);
  }
});

Deno.test("watch: one byte per chunk", async () => {
  const chunks = Array.from(sampleBytes, (b) => Uint8Array.of(b));
  assert.deepEqual(await collect(chunks), events);
});

Deno.test("watch: property: any chunking of the sample stream decodes to the same events", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 0, max: sampleBytes.length }), { maxLength: 40 }),
      async (cuts) => {
        const got = await collect(cut(sampleBytes, cuts.sort((a, b) => a - b)));
        assert.deepEqual(got, events);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("watch: property: arbitrary unicode objects survive any chunking", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.string({ unit: "grapheme", maxLength: 20 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      async (values, rawCuts) => {
        const evs: WatchEvent<ConfigMap>[] = values.map((v, i) => ({
          type: "ADDED",
          object: { metadata: { name: `o${i}` }, data: { v } },
        }));
        const bytes = enc.encode(evs.map((e) => JSON.stringify(e)).join("\r\n"));
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        assert.deepEqual(await collect(cut(bytes, cuts)), evs);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("watch: a multi-byte UTF-8 character split across chunks is decoded whole", async () => {
  const line = enc.encode('{"type":"ADDED","object":{"metadata":{"name":"🚀"}}}\n');
  const rocket = line.indexOf(0xf0); // first byte of the 4-byte rocket
  for (let k = 1; k < 4; k++) {
    const got = await collect<ConfigMap>(cut(line, [rocket + k]));
    assert.equal(got.length, 1);
    assert.equal((got[0].object as ConfigMap).metadata.name, "🚀");
  }
});

Deno.test("watch: final line without newline, CRLF and blank lines", async () => {
  const text = '\n\r\n{"type":"ADDED","object":{"metadata":{"name":"a"}}}\r\n   \n\n' +
    '{"type":"DELETED","object":{"metadata":{"name":"a"}}}';
  const got = await collect<ConfigMap>([enc.encode(text)]);
  assert.deepEqual(got.map((e) => e.type), ["ADDED", "DELETED"]);
});

Deno.test("watch: empty stream and stream of only blank lines yield nothing", async () => {
  assert.deepEqual(await collect([]), []);
  assert.deepEqual(await collect([enc.encode("\n\r\n \n")]), []);
});

Deno.test("watch: a garbage line errors with WatchDecodeError quoting the line", async () => {
  const html = "<html><body>502 Bad Gateway</body></html>";
  const chunks = [
    enc.encode('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n' + html + "\n"),
  ];
  const seen: string[] = [];
  await assert.rejects(
    async () => {
      for await (const ev of decodeWatchStream<ConfigMap>(streamOf(chunks))) seen.push(ev.type);
    },
    (e: unknown) => {
      assert.ok(e instanceof WatchDecodeError);
      assert.equal(e.line, html);
      assert.match(e.message, /not JSON/);
      assert.ok(e.message.includes("502 Bad Gateway"));
      assert.ok(e.cause instanceof SyntaxError);
      return true;
    },
  );
  assert.deepEqual(seen, ["ADDED"], "the good event before the bad line is delivered");
});

Deno.test("watch: a truncated final line is an error, not a silent drop", async () => {
  const text = '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MODIFIED","obj';
  await assert.rejects(() => collect([enc.encode(text)]), WatchDecodeError);
});

Deno.test("watch: a very long garbage line is quoted shortened to about 200 characters", () => {
  const long = "x".repeat(10_000);
  try {
    decodeWatchEvent(long);
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e instanceof WatchDecodeError);
    assert.ok(e.line.length <= 201, `excerpt is ${e.line.length} chars`);
    assert.ok(e.line.endsWith("…"));
    assert.ok(e.message.length < 300);
  }
});

Deno.test("watch: control characters in a bad line are escaped in the error", () => {
  try {
    decodeWatchEvent("\u0000\u0007bad\u001b[31m");
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e instanceof WatchDecodeError);
    // deno-lint-ignore no-control-regex
    assert.ok(!/[\u0000-\u001f]/.test(e.message), e.message);
    assert.ok(e.line.includes("\\u001b"));
  }
});

Deno.test("watch: JSON that is not an event is rejected with the reason", () => {
  const cases: [string, RegExp][] = [
    ["[1,2]", /not a JSON object/],
    ["42", /not a JSON object/],
    ["null", /not a JSON object/],
    ['{"object":{}}', /no "type" field/],
    ['{"type":7,"object":{}}', /no "type" field/],
    ['{"type":"UPSERTED","object":{}}', /unknown event type "UPSERTED"/],
    ['{"type":"ADDED"}', /no "object" field/],
    ['{"type":"ADDED","object":"x"}', /no "object" field/],
    ['{"type":"ADDED","object":null}', /no "object" field/],
  ];
  for (const [line, re] of cases) {
    assert.throws(() => decodeWatchEvent(line), (e: unknown) => {
      assert.ok(e instanceof WatchDecodeError, line);
      assert.match(e.message, re, line);
      assert.equal(e.line, line);
      return true;
    });
  }
});

Deno.test("watch: WatchEventDecoderStream works with pipeThrough", async () => {
  const out: string[] = [];
  const s = streamOf([sampleBytes]).pipeThrough(new WatchEventDecoderStream<ConfigMap>());
  for await (const ev of s) out.push(ev.type);
  assert.deepEqual(out, ["ADDED", "MODIFIED", "BOOKMARK", "DELETED", "ERROR"]);
});

Deno.test("watch: breaking out of the loop cancels the source stream", async () => {
  let cancelled = false;
  const line = enc.encode('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(line);
    },
    cancel() {
      cancelled = true;
    },
  });
  let n = 0;
  for await (const _ of decodeWatchStream(source)) {
    if (++n === 3) break;
  }
  assert.equal(n, 3);
  assert.ok(cancelled, "source was cancelled");
});

Deno.test("watch: a large object arriving in many small chunks decodes once", async () => {
  const big = {
    type: "ADDED",
    object: { metadata: { name: "big" }, data: { k: "y".repeat(200_000) } },
  };
  const bytes = enc.encode(JSON.stringify(big) + "\n");
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 1000) chunks.push(bytes.subarray(i, i + 1000));
  const got = await collect<ConfigMap>(chunks);
  assert.equal(got.length, 1);
  assert.equal((got[0].object as ConfigMap).data?.k.length, 200_000);
});

// --- Line size cap (issue 11, item 6) -------------------------------------------------------------

async function decodeError(
  chunks: Uint8Array[],
  maxLineBytes?: number,
): Promise<{ events: number; error: unknown }> {
  let events = 0;
  try {
    for await (const _ of decodeWatchStream(streamOf(chunks), { maxLineBytes })) events++;
  } catch (e) {
    return { events, error: e };
  }
  return { events, error: undefined };
}

Deno.test("watch: a line over the default 16 MiB cap is a WatchDecodeError, not unbounded memory", async () => {
  assert.equal(DEFAULT_MAX_WATCH_LINE_BYTES, 16 * 1024 * 1024);
  const filler = enc.encode("x".repeat(1024 * 1024));
  // 17 MiB without a newline, in 1 MiB chunks: refused once the cap is crossed.
  const chunks = [enc.encode('{"type":"ADDED","object":{"data":"'), ...Array(17).fill(filler)];
  const { error } = await decodeError(chunks);
  assert.ok(error instanceof WatchDecodeError, String(error));
  assert.match(error.message, /line longer than 16777216 bytes .*raise maxLineBytes/);
  assert.ok(error.line.startsWith('{"type":"ADDED"'), error.line);
  assert.ok(error.line.length < 300);
});

Deno.test("watch: maxLineBytes counts bytes of the line without its line end, at any chunking", async () => {
  // A 2-byte character, so bytes and UTF-16 units differ.
  const line = JSON.stringify({ type: "ADDED", object: { data: { k: "é".repeat(50) } } });
  const n = enc.encode(line).length;
  const bytes = enc.encode(`${line}\r\n${line}\n`);
  for (const size of [1, 7, 64, bytes.length]) {
    const chunks = cut(
      bytes,
      Array.from({ length: Math.floor(bytes.length / size) }, (_, i) => (i + 1) * size).filter((
        c,
      ) => c < bytes.length),
    );
    // CR counts towards the line as received; exactly n + 1 bytes is accepted ...
    assert.equal((await decodeError(chunks, n + 1)).error, undefined, `chunk size ${size}`);
    // ... one byte less is refused at the first line, before any event.
    const r = await decodeError(chunks, n);
    assert.ok(r.error instanceof WatchDecodeError, `chunk size ${size}: ${r.error}`);
    assert.equal(r.events, 0);
  }
});

Deno.test("watch: a long last line without newline is capped too", async () => {
  const r = await decodeError([enc.encode("{" + " ".repeat(100))], 50);
  assert.ok(r.error instanceof WatchDecodeError);
});

Deno.test("watch: maxLineBytes must be a positive integer", () => {
  for (const bad of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => new WatchEventDecoderStream({ maxLineBytes: bad }), RangeError);
  }
});

// --- Fuzz (seeded, reproducible, bounded) ---------------------------------------------------------

const FUZZ_SEED = 0x6b75626e; // "kubn"

Deno.test("watch: fuzz: random chunkings of random valid streams decode identically", async () => {
  const event = fc.record({
    type: fc.constantFrom("ADDED", "MODIFIED", "DELETED"),
    object: fc.record({
      metadata: fc.record({ name: fc.string({ unit: "grapheme", maxLength: 12 }) }),
      data: fc.dictionary(
        fc.string({ maxLength: 5 }),
        fc.string({ unit: "binary", maxLength: 30 }),
      ),
    }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { maxLength: 8 }),
      fc.constantFrom("\n", "\r\n", "\n\n"),
      fc.array(fc.nat(), { maxLength: 20 }),
      async (evs, eol, rawCuts) => {
        const bytes = enc.encode(evs.map((e) => JSON.stringify(e) + eol).join(""));
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        // Compared as JSON text: fast-check may build null-prototype records.
        assert.equal(JSON.stringify(await collect(cut(bytes, cuts))), JSON.stringify(evs));
      },
    ),
    { seed: FUZZ_SEED, numRuns: 150, interruptAfterTimeLimit: 4000 },
  );
});

Deno.test("watch: fuzz: arbitrary bytes give events or a WatchDecodeError, never another exception", async () => {
  const valid = enc.encode(sample);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        // Valid events with bytes flipped, inserted or cut: the near misses.
        fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
          const v = valid.slice();
          v[i] = b;
          return v;
        }),
        fc.nat(valid.length).map((i) => valid.subarray(0, i)),
      ),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.integer({ min: 1, max: 400 }),
      async (bytes, rawCuts, maxLineBytes) => {
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const { error } = await decodeError(cut(bytes, cuts), maxLineBytes);
        if (error !== undefined && !(error instanceof WatchDecodeError)) throw error;
      },
    ),
    { seed: FUZZ_SEED, numRuns: 500, interruptAfterTimeLimit: 4000 },
  );
});

async function batches<K>(
  chunks: Uint8Array[],
  maxLineBytes?: number,
): Promise<{ batches: WatchEvent<K>[][]; error: unknown }> {
  const out: WatchEvent<K>[][] = [];
  try {
    for await (const b of decodeWatchBatches<K>(streamOf(chunks), { maxLineBytes })) {
      out.push([...b]);
    }
  } catch (error) {
    return { batches: out, error };
  }
  return { batches: out, error: undefined };
}

Deno.test("watch: decodeWatchBatches gives the events of each read together, none empty", async () => {
  const line = (n: string) =>
    enc.encode(JSON.stringify({ type: "ADDED", object: { metadata: { name: n } } }) + "\n");
  const [a, b, c] = [line("a"), line("b"), line("c")];
  const ab = new Uint8Array([...a, ...b]);
  // Read 1: two lines; read 2: half a line; read 3: its rest and a third line.
  const r = await batches([ab, c.subarray(0, 10), new Uint8Array([...c.subarray(10), ...a])]);
  assert.equal(r.error, undefined);
  const names = r.batches.map((batch) =>
    batch.map((e) => (e.object as { metadata: { name: string } }).metadata.name)
  );
  assert.deepEqual(names, [["a", "b"], ["c", "a"]]);
});

Deno.test("watch: property: batches flattened equal the event stream at any chunking", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 0, max: sampleBytes.length }), { maxLength: 40 }),
      async (cuts) => {
        const chunks = cut(sampleBytes, cuts.sort((a, b) => a - b));
        const r = await batches(chunks);
        assert.equal(r.error, undefined);
        assert.ok(r.batches.every((b) => b.length > 0));
        assert.deepEqual(r.batches.flat(), events);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("watch: decodeWatchBatches yields the good events of a read before its bad line", async () => {
  const good = JSON.stringify(events[0]) + "\n";
  const r = await batches([enc.encode(good + good + "not json\n" + good)]);
  assert.equal(r.batches.length, 1);
  assert.equal(r.batches[0].length, 2);
  assert.ok(r.error instanceof WatchDecodeError);
  assert.equal(r.error.line, "not json");
});

Deno.test("watch: decodeWatchBatches caps a line as the stream does (a hostile server, no newline)", async () => {
  let sent = 0;
  const filler = enc.encode("y".repeat(64 * 1024));
  const endless = new ReadableStream<Uint8Array>({
    pull(c) {
      sent += filler.length;
      c.enqueue(sent === filler.length ? enc.encode('{"type":"ADDED","object":{"x":"') : filler);
    },
  });
  let error: unknown;
  try {
    for await (const _ of decodeWatchBatches(endless, { maxLineBytes: 1024 * 1024 })) {
      assert.fail("no event expected");
    }
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof WatchDecodeError, String(error));
  assert.match(error.message, /line longer than 1048576 bytes/);
  // Refused within one chunk of the cap: what was read is bounded by it.
  assert.ok(sent <= 1024 * 1024 + 2 * filler.length, `read ${sent} bytes`);
});
