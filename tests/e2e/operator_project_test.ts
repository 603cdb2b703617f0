// examples/operator_project is a user's operator project (its own deno.json importing the
// package by path, as `deno add jsr:@kubeno/kube` would by name) whose `deno task test` uses
// @kubeno/kube/testing. Run as a subprocess against this run's cluster (shared mode finds it
// through KUBECONFIG, so CI starts no second control plane); it must pass, and only with the
// permissions its deno.json grants.

import assert from "node:assert/strict";
import { requireCluster } from "./_cluster.ts";

const PROJECT = new URL("../../examples/operator_project/", import.meta.url);

if (requireCluster()) {
  Deno.test("examples/operator_project: its own `deno task test` passes", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "test"],
      cwd: PROJECT.pathname,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /^ok \| 1 passed \| 0 failed/m, stdout);
    assert.match(stdout, /mirror: a labelled ConfigMap gets an owned copy .* ok/);
    // It used this run's cluster: nothing was built or started (that would be logged).
    assert.doesNotMatch(stderr, /cluster v\S+ up at/);
  });
}
