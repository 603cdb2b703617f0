// The Deno.HttpClient a Client sends with. Fixed for most configurations; an AuthProvider
// that supplies client certificates at run time (an exec plugin) gets a new HttpClient each
// time the certificate changes, and the previous one is closed once no request uses it.
// Internal to client.ts.

import type { Config } from "./config/config.ts";
import type { ClientCertificate } from "./config/auth.ts";
import { createHttpClient, type HttpClientOptions } from "./config/tls.ts";

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
  #current: Entry;
  #closed = false;

  /** Throws as createHttpClient does (a config Deno cannot serve is refused at once). */
  constructor(config: Config, options?: HttpClientOptions) {
    this.#config = config;
    this.#options = options;
    this.#current = {
      client: this.#create(config.clientCert, config.clientKey),
      cert: undefined,
      users: 0,
      retired: false,
    };
  }

  #create(clientCert: string | undefined, clientKey: string | undefined): Deno.HttpClient {
    // proxyUrl and clientKey by name: they are kept out of copies of a Config (config.ts).
    return createHttpClient(
      { ...this.#config, proxyUrl: this.#config.proxyUrl, clientCert, clientKey },
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
  }

  #retire(entry: Entry): void {
    entry.retired = true;
    if (entry.users === 0) entry.client.close();
  }
}
