/**
 * CustomResourceDefinition -> TypeScript, as kopium is for kube-rs. From any project:
 *
 * ```sh
 * deno run --allow-read --allow-env --allow-write=crd.ts --allow-run \
 *   jsr:@kubeno/kube/codegen <crd.yaml | https://.../crd.yaml | -> [--zod] [--version v1] \
 *   [--out crd.ts] [--kubeno <specifier>] [--zod-specifier <specifier>]
 * ```
 *
 * (`--allow-write` and `--allow-run`, to format the file with `deno fmt`, only with `--out`;
 * `--allow-net=<host>` for a URL source. In this repository: `deno task codegen ...`.)
 *
 * Reads a file, a URL or standard input (`-`) holding one or more CRDs (YAML or JSON, multi-
 * document), and writes a TypeScript module with, for each served version, the interfaces, the
 * descriptor `Api` takes and, with `--zod`, a Zod schema equal to the version's openAPIV3Schema.
 * The same functions are exported for use from code.
 *
 * @example
 * ```ts
 * import { codegen } from "@kubeno/kube/codegen";
 * const ts = await codegen("tests/fixtures/crds/certificate.yaml", { zod: true });
 * await Deno.writeTextFile("certificate.ts", ts);
 * ```
 *
 * @module
 */

import { type CrdCodegenOptions, CrdInputError, crdToTypeScript, parseCrds } from "./crd.ts";
import { KubeError } from "../../core/error.ts";
import { PermissionError, type PermissionKind } from "../../core/permission.ts";
export type { Gvk, Schema } from "./openapi.ts";

export {
  type Crd,
  type CrdCodegenOptions,
  CrdInputError,
  crdToTypeScript,
  type CrdVersion,
  isCrdInputError,
  parseCrds,
  type ParsedCrds,
} from "./crd.ts";

/**
 * Reads a CRD source: a path, an `http(s)://` URL, or `-` for standard input.
 *
 * @example
 * ```ts
 * import { readSource } from "@kubeno/kube/codegen";
 * const text = await readSource("tests/fixtures/crds/rollout.yaml");
 * ```
 */
export async function readSource(source: string): Promise<string> {
  if (source === "-") return await new Response(Deno.stdin.readable).text();
  if (/^https?:\/\//.test(source)) {
    let res: Response;
    try {
      res = await fetch(source);
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable) {
        throw denied("net", new URL(source).host, `fetching ${source}`, e);
      }
      throw new CrdInputError(`${source}: cannot fetch (${(e as Error).message})`, { cause: e });
    }
    if (!res.ok) throw new CrdInputError(`${source}: HTTP ${res.status} ${res.statusText}`);
    return await res.text();
  }
  try {
    return await Deno.readTextFile(source);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CrdInputError(`${source}: no such file`, { cause: e });
    }
    if (e instanceof Deno.errors.NotCapable) throw denied("read", source, `reading ${source}`, e);
    throw new CrdInputError(`${source}: cannot read (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Reads CRDs from `source` and returns the generated TypeScript module text (unformatted;
 * the CLI runs `deno fmt` on files it writes).
 *
 * @example
 * ```ts
 * import { codegen } from "@kubeno/kube/codegen";
 * console.log(await codegen("tests/fixtures/crds/servicemonitor.yaml"));
 * ```
 */
export async function codegen(source: string, opts: CrdCodegenOptions = {}): Promise<string> {
  const { crds } = parseCrds(await readSource(source), source === "-" ? "<stdin>" : source);
  return crdToTypeScript(crds, { source: source === "-" ? "standard input" : source, ...opts });
}

/** A PermissionError in the words the client's use: what was being done, and the flag. */
function denied(
  kind: PermissionKind,
  value: string,
  what: string,
  cause?: unknown,
): PermissionError {
  const flag = `--allow-${kind}=${value}`;
  return new PermissionError(
    `${what}: Deno denied ${kind} access. Run again with ${flag}`,
    kind,
    flag,
    { cause },
  );
}

/**
 * `--out` writes the file, then runs `deno fmt` on it: both permissions are asked for (a prompt
 * in a terminal) before anything is written, so a missing one leaves no half-done file.
 */
function needOutPermissions(out: string): void {
  if (Deno.permissions.requestSync({ name: "write", path: out }).state !== "granted") {
    throw denied("write", out, `codegen --out ${out}`);
  }
  const deno = Deno.execPath();
  if (Deno.permissions.requestSync({ name: "run", command: deno }).state !== "granted") {
    throw denied(
      "run",
      deno,
      `codegen --out ${out} formats the file with deno fmt (or print to standard output without --out)`,
    );
  }
}

const USAGE = "usage: deno run jsr:@kubeno/kube/codegen <crd.yaml|url|-> [--zod] [--version v] " +
  "[--out file.ts] " +
  "[--kubeno specifier] [--zod-specifier specifier]";

async function main(args: string[]): Promise<void> {
  const opts: CrdCodegenOptions = {};
  let source: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new CrdInputError(`${a} needs a value; ${USAGE}`);
      return v;
    };
    if (a === "--zod") opts.zod = true;
    else if (a === "--version") opts.version = value();
    else if (a === "--out" || a === "-o") out = value();
    else if (a === "--kubeno") opts.kubeno = value();
    else if (a === "--zod-specifier") opts.zodSpecifier = value();
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      return;
    } else if (a.startsWith("-") && a !== "-") {
      throw new CrdInputError(`unknown option ${a}; ${USAGE}`);
    } else if (source === undefined) source = a;
    else throw new CrdInputError(`one source only (got ${source} and ${a}); ${USAGE}`);
  }
  if (source === undefined) throw new CrdInputError(USAGE);
  if (out !== undefined) needOutPermissions(out);
  const text = await readSource(source);
  const label = source === "-" ? "<stdin>" : source;
  const { crds, warnings } = parseCrds(text, label);
  for (const w of warnings) console.error(`codegen: ${w}`);
  const ts = crdToTypeScript(crds, { source: source === "-" ? "standard input" : source, ...opts });
  if (out === undefined) {
    console.log(ts);
    return;
  }
  await Deno.writeTextFile(out, ts);
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", out],
    stderr: "piped",
  }).output().catch(() => undefined);
  if (fmt && !fmt.success) {
    console.error(`codegen: deno fmt ${out} failed; the file is unformatted`);
  }
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    // Deno's own denial names the flag too; the stack would only hide it.
    const known = e instanceof CrdInputError || e instanceof KubeError ||
      e instanceof Deno.errors.NotCapable;
    console.error(`codegen: ${known ? e.message : (e as Error).stack}`);
    Deno.exit(1);
  }
}
