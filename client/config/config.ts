/**
 * {@link Config}: everything a `Client` needs to reach an API server, and the three ways to
 * get one, as kube-rs: {@link Config.infer} (kubeconfig, else in-cluster),
 * {@link Config.fromKubeconfig} and {@link Config.inCluster}.
 *
 * @module
 */

import { ConfigError } from "./error.ts";
import { type AuthProvider, BasicAuth, NoAuth, StaticTokenAuth, TokenFileAuth } from "./auth.ts";
import { ExecAuth, execClusterInfo, parseExecConfig } from "./exec.ts";
import { authProviderAuth } from "./_auth_provider.ts";
import {
  type AuthInfo,
  type Cluster,
  type EntryOrigin,
  type EnvReader,
  findKubeconfigFiles,
  type Kubeconfig,
  type LoadedKubeconfig,
  loadKubeconfig,
  mergeKubeconfigs,
  processEnv,
  readKubeconfig,
} from "./kubeconfig.ts";
import { PermissionError, withPermissionHintAsync } from "../permissions.ts";
import {
  base64ToBytes,
  checkExecTimeout,
  checkTlsServerName,
  errorKind,
  hasCredentials,
  headerValueProblem,
  hideKeys,
  inspectAs,
  REDACTED,
  withoutCredentials,
} from "./_util.ts";

export type { AuthProvider } from "./auth.ts";

/**
 * Impersonation requested by a kubeconfig user (`as`, `as-uid`, `as-groups`,
 * `as-user-extra`); the client sends them as `Impersonate-*` headers.
 *
 * @example
 * ```ts
 * import type { Impersonation } from "@kubeno/kube/client";
 * const i: Impersonation = { user: "jane", groups: ["devs"] };
 * ```
 */
export interface Impersonation {
  /** `Impersonate-User`. */
  user?: string;
  /** `Impersonate-Uid`. */
  uid?: string;
  /** One `Impersonate-Group` header each. */
  groups?: string[];
  /** `Impersonate-Extra-<key>` headers. */
  extra?: Record<string, string[]>;
}

/**
 * How to reach and authenticate to one API server.
 *
 * Printing a Config the loaders return (`console.log`, `Deno.inspect`, `node:util` `inspect`,
 * `JSON.stringify`) hides the client key and a proxy password; the token lives inside
 * {@link AuthProvider} objects that do not show it. The key and a proxy URL with a password
 * are non-enumerable properties, so a copy (`{ ...config }`, `Object.assign`) does not carry
 * them either: set them again on the copy (`{ ...config, clientKey: config.clientKey }`) when
 * it must authenticate with the client certificate, and do not print that copy.
 *
 * @example
 * ```ts
 * import { Config } from "@kubeno/kube/client";
 * const config: Config = await Config.infer();
 * console.log(config.clusterUrl.href, config.defaultNamespace, config.source);
 * ```
 */
export interface Config {
  /**
   * The server, e.g. `https://127.0.0.1:6443`. A path prefix is kept (`https://host/k8s`)
   * without a trailing slash; the root is `/`. Request paths are appended to `pathname`.
   */
  clusterUrl: URL;
  /** The context's namespace, the in-cluster namespace file, else `default`. */
  defaultNamespace: string;
  /** PEM CA certificates to trust for the server, in addition to the system's roots (Deno). */
  caCerts?: string[];
  /** PEM client certificate (chain), for mutual TLS. */
  clientCert?: string;
  /** PEM private key of {@link Config.clientCert}. */
  clientKey?: string;
  /**
   * Do not verify the server's certificate. Deno cannot turn verification off for one
   * client; `createHttpClient` refuses such a config (see its docs for the alternatives).
   */
  insecureSkipTlsVerify?: boolean;
  /**
   * The name to verify the server's certificate against (`tls-server-name`). Deno's HttpClient
   * always verifies the URL's host and cannot override it, so only that host is accepted here:
   * the kubeconfig loaders and `createHttpClient` refuse any other name with a ConfigError.
   */
  tlsServerName?: string;
  /** An `http://`, `https://` or `socks5://` proxy URL for requests to the server. */
  proxyUrl?: string;
  /** Impersonation headers to send, if the kubeconfig user asks for them. */
  impersonate?: Impersonation;
  /** The `Authorization` header source. */
  auth: AuthProvider;
  /** Where this came from, for errors: `kubeconfig /root/.kube/config, context "admin"`. */
  source: string;
}

