/**
 * `deno task demo` in its non-terminal mode: it runs the scenario once and exits 0 only if
 * every step was observed on the server.
 */

import assert from "node:assert/strict";
import { requireCluster } from "./_cluster.ts";

// Fails (never skips) without a cluster, as every e2e test.
const hasCluster = requireCluster();

Deno.test({
  name: "e2e demo: the scenario runs once and every step is observed",
  ignore: !hasCluster,
}, async () => {
  const main = decodeURIComponent(new URL("../../examples/demo/main.ts", import.meta.url).pathname);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1,localhost",
      "--allow-read",
      "--allow-write",
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
  assert.ok(Number(m[2]) >= 12, text);
  // The operator ran under the RBAC derived from its code, not as admin.
  assert.match(
    text,
    /The operator ran as system:serviceaccount:kubeno-demo-\w+:configmapgen, bound only to the \d+ rules derived from its code/,
  );
  assert.match(
    text,
    /✓ +the operator's ServiceAccount may do what its code needs and nothing more/,
  );
  // Never silent: every step that took longer than the reporting interval said what it waited for.
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    const done = /✓ +(.*) \((\d+) ms\)$/.exec(line);
    if (!done || Number(done[2]) < 6_000) continue;
    const started = lines.findLastIndex((l, j) => j < i && l.endsWith(done[1]));
    const between = lines.slice(started + 1, i);
    assert.ok(
      between.some((l) => /…\s+waiting \d+ s: /.test(l)),
      `${done[1]} was silent:\n${text}`,
    );
  }
});

/** Pids of live processes whose command line contains `needle` (`pgrep -f`). */
async function pidsWith(needle: string): Promise<number[]> {
  const out = await new Deno.Command("pgrep", { args: ["-f", "--", needle], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.trim()).map(Number);
}

Deno.test({
  name: "e2e demo: Ctrl-C mid-scenario (SIGINT to the demo and its operator) leaves nothing",
  ignore: !hasCluster || Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const { Api, Client } = await import("../../mod.ts");
  const { Namespace } = await import("../../core/k8s/core/v1.ts");
  const main = decodeURIComponent(new URL("../../examples/demo/main.ts", import.meta.url).pathname);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1,localhost",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      main,
    ],
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  const until = async (re: RegExp) => {
    const end = Date.now() + 60_000;
    while (!re.test(text)) {
      if (Date.now() > end) throw new Error(`no ${re} in:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // Interrupt after the second generator exists: both carry the operator's finalizer.
  await until(/✓ +create ConfigMapGenerator farewell/).catch(async (err) => {
    child.kill("SIGTERM"); // the demo cleans up after itself
    await child.status;
    throw err;
  });
  const ns = /--namespace=(kubeno-demo-[0-9a-f]+)/.exec(text)![1];
  const operators = await pidsWith(`--namespace=${ns}`);
  assert.equal(operators.length, 1, `one operator process for ${ns}`);
  // What a terminal's Ctrl-C does: SIGINT to every process of the foreground group.
  child.kill("SIGINT");
  Deno.kill(operators[0], "SIGINT");
  const status = await child.status;
  await reading;
  assert.equal(status.code, 130, text);
  assert.deepEqual(await pidsWith(`--namespace=${ns}`), [], "no operator left running");
  // The operator's ServiceAccount token (its kubeconfig, --allow-read=...) is gone too.
  const tokenFile = /--allow-read=(\S+operator\.kubeconfig)/.exec(text)?.[1];
  assert.ok(tokenFile, text);
  await assert.rejects(Deno.stat(tokenFile), Deno.errors.NotFound);
  using client = await Client.tryDefault();
  const namespaces = Api.all(client, Namespace);
  const end = Date.now() + 60_000;
  let phase: string | undefined = "";
  while ((phase = (await namespaces.getOpt(ns))?.status?.phase) !== undefined) {
    if (Date.now() > end) {
      throw new Error(`namespace ${ns} still ${phase} 60 s after the demo ended:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
});
