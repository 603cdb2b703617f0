/**
 * `deno task gen`: regenerates `core/k8s/**` from the OpenAPI v3 documents of the Kubernetes
 * release pinned in tests/cluster/go.mod, read from that release's Go module
 * (`k8s.io/kubernetes@<version>/api/openapi-spec/v3/*.json` in the Go module cache).
 *
 * ```
 * deno task gen [--spec <dir>] [--out <dir>] [--prerelease]
 * ```
 *
 * `--spec` points at a directory of `*_openapi.json` files instead (for instance one saved from a
 * running apiserver's `/openapi/v3/...`). `--out` writes somewhere else than `core/k8s` (the
 * freshness check uses it). `--prerelease` also generates alpha and beta group-versions.
 *
 * @example
 * ```ts
 * // doc:no-run: needs the k8s.io/kubernetes Go module (a repository tool)
 * import { generate } from "./gen.ts";
 * const { files } = await generate({ out: await Deno.makeTempDir() });
 * console.log(files.length);
 * ```
 *
 * @module
 */

import { generateBuiltin } from "./builtin.ts";
import type { OpenApiDocument } from "./openapi.ts";

const ROOT = new URL("../../", import.meta.url);

/** Marker line every generated file carries; stale files with it are removed. */
const MARKER = "Do not edit: regenerate.";

/**
 * Options of {@link generate}.
 *
 * @example
 * ```ts
 * import type { GenerateOptions } from "./gen.ts";
 * const o: GenerateOptions = { out: "/tmp/k8s", prerelease: false };
 * ```
 */
export interface GenerateOptions {
  /** Directory of `*_openapi.json`; default: the pinned release's Go module. */
  spec?: string;
  /** Output directory; default `core/k8s` of this repository. */
  out?: string;
  /** Include alpha and beta group-versions. */
  prerelease?: boolean;
}

/**
 * What {@link generate} did.
 *
 * @example
 * ```ts
 * import type { GenerateResult } from "./gen.ts";
 * const r: GenerateResult = { files: [], exports: {}, release: "v1.37.2", spec: "/x", resources: 0 };
 * ```
 */
export interface GenerateResult {
  /** Paths written, relative to the output directory. */
  files: string[];
  /** deno.json `exports` entries the files need. */
  exports: Record<string, string>;
  /** Kubernetes release. */
  release: string;
  /** Directory the documents were read from. */
  spec: string;
  /** Number of resource descriptors. */
  resources: number;
}

/** The `k8s.io/kubernetes` version pinned by tests/cluster/go.mod. */
async function pinnedRelease(): Promise<string> {
  const gomod = new URL("tests/cluster/go.mod", ROOT);
  const text = await Deno.readTextFile(gomod);
  const m = /^\s*k8s\.io\/kubernetes\s+(v[0-9][^\s]*)/m.exec(text);
  if (!m) throw new Error(`${gomod.pathname}: no k8s.io/kubernetes requirement found`);
  return m[1];
}

async function goOutput(args: string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("go", { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new Error(
      `cannot run \`go ${args.join(" ")}\` (${
        (e as Error).message
      }); install Go or pass --spec <dir of *_openapi.json>`,
    );
  }
  if (!out.success) {
    throw new Error(`\`go ${args.join(" ")}\` failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout).trim();
}

/** The spec directory inside the Go module cache, downloading the module if it is missing. */
async function specDir(release: string): Promise<string> {
  const cache = await goOutput(["env", "GOMODCACHE"]);
  const dir = `${cache}/k8s.io/kubernetes@${release}/api/openapi-spec/v3`;
  try {
    await Deno.stat(dir);
    return dir;
  } catch {
    const info = JSON.parse(
      await goOutput(["mod", "download", "-json", `k8s.io/kubernetes@${release}`]),
    );
    return `${info.Dir}/api/openapi-spec/v3`;
  }
}

async function readDocuments(dir: string): Promise<Record<string, OpenApiDocument>> {
  const docs: Record<string, OpenApiDocument> = {};
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith("_openapi.json")) continue;
    docs[e.name] = JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`));
  }
  if (Object.keys(docs).length === 0) throw new Error(`${dir}: no *_openapi.json files`);
  return docs;
}

/**
 * Formats files with `deno fmt` using the repository's settings (line width 100), so that the
 * output is byte-identical wherever it is written.
 */
async function denoFmt(paths: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--no-config", "--line-width", "100", "--quiet", ...paths],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno fmt failed: ${new TextDecoder().decode(out.stderr)}`);
}

async function walk(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(`${dir}/${rel}`)) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) out.push(...await walk(dir, p));
      else if (e.isFile && p.endsWith(".ts")) out.push(p);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

/**
 * Reads the documents, generates, writes and formats the files; removes generated files that
 * are no longer produced.
 *
 * @example
 * ```ts
 * // doc:no-run: needs the k8s.io/kubernetes Go module (a repository tool)
 * import { generate } from "./gen.ts";
 * const r = await generate({ out: await Deno.makeTempDir() });
 * console.log(r.resources);
 * ```
 */
export async function generate(opts: GenerateOptions = {}): Promise<GenerateResult> {
  const release = await pinnedRelease();
  const spec = opts.spec ?? await specDir(release);
  const out = opts.out ?? new URL("core/k8s", ROOT).pathname;
  const documents = await readDocuments(spec);
  const result = generateBuiltin({ release, documents, prerelease: opts.prerelease });
  const written = Object.keys(result.files).sort();
  for (const old of await walk(out)) {
    if (written.includes(old)) continue;
    const text = await Deno.readTextFile(`${out}/${old}`);
    if (text.includes(MARKER)) await Deno.remove(`${out}/${old}`);
  }
  for (const rel of written) {
    const path = `${out}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, result.files[rel]);
  }
  await denoFmt(written.map((rel) => `${out}/${rel}`));
  return {
    files: written,
    exports: result.exports,
    release,
    spec,
    resources: result.resources.length,
  };
}

/** Exports of deno.json under `./k8s/` that differ from what the generated files need. */
export async function exportsDrift(
  wanted: Record<string, string>,
): Promise<{ missing: string[]; stale: string[] }> {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const have: Record<string, string> = denoJson.exports ?? {};
  const missing = Object.keys(wanted).filter((k) => have[k] !== wanted[k]).sort();
  const stale = Object.keys(have).filter((k) => k.startsWith("./k8s/") && !(k in wanted)).sort();
  return { missing, stale };
}

function parseArgs(args: string[]): GenerateOptions {
  const o: GenerateOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--spec") o.spec = args[++i];
    else if (a === "--out") o.out = args[++i];
    else if (a === "--prerelease") o.prerelease = true;
    else {throw new Error(
        `unknown argument ${a}; usage: deno task gen [--spec <dir>] [--out <dir>] [--prerelease]`,
      );}
  }
  return o;
}

if (import.meta.main) {
  try {
    const t0 = performance.now();
    const r = await generate(parseArgs(Deno.args));
    const ms = Math.round(performance.now() - t0);
    console.log(
      `generated ${r.files.length} files, ${r.resources} resources, from Kubernetes ${r.release} (${r.spec}) in ${ms} ms`,
    );
    const drift = await exportsDrift(r.exports);
    for (const k of drift.missing) console.log(`deno.json needs export "${k}": "${r.exports[k]}"`);
    for (const k of drift.stale) console.log(`deno.json export "${k}" has no generated file`);
  } catch (e) {
    console.error(`gen: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
