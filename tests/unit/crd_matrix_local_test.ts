// The local half of the CRD acceptance matrix (tests/e2e/crd_acceptance_test.ts): every shape
// converts, and Foo.parse gives each hand-picked sample the verdict the test expects. The
// apiserver's side is asserted only in the e2e test.

import assert from "node:assert/strict";
import { resourceOf, shapes } from "../e2e/crd_shapes.ts";

Deno.test("CRD matrix (local): every shape converts to a CRD", () => {
  assert.ok(shapes.length >= 40, `${shapes.length} shapes`);
  for (const [i, s] of shapes.entries()) {
    const crd = resourceOf(s, i).crd();
    assert.ok(crd.spec.versions[0].schema?.openAPIV3Schema.properties?.spec, s.name);
  }
});

Deno.test("CRD matrix (local): hand-picked samples get the expected verdicts", () => {
  const wrong: string[] = [];
  for (const [i, s] of shapes.entries()) {
    const r = resourceOf(s, i);
    const check = (sample: unknown, expect: boolean) => {
      let name = "ok-sample";
      let spec = sample;
      if (sample && typeof sample === "object" && "$name" in sample) {
        const { $name, ...rest } = sample as Record<string, unknown>;
        name = String($name);
        spec = rest;
      }
      const obj: Record<string, unknown> = { metadata: { name } };
      if (spec !== undefined) obj.spec = spec;
      const res = r.safeParse(obj);
      if (res.success !== expect) {
        wrong.push(
          `${s.name} ${JSON.stringify(sample)}: ${res.success ? "accepted" : res.error.message}`,
        );
      }
    };
    for (const v of s.valid) check(v, true);
    for (const v of s.invalid) check(v, false);
  }
  assert.deepEqual(wrong, []);
});
