// A loopback relay that keeps the credentials of an http:// proxy away from the API server.
//
// Why: Deno 2.9's HttpClient, given `proxy: { transport: "http", basicAuth }` (or credentials in
// the proxy URL), sends `Proxy-Authorization` on the CONNECT *and again inside the tunnel*, on
// every request and WebSocket handshake to the https server, so the API server (and whatever
// terminates TLS in front of it) receives the proxy's password. (https:// and socks5:// proxies
// do not; checked with tinyproxy, socat and microsocks.)
//
// What: the HttpClient is pointed at this relay on 127.0.0.1 with a random one-time secret as
// its basic auth (that secret is what Deno then repeats to the API server: it opens nothing but
// this relay, and only while the Client lives). The relay accepts a CONNECT only with that
// secret and only to the API server's host:port, sends its own CONNECT with the real
// credentials to the real proxy, and once that answers 2xx pipes the bytes both ways. TLS stays
// end to end between Deno and the API server (client certificates keep working).
//
// Bounded: a request or answer head of at most 16 KiB, 30 s to send it, 512 connections held at
// once (anyone on the machine may connect); anything else is refused with a status and the
// connection closed. Internal to client.

import { sleep } from "../core/_util.ts";
import { bytesToBase64 } from "./config/_util.ts";
import { ENV_PROXY_VARS, envProxyFor, noProxyFor, proxyValueUrl } from "./_env_proxy.ts";
import type { Config } from "./config/config.ts";
import { isPermissionDenial, permissionError } from "./permissions.ts";
import { log } from "../core/log.ts";

const MAX_HEAD = 16 * 1024;
const HEAD_TIMEOUT_MS = 30_000;
const USER = "kubeno-relay";

/** Whether `proxyUrl` for a server at `clusterUrl` needs the relay (an http proxy with credentials, an https server). */
export function needsRelay(proxyUrl: string | undefined, clusterUrl: URL): boolean {
  if (proxyUrl === undefined || clusterUrl.protocol !== "https:") return false;
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    return false; // createHttpClient reports it
  }
  return url.protocol === "http:" && (url.username !== "" || url.password !== "");
}

/**
 * The `http://user:pass@` proxy Deno's fetch would take from the environment for the https
 * server `clusterUrl` (see _env_proxy.ts for Deno's rules: ALL_PROXY, HTTPS_PROXY, NO_PROXY and
 * their lower-case twins), else undefined. Undefined too when the variables may not be read
 * (no prompt): Deno still applies them then, which the README says.
 */
export function envProxyWithPassword(
  clusterUrl: URL,
  get: (name: string) => string | undefined = (name) => Deno.env.get(name),
  mayRead: (name: string) => boolean = mayReadEnv,
): string | undefined {
  if (clusterUrl.protocol !== "https:" || !ENV_PROXY_VARS.every(mayRead)) return undefined;
  const { proxy } = envProxyFor(clusterUrl, get);
  return proxy !== undefined && needsRelay(proxyValueUrl(proxy)?.href, clusterUrl)
    ? proxyValueUrl(proxy)!.href
    : undefined;
}

/** Whether the program may read the variable without a prompt. */
export function mayReadEnv(variable: string): boolean {
  return Deno.permissions.querySync({ name: "env", variable }).state === "granted";
}

/**
 * Deno lets NO_PROXY override a proxy-url (kubectl does not): the server is then reached
 * directly. That may well fail, and silently differs from kubectl, so it is said each time an
 * HttpClient is made for it. Only when the program may read the variables.
 */
export function warnNoProxyBypass(config: Config): void {
  if (config.proxyUrl === undefined || !["NO_PROXY", "no_proxy"].every(mayReadEnv)) return;
  const variable = noProxyFor(config.clusterUrl, (name) => Deno.env.get(name));
  if (variable === undefined) return;
  log({
    level: "warn",
    source: "client",
    message: `client: ${variable} names ${config.clusterUrl.hostname}, so Deno connects to it ` +
      "directly and does not use the kubeconfig's proxy-url (kubectl would); remove the host " +
      `from ${variable} to go through the proxy`,
    fields: { host: config.clusterUrl.hostname, variable },
  });
}

/**
 * The relay for an http:// proxy with credentials in front of an https server (see
 * _proxy_relay.ts), else undefined. It needs `--allow-net` for the proxy (its own connection)
 * and for 127.0.0.1 (where it listens); a missing one names both flags.
 */
