// The kubeconfig differential (issue 11, item 10) against kubectl itself: the verdicts recorded
// in tests/unit/fixtures/kubeconfig_kubectl.json, which the unit test holds kubeno to, must be
// what this cluster's kubectl (on PATH after `deno task cluster env`) says today; and seeded
// random kubeconfigs (YAML 1.1 scalars, tags, escapes) must decode alike in both.

import assert from "node:assert/strict";
import {
  CASES,
  type KubectlView,
  kubectlView,
  kubenoView,
  randomKubeconfigs,
  RECORD,
} from "../unit/_kubeconfig_cases.ts";
import { requireCluster } from "./_cluster.ts";

if (requireCluster()) {
  const recorded = JSON.parse(await Deno.readTextFile(RECORD)) as Record<string, KubectlView>;
  Deno.test("e2e: kubectl decodes each kubeconfig case as recorded, and as kubeno does", async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "kubeno-kubectl-" });
    try {
      for (const [name, c] of Object.entries(CASES)) {
        await t.step(name, async () => {
          const kubectl = await kubectlView(c.bytes, dir, name);
          const want = recorded[name];
          assert.equal("refused" in kubectl, "refused" in want, JSON.stringify(kubectl));
          if ("view" in kubectl && "view" in want) assert.deepEqual(kubectl.view, want.view);
          const kubeno = kubenoView(c.bytes, `${dir}/${name}`);
          assert.equal("refused" in kubeno, "refused" in kubectl, JSON.stringify(kubeno));
          if ("view" in kubeno && "view" in kubectl) assert.deepEqual(kubeno.view, kubectl.view);
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test("e2e: kubectl and kubeno decode 100 seeded random kubeconfigs alike", async () => {
    const dir = await Deno.makeTempDir({ prefix: "kubeno-kubectl-random-" });
    try {
      const docs = randomKubeconfigs(20261129, 100);
      for (const [i, text] of docs.entries()) {
        const bytes = new TextEncoder().encode(text);
        const kubectl = await kubectlView(bytes, dir, `r${i}`);
        const kubeno = kubenoView(bytes, `${dir}/r${i}`);
        const what = `case ${i}:\n${text}\nkubectl: ${JSON.stringify(kubectl)}\nkubeno: ${
          JSON.stringify(kubeno)
        }`;
        assert.equal("refused" in kubeno, "refused" in kubectl, what);
        if ("view" in kubeno && "view" in kubectl) {
          assert.deepEqual(kubeno.view, kubectl.view, what);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
