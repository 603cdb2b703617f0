/**
 * From a {@link Config} to a `Deno.HttpClient`: CA certificates, client certificate and key,
 * proxy.
 *
 * What Deno 2.9's `Deno.createHttpClient` can and cannot do, and so what this maps:
 *
 * | Config                  | Deno.createHttpClient                 | notes |
 * | ----------------------- | ------------------------------------- | ----- |
 * | `caCerts`               | `caCerts: string[]` (PEM)             | trusted in addition to the system roots, where kubectl trusts only them |
 * | `clientCert`/`clientKey`| `cert`, `key` (PEM, `keyFormat: "pem"`)| RSA, EC and PKCS#8 keys |
 * | `proxyUrl`              | `proxy: { url, basicAuth? }`          | http, https, socks5; credentials in the URL become `basicAuth` (see below for http) |
 * | `insecureSkipTlsVerify` | none                                  | only the process-wide `--unsafely-ignore-certificate-errors=<host>` flag |
 * | `tlsServerName`         | none                                  | Deno verifies the URL's host: another name is refused |
 *
 * @module
 */

import type { Config } from "./config.ts";
import { checkTlsServerName } from "./_util.ts";
import { ConfigError } from "./error.ts";
import { relayFor, warnNoProxyBypass } from "../_proxy_relay.ts";

/**
 * Options of {@link createHttpClient}.
 *
 * @example
 * ```ts
 * import type { HttpClientOptions } from "@kubeno/kube/client";
 * const o: HttpClientOptions = { poolIdleTimeoutMs: 30_000, allowInsecureSkipTlsVerify: true };
 * ```
 */
export interface HttpClientOptions {
  /**
   * Accept a config with `insecureSkipTlsVerify`. Set it only when the program runs with
   * `--unsafely-ignore-certificate-errors=<host>`: Deno then skips verification for that
   * host (it does so for custom HttpClients too; checked with Deno 2.9). Without the flag,
   * requests fail on certificate errors as usual.
   */
  allowInsecureSkipTlsVerify?: boolean;
  /** Passed through: idle connections kept per host (unset: Deno's default). */
  poolMaxIdlePerHost?: number;
  /**
   * Passed through as Deno's `poolIdleTimeout`: how long a pooled connection may stay idle, in
   * milliseconds, or `false` to keep idle connections open (unset: Deno's default).
   */
  poolIdleTimeoutMs?: number | false;
  /**
   * @deprecated Use `poolIdleTimeoutMs` (the same milliseconds); `poolIdleTimeout` goes in the
   * next release.
   */
  poolIdleTimeout?: number | false;
  /** Passed through: allow HTTP/2. @default true */
  http2?: boolean;
}

/**
 * The options for `Deno.createHttpClient` that a Config maps to, without creating the
 * client (for tests, and for callers that add options of their own).
 * Throws a {@link ConfigError} for what Deno cannot do per client (`insecureSkipTlsVerify`,
 * a `tlsServerName` other than the URL's host).
 *
 * @example
 * ```ts
 * import { Config, httpClientOptions } from "@kubeno/kube/client";
 * const opts = httpClientOptions(await Config.infer());
 * const client = Deno.createHttpClient(opts);
 * ```
 */
export function httpClientOptions(
  config: Config,
  opts: HttpClientOptions = {},
): Deno.CreateHttpClientOptions & Partial<Deno.TlsCertifiedKeyPem> {
  if (config.insecureSkipTlsVerify && !opts.allowInsecureSkipTlsVerify) {
    const host = config.clusterUrl.hostname;
    throw new ConfigError(
      `${config.source}: insecure-skip-tls-verify is set, but Deno cannot turn off ` +
        `certificate verification for one client. Either give the cluster's CA ` +
        `(certificate-authority or certificate-authority-data) and remove ` +
        `insecure-skip-tls-verify, or run with --unsafely-ignore-certificate-errors=${host} ` +
        `and pass { allowInsecureSkipTlsVerify: true }`,
    );
  }
  if (config.tlsServerName !== undefined) {
    checkTlsServerName(config.tlsServerName, config.clusterUrl, {
      source: config.source,
      field: "tlsServerName",
    });
  }
  if ((config.clientCert === undefined) !== (config.clientKey === undefined)) {
    throw new ConfigError(
      `${config.source}: ${config.clientCert === undefined ? "clientCert" : "clientKey"} is ` +
        `missing: a client certificate and its key go together. (A copy of a loaded Config, ` +
        `{ ...config } or Object.assign, has no clientKey: the key is kept out of copies; ` +
        `set it on the copy.)`,
    );
  }
  const out: Deno.CreateHttpClientOptions & Partial<Deno.TlsCertifiedKeyPem> = {};
  if (config.caCerts?.length) out.caCerts = [...config.caCerts];
  if (config.clientCert !== undefined && config.clientKey !== undefined) {
    out.cert = config.clientCert;
    out.key = config.clientKey;
    out.keyFormat = "pem";
  }
  if (config.proxyUrl) out.proxy = proxyOption(config.proxyUrl, config.source);
  if (opts.poolMaxIdlePerHost !== undefined) out.poolMaxIdlePerHost = opts.poolMaxIdlePerHost;
  const poolIdleTimeout = opts.poolIdleTimeoutMs ?? opts.poolIdleTimeout;
  if (poolIdleTimeout !== undefined) out.poolIdleTimeout = poolIdleTimeout;
  if (opts.http2 !== undefined) out.http2 = opts.http2;
  return out;
}

