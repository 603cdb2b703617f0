// The package's runnable entry points as a user's project runs them: a scratch directory outside
// the repository whose deno.json imports @kubeno/kube by path (what `deno add` gives), running
// the `./crd/print` and `./codegen` exports as main modules (`deno run jsr:@kubeno/kube/...`).

import assert from "node:assert/strict";
import { scratchConfig } from "../e2e/_doc_blocks.ts";

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

async function run(dir: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", "--no-prompt", ...args],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "scratch project: crd/print and codegen run as entry points of the package",
  ignore: !canRun,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kubeno-entry-" });
    try {
      const config = await scratchConfig();
      const imports = config.imports as Record<string, string>;
      assert.ok(imports["@kubeno/kube/crd"], "deno.json exports ./crd");
      await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(config, null, 2));

      // crd/print: the CRDs a module of the project exports, as YAML, with --allow-read only.
      await Deno.writeTextFile(
        `${dir}/crds.ts`,
        `import { customResource } from "@kubeno/kube";
import { z } from "zod";
export const Foo = customResource({
  group: "example.com",
  version: "v1",
  kind: "Foo",
  namespaced: true,
  spec: z.object({ size: z.int() }),
});
`,
      );
      const print = await run(dir, [
        "--allow-read",
        imports["@kubeno/kube/crd/print"],
        "./crds.ts",
      ]);
      assert.equal(print.code, 0, print.stderr);
      assert.match(
        print.stdout,
        /^apiVersion: apiextensions\.k8s\.io\/v1\nkind: CustomResourceDefinition\n/,
      );
      assert.match(print.stdout, /name: foos\.example\.com/);

      // codegen: a CRD file of the project to a formatted TypeScript module that type-checks
      // there, importing @kubeno/kube and zod as the project does.
      await Deno.copyFile(
        new URL("../fixtures/crds/widget.yaml", import.meta.url),
        `${dir}/widget.yaml`,
      );
      const gen = await run(dir, [
        "--allow-read",
        "--allow-env",
        "--allow-write=widget.ts",
        "--allow-run",
        imports["@kubeno/kube/codegen"],
        "widget.yaml",
        "--zod",
        "--out",
        "widget.ts",
      ]);
      assert.equal(gen.code, 0, gen.stderr);
      const ts = await Deno.readTextFile(`${dir}/widget.ts`);
      assert.match(ts, /from "@kubeno\/kube"/);
      await Deno.writeTextFile(
        `${dir}/use.ts`,
        `import { Widget, WidgetSchema } from "./widget.ts";\nconsole.log(Widget.plural, typeof WidgetSchema.parse);\n`,
      );
      const use = await run(dir, ["--check", "use.ts"]);
      assert.equal(use.code, 0, use.stderr);
      assert.equal(use.stdout, "widgets function\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
