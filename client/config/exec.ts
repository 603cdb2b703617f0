/**
 * Exec credential plugins (`users[].user.exec` in a kubeconfig): the program kubectl runs to
 * get a token or a client certificate (aws, gke-gcloud-auth-plugin, kubelogin, ...), with the
 * `client.authentication.k8s.io` v1 and v1beta1 protocol.
 *
 * What kubeno does, as client-go does:
 * - `command` without a `/` is looked up in `PATH`; one with a `/` that is relative was made
 *   absolute against the kubeconfig file's folder when the kubeconfig was loaded.
 * - The plugin inherits the environment, plus `env`, plus `KUBERNETES_EXEC_INFO`: an
 *   `ExecCredential` whose `spec.cluster` (server, CA data, the cluster's
 *   `client.authentication.k8s.io/exec` extension as `config`) is there only with
 *   `provideClusterInfo: true`, and whose `spec.interactive` says whether stdin was passed.
 * - Standard input is passed through only when it is a terminal and `interactiveMode` allows
 *   it (`IfAvailable`, `Always`); `Always` without a terminal is an error.
 * - The plugin's stderr goes to this process's stderr, so prompts and hints reach the user.
 * - The credential is cached until its `expirationTimestamp`, run again after a 401, and one
 *   run serves every request that waits for it.
 *
 * What kubeno adds: a plugin that runs longer than `timeoutMs` is killed, and a credential
 * is renewed shortly before it expires rather than after.
 *
 * @module
 */

import { KubeError } from "../../core/error.ts";
import type { AuthProvider, ClientCertificate } from "./auth.ts";
import { ConfigError } from "./error.ts";
import { isPermissionDenial, permissionError } from "../permissions.ts";
import type { Cluster } from "./kubeconfig.ts";
import { bytesToBase64, checkExecTimeout, untilAborted } from "./_util.ts";

/** The `client.authentication.k8s.io` versions kubeno speaks (v1alpha1 is gone from kubectl). */
export const EXEC_API_VERSIONS: readonly string[] = [
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
];

/**
 * When the plugin may read standard input.
 *
 * @example
 * ```ts
 * import type { ExecInteractiveMode } from "@kubeno/kube/client";
 * const m: ExecInteractiveMode = "IfAvailable";
 * ```
 */
export type ExecInteractiveMode = "Never" | "IfAvailable" | "Always";

/**
 * A kubeconfig `exec` stanza, checked.
 *
 * @example
 * ```ts
 * import type { ExecConfig } from "@kubeno/kube/client";
 * const exec: ExecConfig = {
 *   apiVersion: "client.authentication.k8s.io/v1",
 *   command: "aws",
 *   args: ["eks", "get-token", "--cluster-name", "prod"],
 *   interactiveMode: "Never",
 * };
 * ```
 */
export interface ExecConfig {
  /** `client.authentication.k8s.io/v1` or `.../v1beta1`; the plugin must answer in it. */
  apiVersion: string;
  /** The program: a name looked up in `PATH`, or a path. */
  command: string;
  /** Its arguments. */
  args?: string[];
  /** Extra environment variables, on top of this process's environment. */
  env?: { name: string; value: string }[];
  /** Shown when the command cannot be found, e.g. how to install it. */
  installHint?: string;
  /** Pass the cluster's server, CA and extension config in `KUBERNETES_EXEC_INFO`. */
  provideClusterInfo?: boolean;
  /** Default `IfAvailable` for v1beta1; v1 requires it to be set. */
  interactiveMode: ExecInteractiveMode;
}

/**
 * The cluster as a plugin sees it in `KUBERNETES_EXEC_INFO` (`spec.cluster`), field names as
 * in the JSON.
 *
 * @example
 * ```ts
 * import type { ExecClusterInfo } from "@kubeno/kube/client";
 * const c: ExecClusterInfo = { server: "https://127.0.0.1:6443", config: { region: "eu" } };
 * ```
 */
