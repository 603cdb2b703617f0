/**
 * The `Client`: sends {@link KubeRequest}s to the API server with Deno's fetch, the cluster's
 * TLS material and credentials; retries, timeouts, aborts and streaming.
 *
 * @module
 */

import { errorText } from "../core/_util.ts";
import {
  ApiError,
  apiErrorFromResponse,
  apiErrorFromStatus,
  excerpt,
  KubeError,
} from "../core/error.ts";
import type { KubeRequest } from "../core/request.ts";
import { Config } from "./config/config.ts";
import { ConfigError } from "./config/error.ts";
import type { HttpClientOptions } from "./config/tls.ts";
import { HttpClients, type HttpLease } from "./_http_clients.ts";
import { headerValueProblem, utf8HeaderValue } from "./config/_util.ts";
import { isPermissionDenial, netPermission, permissionError } from "./permissions.ts";
import { connectionCause } from "./connection_cause.ts";
import {
  defaultRetryPolicy,
  isRetryableConnectionError,
  isRetryableStatus,
  notifyRetry,
  retryDelayMs,
  type RetryNotice,
  type RetryPolicy,
  sleep,
} from "./retry.ts";

/** The version this module reports in its User-Agent. */
const VERSION = "0.1.0";

/**
 * Options of a {@link Client}.
 *
 * @example
 * ```ts
 * import type { ClientOptions } from "@kubeno/kube";
 * const opts: ClientOptions = { timeoutMs: 10_000, userAgent: "my-operator/1.0" };
 * ```
 */
export interface ClientOptions {
  /**
   * Milliseconds allowed for one request (each attempt) until its whole body is read; for a
   * stream, until its headers arrive.
   *
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Retry policy, merged over {@link defaultRetryPolicy}. `{ maxRetries: 0 }` disables retries.
   *
   * @default defaultRetryPolicy
   */
  retry?: Partial<RetryPolicy>;
  /**
   * User-Agent header.
   *
   * @default "kubeno/<version> (deno/<version>)"
   */
  userAgent?: string;
  /** Connection settings of the underlying `Deno.HttpClient` (pool, HTTP/2, insecure opt-in). */
  http?: HttpClientOptions;
}

/**
 * Options of one call.
 *
 * @example
 * ```ts
 * import type { RequestOptions } from "@kubeno/kube";
 * const opts: RequestOptions = { signal: AbortSignal.timeout(5_000) };
 * ```
 */
export interface RequestOptions {
  /** Aborts the call, including waits between retries and the reading of a stream. */
  signal?: AbortSignal;
  /**
   * Overrides the client's per-request timeout; for streams it bounds the wait for headers.
   * `Infinity` waits as long as it takes (the signal still aborts).
   */
  timeoutMs?: number;
  /** Told before each retry (of a 429, a 5xx or a lost connection) and its wait. */
  onRetry?: (retry: RetryNotice) => void;
}

/**
 * A whole answer: status, headers and body text. From {@link Client.requestRaw}.
 *
 * @example
 * ```ts
 * import type { RawResponse } from "@kubeno/kube";
 * const r: RawResponse = { status: 304, headers: new Headers({ etag: '"abc"' }), body: "" };
 * ```
 */
export interface RawResponse {
  /** HTTP status: 2xx, or 304 for a conditional request whose resource did not change. */
  status: number;
  /** Response headers (`etag`, `content-type`, ...). */
  headers: Headers;
  /** The body as text. */
  body: string;
}

/**
 * The request did not get an answer in time.
 *
 * @example
 * ```ts
 * import { Api, Client, TimeoutError } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const cms = Api.defaultNamespaced(await Client.tryDefault({ timeoutMs: 5_000 }), ConfigMap);
 * try {
 *   await cms.list();
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log(e.message);
 * }
 * ```
 */
export class TimeoutError extends KubeError {
  /** Always `"TimeoutError"`. */
  override name = "TimeoutError";
}

/**
 * The server could not be reached, the connection broke before a response arrived, or a 2xx
 * answer broke off before its end (a body shorter than its Content-Length, a stream cut off).
 * Idempotent requests (GET, PUT, DELETE...) are retried before this is thrown.
 *
 * @example
 * ```ts
 * import { Api, Client, ConnectionError } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const cms = Api.defaultNamespaced(await Client.tryDefault(), ConfigMap);
 * try {
 *   await cms.list();
 * } catch (e) {
 *   if (e instanceof ConnectionError) console.log(e.message);
 * }
 * ```
 */