/**
 * Options of {@link Config.fromKubeconfig}: which file, and overrides of the context, as
 * kubectl's `--kubeconfig`, `--context`, `--cluster`, `--user` and `--namespace`.
 *
 * @example
 * ```ts
 * import type { KubeconfigOptions } from "@kubeno/kube/client";
 * const o: KubeconfigOptions = { context: "admin", namespace: "apps" };
 * ```
 */
export interface KubeconfigOptions {
  /** One kubeconfig file instead of `KUBECONFIG` / `~/.kube/config`. */
  path?: string;
  /** The context to use instead of `current-context`. */
  context?: string;
  /** The cluster to use instead of the context's. */
  cluster?: string;
  /** The user to use instead of the context's. */
  user?: string;
  /** The default namespace instead of the context's. */
  namespace?: string;
  /** Reads `KUBECONFIG` and `HOME`. @default the process environment */
  env?: EnvReader;
  /**
   * How long one run of the user's exec credential plugin may take before it is stopped
   * (kubectl has no limit; a plugin that opens a browser for a login may need more than the
   * default). `Infinity` waits as long as it takes. Not a positive number: a `RangeError`.
   * Without an `exec` user it is checked and unused.
   *
   * @default {120_000}
   *
   * @example
   * ```ts
   * import { Client, Config } from "@kubeno/kube";
   * // A login through a browser (kubelogin, gke-gcloud-auth-plugin) may take a while.
   * const client = new Client(await Config.infer({ execTimeoutMs: 10 * 60_000 }));
   * ```
   */
  execTimeoutMs?: number;
}

/**
 * Options of {@link Config.inCluster}.
 *
 * @example
 * ```ts
 * import type { InClusterOptions } from "@kubeno/kube/client";
 * const o: InClusterOptions = { serviceAccountDir: "/tmp/sa" };
 * ```
 */
export interface InClusterOptions {
  /**
   * The folder with `token`, `ca.crt` and `namespace`.
   * @default "/var/run/secrets/kubernetes.io/serviceaccount" (SERVICE_ACCOUNT_DIR)
   */
  serviceAccountDir?: string;
  /** Reads `KUBERNETES_SERVICE_HOST` and `_PORT`. @default the process environment */
  env?: EnvReader;
  /** How often the token file is re-read, in milliseconds. @default 60000 */
  tokenRefreshIntervalMs?: number;
}

/**
 * Options of {@link Config.infer}: those of the kubeconfig and in-cluster loaders.
 *
 * @example
 * ```ts
 * import type { InferOptions } from "@kubeno/kube/client";
 * const o: InferOptions = { context: "admin" };
 * ```
 */
export interface InferOptions extends Omit<KubeconfigOptions, "path">, InClusterOptions {}

/**
 * The service account folder every pod gets (unless automounting is off).
 *
 * @example
 * ```ts
 * import { SERVICE_ACCOUNT_DIR } from "@kubeno/kube/client";
 * console.log(`${SERVICE_ACCOUNT_DIR}/token`);
 * ```
 */
export const SERVICE_ACCOUNT_DIR: string = "/var/run/secrets/kubernetes.io/serviceaccount";

// ---------------------------------------------------------------------------------------------
// kubeconfig

