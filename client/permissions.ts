/**
 * Deno permission failures turned into errors that name the flag to add.
 *
 * Deno throws `Deno.errors.NotCapable` when a program reads a file, an environment variable
 * or opens a connection it was not granted. Its message says which kind of access is missing
 * but not what a user of this library should grant; the helpers here wrap a call and rethrow a
 * {@link PermissionError} whose message names the exact flag, e.g. `--allow-read=/root/.kube/config`.
 *
 * @module
 */

import { PermissionError, type PermissionKind } from "../core/permission.ts";

// The error type lives in core so that crd/ (the codegen CLI) can throw it too.
export { PermissionError, type PermissionKind };

/**
 * What a wrapped call needs: a path to read, environment variables, a `host:port` to reach.
 * Each value becomes the value of the matching `--allow-*` flag.
 *
 * @example
 * ```ts
 * import type { PermissionNeed } from "@kubeno/kube/client";
 * const need: PermissionNeed = { env: ["KUBECONFIG", "HOME"], read: "/root/.kube/config" };
 * ```
 */
export interface PermissionNeed {
  /** A file or folder to read: `--allow-read=<read>`. */
  read?: string;
  /** Environment variable names: `--allow-env=<a,b>`. */
  env?: string | readonly string[];
  /** A host or `host:port`: `--allow-net=<net>`. */
  net?: string;
  /** A file or folder to write: `--allow-write=<write>`. */
  write?: string;
  /** A program to run: `--allow-run=<run>`. */
  run?: string;
}

const KINDS: readonly PermissionKind[] = ["read", "env", "net", "write", "run"];

/**
 * True if `err` is Deno refusing a permission (not the operating system refusing a file).
 * Deno 2 throws `NotCapable`; Deno 1 threw `PermissionDenied` for both, so that one counts
 * only where `NotCapable` does not exist.
 *
 * @example
 * ```ts
 * import { isPermissionDenial } from "@kubeno/kube/client";
 * try { Deno.env.get("HOME"); } catch (e) { console.log(isPermissionDenial(e)); }
 * ```
 */
export function isPermissionDenial(err: unknown): boolean {
  const errors = Deno.errors as unknown as Record<string, (new () => Error) | undefined>;
  const notCapable = errors.NotCapable;
  if (notCapable) return err instanceof notCapable;
  return err instanceof Deno.errors.PermissionDenied;
}

/**
 * The `--allow-*` flag for one kind of need, or undefined if `need` has nothing of that kind.
 *
 * @example
 * ```ts
 * import { permissionFlag } from "@kubeno/kube/client";
 * permissionFlag({ env: ["KUBECONFIG", "HOME"] }, "env"); // "--allow-env=KUBECONFIG,HOME"
 * ```
 */
export function permissionFlag(need: PermissionNeed, kind: PermissionKind): string | undefined {
  const value = need[kind];
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? value : value.join(",");
  return list === "" ? `--allow-${kind}` : `--allow-${kind}=${list}`;
}

/**
 * The `host:port` to put in `--allow-net` for a URL, with the scheme's default port filled in
 * and IPv6 hosts in brackets, e.g. `127.0.0.1:6443` or `[::1]:443`.
 *
 * @example
 * ```ts
 * import { netPermission } from "@kubeno/kube/client";
 * netPermission(new URL("https://10.0.0.1")); // "10.0.0.1:443"
 * ```
 */
export function netPermission(url: URL | string): string {
  const u = typeof url === "string" ? new URL(url) : url;
  const port = u.port !== "" ? u.port : defaultPort(u.protocol);
  return port ? `${u.hostname}:${port}` : u.hostname;
}

function defaultPort(protocol: string): string {
  switch (protocol) {
    case "https:":
    case "wss:":
      return "443";
    case "http:":
    case "ws:":
      return "80";
    default:
      return "";
  }
}