function proxyOption(proxyUrl: string, source: string): Deno.Proxy {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch (err) {
    throw new ConfigError(`${source}: proxy-url is not a valid URL`, { cause: err });
  }
  const transport = url.protocol === "https:"
    ? "https"
    : url.protocol === "http:"
    ? "http"
    : url.protocol === "socks5:" || url.protocol === "socks5h:"
    ? "socks5"
    : undefined;
  if (!transport) {
    throw new ConfigError(`${source}: proxy-url must be an http://, https:// or socks5:// URL`);
  }
  if (!url.username && !url.password) return { transport, url: proxyUrl };
  // Credentials travel as basicAuth rather than inside the URL.
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  return { transport, url: url.href.replace(/\/$/, ""), basicAuth: { username, password } };
}

/**
 * A `Deno.HttpClient` that trusts the config's CA, presents its client certificate and goes
 * through its proxy. Pass it to `fetch(url, { client })` and `new WebSocket(url, { client })`;
 * close it with `client.close()` when done.
 *
 * Not supported by Deno, and so by this function:
 * - `insecureSkipTlsVerify`: refused with a {@link ConfigError}, unless
 *   `allowInsecureSkipTlsVerify` says the process runs with
 *   `--unsafely-ignore-certificate-errors=<host>`.
 * - `tlsServerName` other than the host of `clusterUrl`: refused with a {@link ConfigError}
 *   (Deno verifies the certificate against the URL's host and cannot be told another name).
 *   A kubeconfig that relies on it (a tunnel to 127.0.0.1 with a certificate for another
 *   name) needs a `server` whose host the certificate names.
 *
 * A client certificate or key Deno cannot read becomes a ConfigError naming the field.
 *
 * An `http://` proxy with a password (the config's `proxyUrl`, else `HTTPS_PROXY` or
 * `ALL_PROXY`): Deno 2.9 would repeat its `Proxy-Authorization` header inside the tunnel to
 * the https server, so the HttpClient made here goes through a relay on 127.0.0.1 instead,
 * which alone sends the password, to the proxy. The relay tunnels to the config's server only
 * (another host through this HttpClient is refused), needs `--allow-net` for the proxy and
 * 127.0.0.1, and closes with the HttpClient. When `NO_PROXY` names the server, Deno ignores
 * `proxyUrl` and connects directly (kubectl would not): a warning is logged.
 *
 * @example
 * ```ts
 * import { Config, createHttpClient } from "@kubeno/kube/client";
 * const config = await Config.infer();
 * const client = createHttpClient(config);
 * const res = await fetch(new URL("/version", config.clusterUrl), { client });
 * client.close();
 * ```
 */
export function createHttpClient(config: Config, opts: HttpClientOptions = {}): Deno.HttpClient {
  warnNoProxyBypass(config);
  const relay = relayFor(config);
  if (!relay) return denoHttpClient(config, opts);
  try {
    // proxyUrl and clientKey by name: they are kept out of copies of a Config (config.ts).
    const via = { ...config, proxyUrl: relay.url, clientKey: config.clientKey };
    return closingToo(denoHttpClient(via, opts), relay);
  } catch (err) {
    relay.close();
    throw err;
  }
}

/** `client`, whose close (and dispose) also closes `relay`. */
function closingToo(client: Deno.HttpClient, relay: { close(): void }): Deno.HttpClient {
  const close = client.close.bind(client);
  const dispose = client[Symbol.dispose].bind(client);
  Object.defineProperties(client, {
    close: { value: () => (close(), relay.close()) },
    [Symbol.dispose]: { value: () => (dispose(), relay.close()) },
  });
  return client;
}

function denoHttpClient(config: Config, opts: HttpClientOptions): Deno.HttpClient {
  const options = httpClientOptions(config, opts);
  try {
    return Deno.createHttpClient(options as Deno.CreateHttpClientOptions & Deno.TlsCertifiedKeyPem);
  } catch (err) {
    // Deno's messages ("No keys found in key data") say which half is wrong, never the data.
    const msg = err instanceof Error ? err.message : String(err);
    const field = /key/i.test(msg) ? "client key" : /cert/i.test(msg) ? "client certificate" : "";
    throw new ConfigError(
      `${config.source}: Deno could not use the ${field || "TLS settings"}: ${msg}` +
        (field === "client key" ? " (RSA, EC and PKCS#8 PEM keys are supported)" : ""),
      { cause: err },
    );
  }
}