/**
 * A Config from the kubeconfig kubectl would use (`KUBECONFIG`, merged, else
 * `~/.kube/config`) or from `opts.path`, with the current or the named context.
 *
 * @example
 * ```ts
 * import { configFromKubeconfig } from "@kubeno/kube/client";
 * const config = await configFromKubeconfig({ context: "admin" });
 * ```
 */
export async function configFromKubeconfig(opts: KubeconfigOptions = {}): Promise<Config> {
  const loaded = await loadKubeconfig({
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    env: opts.env ?? processEnv,
  });
  return configFromCustomKubeconfig(loaded, opts);
}

/**
 * A Config from a kubeconfig already in memory: a {@link Kubeconfig} (e.g. from
 * `parseKubeconfig`) or a {@link LoadedKubeconfig}. Relative paths in a bare
 * Kubeconfig are relative to the working directory.
 *
 * @example
 * ```ts
 * import { configFromCustomKubeconfig, parseKubeconfig } from "@kubeno/kube/client";
 * const path = Deno.env.get("KUBECONFIG") ?? `${Deno.env.get("HOME")}/.kube/config`;
 * const kc = parseKubeconfig(await Deno.readTextFile(path), path);
 * const config = await configFromCustomKubeconfig(kc, { context: kc["current-context"] });
 * ```
 */
export async function configFromCustomKubeconfig(
  kubeconfig: Kubeconfig | LoadedKubeconfig,
  opts: Omit<KubeconfigOptions, "path" | "env"> = {},
): Promise<Config> {
  // Checked whether or not the user runs a plugin: a wrong value is wrong everywhere.
  const execTimeoutMs = checkExecTimeout(opts.execTimeoutMs, "execTimeoutMs");
  const loaded = "origins" in kubeconfig
    ? kubeconfig
    : mergeKubeconfigs([{ file: "(inline)", kubeconfig }]);
  const { context, ctxFile, cluster, clusterField, user, userName, userField, userFile } =
    resolveEntries(loaded, opts);
  if (!cluster.server) {
    const w = clusterField("server");
    throw new ConfigError(`kubeconfig ${w.file}: ${w.field} is missing`, w);
  }
  const config: Config = {
    clusterUrl: parseServer(cluster.server, clusterField("server")),
    defaultNamespace: opts.namespace || context.context.namespace || "default",
    auth: new NoAuth(),
    source: `kubeconfig ${ctxFile}, context ${JSON.stringify(context.name)}`,
  };
  await serverTrust(config, cluster, clusterField);
  // Credentials.
  const provider = user["auth-provider"]
    ? await authProviderAuth(
      user["auth-provider"],
      !!user.exec,
      userField("auth-provider"),
      userName,
      userFile,
    )
    : undefined;
  const exec = user.exec ? parseExecConfig(user.exec, userField("exec")) : undefined;
  await clientCertificate(config, user, userField);
  checkHeaderValues(user, userField);
  const auth = await credentials(user, userField);
  if (auth) {
    config.auth = auth;
  } else if (provider) {
    config.auth = provider;
  } else if (exec && config.clientCert === undefined) {
    // As client-go: a token, basic auth or a client certificate in the user wins over exec.
    const w = userField("exec");
    config.auth = new ExecAuth({
      exec,
      cluster: execClusterInfo(cluster, config),
      origin: `${w.field} in kubeconfig ${w.file}`,
      timeoutMs: execTimeoutMs,
    });
  }
  const imp = impersonation(user);
  if (imp) config.impersonate = imp;
  return redacted(config);
}

type Where = { file: string; field: string };

