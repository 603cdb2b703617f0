/**
 * Authentication providers: what goes into the `Authorization` header of each request.
 *
 * A {@link Config} carries one {@link AuthProvider}. The ones here cover static tokens,
 * token files that rotate (service accounts, `tokenFile` in a kubeconfig) and basic auth;
 * exec credential plugins are in `exec.ts` (`ExecAuth`), the `oidc` auth provider in `oidc.ts`
 * (`OidcAuth`).
 *
 * @module
 */

import { ConfigError } from "./error.ts";
import { withPermissionHintAsync } from "../permissions.ts";
import { bytesToBase64, errorKind, headerValueProblem } from "./_util.ts";

/**
 * A client certificate (chain) and its private key, PEM.
 *
 * @example
 * ```ts
 * import type { ClientCertificate } from "@kubeno/kube/client";
 * const c: ClientCertificate = { cert: "-----BEGIN CERTIFICATE-----...", key: "-----BEGIN PRIVATE KEY-----..." };
 * ```
 */
export interface ClientCertificate {
  /** PEM certificate (chain). */
  cert: string;
  /** PEM private key. */
  key: string;
}

/**
 * Supplies the `Authorization` header. Client certificates from the kubeconfig are not an
 * AuthProvider: they are part of the TLS connection (see `Config.clientCert`); a provider
 * whose certificate changes at run time (an exec plugin) offers {@link clientCertificate}.
 *
 * @example
 * ```ts
 * import type { AuthProvider } from "@kubeno/kube/client";
 * const fixed: AuthProvider = { authorization: () => Promise.resolve("Bearer abc") };
 * ```
 */
export interface AuthProvider {
  /**
   * The value of the `Authorization` header for the next request, or undefined to send none.
   * May read files (token rotation); `signal` aborts a slow source.
   */
  authorization(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Called after the server answered 401, so that the next {@link authorization} re-reads its
   * source (a rotated token) instead of using a cached value. `used` is the `Authorization`
   * value that was refused: a provider that has rotated since ignores the call.
   */
  invalidate?(used?: string): void;
  /**
   * A client certificate to present, if this provider supplies one (exec plugins). The
   * client builds a new TLS connection pool whenever the returned object changes.
   */
  clientCertificate?(signal?: AbortSignal): Promise<ClientCertificate | undefined>;
}

/**
 * No `Authorization` header: anonymous requests, or client-certificate authentication only.
 *
 * @example
 * ```ts
 * import { NoAuth } from "@kubeno/kube/client";
 * const auth = new NoAuth();
 * console.log(await auth.authorization()); // undefined
 * ```
 */
export class NoAuth implements AuthProvider {
  /** Always undefined. */
  authorization(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}

/**
 * A bearer token fixed at load time (`token` in a kubeconfig user).
 *
 * @example
 * ```ts
 * import { StaticTokenAuth } from "@kubeno/kube/client";
 * const auth = new StaticTokenAuth("abc");
 * console.log(await auth.authorization()); // "Bearer abc"
 * ```
 */
export class StaticTokenAuth implements AuthProvider {
  // A private field so that console.log of a Config does not print the token.
  #token: string;
  /**
   * Creates the provider. Throws a {@link ConfigError} (which never quotes the token) if the
   * token cannot be sent in an HTTP header: a line break, a control or non-ASCII character.
   *
   * @param token the bearer token
   */
  constructor(token: string) {
    const problem = headerValueProblem(token, true);
    if (problem) throw new ConfigError(`the bearer token ${problem}`);
    this.#token = token;
  }
  /** `Bearer <token>`. */
  authorization(): Promise<string | undefined> {
    return Promise.resolve(`Bearer ${this.#token}`);
  }
}

/**
 * HTTP basic authentication (`username` and `password` in a kubeconfig user). Kubernetes
 * removed basic auth from kube-apiserver in 1.19; proxies in front of it may still use it.
 *
 * @example
 * ```ts
 * import { BasicAuth } from "@kubeno/kube/client";
 * const auth = new BasicAuth("admin", "secret");
 * console.log(await auth.authorization()); // "Basic YWRtaW46c2VjcmV0"
 * ```
 */
export class BasicAuth implements AuthProvider {
  #header: string;
  /**
   * Creates the provider.
   *
   * @param username the user name
   * @param password the password
   */
  constructor(username: string, password: string) {
    const bytes = new TextEncoder().encode(`${username}:${password}`);
    this.#header = `Basic ${bytesToBase64(bytes)}`;
  }
  /** `Basic base64(username:password)`. */
  authorization(): Promise<string | undefined> {
    return Promise.resolve(this.#header);
  }
}

/**
 * Options of {@link TokenFileAuth}.
 *
 * @example
 * ```ts
 * import type { TokenFileAuthOptions } from "@kubeno/kube/client";
 * const o: TokenFileAuthOptions = { path: "/var/run/secrets/kubernetes.io/serviceaccount/token" };
 * ```
 */
export interface TokenFileAuthOptions {
  /** The file holding the token; surrounding white space is ignored. */
  path: string;
  /** Used while the file has never been read successfully (kubeconfig `token` next to `tokenFile`). */
  fallbackToken?: string;
  /** How long a read token is used before the file is read again. @default 60000 (as client-go) */
  refreshIntervalMs?: number;
  /** Where the path came from, for errors, e.g. `users[0].user.tokenFile in kubeconfig /x`. */
  origin?: string;
  /** The clock, in milliseconds; for tests. @default Date.now */
  now?: () => number;
}

/**
 * A bearer token read from a file and read again as it rotates: projected service account
 * tokens are replaced by the kubelet about every hour, so the file is re-read when the cached
 * value is older than `refreshIntervalMs` (60 s by default, as client-go) and right after a 401
 * ({@link invalidate}). If a later read fails, the last token read successfully is kept.
 *
 * @example
 * ```ts
 * // doc:no-run: reads a pod's service account token
 * import { TokenFileAuth } from "@kubeno/kube/client";
 * const auth = await TokenFileAuth.create({ path: "/var/run/secrets/kubernetes.io/serviceaccount/token" });
 * const header = await auth.authorization(); // "Bearer eyJ..."
 * ```
 */
export class TokenFileAuth implements AuthProvider {
  /** The token file. */
  readonly path: string;
  #fallback: string | undefined;
  #token: string | undefined;
  #readAt = -Infinity;
  #pending: Promise<string> | undefined;
  readonly #interval: number;
  readonly #origin: string | undefined;
  readonly #now: () => number;

