/**
 * Kubeconfig files: the types of the file, parsing with errors that name the file and field,
 * and loading and merging as kubectl does (`KUBECONFIG` with several files, else
 * `~/.kube/config`).
 *
 * Field names are those of the file (`certificate-authority-data`, `tokenFile`), so a type
 * error points at the same word the user sees in their YAML.
 *
 * @module
 */

import {
  checkYamlCharacters,
  decodeKubeconfigBytes,
  KubeconfigYamlError,
  parseFirstDocument,
  toGoValue,
} from "./_kubeconfig_yaml.ts";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError } from "./error.ts";
import { readEnv, withPermissionHintAsync } from "../permissions.ts";
import {
  errorKind,
  hasCredentials,
  hideKeys,
  inspectAs,
  REDACTED,
  withHidden,
  withoutCredentials,
} from "./_util.ts";

/**
 * A kubeconfig file, as written (a `kind: Config`, `apiVersion: v1` document).
 *
 * @example
 * ```ts
 * import type { Kubeconfig } from "@kubeno/kube/client";
 * const kc: Kubeconfig = {
 *   "current-context": "dev",
 *   clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
 *   users: [{ name: "u", user: { token: "abc" } }],
 *   contexts: [{ name: "dev", context: { cluster: "c", user: "u", namespace: "apps" } }],
 * };
 * ```
 */
export interface Kubeconfig {
  /** `v1`. */
  apiVersion?: string;
  /** `Config`. */
  kind?: string;
  /** The context used when none is named. */
  "current-context"?: string;
  /** Clusters by name. */
  clusters: NamedCluster[];
  /** Users (credentials) by name. */
  users: NamedAuthInfo[];
  /** Contexts (cluster + user + namespace) by name. */
  contexts: NamedContext[];
  /** Kubectl preferences; kept, not used. */
  preferences?: Record<string, unknown>;
}

/**
 * A named entry of `clusters`.
 *
 * @example
 * ```ts
 * import type { NamedCluster } from "@kubeno/kube/client";
 * const c: NamedCluster = { name: "local", cluster: { server: "https://127.0.0.1:6443" } };
 * ```
 */
export interface NamedCluster {
  /** The cluster's name, referred to by contexts. */
  name: string;
  /** How to reach it. */
  cluster: Cluster;
}

/**
 * How to reach an API server.
 *
 * @example
 * ```ts
 * import type { Cluster } from "@kubeno/kube/client";
 * const c: Cluster = { server: "https://127.0.0.1:6443", "certificate-authority": "ca.crt" };
 * ```
 */
export interface Cluster {
  /** `https://host:port`, optionally with a path prefix. */
  server?: string;
  /** A PEM file of CA certificates; relative paths are relative to the kubeconfig's folder. */
  "certificate-authority"?: string;
  /** Base64 of PEM CA certificates; wins over `certificate-authority`. */
  "certificate-authority-data"?: string;
  /** Skip server certificate verification (not supported per client by Deno, see `tls.ts`). */
  "insecure-skip-tls-verify"?: boolean;
  /** An `http://`, `https://` or `socks5://` proxy for requests to this cluster. */
  "proxy-url"?: string;
  /**
   * Server name to verify the certificate against. Deno cannot verify another name than the
   * server URL's host, so loading a context whose cluster sets another name fails (`tls.ts`).
   */
  "tls-server-name"?: string;
  /** Ask the server not to compress responses. */
  "disable-compression"?: boolean;
  /** Named extensions; `client.authentication.k8s.io/exec` is passed to exec plugins. */
  extensions?: { name: string; extension: unknown }[];
}

/**
 * A named entry of `users`.
 *
 * @example
 * ```ts
 * import type { NamedAuthInfo } from "@kubeno/kube/client";
 * const u: NamedAuthInfo = { name: "admin", user: { tokenFile: "/run/token" } };
 * ```
 */
export interface NamedAuthInfo {
  /** The user's name, referred to by contexts. */
  name: string;
  /** The credentials. */
  user: AuthInfo;
}