/** The context, cluster and user a kubeconfig names for `opts`, and where each field is. */
function resolveEntries(
  loaded: LoadedKubeconfig,
  opts: Pick<KubeconfigOptions, "context" | "cluster" | "user">,
) {
  const kc = loaded.kubeconfig;
  const files = loaded.files.join(", ");
  const at = (o: EntryOrigin | undefined, list: string, key: string): Where =>
    o ? { file: o.file, field: `${list}[${o.index}].${key}` } : { file: files, field: list };

  const contextName = opts.context ?? kc["current-context"];
  if (!contextName) {
    throw new ConfigError(
      `kubeconfig ${files}: current-context is not set and no context was given; ` +
        `pass { context } or run kubectl config use-context NAME (${
          listNames("contexts", kc.contexts)
        })`,
      { file: files, field: "current-context" },
    );
  }
  const context = kc.contexts.find((c) => c.name === contextName);
  if (!context) {
    const from = opts.context !== undefined
      ? `context ${JSON.stringify(contextName)} (requested)`
      : `current-context ${JSON.stringify(contextName)}`;
    const file = opts.context !== undefined ? files : loaded.origins.currentContext ?? files;
    throw new ConfigError(
      `kubeconfig ${file}: ${from} is not defined in contexts (${
        listNames("contexts", kc.contexts)
      })`,
      opts.context !== undefined ? { file } : { file, field: "current-context" },
    );
  }
  const ctxOrigin = loaded.origins.contexts.get(context.name);

  const clusterName = opts.cluster ?? context.context.cluster;
  const cluster = kc.clusters.find((c) => c.name === clusterName);
  if (!cluster) {
    const where = opts.cluster !== undefined
      ? { file: files, field: "cluster (requested)" }
      : at(ctxOrigin, "contexts", "context.cluster");
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} ${
        JSON.stringify(clusterName)
      } is not defined in clusters (${listNames("clusters", kc.clusters)})`,
      where,
    );
  }
  const clOrigin = loaded.origins.clusters.get(cluster.name);

  // The user: none means anonymous (or client certificates from nowhere: none).
  const userName = opts.user ?? context.context.user;
  let user: AuthInfo = {};
  let usOrigin: EntryOrigin | undefined;
  if (userName) {
    const named = kc.users.find((u) => u.name === userName);
    if (!named) {
      const where = opts.user !== undefined
        ? { file: files, field: "user (requested)" }
        : at(ctxOrigin, "contexts", "context.user");
      throw new ConfigError(
        `kubeconfig ${where.file}: ${where.field} ${
          JSON.stringify(userName)
        } is not defined in users (${listNames("users", kc.users)})`,
        where,
      );
    }
    user = named.user;
    usOrigin = loaded.origins.users.get(named.name);
  }
  return {
    context,
    ctxFile: ctxOrigin?.file ?? files,
    cluster: cluster.cluster,
    clusterField: (key: string) => at(clOrigin, "clusters", `cluster.${key}`),
    user,
    userName,
    userField: (key: string) => at(usOrigin, "users", `user.${key}`),
    userFile: usOrigin && usOrigin.file !== "(inline)" ? usOrigin.file : undefined,
  };
}

/** The cluster's CA, insecure-skip-tls-verify, tls-server-name and proxy-url, into `config`. */
async function serverTrust(
  config: Config,
  c: Cluster,
  clusterField: (key: string) => Where,
): Promise<void> {
  if (c["certificate-authority-data"]) {
    const w = clusterField("certificate-authority-data");
    config.caCerts = [pemFromData(c["certificate-authority-data"], w)];
  } else if (c["certificate-authority"]) {
    const w = clusterField("certificate-authority");
    config.caCerts = [await pemFromFile(c["certificate-authority"], w)];
  }
  if (c["insecure-skip-tls-verify"]) config.insecureSkipTlsVerify = true;
  if (c["tls-server-name"]) {
    const w = clusterField("tls-server-name");
    config.tlsServerName = checkTlsServerName(c["tls-server-name"], config.clusterUrl, {
      source: `kubeconfig ${w.file}`,
      ...w,
    });
  }
  if (c["proxy-url"]) {
    config.proxyUrl = checkProxy(c["proxy-url"], clusterField("proxy-url"));
  }
}

/** The user's client certificate and key (both or neither), into `config`. */
async function clientCertificate(
  config: Config,
  user: AuthInfo,
  userField: (key: string) => Where,
): Promise<void> {
  if (user["client-certificate-data"]) {
    const w = userField("client-certificate-data");
    config.clientCert = pemFromData(user["client-certificate-data"], w);
  } else if (user["client-certificate"]) {
    const w = userField("client-certificate");
    config.clientCert = await pemFromFile(user["client-certificate"], w);
  }
  if (user["client-key-data"]) {
    config.clientKey = pemFromData(user["client-key-data"], userField("client-key-data"));
  } else if (user["client-key"]) {
    config.clientKey = await pemFromFile(user["client-key"], userField("client-key"));
  }
  if ((config.clientCert === undefined) !== (config.clientKey === undefined)) {
    const w = userField(config.clientCert ? "client-key" : "client-certificate");
    throw new ConfigError(
      `kubeconfig ${w.file}: ${w.field} is missing: a client certificate needs its key ` +
        `(client-certificate[-data] and client-key[-data] go together)`,
      w,
    );
  }
}

/**
 * Values that become headers are checked here, where the file and field are known: later,
 * fetch would refuse them with the value in its message, as a retryable network error.
 */
function checkHeaderValues(user: AuthInfo, userField: (key: string) => Where): void {
  const headerField = (key: string, value: string, ascii: boolean) => {
    const problem = headerValueProblem(value, ascii);
    if (!problem) return;
    const w = userField(key);
    throw new ConfigError(
      `kubeconfig ${w.file}: ${w.field} ${problem}, so it cannot be sent in an HTTP header`,
      w,
    );
  };
  if (user.token) headerField("token", user.token, true);
  if (user.as) headerField("as", user.as, false);
  if (user["as-uid"]) headerField("as-uid", user["as-uid"], false);
  user["as-groups"]?.forEach((g, i) => headerField(`as-groups[${i}]`, g, false));
  for (const [key, values] of Object.entries(user["as-user-extra"] ?? {})) {
    headerField(`as-user-extra (a key)`, key, false);
    values.forEach((v, i) => headerField(`as-user-extra.${key}[${i}]`, v, false));
  }
}

/** A token, token file or basic auth of the user (only one may be set), else undefined. */
async function credentials(
  user: AuthInfo,
  userField: (key: string) => Where,
): Promise<AuthProvider | undefined> {
  const hasToken = !!(user.token || user.tokenFile);
  const hasBasic = !!(user.username || user.password);
  if (hasToken && hasBasic) {
    const w = userField("username");
    throw new ConfigError(
      `kubeconfig ${w.file}: ${
        w.field.replace(/\.username$/, "")
      } has both a token and username/password; only one authentication method is allowed`,
      w,
    );
  }
  if (user.tokenFile) {
    const w = userField("tokenFile");
    return await TokenFileAuth.create({
      path: user.tokenFile,
      origin: `${w.field} in kubeconfig ${w.file}`,
      ...(user.token ? { fallbackToken: user.token } : {}),
    });
  }
  if (user.token) return new StaticTokenAuth(user.token);
  if (!hasBasic) return undefined;
  if (!user.username || user.password === undefined) {
    const w = userField(user.username ? "password" : "username");
    throw new ConfigError(
      `kubeconfig ${w.file}: ${w.field} is missing (basic auth needs username and password)`,
      w,
    );
  }
  return new BasicAuth(user.username, user.password);
}

/** The user's `as`, `as-uid`, `as-groups` and `as-user-extra`, if any. */
function impersonation(user: AuthInfo): Impersonation | undefined {
  const imp: Impersonation = {};
  if (user.as) imp.user = user.as;
  if (user["as-uid"]) imp.uid = user["as-uid"];
  if (user["as-groups"]?.length) imp.groups = [...user["as-groups"]];
  if (user["as-user-extra"]) imp.extra = user["as-user-extra"];
  return Object.keys(imp).length > 0 ? imp : undefined;
}

function listNames(list: string, entries: readonly { name: string }[]): string {
  if (entries.length === 0) return `no ${list} are defined`;
  return `defined: ${entries.map((e) => JSON.stringify(e.name)).join(", ")}`;
}

function parseServer(server: string, where: { file: string; field: string }): URL {
  // client-go accepts a bare host:port and assumes https.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (err) {
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} is not a valid URL`,
      { ...where, cause: err },
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} must be an https:// (or http://) URL, ` +
        `not ${url.protocol}//`,
      where,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} must not contain credentials; ` +
        `put them in the user`,
      where,
    );
  }
  return normalizeClusterUrl(url);
}

/**
 * The server URL with query and fragment dropped and no trailing slash on a path prefix,
 * so that `url.pathname.replace(/\/$/, "") + "/api/v1"` is always right.
 *
 * @example
 * ```ts
 * import { normalizeClusterUrl } from "@kubeno/kube/client";
 * normalizeClusterUrl(new URL("https://h:6443/prefix/")).href; // "https://h:6443/prefix"
 * ```
 */
export function normalizeClusterUrl(url: URL): URL {
  const out = new URL(url.href);
  out.search = "";
  out.hash = "";
  if (out.pathname.length > 1 && out.pathname.endsWith("/")) {
    out.pathname = out.pathname.replace(/\/+$/, "") || "/";
  }
  return out;
}

function checkProxy(proxy: string, where: { file: string; field: string }): string {
  let url: URL;
  try {
    url = new URL(proxy);
  } catch (err) {
    throw new ConfigError(`kubeconfig ${where.file}: ${where.field} is not a valid URL`, {
      ...where,
      cause: err,
    });
  }
  if (!["http:", "https:", "socks5:", "socks5h:"].includes(url.protocol)) {
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} must be an http://, https:// or socks5:// URL`,
      where,
    );
  }
  return proxy;
}

