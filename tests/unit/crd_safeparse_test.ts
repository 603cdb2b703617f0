// safeParse never throws (issue 11, item 8): what JSON cannot carry is an issue with its path,
// deep nesting is fine, and a seeded fuzz run feeds it arbitrary values.

import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { celRules, customResource, type ParseResult } from "../../crd/mod.ts";

const names = { group: "clux.dev", version: "v1", kind: "Foo", namespaced: true } as const;
const Foo = customResource({
  ...names,
  spec: z.object({
    name: z.string().regex(/^[a-z]+$/).optional(),
    size: z.int().min(0).default(1),
    blob: z.any().optional(),
    list: z.array(z.any()).optional(),
    ruled: celRules(z.object({ v: z.any() }), "has(self.v)").optional(),
  }),
  status: z.object({ ready: z.boolean() }),
});

const obj = (spec: Record<string, unknown>) => ({ metadata: { name: "x" }, spec });

function issuesOf<K>(r: ParseResult<K>): [string, string][] {
  assert.equal(r.success, false, "expected failure");
  return r.success ? [] : r.error.issues.map((i) => [i.path, i.message]);
}

function nest(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

Deno.test("safeParse: deep nesting in a z.any() field returns a result (structuredClone threw RangeError at ~2,700)", () => {
  for (const depth of [3_000, 9_000]) {
    const r = Foo.safeParse(obj({ blob: nest(depth) }));
    assert.equal(r.success, true, `depth ${depth}`);
  }
  // Deeper than the apiserver's 10,000 levels: refused, as the server refuses it.
  const tooDeep = issuesOf(Foo.safeParse(obj({ blob: nest(10_005) })));
  assert.equal(tooDeep.length, 1);
  assert.match(tooDeep[0][0], /^spec\.blob(\.a)+$/);
  assert.match(tooDeep[0][1], /nested deeper than 10000 levels/);
});

Deno.test("safeParse: functions, symbols, BigInt, non-finite numbers, Map/Set are issues at their paths (DataCloneError before)", () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ blob: { f: () => 1 } }, "spec.blob.f", /cannot be sent as JSON: a function/],
    [{ blob: { s: Symbol("x") } }, "spec.blob.s", /a symbol/],
    [{ blob: 1n }, "spec.blob", /a BigInt \(use a number or a string\)/],
    [{ list: [1, 2n] }, "spec.list[1]", /a BigInt/],
    [{ blob: NaN }, "spec.blob", /NaN is not a JSON number/],
    [{ size: Infinity }, "spec.size", /Infinity is not a JSON number/],
    [{ blob: new Map([["a", 1]]) }, "spec.blob", /a Map \(JSON\.stringify would send \{\}/],
    [{ blob: new Set([1]) }, "spec.blob", /a Set/],
    [
      {
        blob: {
          toJSON: () => {
            throw new Error("boom");
          },
        },
      },
      "spec.blob",
      /its toJSON\(\) threw: boom/,
    ],
  ];
  for (const [spec, path, re] of cases) {
    const got = issuesOf(Foo.safeParse(obj(spec)));
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.equal(got[0][0], path);
    assert.match(got[0][1], re);
    assert.throws(() => Foo.parse(obj(spec)), re); // parse throws the same, as a ResourceValidationError
  }
});

Deno.test("safeParse: a cycle is an issue naming where it refers back to; shared references are fine", () => {
  const cyclic: Record<string, unknown> = { a: { b: {} } };
  (cyclic.a as { b: Record<string, unknown> }).b.back = cyclic;
  const got = issuesOf(Foo.safeParse(obj({ blob: cyclic })));
  assert.deepEqual(got, [[
    "spec.blob.a.b.back",
    "cycle: refers back to spec.blob; JSON cannot carry cycles",
  ]]);
  const shared = { k: "v" };
  assert.equal(
    Foo.safeParse(obj({ blob: { x: shared, y: shared }, list: [shared, shared] })).success,
    true,
  );
  // A cyclic old object in an update is reported too, not a stack overflow in CEL.
  const r = Foo.safeParseUpdate(obj({ ruled: { v: cyclic } }), obj({ ruled: { v: 1 } }));
  assert.match(issuesOf(r)[0][1], /^old object: cycle/);
});

Deno.test("safeParse: undefined follows JSON.stringify (dropped from objects, null in arrays); Date via toJSON", () => {
  const r = Foo.safeParse(obj({ name: undefined, blob: { when: new Date(0), gone: undefined } }));
  assert.ok(r.success);
  assert.deepEqual(r.data.spec.blob, { when: "1970-01-01T00:00:00.000Z" });
  // In an array, undefined is sent as null, and validated as a null would be (the items are not
  // nullable, so the apiserver refuses it too).
  const arr = Foo.safeParse(obj({ list: [1, undefined] }));
  assert.deepEqual(issuesOf(arr).map(([p]) => p), ["spec.list[1]"]);
  assert.deepEqual(
    issuesOf(arr).map(([p]) => p),
    issuesOf(Foo.safeParse(obj({ list: [1, null] }))).map(([p]) => p),
  );
  // The caller's object is not changed.
  const input = obj({ blob: { gone: undefined } });
  Foo.safeParse(input);
  assert.ok("gone" in (input.spec.blob as object));
});

Deno.test("safeParse: deep nesting under a CEL rule is reported, not thrown", () => {
  const r = Foo.safeParse(obj({ ruled: { v: nest(9_500) } }));
  // Either CEL copes with the depth, or the stack runs out and that is an issue: never a throw.
  if (!r.success) assert.match(r.error.message, /nested too deeply to validate locally/);
});

Deno.test("safeParse: fuzz: arbitrary values never make it throw", () => {
  const anyValue = fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withBoxedValues: true,
    withTypedArray: true,
    withSparseArray: true,
    maxDepth: 6,
  });
  const hostile = fc.oneof(
    anyValue,
    fc.func(fc.anything()),
    fc.constantFrom(Symbol("s"), NaN, -Infinity, 10n ** 30n),
  );
  const shaped = fc.record({
    apiVersion: fc.oneof(fc.constant("clux.dev/v1"), anyValue),
    metadata: fc.oneof(fc.record({ name: fc.oneof(fc.string(), anyValue) }), anyValue),
    spec: fc.oneof(
      fc.record(
        { name: hostile, size: hostile, blob: hostile, list: fc.array(hostile), ruled: hostile },
        { requiredKeys: [] },
      ),
      hostile,
    ),
    status: hostile,
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(shaped, hostile), (v) => {
      const r = Foo.safeParse(v);
      assert.equal(typeof r.success, "boolean");
      const u = Foo.safeParseUpdate(v, v);
      assert.equal(typeof u.success, "boolean");
    }),
    { seed: 0x6b75626e, numRuns: 400, interruptAfterTimeLimit: 4000 },
  );
});
