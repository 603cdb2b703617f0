/**
 * `deno task demo` in its non-terminal mode: it runs the scenario once and exits 0 only if
 * every step was observed on the server.
 */

import assert from "node:assert/strict";

Deno.test({
  name: "e2e demo: the scenario runs once and every step is observed",
  ignore: Deno.env.get("KUBECONFIG") === undefined,
}, async () => {
  const main = decodeURIComponent(new URL("../../examples/demo/main.ts", import.meta.url).pathname);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1,localhost",
      "--allow-read",
      "--allow-env",
      "--allow-run",
      main,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  const m = /Summary: (\d+)\/(\d+) steps observed/.exec(text);
  assert.ok(m, text);
  assert.equal(m[1], m[2]);
  assert.ok(Number(m[2]) >= 11, text);
});
