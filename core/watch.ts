/**
 * Watch events and the decoder that turns a watch response body (newline-delimited JSON)
 * into them.
 *
 * @module
 */

import { type Status, WatchDecodeError } from "./error.ts";

/**
 * The annotation the server puts on the BOOKMARK that ends the initial events of a streaming
 * list (`sendInitialEvents=true`).
 *
 * @example
 * ```ts
 * import { INITIAL_EVENTS_END_ANNOTATION, type WatchEvent } from "@kubeno/kube";
 * function isInitialEnd(ev: WatchEvent<unknown>): boolean {
 *   return ev.type === "BOOKMARK" &&
 *     ev.object.metadata.annotations?.[INITIAL_EVENTS_END_ANNOTATION] === "true";
 * }
 * ```
 */
export const INITIAL_EVENTS_END_ANNOTATION: string = "k8s.io/initial-events-end";

/**
 * The object of a BOOKMARK event: only the kind and the resource version (and, at the end of
 * a streaming list, the {@link INITIAL_EVENTS_END_ANNOTATION} annotation) are meaningful.
 *
 * @example
 * ```ts
 * import type { Bookmark } from "@kubeno/kube";
 * const b: Bookmark = { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: "12" } };
 * ```
 */
export interface Bookmark {
  /** API version of the watched resource. */
  apiVersion?: string;
  /** Kind of the watched resource. */
  kind?: string;
  /** The resource version to resume from, and annotations. */
  metadata: {
    /** Resume a watch from here. */
    resourceVersion: string;
    /** Annotations; see {@link INITIAL_EVENTS_END_ANNOTATION}. */
    annotations?: Record<string, string>;
  };
}

/**
 * One event of a watch stream.
 *
 * - `ADDED`, `MODIFIED`, `DELETED`: the object after the change (for `DELETED`, its last state).
 * - `BOOKMARK`: no change, only a newer resource version to resume from.
 * - `ERROR`: the server ended the watch with a {@link Status}; a 410 `Expired` means relist.
 *
 * @example
 * ```ts
 * import type { WatchEvent } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * function describe(ev: WatchEvent<Pod>): string {
 *   switch (ev.type) {
 *     case "BOOKMARK": return `bookmark at ${ev.object.metadata.resourceVersion}`;
 *     case "ERROR": return `error ${ev.object.code}: ${ev.object.message}`;
 *     default: return `${ev.type} ${ev.object.metadata.name}`;
 *   }
 * }
 * ```
 */
export type WatchEvent<K> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: K }
  | { type: "BOOKMARK"; object: Bookmark }
  | { type: "ERROR"; object: Status };

/**
 * The `type` of a {@link WatchEvent}.
 *
 * @example
 * ```ts
 * import type { WatchEventType } from "@kubeno/kube";
 * const t: WatchEventType = "ADDED";
 * ```
 */
export type WatchEventType = WatchEvent<unknown>["type"];

const EVENT_TYPES: ReadonlySet<string> = new Set([
  "ADDED",
  "MODIFIED",
  "DELETED",
  "BOOKMARK",
  "ERROR",
]);

/**
 * Decodes one line of a watch stream into a {@link WatchEvent}. The object is not validated
 * against `K`: the server is trusted for the shape of what it watches.
 *
 * @throws {WatchDecodeError} if the line is not JSON, or not an object with a known `type` and
 *   an object `object`.
 *
 * @example
 * ```ts
 * import { decodeWatchEvent } from "@kubeno/kube";
 * const ev = decodeWatchEvent('{"type":"ADDED","object":{"metadata":{"name":"a"}}}');
 * ev.type; // "ADDED"
 * ```
 */
export function decodeWatchEvent<K>(line: string): WatchEvent<K> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new WatchDecodeError("not JSON", line, { cause: e });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new WatchDecodeError("not a JSON object", line);
  }
  const ev = v as { type?: unknown; object?: unknown };
  if (typeof ev.type !== "string" || !EVENT_TYPES.has(ev.type)) {
    throw new WatchDecodeError(
      typeof ev.type === "string"
        ? `unknown event type ${JSON.stringify(ev.type)}`
        : 'no "type" field',
      line,
    );
  }
  if (typeof ev.object !== "object" || ev.object === null || Array.isArray(ev.object)) {
    throw new WatchDecodeError('no "object" field holding an object', line);
  }
  return v as WatchEvent<K>;
}