/**
 * Credentials.
 *
 * In an AuthInfo from {@link parseKubeconfig}, `token`, `password`, `client-key-data`, `exec`
 * and `auth-provider` are non-enumerable properties: printing it (`console.log`,
 * `Deno.inspect`, `node:util`) shows `<redacted>` for them, and copies (`{ ...user }`,
 * `Object.assign`, `structuredClone`) leave them out. `JSON.stringify` keeps them: it writes the
 * kubeconfig back. The same holds for a cluster's `proxy-url` with a password.
 *
 * @example
 * ```ts
 * import type { AuthInfo } from "@kubeno/kube/client";
 * const a: AuthInfo = { "client-certificate": "admin.crt", "client-key": "admin.key" };
 * ```
 */
export interface AuthInfo {
  /** A bearer token. */
  token?: string;
  /** A file holding a bearer token, re-read as it changes; wins over `token` once read. */
  tokenFile?: string;
  /** A PEM client certificate file. */
  "client-certificate"?: string;
  /** Base64 of a PEM client certificate; wins over `client-certificate`. */
  "client-certificate-data"?: string;
  /** A PEM private key file. */
  "client-key"?: string;
  /** Base64 of a PEM private key; wins over `client-key`. */
  "client-key-data"?: string;
  /** Basic auth user name. */
  username?: string;
  /** Basic auth password. */
  password?: string;
  /** User to impersonate. */
  as?: string;
  /** UID to impersonate. */
  "as-uid"?: string;
  /** Groups to impersonate. */
  "as-groups"?: string[];
  /** Extra fields to impersonate. */
  "as-user-extra"?: Record<string, string[]>;
  /** An exec credential plugin, checked by `parseExecConfig` when the user is used. */
  exec?: Record<string, unknown>;
  /** An auth provider such as `oidc`. */
  "auth-provider"?: Record<string, unknown>;
}

/**
 * A named entry of `contexts`.
 *
 * @example
 * ```ts
 * import type { NamedContext } from "@kubeno/kube/client";
 * const c: NamedContext = { name: "dev", context: { cluster: "local", user: "admin" } };
 * ```
 */
export interface NamedContext {
  /** The context's name. */
  name: string;
  /** Cluster, user and namespace. */
  context: Context;
}

/**
 * A cluster, a user and a default namespace.
 *
 * @example
 * ```ts
 * import type { Context } from "@kubeno/kube/client";
 * const c: Context = { cluster: "local", user: "admin", namespace: "apps" };
 * ```
 */
export interface Context {
  /** Name of an entry of `clusters`. */
  cluster: string;
  /** Name of an entry of `users`; none means anonymous. */
  user?: string;
  /** The namespace used when a call names none. */
  namespace?: string;
}

/**
 * Which file defined an entry, and its index in that file's list (for error messages).
 *
 * @example
 * ```ts
 * import type { EntryOrigin } from "@kubeno/kube/client";
 * const o: EntryOrigin = { file: "/root/.kube/config", index: 2 };
 * ```
 */
export interface EntryOrigin {
  /** The kubeconfig file, or `(inline)` for one given as text. */
  file: string;
  /** Index in that file's `clusters`, `users` or `contexts`. */
  index: number;
}

/**
 * One or more kubeconfig files merged, with where each entry came from.
 *
 * @example
 * ```ts
 * import { loadKubeconfig } from "@kubeno/kube/client";
 * const loaded = await loadKubeconfig();
 * console.log(loaded.files, loaded.kubeconfig["current-context"]);
 * ```
 */
export interface LoadedKubeconfig {
  /** The merged configuration; relative paths already made absolute. */
  kubeconfig: Kubeconfig;
  /** The files read, in order of precedence. */
  files: string[];
  /** Where each cluster, user and context (by name) and the current context came from. */
  origins: {
    clusters: Map<string, EntryOrigin>;
    users: Map<string, EntryOrigin>;
    contexts: Map<string, EntryOrigin>;
    currentContext?: string;
  };
}

/**
 * Reads an environment variable. The default reads the process environment and turns a
 * missing `--allow-env` into a `PermissionError`; tests pass a function over a record.
 *
 * @example
 * ```ts
 * import type { EnvReader } from "@kubeno/kube/client";
 * const env: EnvReader = (name) => ({ HOME: "/home/me" } as Record<string, string>)[name];
 * ```
 */
export type EnvReader = (name: string) => string | undefined;

