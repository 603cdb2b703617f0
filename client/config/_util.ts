// Internal helpers of client/config; not part of the public API.

import { ConfigError } from "./error.ts";

/** The name and message of an error; Deno's I/O messages name the path, never file contents. */
export function errorKind(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Standard base64 of some bytes. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Decodes standard base64 (white space allowed), or undefined if it is not valid base64. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return undefined;
  try {
    const bin = atob(clean);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Why `value` cannot travel in an HTTP header, or undefined if it can. Never quotes the value
 * (it may be a token). `ascii` also refuses characters past U+007F: a bearer token is ASCII,
 * and Deno would send U+0080..U+00FF as single bytes where Go sends UTF-8, and refuse the rest.
 */
export function headerValueProblem(value: string, ascii = false): string | undefined {
  if (!value.isWellFormed()) return "is not valid Unicode (it has a lone surrogate)";
  if (/[\r\n]/.test(value)) return "contains a line break (it must be one line)";
  if (value.includes("\0")) return "contains a NUL character";
  // deno-lint-ignore no-control-regex
  if (/[\x01-\x08\x0b-\x1f\x7f]/.test(value)) return "contains a control character";
  if (ascii && /[^\t\x20-\x7e]/.test(value)) return "contains non-ASCII characters";
  return undefined;
}

/**
 * A header value as the bytes Go's client sends for it (UTF-8), spelled as the one-byte
 * characters Deno's Headers send unchanged; ASCII is returned as is.
 */
export function utf8HeaderValue(value: string): string {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  return String.fromCharCode(...new TextEncoder().encode(value));
}

/**
 * `tls-server-name` as Deno can honour it: only when it is the URL's host (or the URL is not
 * https, so there is no certificate). Deno's HttpClient
 * verifies the certificate against the URL's host and has no override, so another name would
 * silently check the wrong name (or fail on a certificate kubectl accepts): refused.
 */
export function checkTlsServerName(
  name: string,
  clusterUrl: URL,
  where: { source: string; field: string; file?: string },
): string {
  const host = clusterUrl.hostname.replace(/^\[(.*)\]$/, "$1");
  // Over http:// there is no certificate to verify (kubectl ignores it too).
  if (clusterUrl.protocol !== "https:" || name.toLowerCase() === host.toLowerCase()) return name;
  const { source, field, file } = where;
  const port = clusterUrl.port ? `:${clusterUrl.port}` : "";
  throw new ConfigError(
    `${source}: ${field} asks to verify the server's certificate as ${JSON.stringify(name)}, ` +
      `not as the server's host ${host}, and Deno's HttpClient cannot verify another name than ` +
      `the URL's host. Use a server URL with that name (https://${name}${port}, the name ` +
      `resolving to the server, e.g. through /etc/hosts), or drop ${field} if the ` +
      `certificate also names ${host}`,
    file === undefined ? { field } : { file, field },
  );
}

/** Waits for `p`, or rejects with the signal's reason; `p` goes on for other waiters. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((res, rej) => {
    const onAbort = () => rej(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(res, rej).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

// ---------------------------------------------------------------------------------------------
// Keeping credentials out of prints and copies.

const DENO_INSPECT = Symbol.for("Deno.customInspect");
const NODE_INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Shown instead of a credential. */
export const REDACTED = "<redacted>";

/**
 * Moves `keys` of `target` (those it has) into a closure behind non-enumerable accessors: reads
 * and writes work as before, but spread copies, `Object.assign`, `structuredClone`,
 * `Object.keys` and JSON (unless a `toJSON` adds them back) do not see them.
 */
export function hideKeys<T extends object>(target: T, keys: readonly (keyof T & string)[]): void {
  for (const key of keys) {
    if (!Object.hasOwn(target, key)) continue;
    let value = target[key];
    Object.defineProperty(target, key, {
      get: () => value,
      set: (v: T[typeof key]) => {
        value = v;
      },
      enumerable: false,
      configurable: true,
    });
  }
}

/** The hidden keys' values, for a `toJSON` that writes them back. */
export function withHidden<T extends object>(
  target: T,
  keys: readonly (keyof T & string)[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const key of keys) if (key in target && target[key] !== undefined) out[key] = target[key];
  return out;
}

/**
 * Makes `Deno.inspect`, `console.log` and `node:util`'s `inspect` print `name shown()` for
 * `target`, at any depth (a parent printed prints this view).
 */
export function inspectAs(target: object, name: string, shown: () => unknown): void {
  Object.defineProperty(target, DENO_INSPECT, {
    value: (inspect: (v: unknown, o?: unknown) => string, options: unknown) =>
      `${name} ${inspect(shown(), options)}`,
    configurable: true,
  });
  Object.defineProperty(target, NODE_INSPECT, {
    value: (_depth: number, options: unknown, inspect?: (v: unknown, o?: unknown) => string) =>
      `${name} ${(inspect ?? Deno.inspect)(shown(), options as Deno.InspectOptions)}`,
    configurable: true,
  });
}

/** A URL with its password replaced, for printing. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = "redacted";
    return u.href;
  } catch {
    return "<invalid URL>";
  }
}

/** Whether a URL carries a user name or password. */
export function hasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== "" || u.password !== "";
  } catch {
    // Unparsable: treat it as secret rather than print it.
    return true;
  }
}

/** Longest delay setTimeout keeps (a larger one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The plugin timeout `value` (default 120 s) after a check: a positive number of milliseconds
 * up to about 24.8 days, or `Infinity` for none. `what` names the option in the `RangeError`.
 */
export function checkExecTimeout(value: number | undefined, what: string): number {
  if (value === undefined) return 120_000;
  if (
    typeof value !== "number" || Number.isNaN(value) || value <= 0 ||
    (Number.isFinite(value) && value > MAX_TIMER_MS)
  ) {
    throw new RangeError(
      `${what} must be a positive number of milliseconds (at most ${MAX_TIMER_MS}) or ` +
        `Infinity for no timeout, not ${String(value)}`,
    );
  }
  return value;
}