/**
 * The default longest watch line {@link WatchEventDecoderStream} accepts: 16 MiB.
 *
 * Why this size: etcd refuses requests over 1.5 MiB by default (`--max-request-bytes`), so a
 * stored object is at most about that much; its JSON in a watch event can be larger (base64 of
 * `binaryData` is 4/3 the size, a control character in a string becomes a six-byte `\u0000`
 * escape), which stays under 10 MiB. 16 MiB leaves room for that and for clusters that raise
 * etcd's limit a little, and bounds the memory a broken or hostile server can make the decoder
 * hold for one line. Raise it with `maxLineBytes` if your etcd allows larger objects.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_WATCH_LINE_BYTES } from "@kubeno/kube";
 * console.log(DEFAULT_MAX_WATCH_LINE_BYTES); // 16777216
 * ```
 */
export const DEFAULT_MAX_WATCH_LINE_BYTES: number = 16 * 1024 * 1024;

/**
 * Options of {@link WatchEventDecoderStream}, {@link decodeWatchStream} and
 * {@link decodeWatchBatches}.
 *
 * @example
 * ```ts
 * import type { WatchDecoderOptions } from "@kubeno/kube";
 * const opts: WatchDecoderOptions = { maxLineBytes: 64 * 1024 * 1024 };
 * ```
 */
export interface WatchDecoderOptions {
  /**
   * The longest line (one event, in bytes, without its line end) to accept. A longer line errors
   * the stream with a {@link WatchDecodeError} as soon as that many bytes have arrived without a
   * newline, so memory stays bounded.
   *
   * @default {DEFAULT_MAX_WATCH_LINE_BYTES} (16 MiB)
   */
  maxLineBytes?: number;
}

/**
 * A `TransformStream` from the bytes of a watch response body to {@link WatchEvent}s.
 *
 * Robust to events split across chunks at any byte (including inside a multi-byte UTF-8
 * character), to CRLF line ends, blank lines, and a last line without a newline. A line that is
 * not a watch event, or longer than `maxLineBytes`, errors the stream with a
 * {@link WatchDecodeError} that quotes it. A line arriving in many chunks costs time linear in
 * its length: the pieces are kept and joined once, at its newline.
 *
 * @example
 * ```ts
 * import { WatchEventDecoderStream } from "@kubeno/kube";
 * const body = new Blob(['{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n']).stream();
 * for await (const ev of body.pipeThrough(new WatchEventDecoderStream())) {
 *   console.log(ev.type); // "ADDED"
 * }
 * ```
 */
export class WatchEventDecoderStream<K = unknown>
  extends TransformStream<Uint8Array, WatchEvent<K>> {
  /**
   * Creates the decoder.
   *
   * @param options `maxLineBytes`: the longest line accepted.
   * @throws {RangeError} if `maxLineBytes` is not a positive integer.
   */
  constructor(options: WatchDecoderOptions = {}) {
    super(watchDecoderTransformer<K>(maxLineOption(options.maxLineBytes)));
  }
}

function maxLineOption(v: number | undefined): number {
  if (v === undefined) return DEFAULT_MAX_WATCH_LINE_BYTES;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(`maxLineBytes must be a positive integer number of bytes, got ${v}`);
  }
  return v;
}

const NL = 10;

/**
 * The one watch-line decoder: bytes in, the events of every complete line out. Everything that
 * reads a watch body (the stream, the iterables, the watcher) goes through it, so that the limits
 * (line length) and the edge cases (CRLF, blank lines, split UTF-8) hold everywhere alike.
 */
