import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { crdsOf, main } from "../../crd/print.ts";
import * as multi from "../../examples/crd_derive_multi.ts";
import * as derive from "../../examples/crd_derive.ts";

Deno.test("crd print: a merged CRD wins over the versions it was made from", () => {
  const crds = crdsOf(multi as unknown as Record<string, unknown>);
  assert.equal(crds.length, 1);
  assert.deepEqual(crds[0].spec.versions.map((v) => [v.name, v.storage]), [
    ["v1", false],
    ["v2", true],
  ]);
  assert.equal(
    crdsOf(derive as unknown as Record<string, unknown>)[0].metadata.name,
    "foos.clux.dev",
  );
});

Deno.test("crd print: YAML round trip of every exported CRD; usage and import errors", async () => {
  const lines: string[] = [];
  const errors: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (s: string) => lines.push(s);
  console.error = (s: string) => errors.push(s);
  try {
    assert.equal(
      await main(["print", "examples/crd_derive.ts", "examples/crd_derive_multi.ts"]),
      0,
    );
    assert.equal(await main(["print"]), 2);
    assert.equal(await main(["print", "does/not/exist.ts"]), 1);
  } finally {
    console.log = log;
    console.error = err;
  }
  const docs = parseAllDocuments(lines.join("\n")).map((d) => d.toJS());
  assert.deepEqual(docs, [derive.Foo.crd(), multi.crd]);
  assert.match(errors[0], /usage/);
  assert.match(errors[1], /cannot import does\/not\/exist\.ts/);
});