/**
 * The environment variables configuration loading reads, listed together in one
 * `--allow-env` hint so a user does not discover them one run at a time.
 *
 * @example
 * ```ts
 * import { CONFIG_ENV_VARS } from "@kubeno/kube/client";
 * console.log(`--allow-env=${CONFIG_ENV_VARS.join(",")}`);
 * ```
 */
export const CONFIG_ENV_VARS: readonly string[] = [
  "KUBECONFIG",
  "HOME",
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
];

/**
 * The default {@link EnvReader}: the process environment, where a missing `--allow-env`
 * becomes a `PermissionError` naming every variable configuration loading reads.
 *
 * @example
 * ```ts
 * import { processEnv } from "@kubeno/kube/client";
 * const kubeconfig = processEnv("KUBECONFIG");
 * ```
 */
export function processEnv(name: string): string | undefined {
  return readEnv(name, CONFIG_ENV_VARS);
}

const INLINE = "(inline)";

function label(file: string): string {
  return `kubeconfig ${file}`;
}

function fail(file: string, field: string | undefined, problem: string, cause?: unknown): never {
  const where = field ? `${field} ` : "";
  throw new ConfigError(`${label(file)}: ${where}${problem}`, {
    file,
    ...(field ? { field } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `a ${typeof v}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const CLUSTER_STRINGS = [
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "proxy-url",
  "tls-server-name",
] as const;
const CLUSTER_BOOLS = ["insecure-skip-tls-verify", "disable-compression"] as const;
const USER_STRINGS = [
  "token",
  "tokenFile",
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "username",
  "password",
  "as",
  "as-uid",
] as const;
const CLUSTER_PATHS = ["certificate-authority"] as const;
const USER_PATHS = ["tokenFile", "client-certificate", "client-key"] as const;

/**
 * Parses and checks a kubeconfig document. Relative paths are resolved against the folder
 * of `file` when one is given. Throws a {@link ConfigError} naming the file, the line and
 * column for YAML errors, and the field for type errors; values are never quoted, so a
 * token cannot end up in a log.
 *
 * The document is read as kubectl reads it (client-go: go-yaml v2, then JSON), not as YAML 1.2:
 * given bytes, a UTF-16 or UTF-8 byte order mark picks the encoding, else it must be valid
 * UTF-8; control characters are refused; `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `<<`
 * merge keys apply in document order, `!!binary` is decoded, the last of duplicate keys wins and
 * only the first document counts.
 *
 * @example
 * ```ts
 * import { parseKubeconfig } from "@kubeno/kube/client";
 * const kc = parseKubeconfig(`
 * clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]
 * contexts: [{ name: dev, context: { cluster: c } }]
 * current-context: dev
 * `);
 * ```
 */
export function parseKubeconfig(text: string | Uint8Array, file?: string): Kubeconfig {
  const name = file ?? INLINE;
  let raw: unknown;
  try {
    const source = typeof text === "string"
      ? text.replace(/^\uFEFF/, "")
      : decodeKubeconfigBytes(text);
    checkYamlCharacters(source);
    const doc = parseFirstDocument(source);
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      // yaml's message ends with a snippet of the source, which may hold a token: keep the
      // description only and give the position.
      const what = e.message.split(" at line ")[0].replace(/:$/, "");
      const pos = e.linePos?.[0];
      const at = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
      // Not the yaml error as `cause`: console.log of the ConfigError would print its snippet.
      fail(name, undefined, `is not valid YAML: ${what}${at}`);
    }
    raw = toGoValue(doc);
  } catch (err) {
    if (!(err instanceof KubeconfigYamlError)) throw err;
    fail(name, err.path || undefined, err.message);
  }
  if (raw === null || raw === undefined) raw = {};
  if (!isRecord(raw)) fail(name, undefined, `must be a mapping, got ${typeName(raw)}`);
  const base = file !== undefined ? dirname(resolve(file)) : undefined;

  const out: Kubeconfig = { clusters: [], users: [], contexts: [] };
  for (const k of ["apiVersion", "kind", "current-context"] as const) {
    const v = raw[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") fail(name, k, `must be a string, got ${typeName(v)}`);
    out[k] = v;
  }
  if (isRecord(raw.preferences)) out.preferences = raw.preferences;

  out.clusters = namedList(name, raw, "clusters", "cluster", (field, body) => {
    const c: Cluster = {};
    for (const k of CLUSTER_STRINGS) {
      const v = str(name, field, body, k);
      if (v !== undefined) c[k] = v;
    }
    for (const k of CLUSTER_BOOLS) {
      const v = body[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== "boolean") fail(name, `${field}.${k}`, `must be true or false`);
      c[k] = v;
    }
    for (const k of CLUSTER_PATHS) if (c[k] && base) c[k] = resolvePath(base, c[k]);
    const ext = body.extensions;
    if (ext !== undefined && ext !== null) {
      if (!Array.isArray(ext) || !ext.every((e) => isRecord(e) && typeof e.name === "string")) {
        fail(name, `${field}.extensions`, "must be a list of {name, extension}");
      }
      c.extensions = ext.map((e) => ({ name: e.name as string, extension: e.extension }));
    }
    return sealCluster(c);
  });

  out.users = namedList(name, raw, "users", "user", (field, body) => {
    const u: AuthInfo = {};
    for (const k of USER_STRINGS) {
      const v = str(name, field, body, k);
      if (v !== undefined) u[k] = v;
    }
    const groups = body["as-groups"];
    if (groups !== undefined && groups !== null) {
      if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) {
        fail(name, `${field}.as-groups`, "must be a list of strings");
      }
      u["as-groups"] = groups;
    }
    const extra = body["as-user-extra"];
    if (extra !== undefined && extra !== null) {
      const ok = isRecord(extra) &&
        Object.values(extra).every((v) =>
          Array.isArray(v) && v.every((s) => typeof s === "string")
        );
      if (!ok) fail(name, `${field}.as-user-extra`, "must map names to lists of strings");
      u["as-user-extra"] = extra as Record<string, string[]>;
    }
    for (const k of ["exec", "auth-provider"] as const) {
      const v = body[k];
      if (v === undefined || v === null) continue;
      if (!isRecord(v)) fail(name, `${field}.${k}`, `must be a mapping, got ${typeName(v)}`);
      u[k] = v;
    }
    for (const k of USER_PATHS) if (u[k] && base) u[k] = resolvePath(base, u[k]);
    // As kubectl: an exec command with a separator is a path, relative to this file.
    const command = u.exec?.command;
    if (typeof command === "string" && command.includes("/") && base) {
      u.exec = { ...u.exec, command: resolvePath(base, command) };
    }
    return sealAuthInfo(u);
  });

  out.contexts = namedList(name, raw, "contexts", "context", (field, body) => {
    const cluster = str(name, field, body, "cluster");
    if (cluster === undefined || cluster === "") fail(name, `${field}.cluster`, "is missing");
    const c: Context = { cluster };
    const user = str(name, field, body, "user");
    if (user) c.user = user;
    const ns = str(name, field, body, "namespace");
    if (ns) c.namespace = ns;
    return c;
  });
  return out;
}

// Credentials of a parsed kubeconfig: kept out of prints and of copies (see AuthInfo).

const USER_SECRETS = ["token", "password", "client-key-data", "exec", "auth-provider"] as const;
/** What an exec or auth-provider stanza may show: the rest (args, env, config) may be tokens. */
const PLUGIN_SHOWN = new Set(["apiVersion", "command", "name", "interactiveMode", "installHint"]);

function redactPlugin(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, PLUGIN_SHOWN.has(k) ? x : REDACTED]),
  );
}

