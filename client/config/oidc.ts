/**
 * The `oidc` auth provider of a kubeconfig (`users[].user.auth-provider` with `name: oidc`),
 * as client-go's: the `id-token` is sent until it is about to expire (10 s before its `exp`
 * claim), then renewed with the `refresh-token` at the token endpoint named by the issuer's
 * discovery document (`<idp-issuer-url>/.well-known/openid-configuration`), and the new tokens
 * are written back into the kubeconfig file that defines the user.
 *
 * The write keeps the file's comments, order and mode, and is atomic (a temporary file in the
 * same folder, renamed) when the program may write that folder; with `--allow-write` for the
 * file only, the file is rewritten in place. Without write permission the new tokens are kept
 * in memory and a warning says which flag would keep them.
 *
 * As client-go: `extra-scopes` is not sent when refreshing, the id-token's signature is not
 * checked (the API server does that), and a 401 does not trigger a refresh.
 *
 * @module
 */

import { KubeError } from "../../core/error.ts";
import type { AuthProvider } from "./auth.ts";
import { ConfigError } from "./error.ts";
import { base64ToBytes, untilAborted } from "./_util.ts";
import { isPermissionDenial, netPermission, permissionError } from "../permissions.ts";
import { parseYamlDocument } from "./yaml.ts";
import { isMap, isSeq, type YAMLMap } from "yaml";
import { dirname } from "node:path";

/**
 * The `config` of an `oidc` auth provider, checked.
 *
 * @example
 * ```ts
 * import type { OidcConfig } from "@kubeno/kube/client";
 * const c: OidcConfig = { issuerUrl: "https://issuer.example", clientId: "kubernetes" };
 * ```
 */
export interface OidcConfig {
  /** `idp-issuer-url`. */
  issuerUrl: string;
  /** `client-id`. */
  clientId: string;
  /** `client-secret`. */
  clientSecret?: string;
  /** `id-token`: the bearer token sent to the API server. */
  idToken?: string;
  /** `refresh-token`. */
  refreshToken?: string;
  /** `idp-certificate-authority(-data)`: PEM CAs for the issuer's TLS. */
  caCerts?: string[];
}

/**
 * Options of {@link OidcAuth}.
 *
 * @example
 * ```ts
 * import type { OidcAuthOptions } from "@kubeno/kube/client";
 * const o: OidcAuthOptions = {
 *   config: { issuerUrl: "https://issuer.example", clientId: "k8s", refreshToken: "..." },
 * };
 * ```
 */
export interface OidcAuthOptions {
  /** Issuer, client and tokens. */
  config: OidcConfig;
  /**
   * Stores renewed tokens (the kubeconfig loader writes them into the file). A rejection is
   * reported as a warning; the new tokens are used anyway.
   */
  persist?: (tokens: { idToken: string; refreshToken?: string }) => Promise<void>;
  /** Where the stanza came from, for errors: `users[0].user.auth-provider in kubeconfig /x`. */
  origin?: string;
  /** The clock, in milliseconds; for tests. @default Date.now */
  now?: () => number;
  /** Receives warnings (a token that could not be saved). @default console.warn */
  warn?: (message: string) => void;
}

/**
 * An OIDC id-token could not be used or renewed: it is not a JWT, it expired without a
 * refresh-token, or the issuer refused the refresh. The message says what to do and never
 * contains a token.
 *
 * @example
 * ```ts
 * import { Client, OidcError } from "@kubeno/kube/client";
 * try {
 *   await (await Client.tryDefault()).requestText({ method: "GET", path: "/version", query: new URLSearchParams(), headers: {} });
 * } catch (e) {
 *   if (e instanceof OidcError) console.error(e.message);
 * }
 * ```
 */
export class OidcError extends KubeError {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "OidcError";
}

/** client-go's margin: an id-token expiring within 10 s is renewed. */
const EXPIRY_DELTA_MS = 10_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks the `config` map of an `oidc` auth provider, as client-go does: `idp-issuer-url` and
 * `client-id` are required; `idp-certificate-authority-data` wins over the file, which is
 * read here. Errors name the file and field, never a value.
 *
 * @example
 * ```ts
 * import { parseOidcConfig } from "@kubeno/kube/client";
 * const c = await parseOidcConfig(
 *   { "idp-issuer-url": "https://issuer.example", "client-id": "k8s" },
 *   { file: "/root/.kube/config", field: "users[0].user.auth-provider.config" },
 * );
 * ```
 */
