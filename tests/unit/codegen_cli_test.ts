// The codegen CLI (crd/codegen/main.ts) as a user runs it: `deno run` with the flags they gave.
// A missing permission is a one-line message naming the flag, asked for before anything is
// written; never Deno's raw NotCapable with a stack trace.

import assert from "node:assert/strict";

const MAIN = new URL("../../crd/codegen/main.ts", import.meta.url).pathname;
const WIDGET = new URL("../fixtures/crds/widget.yaml", import.meta.url).pathname;
const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

async function codegen(flags: string[], args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, MAIN, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test({
  name: "codegen --out: a missing --allow-run or --allow-write is named before the file is written",
  ignore: !canRun,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kubeno-codegen-" });
    try {
      const out = `${dir}/widget.ts`;
      const noRun = await codegen(
        ["--allow-read", "--allow-env", `--allow-write=${dir}`],
        [WIDGET, "--out", out],
        dir,
      );
      assert.equal(noRun.code, 1, noRun.stderr);
      assert.equal(noRun.stderr.trim().split("\n").length, 1, noRun.stderr);
      assert.match(
        noRun.stderr,
        /^codegen: codegen --out .*widget\.ts formats the file with deno fmt/,
      );
      assert.match(noRun.stderr, /Run again with --allow-run=\S*deno/);
      assert.doesNotMatch(noRun.stderr, /NotCapable|\n\s+at /);
      assert.equal(await exists(out), false, "nothing is written when a permission is missing");

      const noWrite = await codegen(["--allow-read", "--allow-env"], [WIDGET, "--out", out], dir);
      assert.equal(noWrite.code, 1);
      assert.match(noWrite.stderr, /Run again with --allow-write=\S*widget\.ts\n$/);
      assert.equal(await exists(out), false);

      const noRead = await codegen(["--allow-env"], [WIDGET], dir);
      assert.equal(noRead.code, 1);
      assert.match(
        noRead.stderr,
        /reading .*widget\.yaml: Deno denied read access\. Run again with --allow-read=\S*widget\.yaml\n$/,
      );

      const ok = await codegen(
        ["--allow-read", "--allow-env", `--allow-write=${dir}`, "--allow-run"],
        [WIDGET, "--out", out],
        dir,
      );
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(await Deno.readTextFile(out), /export interface Widget\b/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