export class ConnectionError extends KubeError {
  /** Always `"ConnectionError"`. */
  override name = "ConnectionError";
}

/**
 * The server answered with a redirect. Credentials are never sent to another origin, so a
 * redirect away from the API server's origin is refused with this error.
 *
 * @example
 * ```ts
 * import { Api, Client, RedirectError } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const cms = Api.defaultNamespaced(await Client.tryDefault(), ConfigMap);
 * try {
 *   await cms.list();
 * } catch (e) {
 *   if (e instanceof RedirectError) console.log(e.location);
 * }
 * ```
 */
export class RedirectError extends KubeError {
  /** Always `"RedirectError"`. */
  override name = "RedirectError";
  /** Where the server wanted to send us. */
  readonly location: string;
  /** Builds the error. */
  constructor(message: string, location: string) {
    super(message);
    this.location = location;
  }
}

const MAX_REDIRECTS = 5;

/**
 * A connection to one Kubernetes API server: its address, TLS material and credentials.
 * Use it through {@link Api}; call `request*` directly for paths `Api` does not cover.
 * Close it with `using` (or `close()`) to release its connection pool.
 *
 * @example
 * ```ts
 * import { Api, Client } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * using client = await Client.tryDefault();
 * const pods = Api.defaultNamespaced(client, Pod);
 * for (const p of (await pods.list()).items) console.log(p.metadata.name);
 * ```
 */
export class Client implements Disposable {
  /** The configuration this client was built from. */
  readonly config: Config;
  readonly #http: HttpClients;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #impersonation: [string, string][];

  /**
   * A client for a loaded {@link Config}.
   *
   * @example
   * ```ts
   * import { Client, Config } from "@kubeno/kube";
   * const client = new Client(await Config.fromKubeconfig({ context: "admin" }));
   * ```
   */
  constructor(config: Config, options: ClientOptions = {}) {
    this.config = config;
    // Before the HttpClient, which a throw here would leak.
    this.#impersonation = impersonationHeaders(config);
    this.#http = new HttpClients(config, options.http);
    this.#retry = { ...defaultRetryPolicy, ...options.retry };
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? `kubeno/${VERSION} (deno/${Deno.version.deno})`;
  }

  /**
   * A client from the environment: the kubeconfig (`KUBECONFIG`, else `~/.kube/config`), else
   * the in-cluster service account. The error says what was tried and why each failed.
   *
   * @example
   * ```ts
   * import { Client } from "@kubeno/kube";
   * const client = await Client.tryDefault();
   * console.log(client.defaultNamespace);
   * ```
   */
  static async tryDefault(options: ClientOptions = {}): Promise<Client> {
    return new Client(await Config.infer(), options);
  }

  /**
   * The namespace of the current context (or of the pod, in-cluster); `default` otherwise.
   *
   * @example
   * ```ts
   * import { Client } from "@kubeno/kube";
   * const ns = (await Client.tryDefault()).defaultNamespace;
   * ```
   */
  get defaultNamespace(): string {
    return this.config.defaultNamespace;
  }