function sealAuthInfo(u: AuthInfo): AuthInfo {
  hideKeys(u, USER_SECRETS);
  inspectAs(u, "AuthInfo", () => {
    const shown: Record<string, unknown> = { ...u };
    for (const k of USER_SECRETS) {
      const v = u[k];
      if (v === undefined) continue;
      shown[k] = typeof v === "string" ? REDACTED : redactPlugin(v);
    }
    return shown;
  });
  // JSON.stringify of a kubeconfig writes the file back: credentials included.
  Object.defineProperty(u, "toJSON", {
    value: () => withHidden(u, USER_SECRETS),
    configurable: true,
  });
  return u;
}

function sealCluster(c: Cluster): Cluster {
  const proxy = c["proxy-url"];
  if (proxy === undefined || !hasCredentials(proxy)) return c;
  hideKeys(c, ["proxy-url"]);
  inspectAs(c, "Cluster", () => ({ ...c, "proxy-url": withoutCredentials(c["proxy-url"] ?? "") }));
  Object.defineProperty(c, "toJSON", {
    value: () => withHidden(c, ["proxy-url"]),
    configurable: true,
  });
  return c;
}

function resolvePath(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

function str(
  file: string,
  field: string,
  body: Record<string, unknown>,
  key: string,
): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") fail(file, `${field}.${key}`, `must be a string, got ${typeName(v)}`);
  return v;
}

