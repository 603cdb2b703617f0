// A kubeconfig loads with exactly the permissions the README lists, and nothing more: the
// YAML parser's debug switches must not demand extra env access.

import assert from "node:assert/strict";

Deno.test("a kubeconfig loads with --allow-env=KUBECONFIG,HOME and --allow-read=<file> only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/config`;
    await Deno.writeTextFile(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]",
        "users: [{ name: u, user: { token: abc } }]",
        "contexts: [{ name: x, context: { cluster: c, user: u, namespace: apps } }]",
        "current-context: x",
      ].join("\n"),
    );
    const script = new URL("./fixtures/load_config.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--no-lock",
        "--allow-env=KUBECONFIG,HOME",
        `--allow-read=${file}`,
        script,
      ],
      env: { KUBECONFIG: file, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
      server: "https://127.0.0.1:6443/",
      namespace: "apps",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