export function relayFor(config: Config): ProxyRelay | undefined {
  // Without proxy-url, an HTTPS_PROXY with a password leaks alike through Deno's fetch.
  const proxyUrl = config.proxyUrl ??
    envProxyWithPassword(config.clusterUrl);
  if (!needsRelay(proxyUrl, config.clusterUrl)) return undefined;
  const u = config.clusterUrl;
  const proxy = new URL(proxyUrl!);
  const proxyHost = `${proxy.hostname}:${proxy.port || "80"}`;
  const need = { net: `${proxyHost},127.0.0.1` };
  const what = `the http:// proxy ${proxyHost} with a password: kubeno relays through ` +
    "127.0.0.1 so that the password goes to the proxy only (Deno would repeat it to the API " +
    "server)";
  // Asked now, so that a denial names the flags instead of failing every tunnel later.
  const granted = (host: string) =>
    Deno.permissions.querySync({ name: "net", host }).state === "granted";
  if (!granted(proxyHost) || !granted("127.0.0.1:0")) {
    throw permissionError(new Deno.errors.NotCapable(`net access to ${proxyHost}`), need, what);
  }
  try {
    return new ProxyRelay({ proxyUrl: proxyUrl!, authority: `${u.hostname}:${u.port || "443"}` });
  } catch (err) {
    if (isPermissionDenial(err)) throw permissionError(err, need, what);
    throw err;
  }
}

/** The upstream proxy and the one target the relay tunnels to. */
export interface RelayTarget {
  /** The http:// proxy URL with its credentials. */
  proxyUrl: string;
  /** `host:port` of the API server, as Deno writes it in its CONNECT. */
  authority: string;
  /** Connections held at most (both sides of every tunnel, and heads being read); default 512. */
  maxConnections?: number;
}

export class ProxyRelay {
  /** The proxy URL to give the HttpClient: the relay, with the one-time secret. */
  readonly url: string;
  readonly #listener: Deno.TcpListener;
  readonly #expected: string;
  readonly #upstream: { hostname: string; port: number; authorization: string | undefined };
  readonly #authority: string;
  readonly #conns = new Set<Deno.Conn>();
  readonly #maxConns: number;
  #closed = false;

