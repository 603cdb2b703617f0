// The Deno.HttpClient a Client sends with. Fixed for most configurations; an AuthProvider
// that supplies client certificates at run time (an exec plugin) gets a new HttpClient each
// time the certificate changes, and the previous one is closed once no request uses it.
// Internal to client.ts.

import type { Config } from "./config/config.ts";
import type { ClientCertificate } from "./config/auth.ts";
import { createHttpClient, type HttpClientOptions } from "./config/tls.ts";
import { envProxyWithPassword, mayReadEnv, needsRelay, ProxyRelay } from "./_proxy_relay.ts";
import { noProxyFor } from "./_env_proxy.ts";
import { log } from "../core/log.ts";
import { isPermissionDenial, permissionError } from "./permissions.ts";

/** An HttpClient lent to one request; `release` once its response is consumed. */
export interface HttpLease {
  client: Deno.HttpClient;
  release(): void;
}

interface Entry {
  client: Deno.HttpClient;
  cert: ClientCertificate | undefined;
  users: number;
  retired: boolean;
}

export class HttpClients {
  readonly #config: Config;
  readonly #options: HttpClientOptions | undefined;
  /** What the HttpClients are given as proxyUrl: the config's, or the relay's. */
  readonly #proxyUrl: string | undefined;
  readonly #relay: ProxyRelay | undefined;
  #current: Entry;
  #closed = false;

  /** Throws as createHttpClient does (a config Deno cannot serve is refused at once). */
  constructor(config: Config, options?: HttpClientOptions) {
    this.#config = config;
    this.#options = options;
    warnNoProxyBypass(config);
    this.#relay = startRelay(config);
    this.#proxyUrl = this.#relay?.url ?? config.proxyUrl;
    try {
      this.#current = {
        client: this.#create(config.clientCert, config.clientKey),
        cert: undefined,
        users: 0,
        retired: false,
      };
    } catch (err) {
      this.#relay?.close();
      throw err;
    }
  }

  #create(clientCert: string | undefined, clientKey: string | undefined): Deno.HttpClient {
    // proxyUrl and clientKey by name: they are kept out of copies of a Config (config.ts).
    return createHttpClient(
      { ...this.#config, proxyUrl: this.#proxyUrl, clientCert, clientKey },
      this.#options,
    );
  }

  async acquire(signal?: AbortSignal): Promise<HttpLease> {
    const source = this.#config.auth.clientCertificate;
    if (source) {
      const cert = await source.call(this.#config.auth, signal);
      if (cert !== undefined && cert !== this.#current.cert && !this.#closed) {
        const next: Entry = {
          client: this.#create(cert.cert, cert.key),
          cert,
          users: 0,
          retired: false,
        };
        this.#retire(this.#current);
        this.#current = next;
      }
    }
    const entry = this.#current;
    entry.users++;
    let released = false;
    return {
      client: entry.client,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.retired && entry.users === 0) entry.client.close();
      },
    };
  }

  close(): void {
    this.#closed = true;
    this.#current.client.close();
    this.#relay?.close();
  }

  #retire(entry: Entry): void {
    entry.retired = true;
    if (entry.users === 0) entry.client.close();
  }
}

/**
 * Deno lets NO_PROXY override a proxy-url (kubectl does not): the server is then reached
 * directly. That may well fail, and silently differs from kubectl, so it is said once per
 * Client. Only when the program may read the variables.
 */
function warnNoProxyBypass(config: Config): void {
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
function startRelay(config: Config): ProxyRelay | undefined {
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