export interface ExecClusterInfo {
  /** The kubeconfig's `server`. */
  server: string;
  /** `tls-server-name`, if set. */
  "tls-server-name"?: string;
  /** `insecure-skip-tls-verify`, if set. */
  "insecure-skip-tls-verify"?: boolean;
  /** Base64 of the CA certificates (from `certificate-authority-data` or the file). */
  "certificate-authority-data"?: string;
  /** `proxy-url`, if set. */
  "proxy-url"?: string;
  /** `disable-compression`, if set. */
  "disable-compression"?: boolean;
  /** The cluster's `client.authentication.k8s.io/exec` extension. */
  config?: unknown;
}

/**
 * Options of {@link ExecAuth}.
 *
 * @example
 * ```ts
 * import type { ExecAuthOptions } from "@kubeno/kube/client";
 * const o: ExecAuthOptions = {
 *   exec: { apiVersion: "client.authentication.k8s.io/v1", command: "my-plugin", interactiveMode: "Never" },
 *   timeoutMs: 30_000,
 * };
 * ```
 */
export interface ExecAuthOptions {
  /** The plugin. */
  exec: ExecConfig;
  /** What `provideClusterInfo` passes to it. */
  cluster?: ExecClusterInfo;
  /** Where the stanza came from, for errors: `users[0].user.exec in kubeconfig /x`. */
  origin?: string;
  /**
   * How long one run may take before the plugin is killed; `Infinity` waits as long as the
   * plugin takes (a login in a browser). A kubeconfig user gets it from
   * `KubeconfigOptions.execTimeoutMs`. Anything else than a positive number is a `RangeError`.
   * @default {120_000}
   */
  timeoutMs?: number;
  /**
   * Renew this long before `expirationTimestamp` (at most half the credential's lifetime).
   * @default {10_000}
   */
  refreshBeforeMs?: number;
  /** The clock, in milliseconds; for tests. @default Date.now */
  now?: () => number;
  /** Whether standard input is a terminal; for tests. @default () => Deno.stdin.isTerminal() */
  stdinIsTerminal?: () => boolean;
}

/**
 * An exec credential plugin failed: it could not be started, exited with an error, timed out
 * or printed something that is not a valid `ExecCredential`. The message names the plugin and
 * the field at fault, never the credential.
 *
 * @example
 * ```ts
 * import { Client, ExecPluginError } from "@kubeno/kube/client";
 * try {
 *   await (await Client.tryDefault()).requestText({ method: "GET", path: "/version", query: new URLSearchParams(), headers: {} });
 * } catch (e) {
 *   if (e instanceof ExecPluginError) console.error(e.command, e.message);
 * }
 * ```
 */
export class ExecPluginError extends KubeError {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "ExecPluginError";
  /** The plugin's command. */
  readonly command: string;
  /**
   * Creates the error.
   *
   * @param message what went wrong, naming the plugin
   * @param command the plugin's command
   * @param options the cause
   */
  constructor(message: string, command: string, options?: { cause?: unknown }) {
    super(message, options);
    this.command = command;
  }
}

// ---------------------------------------------------------------------------------------------
// The kubeconfig stanza

/** Where a stanza is, for errors. */
interface StanzaOrigin {
  file: string;
  field: string;
}

