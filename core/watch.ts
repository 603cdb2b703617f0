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
 * A `TransformStream` from the bytes of a watch response body to {@link WatchEvent}s.
 *
 * Robust to events split across chunks at any byte (including inside a multi-byte UTF-8
 * character), to CRLF line ends, blank lines, and a last line without a newline. A line that is
 * not a watch event errors the stream with a {@link WatchDecodeError} that quotes it.
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
  constructor() {
    super(watchDecoderTransformer<K>());
  }
}

type EventSink<K> = TransformStreamDefaultController<WatchEvent<K>>;

function watchDecoderTransformer<K>(): Transformer<Uint8Array, WatchEvent<K>> {
  const decoder = new TextDecoder("utf-8");
  // `buf` holds the text after the last newline; `scanned` is how much of it is known to hold
  // no newline, so a large object arriving in many chunks is not rescanned for each chunk.
  let buf = "";
  let scanned = 0;

  const emitLine = (line: string, sink: EventSink<K>): void => {
    let end = line.length;
    if (end > 0 && line.charCodeAt(end - 1) === 13) end--; // CRLF
    if (end === 0) return;
    const text = end === line.length ? line : line.slice(0, end);
    // A JSON event starts with "{": only odd lines pay for the blank check.
    if (text.charCodeAt(0) !== 123 && text.trim() === "") return;
    sink.enqueue(decodeWatchEvent<K>(text));
  };

  // Emits every complete line of `data` from `from` on, and keeps the rest in `buf`.
  const splitLines = (data: string, from: number, sink: EventSink<K>): void => {
    let start = from;
    for (;;) {
      const nl = data.indexOf("\n", start);
      if (nl < 0) break;
      emitLine(data.slice(start, nl), sink);
      start = nl + 1;
    }
    buf = start === 0 ? data : data.slice(start);
    scanned = buf.length;
  };

  return {
    transform(chunk, sink) {
      const text = decoder.decode(chunk, { stream: true });
      if (text.length === 0) return;
      if (buf.length === 0) return splitLines(text, 0, sink);
      const data = buf + text;
      const nl = data.indexOf("\n", scanned);
      if (nl < 0) {
        buf = data;
        scanned = data.length;
        return;
      }
      buf = "";
      scanned = 0;
      emitLine(data.slice(0, nl), sink);
      splitLines(data, nl + 1, sink);
    },
    flush(sink) {
      const tail = buf + decoder.decode();
      buf = "";
      scanned = 0;
      if (tail.length > 0) emitLine(tail, sink);
    },
  };
}

/**
 * Decodes a watch response body into {@link WatchEvent}s, as an async iterable. Breaking out of
 * the loop cancels the body stream.
 *
 * @throws {WatchDecodeError} while iterating, on a line that is not a watch event.
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
): AsyncGenerator<WatchEvent<K>, void, undefined> {
  yield* stream.pipeThrough(new WatchEventDecoderStream<K>());
}
