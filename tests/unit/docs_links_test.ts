// Every relative link of README.md and the guides (docs/*.md) resolves: the file exists, and a
// `#fragment` names a heading of that file (GitHub's anchors: lower case, punctuation dropped,
// spaces to hyphens). The guides are also listed in docs/README.md and linked from README.md.

import assert from "node:assert/strict";
import { guideFiles, ROOT } from "../e2e/_doc_blocks.ts";

/** GitHub's anchor of a heading's text. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a markdown text's headings (outside code fences). */
export function anchors(md: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of md.split("\n")) {
    if (/^```/.test(line)) fence = !fence;
    const m = !fence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(anchorOf(m[1]));
  }
  return out;
}

/** Relative links `[text](target)` of a markdown text, outside code fences and code spans. */
export function relativeLinks(md: string): string[] {
  const out: string[] = [];
  let fence = false;
  for (const line of md.split("\n")) {
    if (/^```/.test(line)) {
      fence = !fence;
      continue;
    }
    if (fence) continue;
    for (const m of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) out.push(m[1]);
    }
  }
  return out;
}

async function brokenLinks(file: string): Promise<string[]> {
  const base = new URL(file, ROOT);
  const broken: string[] = [];
  for (const link of relativeLinks(await Deno.readTextFile(base))) {
    const [path, fragment] = link.split("#", 2);
    const target = path ? new URL(path, base) : base;
    let text: string | undefined;
    try {
      const info = await Deno.stat(target);
      text = info.isFile && target.pathname.endsWith(".md")
        ? await Deno.readTextFile(target)
        : undefined;
    } catch {
      broken.push(`${file}: ${link} (no such file)`);
      continue;
    }
    if (fragment && (text === undefined || !anchors(text).has(fragment))) {
      broken.push(`${file}: ${link} (no heading #${fragment})`);
    }
  }
  return broken;
}

Deno.test("docs: the anchor and link readers find what they should", () => {
  assert.equal(anchorOf("Ship it as one binary"), "ship-it-as-one-binary");
  assert.equal(
    anchorOf("What Deno can and cannot honour from a kubeconfig"),
    "what-deno-can-and-cannot-honour-from-a-kubeconfig",
  );
  assert.equal(anchorOf("`Api`: one type per resource"), "api-one-type-per-resource");
  assert.deepEqual(
    relativeLinks("[a](x.md) [b](https://e.org) `[c](y.md)`\n```\n[d](z.md)\n```\n[e](#top)"),
    ["x.md", "#top"],
  );
});

Deno.test("docs: every relative link of README.md and the guides resolves", async () => {
  const files = ["README.md", ...await guideFiles()];
  assert.ok(files.length > 5, `guides found: ${files.join(", ")}`);
  const broken = (await Promise.all(files.map(brokenLinks))).flat();
  assert.deepEqual(broken, []);
});

Deno.test("docs: every guide is listed in docs/README.md, which README.md links", async () => {
  const index = await Deno.readTextFile(new URL("docs/README.md", ROOT));
  const listed = new Set(relativeLinks(index).map((l) => l.split("#")[0]));
  for (const guide of await guideFiles()) {
    if (guide === "docs/README.md") continue;
    assert.ok(listed.has(guide.slice("docs/".length)), `${guide} is not in docs/README.md`);
  }
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  assert.ok(relativeLinks(readme).includes("docs/README.md"), "README.md links docs/README.md");
});