function bad(at: StanzaOrigin, key: string, problem: string): never {
  const field = key ? `${at.field}.${key}` : at.field;
  throw new ConfigError(`kubeconfig ${at.file}: ${field} ${problem}`, { file: at.file, field });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a kubeconfig `exec` stanza as kubectl does. (A relative `command` with a `/` is
 * made absolute against the kubeconfig file's folder by `parseKubeconfig`.) Errors name the
 * file and field; no value is quoted but the apiVersion.
 *
 * @example
 * ```ts
 * import { parseExecConfig } from "@kubeno/kube/client";
 * const exec = parseExecConfig(
 *   { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token"] },
 *   { file: "/home/me/.kube/config", field: "users[0].user.exec" },
 * );
 * console.log(exec.interactiveMode); // "IfAvailable"
 * ```
 */
export function parseExecConfig(
  raw: Record<string, unknown>,
  at: { file: string; field: string },
): ExecConfig {
  const str = (k: string): string | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") bad(at, k, "must be a string");
    return v;
  };
  const command = str("command");
  if (!command) bad(at, "command", "must be specified to use an exec credential plugin");
  const apiVersion = str("apiVersion");
  if (!apiVersion) bad(at, "apiVersion", "must be specified to use an exec credential plugin");
  if (!EXEC_API_VERSIONS.includes(apiVersion)) {
    bad(
      at,
      "apiVersion",
      `${JSON.stringify(apiVersion)} is not supported; use ${EXEC_API_VERSIONS.join(" or ")}`,
    );
  }
  let mode = str("interactiveMode");
  // kubectl defaults it for v1beta1 only; v1 must say.
  if (!mode && apiVersion.endsWith("/v1beta1")) mode = "IfAvailable";
  if (!mode) {
    bad(
      at,
      "interactiveMode",
      "must be specified (Never, IfAvailable or Always) for apiVersion v1",
    );
  }
  if (mode !== "Never" && mode !== "IfAvailable" && mode !== "Always") {
    bad(at, "interactiveMode", "must be Never, IfAvailable or Always");
  }
  const out: ExecConfig = { apiVersion, command, interactiveMode: mode };
  const args = raw.args;
  if (args !== undefined && args !== null) {
    if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
      bad(at, "args", "must be a list of strings");
    }
    out.args = [...args];
  }
  const env = raw.env;
  if (env !== undefined && env !== null) {
    if (!Array.isArray(env)) bad(at, "env", "must be a list of {name, value}");
    out.env = env.map((e, i) => {
      if (!isRecord(e)) bad(at, `env[${i}]`, "must be a mapping with name and value");
      if (typeof e.name !== "string" || e.name === "") bad(at, `env[${i}].name`, "must be set");
      const value = e.value ?? "";
      if (typeof value !== "string") bad(at, `env[${i}].value`, "must be a string");
      return { name: e.name, value };
    });
  }
  const hint = str("installHint");
  if (hint) out.installHint = hint;
  const pci = raw.provideClusterInfo;
  if (pci !== undefined && pci !== null) {
    if (typeof pci !== "boolean") bad(at, "provideClusterInfo", "must be true or false");
    if (pci) out.provideClusterInfo = true;
  }
  return out;
}

/**
 * The JSON kubectl puts in `KUBERNETES_EXEC_INFO` for this plugin: an `ExecCredential` with
 * `spec.interactive`, and `spec.cluster` when `provideClusterInfo` is set.
 *
 * @example
 * ```ts
 * import { execInfo } from "@kubeno/kube/client";
 * const exec = { apiVersion: "client.authentication.k8s.io/v1", command: "p", interactiveMode: "Never" as const };
 * execInfo(exec, undefined, false);
 * // '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}\n'
 * ```
 */
export function execInfo(
  exec: ExecConfig,
  cluster: ExecClusterInfo | undefined,
  interactive: boolean,
): string {
  const spec: Record<string, unknown> = {};
  if (exec.provideClusterInfo && cluster) {
    // Field order and omission as client-go's encoder; the extension with sorted keys, as it
    // arrives there through YAML -> JSON.
    const c: Record<string, unknown> = { server: cluster.server };
    if (cluster["tls-server-name"]) c["tls-server-name"] = cluster["tls-server-name"];
    if (cluster["insecure-skip-tls-verify"]) c["insecure-skip-tls-verify"] = true;
    if (cluster["certificate-authority-data"]) {
      c["certificate-authority-data"] = cluster["certificate-authority-data"];
    }
    if (cluster["proxy-url"]) c["proxy-url"] = cluster["proxy-url"];
    if (cluster["disable-compression"]) c["disable-compression"] = true;
    // Always present, null without an extension, as client-go encodes it.
    c.config = cluster.config === undefined ? null : sorted(cluster.config);
    spec.cluster = c;
  }
  spec.interactive = interactive;
  // With the newline Go's JSON encoder ends it with.
  return JSON.stringify({ kind: "ExecCredential", apiVersion: exec.apiVersion, spec }) + "\n";
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
}