/** Which kind of access a Deno permission message is about ("Requires env access to ..."). */
function deniedKind(err: unknown): PermissionKind | undefined {
  const msg = err instanceof Error ? err.message : "";
  const m = /Requires (\w+) access/.exec(msg);
  const kind = m?.[1] as PermissionKind | undefined;
  return kind && KINDS.includes(kind) ? kind : undefined;
}

/**
 * Builds the {@link PermissionError} for a denial `err` of a call that needed `need`.
 * `what` says what the library was doing, e.g. `reading kubeconfig /root/.kube/config`.
 *
 * @example
 * ```ts
 * import { permissionError } from "@kubeno/kube/client";
 * try { Deno.env.get("KUBECONFIG"); } catch (e) {
 *   throw permissionError(e, { env: "KUBECONFIG" }, "reading $KUBECONFIG");
 * }
 * ```
 */
export function permissionError(
  err: unknown,
  need: PermissionNeed,
  what: string,
): PermissionError {
  const asked = KINDS.filter((k) => need[k] !== undefined);
  const denied = deniedKind(err);
  // Prefer the kind Deno named; if the message is unfamiliar, list every flag the call needs.
  const kinds = denied && asked.includes(denied) ? [denied] : asked.length ? asked : [];
  const flags = kinds.map((k) => permissionFlag(need, k)!);
  const kind = kinds[0] ?? denied ?? "read";
  const flag = flags.length ? flags.join(" ") : `--allow-${kind}`;
  const message = `${what}: Deno denied ${kind} access. Run again with ${flag}` +
    ` (the same flag applies to deno compile).`;
  return new PermissionError(message, kind, flag, { cause: err });
}

/**
 * Runs `fn`; if Deno refuses a permission, throws a {@link PermissionError} naming the flag
 * from `need`. Any other error passes through unchanged.
 *
 * @example
 * ```ts
 * import { withPermissionHint } from "@kubeno/kube/client";
 * const kc = withPermissionHint(() => Deno.env.get("KUBECONFIG"), { env: "KUBECONFIG" });
 * ```
 */
export function withPermissionHint<T>(fn: () => T, need: PermissionNeed, what?: string): T {
  try {
    return fn();
  } catch (err) {
    if (isPermissionDenial(err)) throw permissionError(err, need, what ?? describe(need));
    throw err;
  }
}

/**
 * The async variant of {@link withPermissionHint}.
 *
 * @example
 * ```ts
 * import { withPermissionHintAsync } from "@kubeno/kube/client";
 * const text = await withPermissionHintAsync(
 *   () => Deno.readTextFile("/etc/hostname"),
 *   { read: "/etc/hostname" },
 * );
 * ```
 */
export async function withPermissionHintAsync<T>(
  fn: () => Promise<T>,
  need: PermissionNeed,
  what?: string,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPermissionDenial(err)) throw permissionError(err, need, what ?? describe(need));
    throw err;
  }
}

/**
 * Reads an environment variable; without permission, throws a {@link PermissionError}.
 * `alsoNeeded` lists the other variables the caller will read, so that one flag grants all
 * of them and the user does not discover them one run at a time.
 *
 * @example
 * ```ts
 * import { readEnv } from "@kubeno/kube/client";
 * const path = readEnv("KUBECONFIG", ["HOME"]);
 * ```
 */
export function readEnv(name: string, alsoNeeded: readonly string[] = []): string | undefined {
  const names = [name, ...alsoNeeded.filter((n) => n !== name)];
  return withPermissionHint(() => Deno.env.get(name), { env: names }, `reading $${name}`);
}

function describe(need: PermissionNeed): string {
  if (need.read !== undefined) return `reading ${need.read}`;
  if (need.env !== undefined) {
    return `reading $${typeof need.env === "string" ? need.env : need.env.join(", $")}`;
  }
  if (need.net !== undefined) return `connecting to ${need.net}`;
  if (need.write !== undefined) return `writing ${need.write}`;
  return `running ${need.run}`;
}