class WatchLines<K> {
  readonly #max: number;
  readonly #decoder = new TextDecoder("utf-8");
  // The text of the line being received, in pieces (none holds a newline), and its size in
  // bytes. Joining once at the newline keeps a long line linear; appending to one string and
  // searching it again for each chunk was quadratic.
  #parts: string[] = [];
  #pendingBytes = 0;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /**
   * Decodes the lines `chunk` completes into `out`. On a bad line it throws after the events of
   * the lines before it are in `out` (they still count: they move a watcher's resume point).
   */
  push(chunk: Uint8Array, out: WatchEvent<K>[]): void {
    // Line sizes are counted on the bytes (a newline byte never occurs inside a multi-byte UTF-8
    // sequence, so the k-th newline byte is the k-th "\n" of the decoded text).
    let bnl = chunk.indexOf(NL);
    const text = this.#decoder.decode(chunk, { stream: true });
    if (bnl < 0) {
      this.#pendingBytes += chunk.byteLength;
      if (text.length > 0) this.#parts.push(text);
      if (this.#pendingBytes > this.#max) throw this.#tooLong(this.#pendingBytes, "");
      return;
    }
    let bstart = 0;
    let start = 0;
    let nl = text.indexOf("\n");
    while (bnl >= 0) {
      const bytes = this.#pendingBytes + bnl - bstart;
      const piece = text.slice(start, nl);
      if (bytes > this.#max) throw this.#tooLong(bytes, piece);
      let line = piece;
      if (this.#parts.length > 0) {
        this.#parts.push(piece);
        line = this.#parts.join("");
        this.#parts = [];
      }
      this.#pendingBytes = 0;
      this.#line(line, out);
      bstart = bnl + 1;
      start = nl + 1;
      bnl = chunk.indexOf(NL, bstart);
      nl = text.indexOf("\n", start);
    }
    this.#pendingBytes = chunk.byteLength - bstart;
    if (start < text.length) this.#parts.push(text.slice(start));
    if (this.#pendingBytes > this.#max) throw this.#tooLong(this.#pendingBytes, "");
  }

  /** The body ended: decodes a last line without a newline into `out`. */
  end(out: WatchEvent<K>[]): void {
    const rest = this.#decoder.decode();
    if (rest.length > 0) this.#parts.push(rest);
    const tail = this.#parts.join("");
    this.#parts = [];
    this.#pendingBytes = 0;
    if (tail.length > 0) this.#line(tail, out);
  }

  #line(line: string, out: WatchEvent<K>[]): void {
    let end = line.length;
    if (end > 0 && line.charCodeAt(end - 1) === 13) end--; // CRLF
    if (end === 0) return;
    const text = end === line.length ? line : line.slice(0, end);
    // A JSON event starts with "{": only odd lines pay for the blank check.
    if (text.charCodeAt(0) !== 123 && text.trim() === "") return;
    out.push(decodeWatchEvent<K>(text));
  }

  #tooLong(bytes: number, piece: string): WatchDecodeError {
    return new WatchDecodeError(
      `line longer than ${this.#max} bytes (${bytes} bytes so far, no newline); ` +
        "raise maxLineBytes if the cluster stores objects that large",
      this.#parts[0] ?? piece,
    );
  }
}

function watchDecoderTransformer<K>(maxLineBytes: number): Transformer<Uint8Array, WatchEvent<K>> {
  const lines = new WatchLines<K>(maxLineBytes);
  const run = (
    step: (out: WatchEvent<K>[]) => void,
    sink: TransformStreamDefaultController<WatchEvent<K>>,
  ) => {
    const out: WatchEvent<K>[] = [];
    try {
      step(out);
    } finally {
      for (let i = 0; i < out.length; i++) sink.enqueue(out[i]);
    }
  };
  return {
    transform: (chunk, sink) => run((out) => lines.push(chunk, out), sink),
    flush: (sink) => run((out) => lines.end(out), sink),
  };
}

/**
 * Decodes a watch response body into batches of {@link WatchEvent}s: the events of all complete
 * lines of one network read together. A consumer of many small events pays for one promise per
 * read instead of one per event (what the runtime's watcher reads). Breaking out of the loop
 * cancels the body stream. A bad line ends the iteration with a {@link WatchDecodeError} after the
 * batch of the good lines before it.
 *
 * @throws {WatchDecodeError} while iterating, on a line that is not a watch event or is longer
 *   than `options.maxLineBytes`.
 *
 * @example
 * ```ts
 * import { decodeWatchBatches } from "@kubeno/kube";
 * const body = new Blob([
 *   '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n' +
 *   '{"type":"ADDED","object":{"metadata":{"name":"b"}}}\n',
 * ]).stream();
 * for await (const batch of decodeWatchBatches(body)) console.log(batch.length); // 2
 * ```
 */
export async function* decodeWatchBatches<K>(
  stream: ReadableStream<Uint8Array>,
  options: WatchDecoderOptions = {},
): AsyncGenerator<readonly WatchEvent<K>[], void, undefined> {
  const lines = new WatchLines<K>(maxLineOption(options.maxLineBytes));
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const out: WatchEvent<K>[] = [];
      let bad: { error: unknown } | undefined;
      try {
        if (done) lines.end(out);
        else lines.push(value, out);
      } catch (error) {
        bad = { error };
      }
      if (out.length > 0) yield out;
      if (bad) throw bad.error;
      if (done) return;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * Decodes a watch response body into {@link WatchEvent}s, as an async iterable. Breaking out of
 * the loop cancels the body stream.
 *
 * @throws {WatchDecodeError} while iterating, on a line that is not a watch event or is longer
 *   than `options.maxLineBytes`.
 *
 * @example
 * ```ts
 * import { decodeWatchStream } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const body = new Blob([
 *   '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n',
 *   '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n',
 * ]).stream();
 * for await (const ev of decodeWatchStream<ConfigMap>(body)) {
 *   console.log(ev.type);
 * }
 * ```
 */
export async function* decodeWatchStream<K>(
  stream: ReadableStream<Uint8Array>,
  options: WatchDecoderOptions = {},
): AsyncGenerator<WatchEvent<K>, void, undefined> {
  for await (const batch of decodeWatchBatches<K>(stream, options)) yield* batch;
}