  /**
   * Prefer {@link TokenFileAuth.create}, which reads the file once so that a missing file is
   * reported when the configuration loads rather than on the first request.
   *
   * @param opts path, refresh interval, fallback token
   */
  constructor(opts: TokenFileAuthOptions) {
    this.path = opts.path;
    this.#fallback = opts.fallbackToken;
    this.#interval = opts.refreshIntervalMs ?? 60_000;
    this.#origin = opts.origin;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Creates the provider and reads the file once. Throws a {@link ConfigError} if the file
   * cannot be read or is empty (unless a fallback token was given).
   *
   * @example
   * ```ts
   * import { TokenFileAuth } from "@kubeno/kube/client";
   * await Deno.writeTextFile("token", "abc");
   * const auth = await TokenFileAuth.create({ path: "token" });
   * ```
   */
  static async create(opts: TokenFileAuthOptions): Promise<TokenFileAuth> {
    const auth = new TokenFileAuth(opts);
    try {
      await auth.#refresh();
    } catch (err) {
      if (opts.fallbackToken === undefined) throw err;
    }
    return auth;
  }

  /** `Bearer <token>`, re-reading the file when the cached token is stale. */
  async authorization(): Promise<string | undefined> {
    const token = await this.#current();
    return `Bearer ${token}`;
  }

  /** Forget the cached token: the next request reads the file again. */
  invalidate(): void {
    this.#readAt = -Infinity;
  }

  async #current(): Promise<string> {
    if (this.#token !== undefined && this.#now() - this.#readAt < this.#interval) {
      return this.#token;
    }
    try {
      return await this.#refresh();
    } catch (err) {
      // A rotation in progress or a transient read error must not fail every request while
      // the previous token is still valid; retry on the next request.
      const last = this.#token ?? this.#fallback;
      if (last !== undefined) return last;
      throw err;
    }
  }

  #refresh(): Promise<string> {
    // Concurrent requests share one read.
    this.#pending ??= this.#read().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #read(): Promise<string> {
    const where = this.#origin ? ` (${this.#origin})` : "";
    let text: string;
    try {
      text = await withPermissionHintAsync(
        () => Deno.readTextFile(this.path),
        { read: this.path },
        `reading token file ${this.path}${where}`,
      );
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new ConfigError(`token file ${this.path}${where} does not exist`, {
          file: this.path,
          cause: err,
        });
      }
      if (err instanceof Error && err.name === "PermissionError") throw err;
      throw new ConfigError(`cannot read token file ${this.path}${where}: ${errorKind(err)}`, {
        file: this.path,
        cause: err,
      });
    }
    const token = text.trim();
    if (token === "") {
      throw new ConfigError(`token file ${this.path}${where} is empty`, { file: this.path });
    }
    // Checked on every read, rotations included: a bad token must never reach a request.
    const problem = headerValueProblem(token, true);
    if (problem) {
      throw new ConfigError(
        `token file ${this.path}${where}: the token ${problem}; the file must hold one token`,
        { file: this.path },
      );
    }
    this.#token = token;
    this.#readAt = this.#now();
    return token;
  }
}