  /** Listens on 127.0.0.1 at once (throws as Deno.listen does: a missing --allow-net). */
  constructor(target: RelayTarget) {
    const proxy = new URL(target.proxyUrl);
    const username = decodeURIComponent(proxy.username);
    const password = decodeURIComponent(proxy.password);
    const enc = new TextEncoder();
    this.#upstream = {
      hostname: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: Number(proxy.port || 80),
      authorization: username || password
        ? `Basic ${bytesToBase64(enc.encode(`${username}:${password}`))}`
        : undefined,
    };
    this.#authority = target.authority.toLowerCase();
    this.#maxConns = target.maxConnections ?? 512;
    const secret = bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))
      .replace(/[+/=]/g, "");
    this.#expected = `Basic ${bytesToBase64(enc.encode(`${USER}:${secret}`))}`;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    // Neither the relay nor its idle tunnels keep a program alive: a Client that is never
    // closed must not hold the process open (Deno's own pool does not); a request in flight
    // keeps it alive through fetch itself.
    this.#listener.unref();
    this.url = `http://${USER}:${secret}@127.0.0.1:${this.#listener.addr.port}`;
    // Not printed with the relay: the url holds the secret.
    Object.defineProperty(this, "url", { enumerable: false });
    this.#serve();
  }

  /** Stops listening and cuts every tunnel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const c of this.#conns) closeQuietly(c);
    this.#conns.clear();
  }

  async #serve(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#closed || err instanceof Deno.errors.BadResource) return;
        // Out of file descriptors, say: keep serving once some are free.
        await sleep(50);
        continue;
      }
      if (this.#closed || this.#conns.size >= this.#maxConns) {
        // Anyone on this machine may connect: beyond this many, no memory is spent on them.
        closeQuietly(conn);
        continue;
      }
      this.#handle(conn).catch(() => {});
    }
  }

  async #handle(client: Deno.Conn): Promise<void> {
    client.unref();
    this.#conns.add(client);
    let upstream: Deno.Conn | undefined;
    try {
      const req = await readHead(client);
      if (!req) return await refuse(client, 400, "Bad Request");
      const [line, ...fields] = req.head.split("\r\n");
      const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(line);
      if (!m) return await refuse(client, 405, "Method Not Allowed");
      const auth = headerValue(fields, "proxy-authorization");
      if (auth === undefined || !sameText(auth, this.#expected)) {
        return await refuse(client, 407, "Proxy Authentication Required");
      }
      if (m[1].toLowerCase() !== this.#authority) return await refuse(client, 403, "Forbidden");
      if (req.rest.length > 0) return await refuse(client, 400, "Bad Request");

      try {
        upstream = await Deno.connect({
          hostname: this.#upstream.hostname,
          port: this.#upstream.port,
        });
      } catch {
        return await refuse(client, 502, "Bad Gateway");
      }
      upstream.unref();
      this.#conns.add(upstream);
      const connect = `CONNECT ${m[1]} HTTP/1.1\r\nHost: ${m[1]}\r\n` +
        (this.#upstream.authorization
          ? `Proxy-Authorization: ${this.#upstream.authorization}\r\n`
          : "") +
        "\r\n";
      await writeAll(upstream, new TextEncoder().encode(connect));
      const res = await readHead(upstream);
      if (!res) return await refuse(client, 502, "Bad Gateway");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(res.head)?.[1];
      if (status === undefined) return await refuse(client, 502, "Bad Gateway");
      if (!status.startsWith("2")) {
        // Passed on as it was (407 for a wrong password), without the proxy's headers or body.
        const code = Number(status);
        return await refuse(client, code >= 400 && code < 600 ? code : 502, "Tunnel Refused");
      }
      await writeAll(
        client,
        new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n"),
      );
      if (res.rest.length > 0) await writeAll(client, res.rest);
      await pipeBoth(client, upstream);
    } finally {
      closeQuietly(client);
      this.#conns.delete(client);
      if (upstream) {
        closeQuietly(upstream);
        this.#conns.delete(upstream);
      }
    }
  }
}

/**
 * Reads up to the end of an HTTP head (`\r\n\r\n`): the head as latin-1 text and what came
 * after it. Undefined if the peer closes first, sends more than MAX_HEAD or takes too long.
 */
export async function readHead(
  conn: Deno.Conn,
  timeoutMs = HEAD_TIMEOUT_MS,
): Promise<{ head: string; rest: Uint8Array } | undefined> {
  const buf = new Uint8Array(MAX_HEAD + 4);
  let len = 0;
  const timer = setTimeout(() => closeQuietly(conn), timeoutMs);
  try {
    while (len < buf.length) {
      let n: number | null;
      try {
        n = await conn.read(buf.subarray(len));
      } catch {
        return undefined;
      }
      if (n === null) return undefined;
      const from = Math.max(0, len - 3);
      len += n;
      for (let i = from; i + 3 < len; i++) {
        if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) {
          const head = new TextDecoder("latin1").decode(buf.subarray(0, i));
          return { head, rest: buf.slice(i + 4, len) };
        }
      }
    }
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function headerValue(fields: string[], name: string): string | undefined {
  for (const f of fields) {
    const colon = f.indexOf(":");
    if (colon > 0 && f.slice(0, colon).trim().toLowerCase() === name) {
      return f.slice(colon + 1).trim();
    }
  }
  return undefined;
}

/** Compares without stopping at the first difference. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function refuse(conn: Deno.Conn, code: number, text: string): Promise<void> {
  try {
    await writeAll(
      conn,
      new TextEncoder().encode(
        `HTTP/1.1 ${code} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      ),
    );
  } catch { /* gone */ }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** Copies both ways until either side ends or fails; then both are closed by the caller. */
async function pipeBoth(a: Deno.Conn, b: Deno.Conn): Promise<void> {
  // Each direction ends at its source's end; the first end ends the tunnel (TLS has its own
  // close_notify, and the API server's HTTP/2 does not half-close).
  await Promise.race([copy(a, b), copy(b, a)]);
}

async function copy(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) return;
      await writeAll(to, buf.subarray(0, n));
    }
  } catch { /* a side closed */ }
}

function closeQuietly(c: Deno.Conn | Deno.Listener): void {
  try {
    c.close();
  } catch { /* closed */ }
}