function namedList<T, K extends string>(
  file: string,
  raw: Record<string, unknown>,
  list: string,
  key: K,
  body: (field: string, body: Record<string, unknown>) => T,
): ({ name: string } & { [P in K]: T })[] {
  const v = raw[list];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(file, list, `must be a list, got ${typeName(v)}`);
  const seen = new Map<string, number>();
  return v.map((entry, i) => {
    const at = `${list}[${i}]`;
    if (!isRecord(entry)) fail(file, at, `must be a mapping, got ${typeName(entry)}`);
    const name = entry.name;
    if (typeof name !== "string" || name === "") {
      fail(file, `${at}.name`, "is missing or not a string");
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      fail(file, `${at}.name`, `${JSON.stringify(name)} is already defined by ${list}[${prev}]`);
    }
    seen.set(name, i);
    const inner = entry[key] ?? {};
    if (!isRecord(inner)) fail(file, `${at}.${key}`, `must be a mapping, got ${typeName(inner)}`);
    return { name, [key]: body(`${at}.${key}`, inner) } as { name: string } & { [P in K]: T };
  });
}

/**
 * Reads and parses one kubeconfig file. A missing file, a missing `--allow-read` and a
 * parse error are each reported with the file's path.
 *
 * @example
 * ```ts
 * import { readKubeconfig } from "@kubeno/kube/client";
 * const kc = await readKubeconfig(Deno.env.get("KUBECONFIG") ?? `${Deno.env.get("HOME")}/.kube/config`);
 * ```
 */
export async function readKubeconfig(path: string): Promise<Kubeconfig> {
  const text = await readConfigFile(path);
  return parseKubeconfig(text, path);
}

async function readConfigFile(path: string): Promise<Uint8Array> {
  try {
    // Bytes: the encoding is decided as kubectl decides it (see parseKubeconfig).
    return await withPermissionHintAsync(
      () => Deno.readFile(path),
      { read: path },
      `reading kubeconfig ${path}`,
    );
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) fail(path, undefined, "does not exist", err);
    if (err instanceof Deno.errors.IsADirectory) fail(path, undefined, "is a folder", err);
    if (err instanceof ConfigError || (err instanceof Error && err.name === "PermissionError")) {
      throw err;
    }
    fail(path, undefined, `cannot be read: ${errorKind(err)}`, err);
  }
}

/**
 * Merges kubeconfigs by kubectl's rules: for clusters, users and contexts the first file to
 * define a name wins; the first non-empty `current-context` wins.
 *
 * @example
 * ```ts
 * import { mergeKubeconfigs, parseKubeconfig } from "@kubeno/kube/client";
 * const a = parseKubeconfig("current-context: a", "/a");
 * const b = parseKubeconfig("current-context: b", "/b");
 * mergeKubeconfigs([{ file: "/a", kubeconfig: a }, { file: "/b", kubeconfig: b }])
 *   .kubeconfig["current-context"]; // "a"
 * ```
 */