export async function parseOidcConfig(
  raw: unknown,
  at: { file: string; field: string },
): Promise<OidcConfig> {
  const fail = (key: string, problem: string): never => {
    const field = `${at.field}.${key}`;
    throw new ConfigError(`kubeconfig ${at.file}: ${field} ${problem}`, { file: at.file, field });
  };
  if (raw !== undefined && raw !== null && !isRecord(raw)) {
    throw new ConfigError(`kubeconfig ${at.file}: ${at.field} must be a mapping`, at);
  }
  const cfg = (raw ?? {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = cfg[k];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") fail(k, "must be a string");
    return v as string;
  };
  const issuerUrl = str("idp-issuer-url") ?? fail("idp-issuer-url", "must be provided");
  try {
    new URL(issuerUrl);
  } catch {
    fail("idp-issuer-url", "is not a valid URL");
  }
  const clientId = str("client-id") ?? fail("client-id", "must be provided");
  const out: OidcConfig = { issuerUrl, clientId };
  const secret = str("client-secret");
  if (secret !== undefined) out.clientSecret = secret;
  const id = str("id-token");
  if (id !== undefined) out.idToken = id;
  const refresh = str("refresh-token");
  if (refresh !== undefined) out.refreshToken = refresh;
  const caData = str("idp-certificate-authority-data");
  const caFile = str("idp-certificate-authority");
  if (caData !== undefined) {
    const bytes = base64ToBytes(caData);
    const pem = bytes && new TextDecoder().decode(bytes);
    if (!pem || !pem.includes("-----BEGIN ")) {
      fail("idp-certificate-authority-data", "is not base64 of PEM certificates");
    }
    out.caCerts = [pem as string];
  } else if (caFile !== undefined) {
    let pem: string;
    try {
      pem = await Deno.readTextFile(caFile);
    } catch (err) {
      if (isPermissionDenial(err)) {
        throw permissionError(
          err,
          { read: caFile },
          `reading ${caFile} (${at.field}.idp-certificate-authority in kubeconfig ${at.file})`,
        );
      }
      return fail("idp-certificate-authority", `${caFile} cannot be read: ${(err as Error).name}`);
    }
    if (!pem.includes("-----BEGIN ")) fail("idp-certificate-authority", `${caFile} is not PEM`);
    out.caCerts = [pem];
  }
  return out;
}

/**
 * The `exp` claim of a JWT, in epoch ms, or an error message (never quoting the token).
 */
function jwtExpiry(token: string): number | string {
  const parts = token.split(".");
  if (parts.length !== 3) return "is not a JWT (three dot-separated parts)";
  const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = base64ToBytes(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  let claims: unknown;
  try {
    claims = bytes && JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    claims = undefined;
  }
  if (!isRecord(claims)) return "has a payload that is not base64url JSON";
  if (typeof claims.exp !== "number") return "has no numeric exp claim";
  return Math.trunc(claims.exp) * 1000;
}

/**
 * Bearer tokens from an OIDC issuer: the id-token until 10 s before it expires, then a new one
 * through the refresh-token (one refresh at a time, however many requests wait). Printing it
 * shows the issuer and client, never a token.
 *
 * Permissions: `--allow-net` for the issuer (the error names it); `--allow-write` for the
 * kubeconfig to keep renewed tokens across runs.
 *
 * @example
 * ```ts
 * // doc:no-run: needs an OIDC issuer
 * import { OidcAuth } from "@kubeno/kube/client";
 * const auth = new OidcAuth({
 *   config: { issuerUrl: "https://issuer.example", clientId: "k8s", refreshToken: "..." },
 * });
 * const header = await auth.authorization(); // "Bearer eyJ..."
 * ```
 */
export class OidcAuth implements AuthProvider {
  /** The issuer's URL. */
  readonly issuerUrl: string;
  /** The OAuth client id. */
  readonly clientId: string;
  #cfg: OidcConfig;
  readonly #persist: OidcAuthOptions["persist"];
  readonly #origin: string;
  readonly #now: () => number;
  readonly #warn: (message: string) => void;
  #flight: Promise<string> | undefined;
  #refreshes = 0;

  /**
   * Creates the provider; nothing is fetched until the first request.
   *
   * @param opts the configuration and where to save renewed tokens
   */
  constructor(opts: OidcAuthOptions) {
    this.#cfg = { ...opts.config };
    this.issuerUrl = opts.config.issuerUrl;
    this.clientId = opts.config.clientId;
    this.#persist = opts.persist;
    this.#origin = opts.origin ? ` (${opts.origin})` : "";
    this.#now = opts.now ?? Date.now;
    this.#warn = opts.warn ?? ((m) => console.warn(m));
    Object.defineProperty(this, Symbol.for("Deno.customInspect"), {
      value: () =>
        `OidcAuth { issuerUrl: ${JSON.stringify(this.issuerUrl)}, clientId: ${
          JSON.stringify(this.clientId)
        }, refreshes: ${this.#refreshes} }`,
      enumerable: false,
    });
  }

  /** How many times the id-token has been renewed. */
  get refreshes(): number {
    return this.#refreshes;
  }

  /** Prints the issuer and client only. */
  toJSON(): { issuerUrl: string; clientId: string } {
    return { issuerUrl: this.issuerUrl, clientId: this.clientId };
  }

  /** `Bearer <id-token>`, renewed first if it is about to expire. */
  async authorization(signal?: AbortSignal): Promise<string | undefined> {
    const id = this.#cfg.idToken;
    if (id !== undefined) {
      const exp = jwtExpiry(id);
      if (typeof exp === "string") {
        throw new OidcError(`oidc${this.#origin}: the id-token ${exp}`);
      }
      if (this.#now() + EXPIRY_DELTA_MS < exp) return `Bearer ${id}`;
    }
    this.#flight ??= this.#refresh().finally(() => {
      this.#flight = undefined;
    });
    const token = await untilAborted(this.#flight, signal);
    return `Bearer ${token}`;
  }

  async #refresh(): Promise<string> {
    const where = `oidc${this.#origin}`;
    const rt = this.#cfg.refreshToken;
    if (!rt) {
      throw new OidcError(
        `${where}: the id-token has expired (or is missing) and there is no refresh-token to ` +
          `renew it; log in again to get new tokens`,
      );
    }
    const http = this.#cfg.caCerts
      ? Deno.createHttpClient({ caCerts: this.#cfg.caCerts })
      : undefined;
    try {
      const discovery = this.issuerUrl.replace(/\/$/, "") + "/.well-known/openid-configuration";
      const meta = await this.#fetchJson(http, discovery, undefined, "the discovery document");
      const endpoint = isRecord(meta) && typeof meta.token_endpoint === "string"
        ? meta.token_endpoint
        : undefined;
      if (!endpoint) {
        throw new OidcError(`${where}: the discovery document ${discovery} has no token_endpoint`);
      }
      const form = { grant_type: "refresh_token", refresh_token: rt };
      const secret = this.#cfg.clientSecret ?? "";
      // As golang.org/x/oauth2 (client-go's): client credentials in a Basic header first,
      // then in the form if the server refused that.
      let answer = await this.#tokenRequest(http, endpoint, form, {
        authorization: `Basic ${
          btoa(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(secret)}`)
        }`,
      });
      if (!answer.ok) {
        answer = await this.#tokenRequest(http, endpoint, {
          ...form,
          client_id: this.clientId,
          ...(secret ? { client_secret: secret } : {}),
        }, {});
      }
      if (!answer.ok) {
        throw new OidcError(
          `${where}: the issuer refused to renew the id-token (${answer.status}${
            answer.error ? ` ${answer.error}` : ""
          }${answer.description ? `: ${answer.description}` : ""}); the refresh-token may be ` +
            `revoked or expired: log in again to get new tokens`,
        );
      }
      const body = answer.body;
      const idToken = typeof body.id_token === "string" && body.id_token
        ? body.id_token
        : undefined;
      if (!idToken) {
        throw new OidcError(
          `${where}: the token response has no id_token: either the scope "openid" was not ` +
            `requested at login, or the issuer does not return id-tokens when refreshing`,
        );
      }
      const exp = jwtExpiry(idToken);
      if (typeof exp === "string") throw new OidcError(`${where}: the renewed id-token ${exp}`);
      const newRefresh = typeof body.refresh_token === "string" && body.refresh_token
        ? body.refresh_token
        : undefined;
      this.#cfg = {
        ...this.#cfg,
        idToken,
        ...(newRefresh ? { refreshToken: newRefresh } : {}),
      };
      this.#refreshes++;
      if (this.#persist) {
        try {
          await this.#persist({ idToken, ...(newRefresh ? { refreshToken: newRefresh } : {}) });
        } catch (err) {
          this.#warn(
            `kubeno: ${where}: the renewed tokens are kept in memory only: ${
              err instanceof Error ? err.message : String(err)
            }`,
          );
        }
      }
      return idToken;
    } finally {
      http?.close();
    }
  }

  async #fetchJson(
    http: Deno.HttpClient | undefined,
    url: string,
    init: RequestInit | undefined,
    what: string,
  ): Promise<unknown> {
    const res = await this.#fetch(http, url, init, what);
    const text = await res.text();
    if (!res.ok) {
      throw new OidcError(`oidc${this.#origin}: ${what} ${url} answered ${res.status}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new OidcError(`oidc${this.#origin}: ${what} ${url} is not JSON`);
    }
  }

  async #tokenRequest(
    http: Deno.HttpClient | undefined,
    url: string,
    form: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<
    {
      ok: boolean;
      status: number;
      body: Record<string, unknown>;
      error?: string;
      description?: string;
    }
  > {
    const res = await this.#fetch(http, url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    }, "the token endpoint");
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(await res.text());
      if (isRecord(parsed)) body = parsed;
    } catch { /* an error page: the status says enough */ }
    // Only the standard error fields are shown: they carry no credentials.
    const error = typeof body.error === "string" ? body.error.slice(0, 100) : undefined;
    const description = typeof body.error_description === "string"
      ? body.error_description.slice(0, 200)
      : undefined;
    return {
      ok: res.ok,
      status: res.status,
      body,
      ...(error ? { error } : {}),
      ...(description ? { description } : {}),
    };
  }

  async #fetch(
    http: Deno.HttpClient | undefined,
    url: string,
    init: RequestInit | undefined,
    what: string,
  ): Promise<Response> {
    try {
      return await fetch(url, { ...init, ...(http ? { client: http } : {}), redirect: "error" });
    } catch (err) {
      if (isPermissionDenial(err)) {
        throw permissionError(
          err,
          { net: netPermission(url) },
          `oidc${this.#origin}: reaching ${what}`,
        );
      }
      throw new OidcError(
        `oidc${this.#origin}: cannot reach ${what} ${url}: ${
          err instanceof Error ? err.message : err
        }`,
        { cause: err },
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing renewed tokens back

/**
 * Writes `id-token` (and `refresh-token`) into the `auth-provider.config` of user `user` in the
 * kubeconfig `file`, as kubectl does after a refresh. Comments, order and the file's mode are
 * kept; the write is atomic where the folder may be written. Throws with the flag to add when
 * Deno does not allow the write.
 *
 * @example
 * ```ts
 * // doc:no-run: rewrites your kubeconfig
 * import { persistOidcTokens } from "@kubeno/kube/client";
 * await persistOidcTokens("/root/.kube/config", "me", { idToken: "eyJ...", refreshToken: "..." });
 * ```
 */
export async function persistOidcTokens(
  file: string,
  user: string,
  tokens: { idToken: string; refreshToken?: string },
): Promise<void> {
  const text = await Deno.readTextFile(file);
  const doc = parseYamlDocument(text);
  const users = doc.get("users");
  const entry = isSeq(users)
    ? users.items.find((u): u is YAMLMap => isMap(u) && u.get("name") === user)
    : undefined;
  if (!entry) throw new ConfigError(`kubeconfig ${file}: user ${JSON.stringify(user)} is gone`);
  entry.setIn(["user", "auth-provider", "config", "id-token"], tokens.idToken);
  if (tokens.refreshToken !== undefined) {
    entry.setIn(["user", "auth-provider", "config", "refresh-token"], tokens.refreshToken);
  }
  const out = doc.toString();
  const mode = (await Deno.stat(file)).mode ?? 0o600;
  const tmp = `${dirname(file)}/.${file.split("/").pop()}.kubeno-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(tmp, out, { mode: mode & 0o777, createNew: true });
  } catch (err) {
    if (!isPermissionDenial(err)) throw err;
    // Allowed to write the file but not its folder: in place, as kubectl does.
    try {
      await Deno.writeTextFile(file, out);
      return;
    } catch (inner) {
      if (isPermissionDenial(inner)) {
        throw permissionError(inner, { write: file }, `saving renewed OIDC tokens into ${file}`);
      }
      throw inner;
    }
  }
  try {
    await Deno.chmod(tmp, mode & 0o7777);
    await Deno.rename(tmp, file);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