function pemFromData(data: string, where: { file: string; field: string }): string {
  const bytes = base64ToBytes(data);
  if (!bytes) {
    throw new ConfigError(`kubeconfig ${where.file}: ${where.field} is not valid base64`, where);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = "";
  }
  if (!text.includes("-----BEGIN ")) {
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} does not decode to PEM ` +
        `(expected base64 of a "-----BEGIN ...-----" block)`,
      where,
    );
  }
  return text;
}

async function pemFromFile(path: string, where: { file: string; field: string }): Promise<string> {
  let text: string;
  try {
    text = await withPermissionHintAsync(
      () => Deno.readTextFile(path),
      { read: path },
      `reading ${path} (${where.field} in kubeconfig ${where.file})`,
    );
  } catch (err) {
    if (err instanceof Error && err.name === "PermissionError") throw err;
    const why = err instanceof Deno.errors.NotFound ? "does not exist" : errorKind(err);
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} ${path}: ${why}`,
      { ...where, cause: err },
    );
  }
  if (!text.includes("-----BEGIN ")) {
    throw new ConfigError(
      `kubeconfig ${where.file}: ${where.field} ${path} is not a PEM file ` +
        `(no "-----BEGIN ...-----" block)`,
      where,
    );
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// in-cluster

/**
 * A Config for a program running in a pod: the API server from `KUBERNETES_SERVICE_HOST` and
 * `KUBERNETES_SERVICE_PORT`, the service account's token (re-read every minute as the kubelet
 * rotates it), CA and namespace from `/var/run/secrets/kubernetes.io/serviceaccount`.
 *
 * @example
 * ```ts
 * // doc:no-run: runs in a pod
 * import { inClusterConfig } from "@kubeno/kube/client";
 * const config = await inClusterConfig();
 * ```
 */
export async function inClusterConfig(opts: InClusterOptions = {}): Promise<Config> {
  const env = opts.env ?? processEnv;
  const host = env("KUBERNETES_SERVICE_HOST");
  const port = env("KUBERNETES_SERVICE_PORT");
  if (!host || !port) {
    const missing = [!host && "KUBERNETES_SERVICE_HOST", !port && "KUBERNETES_SERVICE_PORT"]
      .filter(Boolean).join(" and ");
    throw new ConfigError(
      `in-cluster config: ${missing} ${
        missing.includes(" and ") ? "are" : "is"
      } not set (not running in a pod?)`,
    );
  }
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  let clusterUrl: URL;
  try {
    clusterUrl = new URL(`https://${hostPart}:${port}`);
  } catch (err) {
    throw new ConfigError(
      `in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT do not make ` +
        `a valid URL (https://${hostPart}:${port})`,
      { cause: err },
    );
  }
  const dir = (opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR).replace(/\/+$/, "");
  const tokenPath = `${dir}/token`;
  const caPath = `${dir}/ca.crt`;
  const nsPath = `${dir}/namespace`;

  let auth: TokenFileAuth;
  try {
    auth = await TokenFileAuth.create({
      path: tokenPath,
      origin: "in-cluster service account token",
      ...(opts.tokenRefreshIntervalMs !== undefined
        ? { refreshIntervalMs: opts.tokenRefreshIntervalMs }
        : {}),
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const hint = err.cause instanceof Deno.errors.NotFound
      ? " (is automountServiceAccountToken false for this pod?)"
      : "";
    throw new ConfigError(`in-cluster config: ${err.message}${hint}`, {
      file: tokenPath,
      cause: err,
    });
  }
  const ca = await readServiceAccountFile(caPath, "CA certificate");
  if (ca === undefined) {
    throw new ConfigError(`in-cluster config: the CA certificate ${caPath} does not exist`, {
      file: caPath,
    });
  }
  if (!ca.includes("-----BEGIN ")) {
    throw new ConfigError(`in-cluster config: ${caPath} is not a PEM file`, { file: caPath });
  }
  const namespace = (await readServiceAccountFile(nsPath, "namespace"))?.trim();

  return redacted({
    clusterUrl,
    defaultNamespace: namespace || "default",
    caCerts: [ca],
    auth,
    source: `in-cluster (https://${hostPart}:${port}, ${dir})`,
  });
}

async function readServiceAccountFile(path: string, what: string): Promise<string | undefined> {
  try {
    return await withPermissionHintAsync(
      () => Deno.readTextFile(path),
      { read: path },
      `in-cluster config: reading the ${what} ${path}`,
    );
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    if (err instanceof Error && err.name === "PermissionError") throw err;
    throw new ConfigError(`in-cluster config: cannot read ${path}: ${errorKind(err)}`, {
      file: path,
      cause: err,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// infer

/**
 * The Config a program should use where it runs, as kube-rs' `Config::infer`: the kubeconfig
 * if `KUBECONFIG` is set or `~/.kube/config` exists, else in-cluster, else a
 * {@link ConfigError} that says what was tried and why each failed. A kubeconfig that exists
 * but is broken is reported as such, never silently skipped for in-cluster.
 *
 * Permissions: locally `--allow-env=KUBECONFIG,HOME` and `--allow-read` of the kubeconfig and
 * the files it names; in a pod `--allow-env=KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT`
 * and `--allow-read=/var/run/secrets/kubernetes.io/serviceaccount` are enough: when looking
 * for a kubeconfig is not permitted, in-cluster is tried before reporting the missing flag.
 *
 * @example
 * ```ts
 * import { inferConfig } from "@kubeno/kube/client";
 * const config = await inferConfig();
 * console.log(config.source);
 * ```
 */
export async function inferConfig(opts: InferOptions = {}): Promise<Config> {
  checkExecTimeout(opts.execTimeoutMs, "execTimeoutMs");
  const env = opts.env ?? processEnv;
  let found: Awaited<ReturnType<typeof findKubeconfigFiles>>;
  try {
    found = await findKubeconfigFiles(env);
  } catch (err) {
    if (!(err instanceof PermissionError)) throw err;
    // Not allowed to look for a kubeconfig (`$KUBECONFIG`, `$HOME`, `~/.kube/config`): a
    // program granted only the in-cluster variables and files means in-cluster. If that
    // fails too, the kubeconfig's permission error is the one to show.
    try {
      return await inClusterConfig({ ...opts, env });
    } catch {
      throw err;
    }
  }
  if ("files" in found) {
    const parts = [];
    for (const file of found.files) {
      parts.push({ file, kubeconfig: await readKubeconfig(file) });
    }
    return configFromCustomKubeconfig(mergeKubeconfigs(parts), opts);
  }
  try {
    return await inClusterConfig({ ...opts, env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      `no Kubernetes configuration found. Tried:\n` +
        `  1. kubeconfig: ${found.missing}\n` +
        `  2. ${err.message}\n` +
        `Set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account.`,
      { cause: err },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// hiding secrets when a Config is printed or copied

function redacted(config: Config): Config {
  // The key, and a proxy URL with a password, live in a closure: a copy ({...config},
  // Object.assign) has no hook to redact them, so it must not have them at all.
  hideKeys(config, ["clientKey"]);
  if (config.proxyUrl !== undefined && hasCredentials(config.proxyUrl)) {
    hideKeys(config, ["proxyUrl"]);
  }
  const shown = () => ({
    ...config,
    clusterUrl: config.clusterUrl.href,
    ...(config.clientKey !== undefined ? { clientKey: REDACTED } : {}),
    ...(config.proxyUrl !== undefined ? { proxyUrl: withoutCredentials(config.proxyUrl) } : {}),
    caCerts: config.caCerts ? `${config.caCerts.length} PEM` : undefined,
  });
  Object.defineProperty(config, "toJSON", { value: shown, configurable: true });
  inspectAs(config, "Config", shown);
  return config;
}

// ---------------------------------------------------------------------------------------------
// the namespace

/**
 * The static side of {@link Config}: `Config.infer()`, `Config.fromKubeconfig()`,
 * `Config.inCluster()`, `Config.fromCustomKubeconfig()`.
 *
 * @example
 * ```ts
 * import { Config } from "@kubeno/kube/client";
 * const config = await Config.infer();
 * ```
 */
export interface ConfigLoaders {
  /** {@link inferConfig}. */
  infer(opts?: InferOptions): Promise<Config>;
  /** {@link configFromKubeconfig}. */
  fromKubeconfig(opts?: KubeconfigOptions): Promise<Config>;
  /** {@link configFromCustomKubeconfig}. */
  fromCustomKubeconfig(
    kubeconfig: Kubeconfig | LoadedKubeconfig,
    opts?: Omit<KubeconfigOptions, "path" | "env">,
  ): Promise<Config>;
  /** {@link inClusterConfig}. */
  inCluster(opts?: InClusterOptions): Promise<Config>;
}

/**
 * Loaders of {@link Config}, named as kube-rs' `Config::infer`, `from_kubeconfig`,
 * `from_custom_kubeconfig` and `incluster`.
 *
 * @example
 * ```ts
 * import { Config } from "@kubeno/kube/client";
 * const local = await Config.fromKubeconfig(); // the current context; or { context: "admin" }
 * const where = Deno.env.get("KUBERNETES_SERVICE_HOST") ? await Config.inCluster() : local;
 * ```
 */
export const Config: ConfigLoaders = Object.freeze({
  infer: inferConfig,
  fromKubeconfig: configFromKubeconfig,
  fromCustomKubeconfig: configFromCustomKubeconfig,
  inCluster: inClusterConfig,
});