export function mergeKubeconfigs(
  parts: readonly { file: string; kubeconfig: Kubeconfig }[],
): LoadedKubeconfig {
  const merged: Kubeconfig = { clusters: [], users: [], contexts: [] };
  const origins: LoadedKubeconfig["origins"] = {
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const { file, kubeconfig } of parts) {
    if (merged.apiVersion === undefined && kubeconfig.apiVersion) {
      merged.apiVersion = kubeconfig.apiVersion;
    }
    if (merged.kind === undefined && kubeconfig.kind) merged.kind = kubeconfig.kind;
    if (!merged["current-context"] && kubeconfig["current-context"]) {
      merged["current-context"] = kubeconfig["current-context"];
      origins.currentContext = file;
    }
    if (merged.preferences === undefined && kubeconfig.preferences) {
      merged.preferences = kubeconfig.preferences;
    }
    kubeconfig.clusters.forEach((c, index) => {
      if (origins.clusters.has(c.name)) return;
      origins.clusters.set(c.name, { file, index });
      merged.clusters.push(c);
    });
    kubeconfig.users.forEach((u, index) => {
      if (origins.users.has(u.name)) return;
      origins.users.set(u.name, { file, index });
      merged.users.push(u);
    });
    kubeconfig.contexts.forEach((c, index) => {
      if (origins.contexts.has(c.name)) return;
      origins.contexts.set(c.name, { file, index });
      merged.contexts.push(c);
    });
  }
  return { kubeconfig: merged, files: parts.map((p) => p.file), origins };
}

/**
 * Options of {@link loadKubeconfig}.
 *
 * @example
 * ```ts
 * import type { LoadKubeconfigOptions } from "@kubeno/kube/client";
 * const o: LoadKubeconfigOptions = { path: "./kubeconfig" };
 * ```
 */
export interface LoadKubeconfigOptions {
  /** One kubeconfig file to read instead of `KUBECONFIG` / `~/.kube/config`. */
  path?: string;
  /** Reads environment variables (`KUBECONFIG`, `HOME`). @default the process environment */
  env?: EnvReader;
}

/**
 * Where kubeconfig files would be found: the files to read, or why there are none.
 *
 * @example
 * ```ts
 * import { findKubeconfigFiles } from "@kubeno/kube/client";
 * const found = await findKubeconfigFiles();
 * if ("missing" in found) console.log(found.missing);
 * ```
 */
export async function findKubeconfigFiles(
  env: EnvReader = processEnv,
): Promise<{ files: string[] } | { missing: string }> {
  const windows = Deno.build.os === "windows";
  const kubeconfigVar = env("KUBECONFIG");
  if (kubeconfigVar) {
    const listed = [...new Set(kubeconfigVar.split(windows ? ";" : ":").filter((p) => p !== ""))];
    const files: string[] = [];
    for (const f of listed) if (await exists(f)) files.push(f);
    if (files.length === 0) {
      return {
        missing: `KUBECONFIG=${kubeconfigVar} names ${
          listed.length === 1 ? "a file that does" : "files that do"
        } not exist`,
      };
    }
    return { files };
  }
  const home = homeDir(env, windows);
  if (!home) return { missing: "KUBECONFIG is not set and HOME is not set" };
  const path = resolve(home, ".kube", "config");
  if (!(await exists(path))) {
    return { missing: `KUBECONFIG is not set and ${path} does not exist` };
  }
  return { files: [path] };
}

function homeDir(env: EnvReader, windows: boolean): string | undefined {
  const home = env("HOME");
  if (home || !windows) return home || undefined;
  const profile = env("USERPROFILE");
  if (profile) return profile;
  const drive = env("HOMEDRIVE");
  const p = env("HOMEPATH");
  return drive && p ? drive + p : undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await withPermissionHintAsync(
      () => Deno.stat(path),
      { read: path },
      `looking for kubeconfig ${path}`,
    );
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Loads the kubeconfig kubectl would use: the files in `KUBECONFIG` (`:`-separated, `;` on
 * Windows; missing ones skipped, but at least one must exist) merged, else `~/.kube/config`;
 * or the one file `opts.path`.
 *
 * @example
 * ```ts
 * import { loadKubeconfig } from "@kubeno/kube/client";
 * const { kubeconfig, files } = await loadKubeconfig();
 * console.log(files, kubeconfig.contexts.map((c) => c.name));
 * ```
 */
export async function loadKubeconfig(opts: LoadKubeconfigOptions = {}): Promise<LoadedKubeconfig> {
  let files: string[];
  if (opts.path !== undefined) {
    files = [opts.path];
  } else {
    const found = await findKubeconfigFiles(opts.env ?? processEnv);
    if ("missing" in found) {
      throw new ConfigError(`no kubeconfig found: ${found.missing}`);
    }
    files = found.files;
  }
  const parts = [];
  for (const file of files) parts.push({ file, kubeconfig: await readKubeconfig(file) });
  return mergeKubeconfigs(parts);
}
