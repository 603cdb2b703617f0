// Patterns are evaluated on RE2, as the apiserver evaluates them (issue 11, item 5): local
// verdicts match the server's, in linear time, and patterns RE2 cannot compile are refused with
// the apiserver's own words. No timing is asserted: the adversarial cases must simply finish.

import assert from "node:assert/strict";
import { z } from "zod";
import { celIssues, CrdSchemaError, customResource, structuralSchema } from "../../crd/mod.ts";

const base = { group: "clux.dev", version: "v1", kind: "Foo", namespaced: true } as const;

Deno.test("re2: z.string().regex(/^(a+)+$/) on 33 a's and a b returns (it took 141 s on JavaScript's engine)", () => {
  const Foo = customResource({ ...base, spec: z.object({ a: z.string().regex(/^(a+)+$/) }) });
  const bad = Foo.safeParse({ metadata: { name: "x" }, spec: { a: "a".repeat(33) + "b" } });
  assert.equal(bad.success, false);
  assert.deepEqual(!bad.success && bad.error.issues.map((i) => i.path), ["spec.a"]);
  assert.match(!bad.success ? bad.error.message : "", /must match pattern \/\^\(a\+\)\+\$\//);
  // Far longer inputs too: RE2 is linear.
  const long = Foo.safeParse({ metadata: { name: "x" }, spec: { a: "a".repeat(100_000) + "b" } });
  assert.equal(long.success, false);
  assert.equal(
    Foo.parse({ metadata: { name: "x" }, spec: { a: "a".repeat(33) } }).spec.a.length,
    33,
  );
  // new() parses the spec on RE2 too (it backtracked for minutes before).
  assert.throws(() => Foo.new("x", { a: "a".repeat(33) + "b" }), /must match pattern/);
  assert.equal(Foo.new("x", { a: "aaa" }).spec.a, "aaa");
  // The user's own schema is untouched: kubeno validates with an RE2-backed copy.
  const own = Foo.options.spec;
  assert.ok(own.shape.a.safeParse("aa").success);
  const pattern = (own.shape.a._zod.def.checks?.[0]._zod.def as { pattern?: RegExp }).pattern;
  assert.equal(pattern?.constructor, RegExp);
  assert.ok(Foo.schema.safeParse({ metadata: { name: "x" }, spec: { a: "aa" } }).success);
});

Deno.test("re2: verdicts are RE2's where JavaScript's differ (\\s, flags, nested and list items)", () => {
  const Foo = customResource({
    ...base,
    spec: z.object({
      // JavaScript's \s matches U+00A0; Go's RE2 (the apiserver) does not.
      sep: z.string().regex(/^a\sb$/).optional(),
      tags: z.array(z.string().regex(/^[a-z]+$/i)).optional(),
      inner: z.object({ id: z.string().regex(/^\d+$/) }).optional(),
    }),
  });
  const check = (spec: Record<string, unknown>) => Foo.safeParse({ metadata: { name: "x" }, spec });
  assert.equal(check({ sep: "a b" }).success, true);
  const nbsp = check({ sep: "a\u00a0b" });
  assert.equal(nbsp.success, false, "RE2 \\s is ASCII whitespace only, as on the apiserver");
  assert.equal(check({ tags: ["Ab", "cD"] }).success, true); // (?i) carried into RE2
  assert.deepEqual(
    ((r) => r.success ? [] : r.error.issues.map((i) => i.path))(check({ tags: ["ok", "n0"] })),
    ["spec.tags[1]"],
  );
  assert.equal(check({ inner: { id: "12" } }).success, true);
  assert.equal(check({ inner: { id: "١٢" } }).success, false); // Arabic-Indic digits: \d is ASCII in both
});

Deno.test("re2: CEL matches() runs on RE2 too, so an adversarial rule returns", () => {
  const s = {
    type: "string",
    "x-kubernetes-validations": [{ rule: "self.matches('^(a+)+$')", message: "only a's" }],
  };
  const issues = celIssues(s, "a".repeat(40) + "b");
  assert.deepEqual(issues.map((i) => [i.source, i.message]), [["cel", "only a's"]]);
  assert.deepEqual(celIssues(s, "a".repeat(40)), []);
});

Deno.test("re2: a pattern RE2 cannot compile is refused with the apiserver's message", () => {
  const cases: [RegExp, RegExp][] = [
    // JavaScript accepts these; Go's regexp (and so the apiserver) does not.
    [
      /^a{1001}$/,
      /must be a valid regular expression, but isn't: error parsing regexp: invalid repeat count: `\{1001\}`/,
    ],
    [
      /^\Z$/,
      /must be a valid regular expression, but isn't: error parsing regexp: invalid escape sequence: `\\Z`/,
    ],
    // Constructs RE2 lacks are named as before.
    [/^(?=a)a$/, /RE2 \(the apiserver's regex engine\) has no lookahead/],
    [/(a)\1/, /backreference/],
  ];
  for (const [re, msg] of cases) {
    assert.throws(
      () => structuralSchema(z.object({ a: z.string().regex(re) }), "spec"),
      (e) => e instanceof CrdSchemaError && e.path === "spec.a" && msg.test(e.message),
      String(re),
    );
    // And customResource's parse, which needs the CRD schema, reports it rather than guessing.
    const Foo = customResource({ ...base, spec: z.object({ a: z.string().regex(re) }) });
    assert.throws(
      () => Foo.safeParse({ metadata: { name: "x" }, spec: { a: "a" } }),
      CrdSchemaError,
    );
  }
});

Deno.test("re2: CEL find()/findAll() run on RE2: linear, Go's matches, RE2's errors", () => {
  const rule = (r: string) => ({ type: "string", "x-kubernetes-validations": [{ rule: r }] });
  const ok = (r: string, v: string) => assert.deepEqual(celIssues(rule(r), v), [], `${r} on ${v}`);
  // No match, and a match after a prefix that makes JavaScript's engine backtrack exponentially.
  ok("self.find('^(a+)+$') == ''", "a".repeat(40) + "b");
  ok("self.findAll('^(a+)+$').size() == 0", "a".repeat(40) + "b");
  ok("self.find('(a+)+b') == 'ab'", "a".repeat(40) + "cab");
  ok("self.findAll('(a+)+b') == ['ab']", "a".repeat(40) + "cab");
  // Go's FindAllString: leftmost-first, an empty match right after a match skipped, limit n.
  ok("self.find('[0-9]+') == '42'", "v42x7");
  ok("self.findAll('[0-9]+') == ['42', '7']", "v42x7");
  ok("self.findAll('[0-9]+', 1) == ['42']", "v42x7");
  ok("self.findAll('[0-9]+', -1) == ['42', '7']", "v42x7");
  ok("self.findAll('a*') == ['', 'aaa', '']", "baaac");
  ok("self.find('a|ab') == 'a'", "ab"); // leftmost-first, not leftmost-longest
  ok("self.find('(?i)B+') == 'bB'", "abBc"); // RE2 syntax, which JavaScript's RegExp refuses
  // A pattern Go's regexp refuses is a rule evaluation error with Go's words.
  const [issue] = celIssues(rule("self.find('a{1001}') == ''"), "a");
  assert.equal(issue.source, "cel");
  assert.match(issue.message, /invalid repeat count/);
});
