// `deno doc --lint` over the package's entry points: nothing in crd/ (or client/crd_apply.ts)
// may reference an undocumented or private type, and Zod's declarations must not be pulled into
// the documentation (they were while crd/mod.ts re-exported `z`: ~2,000 missing-jsdoc errors).

import assert from "node:assert/strict";

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";
const ROOT = new URL("../../", import.meta.url).pathname;

async function docLint(entries: string[]): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...entries],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  // One diagnostic: `error[rule]: message` followed by `  --> file:line:col`.
  const diags: string[] = [];
  const re = /^error\[([a-z-]+)\]: (.*)\n\s*--> (.*)$/gm;
  for (const m of text.matchAll(re)) diags.push(`${m[3]}: [${m[1]}] ${m[2]}`);
  if (out.code !== 0 && diags.length === 0) assert.fail(`deno doc --lint failed:\n${text}`);
  return diags;
}

const ours = (d: string) => /\/crd\/|\/client\/crd_apply\.ts|\/zod\//.test(d);

Deno.test({
  name: "deno doc --lint of every deno.json export: nothing from crd/, crd_apply.ts or zod",
  ignore: !canRun,
  fn: async () => {
    const { exports } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
      exports: Record<string, string>;
    };
    assert.deepEqual((await docLint(Object.values(exports))).filter(ours), []);
  },
});

// crd/'s CRD types narrow the generated ones, which are public at the package's
// ./k8s/apiextensions.k8s.io/v1 entry point; with that entry, mod.ts must need nothing else.
Deno.test({
  name:
    "deno doc --lint mod.ts (+ the generated CRD types): nothing from crd/, crd_apply.ts or zod",
  ignore: !canRun,
  fn: async () => {
    const entries = ["mod.ts", "core/k8s/apiextensions.k8s.io/v1.ts"];
    assert.deepEqual((await docLint(entries)).filter(ours), []);
  },
});
