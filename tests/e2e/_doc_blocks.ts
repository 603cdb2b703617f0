// Code blocks of the documentation (README.md and the JSDoc of the published modules), as the
// doc-example runs and the scratch-project test read them. Test helper, not published.

/** One ```ts block: where it is (file relative to the repository, 1-based line of its first line of code). */
export interface DocBlock {
  file: string;
  line: number;
  code: string;
  /** Words after `ts` on the fence line, e.g. `ignore`. */
  attrs: string[];
}

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url);

/** The ```ts blocks of a markdown text or of the JSDoc comments of a TypeScript source. */
export function extractBlocks(text: string, file: string): DocBlock[] {
  const md = file.endsWith(".md");
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  const open = md ? /^```(?:ts|typescript)(\s.*)?$/ : /^\s*\*\s?```(?:ts|typescript)(\s.*)?$/;
  const close = md ? /^```\s*$/ : /^\s*\*\s?```\s*$/;
  for (let i = 0; i < lines.length; i++) {
    const m = open.exec(lines[i]);
    if (!m) continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i]); i++) {
      body.push(md ? lines[i] : lines[i].replace(/^\s*\*( |$)/, ""));
    }
    blocks.push({
      file,
      line: start + 1,
      code: body.join("\n") + "\n",
      attrs: (m[1] ?? "").trim().split(/\s+/).filter(Boolean),
    });
  }
  return blocks;
}

/** Every published source file (what `deno publish` ships), README.md and the guides, relative paths. */
export async function docFiles(): Promise<string[]> {
  const out = ["README.md", ...await guideFiles(), "mod.ts"];
  const walk = async (dir: string): Promise<void> => {
    const entries = [];
    for await (const e of Deno.readDir(new URL(dir, ROOT))) entries.push(e);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = `${dir}${e.name}`;
      if (e.isDirectory) await walk(`${p}/`);
      else if (p.endsWith(".ts")) out.push(p);
    }
  };
  for (const dir of ["core/", "client/", "runtime/", "crd/", "testing/"]) await walk(dir);
  return out;
}

/** The guides: `docs/*.md`, sorted. */
export async function guideFiles(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL("docs/", ROOT))) {
    if (e.isFile && e.name.endsWith(".md")) out.push(`docs/${e.name}`);
  }
  return out.sort();
}

/**
 * Relative imports in a block are relative to the file that holds it: rewrite them to absolute
 * file URLs so the block runs from anywhere.
 */
export function absolutizeImports(code: string, file: string): string {
  const base = new URL(file, ROOT);
  return code.replace(
    /(from\s+|import\s*\(\s*|import\s+)"(\.\.?\/[^"]+)"/g,
    (_all, pre: string, spec: string) => `${pre}"${new URL(spec, base).href}"`,
  );
}

/**
 * A deno.json for a project outside the repository that imports this package by path, as
 * `deno add` would give it (every export of the package, and the npm packages it uses).
 */
export async function scratchConfig(): Promise<Record<string, unknown>> {
  const pkg = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const imports: Record<string, string> = {};
  for (const [sub, path] of Object.entries(pkg.exports as Record<string, string>)) {
    imports[`@kubeno/kube${sub === "." ? "" : sub.slice(1)}`] = new URL(path, ROOT).href;
  }
  for (const name of ["zod", "yaml"]) imports[name] = pkg.imports[name];
  return { imports };
}