  /**
   * Sends a request and parses the JSON answer. A non-2xx answer throws an `ApiError` that keeps
   * the server's Status.
   *
   * @example
   * ```ts
   * import { Client, listRequest } from "@kubeno/kube";
   * import { Namespace } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const list = await client.request(listRequest({ resource: Namespace }));
   * ```
   */
  async request<T = unknown>(req: KubeRequest, opts: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(req, opts);
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new KubeError(
        `${req.method} ${req.path}: the server's answer is not JSON: ${
          JSON.stringify(excerpt(text))
        }`,
        { cause },
      );
    }
  }

  /**
   * Sends a request and returns the answer's body as text (logs, for example).
   *
   * @example
   * ```ts
   * import { Client } from "@kubeno/kube";
   * const client = await Client.tryDefault();
   * const text = await client.requestText({ method: "GET", path: "/version", query: new URLSearchParams(), headers: {} });
   * ```
   */
  async requestText(req: KubeRequest, opts: RequestOptions = {}): Promise<string> {
    return await this.#send(req, opts, async (res) => await res.text());
  }

  /**
   * Sends a request and returns the whole answer with its headers. A request with an
   * `if-none-match` header gets a 304 answer back (not an error) when nothing changed; other
   * non-2xx answers throw an `ApiError`, as {@link Client.request} does.
   *
   * @example
   * ```ts
   * import { Client } from "@kubeno/kube";
   * const client = await Client.tryDefault();
   * const res = await client.requestRaw({ method: "GET", path: "/version", query: new URLSearchParams(), headers: {} });
   * console.log(res.status, res.headers.get("content-type"), JSON.parse(res.body).gitVersion);
   * ```
   */
  async requestRaw(req: KubeRequest, opts: RequestOptions = {}): Promise<RawResponse> {
    return await this.#send(req, opts, async (res) => ({
      status: res.status,
      headers: res.headers,
      body: await res.text(),
    }));
  }

  /**
   * Sends a request and returns the answer's body as a byte stream, once the status is known
   * to be 2xx. The timeout bounds only the wait for the headers; the signal also ends the stream.
   *
   * @example
   * ```ts
   * import { Client, watchRequest } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const body = await client.requestStream(watchRequest({ resource: Pod }, "0"));
   * ```
   */
  async requestStream(
    req: KubeRequest,
    opts: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    // Uncompressed: Deno's fetch ends a gzip-encoded body that arrives in flushed pieces (the
    // apiserver gzips watches) after the first piece, so every watch would end at once.
    const plain = { ...req, headers: { "accept-encoding": "identity", ...req.headers } };
    return await this.#send(plain, opts, (res) => {
      if (!res.body) return new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      return res.body;
    }, true);
  }

  /**
   * Opens a WebSocket to a path of the API server (pod exec, attach, port-forward) with the
   * client's TLS material, credentials and proxy (`proxyUrl`, else `HTTPS_PROXY`), offering
   * `protocols` in order of preference. The socket comes back still connecting, so that
   * handlers set at once miss no message; `opened` settles with the handshake (then
   * `socket.protocol` says what the server chose). Its
   * `binaryType` is `arraybuffer`. `opts.timeoutMs` bounds the handshake, `opts.signal` aborts
   * it. A refused upgrade rejects `opened` with the server's Status as an `ApiError` (asked again
   * over plain HTTP, since a handshake does not show the body of a refusal), and the socket is
   * closed by then. A 401 rejects with an `ApiError` 401 and tells the AuthProvider
   * (`invalidate`), so that the next call renews the credential (an exec plugin runs again, a
   * token file is read again): `pods.exec`, `attach` and `portForward` make that second call
   * once, as requests are retried once after a 401. Close the socket when done.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
   * import { Client } from "@kubeno/kube";
   * const client = await Client.tryDefault();
   * const query = new URLSearchParams([["command", "date"], ["stdout", "true"]]);
   * const { socket, opened } = await client.webSocket(
   *   { method: "GET", path: "/api/v1/namespaces/default/pods/blog/exec", query, headers: {} },
   *   ["v5.channel.k8s.io", "v4.channel.k8s.io"],
   * );
   * socket.onmessage = (e) => console.log(e.data);
   * await opened;
   * console.log(socket.protocol);
   * ```
   */
  async webSocket(
    req: KubeRequest,
    protocols: string[],
    opts: RequestOptions = {},
  ): Promise<WebSocketConnection> {
    opts.signal?.throwIfAborted();
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const link = linkSignal(opts.signal);
    let socket: WebSocket;
    let url: URL;
    try {
      const prepared = await this.#prepare(req, link);
      url = prepared.url;
      link.onRelease(prepared.http.release);
      url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
      try {
        socket = new WebSocket(url, {
          protocols,
          headers: prepared.headers,
          client: prepared.http.client,
        });
      } catch (err) {
        if (isPermissionDenial(err)) {
          throw permissionError(err, { net: netPermission(url) }, `connecting to ${url.origin}`);
        }
        throw new ConnectionError(`${req.path}: cannot open a WebSocket: ${errorText(err)}`, {
          cause: err,
        });
      }
    } catch (err) {
      link.release();
      throw err;
    }
    const ws = socket;
    ws.binaryType = "arraybuffer";
    const closed = new Promise<void>((r) =>
      ws.addEventListener("close", () => r(), { once: true })
    );
    closed.then(() => link.release());
    const opened = (async () => {
      const outcome = await new Promise<true | { reason: unknown }>((resolve) => {
        const signal = link.controller.signal;
        const done = (v: true | { reason: unknown }) => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          ws.removeEventListener("open", onOpen);
          ws.removeEventListener("error", onError);
          resolve(v);
        };
        const timer = setTimeout(() =>
          done({
            reason: new TimeoutError(`${req.path}: no WebSocket handshake within ${timeoutMs} ms`),
          }), timeoutMs);
        const onAbort = () => done({ reason: signal.reason });
        const onOpen = () => done(true);
        const onError = (e: Event) =>
          done({ reason: (e as ErrorEvent).message || "the handshake failed" });
        signal.addEventListener("abort", onAbort, { once: true });
        ws.addEventListener("open", onOpen);
        ws.addEventListener("error", onError);
      });
      if (outcome === true) return;
      ws.close();
      await closed;
      if (link.controller.signal.aborted) throw link.controller.signal.reason;
      if (outcome.reason instanceof Error) throw outcome.reason;
      if (handshakeStatus(outcome.reason) === 401) {
        // Over HTTP/1.1 Deno says the status: no need to ask again. The next call renews it.
        this.config.auth.invalidate?.(link.authorization);
        throw apiErrorFromStatus({
          kind: "Status",
          status: "Failure",
          code: 401,
          reason: "Unauthorized",
          message: `the WebSocket handshake with ${this.config.clusterUrl.origin} was refused: ` +
            "Unauthorized",
        }, { method: "GET", path: req.path });
      }
      // A refusal (no such pod, forbidden, a bad parameter, a refused credential) answers a
      // plain GET alike, with the body the handshake hid (over HTTP/2, Deno does not even give
      // the status); a plain GET never starts the stream (the upgrade is required). Without the
      // retry after a 401 that requests get: that would renew the credential and hide the 401
      // behind the 400 of a GET without an upgrade.
      try {
        await this.#send(
          { ...req, method: "GET" },
          { ...opts, timeoutMs },
          async (res) => await res.text(),
          false,
          false,
        );
      } catch (err) {
        if (err instanceof ApiError && err.code === 401) {
          this.config.auth.invalidate?.(link.authorization);
        }
        throw err;
      }
      throw new ConnectionError(
        `${req.path}: the WebSocket handshake with ${this.config.clusterUrl.origin} failed: ${
          String(outcome.reason)
        }`,
      );
    })();
    opened.catch(() => {}); // the caller may close before asking
    return { socket: ws, opened };
  }

  /** Closes the connection pool. */
  close(): void {
    this.#http.close();
  }

  /** Closes the connection pool (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * One logical call: attempts with retries; `read` consumes a 2xx response. For streams the
   * per-attempt timeout stops guarding once the headers are in. `authRetry` false: a 401 is the
   * answer, with no renewal of the credential and no second attempt.
   */
  async #send<T>(
    req: KubeRequest,
    opts: RequestOptions,
    read: (res: Response) => T | Promise<T>,
    streaming = false,
    authRetry = true,
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    let authRetried = !authRetry;
    for (let attempt = 0;; attempt++) {
      opts.signal?.throwIfAborted();
      // One controller per attempt, fed by the caller's signal and the timeout through plain
      // listeners. (A signal from AbortSignal.any is only weakly held; a long watch could lose
      // it to GC and then ignore the caller's abort.)
      const link = linkSignal(opts.signal);
      // Started once the credentials are there: an exec plugin waiting for a login is bounded
      // by its own timeout, not by the one meant for the server.
      let timer: ReturnType<typeof setTimeout> | undefined;
      link.credentialsReady = () => {
        // Infinity: no timer (a followed log gets its headers only with its first line).
        if (!Number.isFinite(timeoutMs)) return;
        timer = setTimeout(
          () =>
            link.controller.abort(
              new TimeoutError(`${req.method} ${req.path}: no answer within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      };
      const failed = (err: unknown): unknown => {
        if (opts.signal?.aborted) return opts.signal.reason;
        if (link.controller.signal.aborted) return link.controller.signal.reason;
        return err;
      };
      let handedOver = false;
      try {
        let res: Response | undefined;
        try {
          res = await this.#fetchFollowingRedirects(req, link);
          // A 304 answers a conditional GET (If-None-Match): an answer, not an error.
          const notModified = res.status === 304 && req.headers["if-none-match"] !== undefined;
          if ((res.ok || notModified) && !streaming) return await read(res);
        } catch (err) {
          const reason = failed(err);
          if (reason !== err || err instanceof KubeError) throw reason;
          // No answer, or a 2xx whose body broke off (a Content-Length not met): the same
          // failure to a caller, and retried alike for the verbs that may be repeated.
          const origin = this.config.clusterUrl.origin;
          const what = res === undefined
            ? `cannot reach ${origin}`
            : `the answer (${res.status}) from ${origin} broke off`;
          const failure = new ConnectionError(
            `${req.method} ${req.path}: ${what}: ${
              connectionCause(err, this.config.clusterUrl.host)
            }`,
            { cause: err },
          );
          if (attempt < this.#retry.maxRetries && isRetryableConnectionError(req.method)) {
            clearTimeout(timer);
            const delayMs = retryDelayMs(this.#retry, attempt, null);
            const { maxRetries } = this.#retry;
            notifyRetry(opts.onRetry, {
              attempt: attempt + 1,
              maxRetries,
              delayMs,
              error: failure,
            });
            await sleep(delayMs, opts.signal);
            continue;
          }
          throw failure;
        }
        if (res.ok) {
          // The timeout guarded the headers only; the caller's signal keeps guarding the body
          // until the stream ends, and then lets go of it.
          clearTimeout(timer);
          handedOver = true;
          // `res` stays reachable through the stream: once Deno collects a Response, an abort no
          // longer errors a pending read of its body (the watch would hang until the server ends it).
          const original = res;
          return await read(
            new Response(
              res.body &&
                releasing(res.body, () => (link.release(), original), (err) =>
                  // A stream cut off (not aborted) says which request it belonged to.
                  link.controller.signal.aborted || err instanceof KubeError
                    ? err
                    : new ConnectionError(
                      `${req.method} ${req.path}: the stream from ${this.config.clusterUrl.origin} ` +
                        `broke off: ${errorText(err)}`,
                      { cause: err },
                    )),
              res,
            ),
          );
        }
        const body = await res.text().catch(() => "");
        if (res.status === 401 && !authRetried && this.config.auth.invalidate) {
          // A rotated token: re-read it once before giving up.
          authRetried = true;
          this.config.auth.invalidate(link.authorization);
          attempt--;
          continue;
        }
        const error = apiErrorFromResponse(res.status, res.statusText, body, {
          method: req.method,
          path: req.path,
        });
        if (attempt < this.#retry.maxRetries && isRetryableStatus(req.method, res.status)) {
          clearTimeout(timer);
          const delayMs = retryDelayMs(this.#retry, attempt, res.headers.get("retry-after"));
          const { maxRetries } = this.#retry;
          notifyRetry(opts.onRetry, { attempt: attempt + 1, maxRetries, delayMs, error });
          await sleep(delayMs, opts.signal);
          continue;
        }
        throw error;
      } catch (err) {
        throw failed(err);
      } finally {
        clearTimeout(timer);
        if (!handedOver) link.release();
      }
    }
  }

  /** The URL, headers (credentials included) and HttpClient of one attempt. */
  async #prepare(
    req: KubeRequest,
    link: Link,
  ): Promise<{ url: URL; headers: Headers; http: HttpLease }> {
    const signal = link.controller.signal;
    const url = new URL(this.config.clusterUrl.href.replace(/\/$/, "") + req.path);
    url.search = req.query.toString();
    const headers = new Headers(req.headers);
    headers.set("user-agent", this.#userAgent);
    for (const [k, v] of this.#impersonation) headers.append(k, v);
    const authorization = await this.config.auth.authorization(signal);
    link.authorization = authorization;
    if (authorization) {
      // A KubeError, so not retried, and without the value: Headers would quote it.
      const problem = headerValueProblem(authorization, true);
      if (problem) {
        throw new ConfigError(
          `${this.config.source}: the Authorization header from the AuthProvider ${problem}`,
        );
      }
      headers.set("authorization", authorization);
    }
    // After the credentials: an exec plugin's certificate comes from the same run.
    const http = await this.#http.acquire(signal);
    return { url, headers, http };
  }

  /** fetch with redirects followed by hand, and only within the API server's origin. */
  async #fetchFollowingRedirects(req: KubeRequest, link: Link): Promise<Response> {
    const signal = link.controller.signal;
    const { url, headers, http } = await this.#prepare(req, link);
    link.onRelease(http.release);
    link.credentialsReady?.();
    let target = url;
    let method: string = req.method;
    let body = req.body;
    for (let hop = 0;; hop++) {
      let res: Response;
      try {
        res = await fetch(target, {
          method,
          headers,
          body,
          client: http.client,
          redirect: "manual",
          signal,
        });
      } catch (err) {
        if (isPermissionDenial(err)) {
          throw permissionError(
            err,
            { net: netPermission(target) },
            `connecting to ${target.origin}`,
          );
        }
        throw err;
      }
      if (res.status < 300 || res.status >= 400 || !res.headers.has("location")) return res;
      await res.body?.cancel();
      const next = new URL(res.headers.get("location")!, target);
      if (next.origin !== url.origin) {
        throw new RedirectError(
          `${req.method} ${req.path}: the server redirected to another origin (${next.origin}); ` +
            "kubeno does not send credentials there. Point the kubeconfig at the final address.",
          next.href,
        );
      }
      if (hop >= MAX_REDIRECTS) {
        throw new RedirectError(`${req.method} ${req.path}: too many redirects`, next.href);
      }
      target = next;
      // As fetch does: a 303 (and a 301 or 302 to a POST) is followed with a GET without the
      // body; a 307 or 308 repeats the request as it was.
      if (
        (res.status === 303 && method !== "GET" && method !== "HEAD") ||
        ((res.status === 301 || res.status === 302) && method === "POST")
      ) {
        method = "GET";
        body = undefined;
        for (
          const h of ["content-type", "content-encoding", "content-language", "content-location"]
        ) {
          headers.delete(h);
        }
      }
    }
  }
}

/**
 * A WebSocket from {@link Client.webSocket}: the socket, still connecting, and the handshake.
 *
 * @example
 * ```ts
 * import type { WebSocketConnection } from "@kubeno/kube";
 * async function protocolOf(c: WebSocketConnection): Promise<string> {
 *   await c.opened;
 *   return c.socket.protocol;
 * }
 * ```
 */
export interface WebSocketConnection {
  /** The socket; set its handlers at once. */
  socket: WebSocket;
  /** Settles with the handshake; rejects with the server's Status, a timeout or the abort. */
  opened: Promise<void>;
}

/** One attempt's abort controller, and what to let go of when its response is done. */
interface Link {
  controller: AbortController;
  /** Detaches from the caller's signal and runs the `onRelease` callbacks (idempotent). */
  release: () => void;
  onRelease: (fn: () => void) => void;
  /** The `Authorization` value the attempt sent, for `AuthProvider.invalidate`. */
  authorization?: string;
  /** Called once the credentials are obtained, before the request is sent. */
  credentialsReady?: () => void;
}

/** An AbortController that follows `outer`. */
function linkSignal(outer: AbortSignal | undefined): Link {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  const callbacks: (() => void)[] = [];
  return {
    controller,
    release: () => {
      outer?.removeEventListener("abort", onAbort);
      for (const fn of callbacks.splice(0)) fn();
    },
    onRelease: (fn) => callbacks.push(fn),
  };
}

/**
 * The same bytes as `body`; `release` runs once the stream ends, fails or is cancelled; a
 * failure is passed through `wrap`.
 */
function releasing(
  body: ReadableStream<Uint8Array>,
  release: () => void,
  wrap: (err: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (err) {
        release();
        controller.error(wrap(err));
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * `Impersonate-*` headers, as kubectl's `--as`, `--as-group`, `--as-uid` send them: values as
 * UTF-8 bytes, as Go sends them. A value no header can carry is a ConfigError naming the field.
 */
function impersonationHeaders(config: Config): [string, string][] {
  const imp = config.impersonate;
  if (!imp) return [];
  const out: [string, string][] = [];
  const add = (name: string, field: string, value: string) => {
    const problem = headerValueProblem(value);
    if (problem) throw new ConfigError(`${config.source}: impersonate.${field} ${problem}`);
    out.push([name, utf8HeaderValue(value)]);
  };
  if (imp.user) add("impersonate-user", "user", imp.user);
  if (imp.uid) add("impersonate-uid", "uid", imp.uid);
  imp.groups?.forEach((g, i) => add("impersonate-group", `groups[${i}]`, g));
  for (const [key, values] of Object.entries(imp.extra ?? {})) {
    if (!key.isWellFormed()) {
      throw new ConfigError(`${config.source}: an impersonate.extra key is not valid Unicode`);
    }
    const name = `impersonate-extra-${encodeURIComponent(key)}`;
    values.forEach((v, i) => add(name, `extra.${key}[${i}]`, v));
  }
  return out;
}

/**
 * The HTTP status of a refused WebSocket handshake, from the message of Deno's error event
 * (Deno 2.9: "failed to connect to WebSocket: Invalid status code: 401"); undefined when the
 * message does not say.
 */
function handshakeStatus(reason: unknown): number | undefined {
  const m = /Invalid status code:? (\d{3})\b/i.exec(String(reason));
  return m ? Number(m[1]) : undefined;
}