/**
 * `spec.cluster` of `KUBERNETES_EXEC_INFO` for a kubeconfig cluster, as client-go builds it:
 * the server as written (query and fragment dropped when it has a path), the CA that was
 * loaded, and the `client.authentication.k8s.io/exec` extension.
 *
 * @example
 * ```ts
 * import { execClusterInfo } from "@kubeno/kube/client";
 * const info = execClusterInfo({ server: "https://127.0.0.1:6443" }, {});
 * console.log(info.server);
 * ```
 */
export function execClusterInfo(
  cluster: Cluster,
  loaded: { caCerts?: string[] },
): ExecClusterInfo {
  let server = cluster.server ?? "";
  try {
    const u = new URL(server);
    if (u.pathname.length > 1 && (u.search || u.hash)) {
      u.search = "";
      u.hash = "";
      server = u.href;
    }
  } catch { /* kept as written, as client-go does with a host:port */ }
  const info: ExecClusterInfo = { server };
  if (cluster["tls-server-name"]) info["tls-server-name"] = cluster["tls-server-name"];
  if (cluster["insecure-skip-tls-verify"]) info["insecure-skip-tls-verify"] = true;
  if (loaded.caCerts?.length) {
    info["certificate-authority-data"] = bytesToBase64(
      new TextEncoder().encode(loaded.caCerts.join("")),
    );
  }
  if (cluster["proxy-url"]) info["proxy-url"] = cluster["proxy-url"];
  if (cluster["disable-compression"]) info["disable-compression"] = true;
  const ext = cluster.extensions?.find((e) => e.name === EXEC_EXTENSION);
  if (ext) info.config = ext.extension;
  return info;
}

const EXEC_EXTENSION = "client.authentication.k8s.io/exec";

// ---------------------------------------------------------------------------------------------
// Running the plugin

interface Credential {
  token?: string;
  cert?: ClientCertificate;
  /** Epoch ms, or undefined for a credential that does not expire. */
  expiresAt?: number;
  /** When to run the plugin again. */
  renewAt: number;
}

/**
 * Credentials from an exec plugin: a bearer token, a client certificate, or both.
 *
 * One instance runs the plugin at most once at a time; the result is kept until shortly
 * before its `expirationTimestamp` (for ever without one) or until a 401 for the credential
 * it gave ({@link ExecAuth.invalidate}). Printing it shows the command, never the credential.
 *
 * Permissions: `--allow-run=<command>` (the error names it); no `--allow-env`, the plugin
 * inherits the environment.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a credential plugin of your own on PATH
 * import { ExecAuth } from "@kubeno/kube/client";
 * const auth = new ExecAuth({
 *   exec: { apiVersion: "client.authentication.k8s.io/v1", command: "my-plugin", interactiveMode: "Never" },
 * });
 * const header = await auth.authorization(); // "Bearer ..." when the plugin gave a token
 * ```
 */
export class ExecAuth implements AuthProvider {
  /** The plugin's configuration. */
  readonly exec: ExecConfig;
  readonly #cluster: ExecClusterInfo | undefined;
  readonly #origin: string;
  readonly #timeoutMs: number;
  readonly #refreshBeforeMs: number;
  readonly #now: () => number;
  readonly #isTerminal: () => boolean;
  #cred: Credential | undefined;
  #stale = false;
  #flight: Promise<Credential> | undefined;
  #runs = 0;

