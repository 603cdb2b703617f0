/**
 * CI freshness check of the generated built-in API: regenerates `core/k8s/**` into a temporary
 * directory and fails (exit 1) if any committed file differs, is missing or is stale, or if
 * deno.json lacks an export for a generated group-version.
 *
 * ```
 * deno run --allow-read --allow-write --allow-run crd/codegen/check.ts [--spec <dir>]
 * ```
 *
 * @example
 * ```ts
 * // doc:no-run: regenerates from the k8s.io/kubernetes Go module (a repository tool)
 * import { checkGenerated } from "./check.ts";
 * const problems = await checkGenerated();
 * if (problems.length > 0) console.error(problems.join("\n"));
 * ```
 *
 * @module
 */

import { exportsDrift, generate } from "./gen.ts";

const COMMITTED = new URL("../../core/k8s", import.meta.url).pathname;

async function listTs(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
    const p = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory) out.push(...await listTs(dir, p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

/**
 * Regenerates into a temporary directory and lists every difference with the committed files
 * (empty when up to date).
 *
 * @example
 * ```ts
 * // doc:no-run: regenerates from the k8s.io/kubernetes Go module (a repository tool)
 * import { checkGenerated } from "./check.ts";
 * console.log(await checkGenerated()); // []
 * ```
 */
export async function checkGenerated(opts: { spec?: string } = {}): Promise<string[]> {
  const tmp = await Deno.makeTempDir({ prefix: "kubeno-gen-" });
  try {
    const r = await generate({ out: tmp, spec: opts.spec });
    const problems: string[] = [];
    const committed = new Set(await listTs(COMMITTED));
    for (const rel of r.files) {
      if (!committed.has(rel)) {
        problems.push(`core/k8s/${rel} is missing: run \`deno task gen\``);
        continue;
      }
      const [want, have] = await Promise.all([
        Deno.readTextFile(`${tmp}/${rel}`),
        Deno.readTextFile(`${COMMITTED}/${rel}`),
      ]);
      if (want !== have) problems.push(`core/k8s/${rel} differs from the generator's output`);
    }
    for (const rel of committed) {
      if (!r.files.includes(rel)) problems.push(`core/k8s/${rel} is not generated any more`);
    }
    const drift = await exportsDrift(r.exports);
    for (const k of drift.missing) {
      problems.push(`deno.json exports lacks "${k}": "${r.exports[k]}"`);
    }
    for (const k of drift.stale) problems.push(`deno.json export "${k}" has no generated file`);
    return problems;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--spec");
  const problems = await checkGenerated({ spec: i >= 0 ? Deno.args[i + 1] : undefined });
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    console.error("core/k8s is out of date: run `deno task gen` and commit the result.");
    Deno.exit(1);
  }
  console.log("core/k8s is up to date with the generator");
}
