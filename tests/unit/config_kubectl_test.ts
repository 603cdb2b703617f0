// Issue 11, item 10: kubeconfig decoding as kubectl's (client-go: go-yaml v2, then JSON). Each
// case of _kubeconfig_cases.ts is parsed by kubeno and compared with what
// `kubectl config view --raw -o json --kubeconfig=<case>` printed for it, recorded in
// fixtures/kubeconfig_kubectl.json (tests/e2e/kubeconfig_kubectl_test.ts checks the record
// against kubectl itself; `deno run -A tests/unit/_kubeconfig_cases.ts` rewrites it).

import assert from "node:assert/strict";
import { CASES, type KubectlView, kubenoView, RECORD } from "./_kubeconfig_cases.ts";

const recorded = JSON.parse(await Deno.readTextFile(RECORD)) as Record<string, KubectlView>;

Deno.test("kubeconfig decoding: every case has kubectl's verdict recorded", () => {
  assert.deepEqual(Object.keys(recorded).sort(), Object.keys(CASES).sort());
});

for (const [name, c] of Object.entries(CASES)) {
  Deno.test(`kubeconfig decoding as kubectl: ${name} (${c.about})`, () => {
    const want = recorded[name];
    const got = kubenoView(c.bytes, `/cases/${name}`);
    if ("refused" in want) {
      assert.ok("refused" in got, `kubectl refuses it (${want.refused}); kubeno read it`);
      assert.match(got.refused, new RegExp(`^kubeconfig /cases/${name}: `));
      assert.ok(!got.refused.includes("tok-"), got.refused);
    } else {
      assert.ok("view" in got, `kubectl reads it; kubeno: ${"refused" in got && got.refused}`);
      assert.deepEqual(got.view, want.view);
    }
  });
}