  /**
   * Creates the provider; the plugin runs on the first request.
   *
   * @param opts the plugin and its cluster
   */
  constructor(opts: ExecAuthOptions) {
    this.exec = opts.exec;
    this.#cluster = opts.cluster;
    this.#origin = opts.origin ? ` (${opts.origin})` : "";
    this.#timeoutMs = checkExecTimeout(opts.timeoutMs, "ExecAuthOptions.timeoutMs");
    this.#refreshBeforeMs = opts.refreshBeforeMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
    this.#isTerminal = opts.stdinIsTerminal ?? (() => Deno.stdin.isTerminal());
    Object.defineProperty(this, Symbol.for("Deno.customInspect"), {
      value: () =>
        `ExecAuth { command: ${JSON.stringify(this.exec.command)}, runs: ${this.#runs} }`,
      enumerable: false,
    });
  }

  /** How many times the plugin has been started. */
  get runs(): number {
    return this.#runs;
  }

  /** `Bearer <token>` if the plugin gave a token; undefined if it gave a certificate only. */
  async authorization(signal?: AbortSignal): Promise<string | undefined> {
    const cred = await this.#current(signal);
    return cred.token !== undefined ? `Bearer ${cred.token}` : undefined;
  }

  /**
   * The client certificate and key of the credential {@link authorization} obtained last
   * (the plugin runs only if it has never run), so that one request never runs it twice.
   */
  async clientCertificate(signal?: AbortSignal): Promise<ClientCertificate | undefined> {
    if (this.#cred && !this.#flight) return this.#cred.cert;
    return (await this.#current(signal)).cert;
  }

  /**
   * The server refused the credential: run the plugin again on the next request, unless the
   * credential that was refused (`used`, the `Authorization` value sent) is no longer current.
   */
  invalidate(used?: string): void {
    const cred = this.#cred;
    if (!cred || this.#flight) return;
    if (used !== undefined && cred.token !== undefined && used !== `Bearer ${cred.token}`) return;
    this.#stale = true;
  }

  /** Prints the command only. */
  toJSON(): { command: string; apiVersion: string } {
    return { command: this.exec.command, apiVersion: this.exec.apiVersion };
  }

  async #current(signal?: AbortSignal): Promise<Credential> {
    const cred = this.#cred;
    if (cred && !this.#stale && this.#now() < cred.renewAt) return cred;
    this.#flight ??= this.#run().finally(() => {
      this.#flight = undefined;
    });
    return await untilAborted(this.#flight, signal);
  }

  async #run(): Promise<Credential> {
    const cmd = this.exec.command;
    const name = `exec credential plugin ${JSON.stringify(cmd)}${this.#origin}`;
    const interactive = this.#interactive(name);
    const env: Record<string, string> = {};
    for (const e of this.exec.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = execInfo(this.exec, this.#cluster, interactive);

    let child: Deno.ChildProcess;
    const kill = new AbortController();
    try {
      child = new Deno.Command(cmd, {
        args: this.exec.args ?? [],
        env,
        stdin: interactive ? "inherit" : "null",
        stdout: "piped",
        stderr: "inherit",
        signal: kill.signal,
      }).spawn();
    } catch (err) {
      if (isPermissionDenial(err)) {
        throw permissionError(err, { run: cmd }, `running the ${name}`);
      }
      if (err instanceof Deno.errors.NotFound) {
        const hint = this.exec.installHint ? `\n\n${this.exec.installHint}` : "";
        throw new ExecPluginError(
          `${name}: executable ${cmd} not found. It looks like a client-go credential plugin ` +
            `that is not installed; see https://kubernetes.io/docs/reference/access-authn-authz/` +
            `authentication/#client-go-credential-plugins${hint}`,
          cmd,
          { cause: err },
        );
      }
      throw new ExecPluginError(`${name}: cannot start: ${errText(err)}`, cmd, { cause: err });
    }
    this.#runs++;
    const output = child.output();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => {
      // Infinity: no timer (setTimeout would fire at once for it).
      if (Number.isFinite(this.#timeoutMs)) timer = setTimeout(() => r(undefined), this.#timeoutMs);
    });
    const out = await Promise.race([output, timeout]).finally(() => clearTimeout(timer));
    if (out === undefined) {
      // Not waiting for its output to end: a child of the plugin may still hold stdout.
      kill.abort();
      output.catch(() => {});
      throw new ExecPluginError(
        `${name}: no answer within ${this.#timeoutMs} ms; the plugin was stopped`,
        cmd,
      );
    }
    if (!out.success) {
      const how = out.signal ? `was killed by ${out.signal}` : `failed with exit code ${out.code}`;
      throw new ExecPluginError(`${name}: executable ${cmd} ${how} (its stderr is above)`, cmd);
    }
    const cred = this.#parse(name, out.stdout);
    this.#cred = cred;
    this.#stale = false;
    return cred;
  }

  #interactive(name: string): boolean {
    const mode = this.exec.interactiveMode;
    if (mode === "Never") return false;
    const tty = this.#isTerminal();
    if (mode === "Always" && !tty) {
      throw new ExecPluginError(
        `${name}: interactiveMode is Always but standard input is not a terminal; run the ` +
          `program from a terminal, or set interactiveMode to IfAvailable if the plugin can ` +
          `work without input`,
        this.exec.command,
      );
    }
    return tty;
  }

  /** Checks the plugin's stdout; errors name the field, never a value from it. */
  #parse(name: string, stdout: Uint8Array): Credential {
    const fail = (problem: string): never => {
      throw new ExecPluginError(`${name}: ${problem}`, this.exec.command);
    };
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder().decode(stdout));
    } catch {
      fail(`its output is not a JSON ExecCredential (${stdout.length} bytes on stdout)`);
    }
    if (!isRecord(doc)) return fail("its output is not a JSON object");
    if (doc.apiVersion !== this.exec.apiVersion) {
      fail(
        `apiVersion in its output is ${
          typeof doc.apiVersion === "string" ? JSON.stringify(doc.apiVersion) : "missing"
        }, but the kubeconfig asks for ${this.exec.apiVersion}`,
      );
    }
    if (doc.kind !== undefined && doc.kind !== "ExecCredential") {
      fail(`kind in its output must be ExecCredential`);
    }
    const status = doc.status;
    if (!isRecord(status)) return fail("status is missing from its output");
    const field = (k: string): string | undefined => {
      const v = status[k];
      if (v === undefined || v === null || v === "") return undefined;
      if (typeof v !== "string") fail(`status.${k} must be a string`);
      return v as string;
    };
    const token = field("token");
    const cert = field("clientCertificateData");
    const key = field("clientKeyData");
    if (token === undefined && cert === undefined && key === undefined) {
      fail("status has neither token nor clientCertificateData and clientKeyData");
    }
    if ((cert === undefined) !== (key === undefined)) {
      fail(`status.${cert === undefined ? "clientCertificateData" : "clientKeyData"} is missing`);
    }
    if (cert !== undefined && !cert.includes("-----BEGIN ")) {
      fail("status.clientCertificateData is not PEM");
    }
    if (key !== undefined && !key.includes("-----BEGIN ")) fail("status.clientKeyData is not PEM");
    if (token !== undefined && /[\r\n]/.test(token)) fail("status.token contains a line break");
    const now = this.#now();
    const exp = field("expirationTimestamp");
    let expiresAt: number | undefined;
    if (exp !== undefined) {
      expiresAt = Date.parse(exp);
      if (!/^\d{4}-\d\d-\d\dT/.test(exp) || Number.isNaN(expiresAt)) {
        fail("status.expirationTimestamp is not an RFC 3339 time");
      }
    }
    const margin = expiresAt === undefined
      ? 0
      : Math.min(this.#refreshBeforeMs, Math.max(0, (expiresAt - now) / 2));
    return {
      ...(token !== undefined ? { token } : {}),
      ...(cert !== undefined && key !== undefined ? { cert: { cert, key } } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      renewAt: expiresAt === undefined ? Infinity : expiresAt - margin,
    };
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
