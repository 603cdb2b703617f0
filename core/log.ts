/**
 * One replaceable log handler for what kubeno writes on its own: the watcher's retries, a
 * controller's failed reconciles, leader election, webhooks, the client's retry callback. The
 * default writes to the console as before; {@link setLogHandler} replaces it for the whole
 * program, e.g. with {@link jsonLogHandler} for an operator whose logs a collector parses.
 *
 * @module
 */

import { ApiError } from "./error.ts";

/**
 * How serious a {@link LogRecord} is.
 *
 * @example
 * ```ts
 * import type { LogLevel } from "@kubeno/kube";
 * const quiet: LogLevel[] = ["warn", "error"];
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * One thing kubeno has to say.
 *
 * @example
 * ```ts
 * import type { LogRecord } from "@kubeno/kube";
 * const r: LogRecord = { level: "warn", source: "watcher", message: "watcher of pods: retrying" };
 * ```
 */
export interface LogRecord {
  /** How serious it is. */
  level: LogLevel;
  /**
   * The part of kubeno that speaks: `watcher`, `controller`, `leader-election`, `webhook`,
   * `client`, `shutdown`.
   */
  source: string;
  /** The text, as the console handler writes it (it names the watcher, controller or lease). */
  message: string;
  /** The error behind it, if any. */
  error?: unknown;
  /** Facts worth a field of their own in structured logs (the object key, the lease name). */
  fields?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Receives every {@link LogRecord}. It must not throw (a throw is caught and written to the
 * console) and should be quick: it runs on the path that logs.
 *
 * @example
 * ```ts
 * import { type LogHandler, setLogHandler } from "@kubeno/kube";
 * const onlyErrors: LogHandler = (r) => {
 *   if (r.level === "error") console.error(r.message, r.error ?? "");
 * };
 * setLogHandler(onlyErrors);
 * ```
 */
export type LogHandler = (record: LogRecord) => void;

/**
 * The default handler: `console.error` / `warn` / `info` / `debug` by level, with the message
 * and then the error (as `console` prints it, with its stack).
 *
 * @example
 * ```ts
 * import { consoleLogHandler } from "@kubeno/kube";
 * consoleLogHandler({ level: "info", source: "example", message: "hello" });
 * ```
 */
export function consoleLogHandler(record: LogRecord): void {
  const write = record.level === "error"
    ? console.error
    : record.level === "warn"
    ? console.warn
    : record.level === "info"
    ? console.info
    : console.debug;
  if (record.error === undefined) write(record.message);
  else write(record.message, record.error);
}

/**
 * Options of {@link jsonLogHandler}.
 *
 * @example
 * ```ts
 * import { jsonLogHandler } from "@kubeno/kube";
 * const lines: string[] = [];
 * const handler = jsonLogHandler({ write: (l) => lines.push(l), minLevel: "warn" });
 * ```
 */
export interface JsonLogOptions {
  /** Where each line goes (without its newline). @default `console.error` (stderr) */
  write?: (line: string) => void;
  /** Records below this level are dropped. @default "debug" */
  minLevel?: LogLevel;
  /** The clock, for tests. @default () => new Date() */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A handler that writes one JSON object per line: `time`, `level`, `source`, `msg`, the
 * record's fields, and `error` as `{ name, message, code?, reason?, causes? }`. No stack traces
 * (they are multi-line noise for a collector), and nothing but an error's name, message and
 * Status code/reason (kubeno's messages carry no credentials; other fields of an error might).
 *
 * @example
 * ```ts
 * import { jsonLogHandler, setLogHandler } from "@kubeno/kube";
 * setLogHandler(jsonLogHandler({ minLevel: "info" }));
 * ```
 */
export function jsonLogHandler(options: JsonLogOptions = {}): LogHandler {
  const write = options.write ?? ((line: string) => console.error(line));
  const min = RANK[options.minLevel ?? "debug"];
  const now = options.now ?? (() => new Date());
  return (record) => {
    if (RANK[record.level] < min) return;
    const out: Record<string, unknown> = {
      time: now().toISOString(),
      level: record.level,
      source: record.source,
      msg: record.message,
    };
    for (const [k, v] of Object.entries(record.fields ?? {})) {
      if (!(k in out)) out[k] = v;
    }
    if (record.error !== undefined) out.error = errorJson(record.error);
    write(JSON.stringify(out));
  };
}

function errorJson(err: unknown): unknown {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  if (err instanceof ApiError) {
    out.code = err.code;
    out.reason = err.reason;
  }
  const causes: string[] = [];
  let c: unknown = err.cause;
  // A bounded walk: a cause chain can be a cycle.
  for (let i = 0; c !== undefined && i < 5; i++) {
    causes.push(c instanceof Error ? `${c.name}: ${c.message}` : String(c));
    c = c instanceof Error ? c.cause : undefined;
  }
  if (causes.length > 0) out.causes = causes;
  return out;
}

let handler: LogHandler = consoleLogHandler;

/**
 * Replaces the handler for the whole program and returns the previous one (to put it back).
 * `undefined` restores {@link consoleLogHandler}.
 *
 * @example
 * ```ts
 * import { jsonLogHandler, setLogHandler } from "@kubeno/kube";
 * const previous = setLogHandler(jsonLogHandler());
 * // ... run the operator ...
 * setLogHandler(previous);
 * ```
 */
export function setLogHandler(next: LogHandler | undefined): LogHandler {
  const previous = handler;
  handler = next ?? consoleLogHandler;
  return previous;
}

/**
 * Hands a record to the current handler; what kubeno itself calls. A handler that throws is
 * reported on the console instead of breaking the caller (a log call must not end a watch).
 *
 * @example
 * ```ts
 * import { log } from "@kubeno/kube";
 * log({ level: "warn", source: "my-operator", message: "the config map is missing" });
 * ```
 */
export function log(record: LogRecord): void {
  try {
    handler(record);
  } catch (err) {
    console.error("kubeno: the log handler threw:", err, "for:", record.message);
  }
}
