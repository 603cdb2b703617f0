// Schema shapes of the CRD acceptance matrix, shared by the e2e test (against the apiserver)
// and the unit test (local verdicts equal the expected ones).

import fc from "fast-check";
import { z } from "zod";
import {
  celRules,
  type CustomResource,
  customResource,
  type CustomResourceOptions,
  embeddedResource,
  format,
  intOrString,
  listType,
  mapType,
  preserveUnknownFields,
  quantity,
} from "../../crd/mod.ts";

export const GROUP = "accept.kubeno.dev";

export interface Shape {
  name: string;
  spec: z.ZodType;
  valid: unknown[];
  invalid: unknown[];
  opts?: Partial<CustomResourceOptions<z.ZodType, z.ZodType | undefined>>;
  /** Skip the fast-check mutations (shapes where a random leaf is meaningless). */
  noFuzz?: boolean;
}

const Item = z.object({ name: z.string().max(20), port: z.int().min(1).max(65535).default(80) });

export const shapes: Shape[] = [
  {
    name: "string",
    spec: z.object({ s: z.string() }),
    valid: [{ s: "a" }, { s: "" }],
    invalid: [{ s: 1 }, {}],
  },
  {
    name: "string-bounds",
    spec: z.object({ s: z.string().min(2).max(4) }),
    valid: [{ s: "ab" }, { s: "abcd" }],
    invalid: [{ s: "a" }, { s: "abcde" }],
  },
  {
    name: "string-regex",
    spec: z.object({ s: z.string().regex(/^[a-z]+(-[a-z]+)*$/) }),
    valid: [{ s: "ab-c" }],
    invalid: [{ s: "Ab" }, { s: "a-" }, { s: "" }],
  },
  {
    name: "regex-flag-i",
    spec: z.object({ s: z.string().regex(/^abc$/i) }),
    valid: [{ s: "ABC" }, { s: "abc" }],
    invalid: [{ s: "abd" }],
  },
  {
    name: "starts-ends",
    spec: z.object({ s: z.string().startsWith("a").endsWith("z") }),
    valid: [{ s: "abcz" }, { s: "az" }],
    invalid: [{ s: "bz" }, { s: "ab" }],
  },
  {
    name: "template-literal",
    spec: z.object({ v: z.templateLiteral(["v", z.int()]) }),
    valid: [{ v: "v1" }, { v: "v20" }],
    invalid: [{ v: "x1" }, { v: "v" }],
  },
  {
    name: "email-uuid",
    spec: z.object({ e: z.email().optional(), u: z.uuid().optional() }),
    valid: [{ e: "a@b.co" }, { u: "123e4567-e89b-42d3-a456-426614174000" }, {}],
    invalid: [{ e: "nope" }, { u: "x" }],
  },
  {
    name: "datetime",
    spec: z.object({ t: z.iso.datetime() }),
    valid: [{ t: "2024-01-01T00:00:00Z" }, { t: "2024-02-29T12:30:00.123Z" }],
    invalid: [{ t: "2024-13-01T00:00:00Z" }, { t: "yesterday" }],
  },
  {
    name: "int-bounds",
    spec: z.object({ n: z.int().min(0).max(10) }),
    valid: [{ n: 0 }, { n: 10 }],
    invalid: [{ n: -1 }, { n: 11 }, { n: 1.5 }, { n: "1" }],
  },
  {
    name: "int32",
    spec: z.object({ n: z.int32() }),
    valid: [{ n: 2147483647 }, { n: -2147483648 }],
    invalid: [{ n: 2147483648 }],
  },
  {
    name: "number-exclusive",
    spec: z.object({ x: z.number().gt(0).lt(1) }),
    valid: [{ x: 0.5 }],
    invalid: [{ x: 0 }, { x: 1 }, { x: "x" }],
  },
  {
    name: "multiple-of",
    spec: z.object({ x: z.int().multipleOf(5) }),
    valid: [{ x: 10 }, { x: 0 }],
    invalid: [{ x: 12 }],
  },
  {
    name: "boolean-default",
    spec: z.object({ b: z.boolean().default(true) }),
    valid: [{}, { b: false }],
    invalid: [{ b: "yes" }],
  },
  {
    name: "optional",
    spec: z.object({ o: z.string().optional() }),
    valid: [{}, { o: "x" }, { o: null }],
    invalid: [{ o: 5 }],
  },
  {
    name: "nullable",
    spec: z.object({ n: z.string().nullable() }),
    valid: [{ n: null }, { n: "x" }],
    invalid: [{}, { n: 1 }],
  },
  {
    name: "nullable-default",
    spec: z.object({ n: z.string().nullable().default("d") }),
    valid: [{}, { n: null }, { n: "x" }],
    invalid: [{ n: 2 }],
  },
  {
    name: "default-null-pruned",
    spec: z.object({ d: z.string().default("d") }),
    valid: [{}, { d: null }, { d: "x" }],
    invalid: [{ d: true }],
  },
  {
    name: "prefault-nested",
    spec: z.object({
      o: z.object({ level: z.string().default("info"), n: z.int().default(2) }).prefault({}),
    }),
    valid: [{}, { o: {} }, { o: { level: "debug" } }],
    invalid: [{ o: { n: "x" } }],
  },
  {
    name: "default-object",
    spec: z.object({
      o: z.object({ a: z.string().default("a"), b: z.string() }).default(
        { b: "b" } as { a: string; b: string },
      ),
    }),
    valid: [{}, { o: { b: "c" } }],
    invalid: [{ o: {} }],
  },
  {
    name: "enum",
    spec: z.object({ e: z.enum(["a", "b"]) }),
    valid: [{ e: "a" }, { e: "b" }],
    invalid: [{ e: "c" }, { e: null }],
  },
  {
    name: "literal",
    spec: z.object({ l: z.literal("only") }),
    valid: [{ l: "only" }],
    invalid: [{ l: "other" }],
  },
  {
    name: "literal-numbers",
    spec: z.object({ l: z.literal([1, 2, 3]) }),
    valid: [{ l: 2 }],
    invalid: [{ l: 4 }, { l: "1" }],
  },
  {
    name: "union-literals",
    spec: z.object({ u: z.union([z.literal("x"), z.literal("y"), z.enum(["z"])]) }),
    valid: [{ u: "x" }, { u: "z" }],
    invalid: [{ u: "w" }],
  },
  {
    name: "optional-enum-null-pruned",
    spec: z.object({ e: z.enum(["a", "b"]).optional() }),
    valid: [{ e: null }, { e: "a" }, {}],
    invalid: [{ e: "c" }],
  },
  {
    name: "union-int-string",
    spec: z.object({ p: z.union([z.int(), z.string()]) }),
    valid: [{ p: 80 }, { p: "http" }],
    invalid: [{ p: 1.5 }, { p: true }],
  },
  {
    name: "int-or-string",
    spec: z.object({ p: intOrString() }),
    valid: [{ p: 8080 }, { p: "web" }],
    invalid: [{ p: false }, { p: [] }],
  },
  {
    name: "quantity",
    spec: z.object({ q: quantity() }),
    valid: [{ q: "500m" }, { q: "1Gi" }, { q: 2 }, { q: "1e3" }],
    invalid: [{ q: "1GG" }, { q: "abc" }, { q: 1.5 }],
  },
  {
    name: "discriminated-union",
    spec: z.object({
      s: z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("A"), a: z.string().min(2) }),
        z.object({ kind: z.literal("B"), b: z.int() }),
      ]),
    }),
    valid: [{ s: { kind: "A", a: "xy" } }, { s: { kind: "B", b: 1 } }],
    invalid: [
      { s: { kind: "C" } },
      { s: { kind: "A" } },
      { s: { kind: "A", a: "x" } },
      { s: { kind: "A", a: "xy", b: "str" } },
    ],
  },
  {
    name: "union-objects",
    spec: z.object({ u: z.union([z.object({ a: z.string() }), z.object({ b: z.int() })]) }),
    valid: [{ u: { a: "x" } }, { u: { b: 1 } }],
    invalid: [{ u: {} }, { u: { a: 1 } }],
  },
  {
    name: "record",
    spec: z.object({ r: z.record(z.string(), z.int()) }),
    valid: [{ r: { x: 1 } }, { r: {} }],
    invalid: [{ r: { x: "1" } }, { r: [] }],
  },
  {
    name: "record-of-objects",
    spec: z.object({ r: z.record(z.string(), z.object({ v: z.string().default("d") })) }),
    valid: [{ r: { a: {}, b: { v: "x" } } }],
    invalid: [{ r: { a: { v: 1 } } }],
  },
  {
    name: "array-bounds",
    spec: z.object({ a: z.array(z.string()).min(1).max(3) }),
    valid: [{ a: ["a"] }, { a: ["a", "b", "c"] }],
    invalid: [{ a: [] }, { a: ["a", "b", "c", "d"] }, { a: [1] }],
  },
  {
    name: "list-map",
    spec: z.object({ ports: listType(z.array(Item).max(8), "map", ["name"]) }),
    valid: [{ ports: [{ name: "a" }, { name: "b", port: 443 }] }],
    invalid: [{ ports: [{ name: "a" }, { name: "a" }] }, { ports: [{ port: 1 }] }],
  },
  {
    name: "list-set",
    spec: z.object({ tags: listType(z.array(z.string()).max(8), "set") }),
    valid: [{ tags: ["a", "b"] }],
    invalid: [{ tags: ["a", "a"] }],
  },
  {
    name: "list-atomic-map-atomic",
    spec: z.object({
      l: listType(z.array(z.int()), "atomic"),
      m: mapType(z.record(z.string(), z.string()), "atomic"),
    }),
    valid: [{ l: [1, 1], m: { a: "b" } }],
    invalid: [{ l: ["x"], m: {} }],
  },
  {
    name: "nested-required",
    spec: z.object({
      a: z.object({ b: z.object({ c: z.string(), d: z.int().optional() }) }),
    }),
    valid: [{ a: { b: { c: "x" } } }, { a: { b: { c: "x", d: 1 } } }],
    invalid: [{ a: { b: {} } }, { a: {} }, { a: { b: { c: "x", d: "y" } } }],
  },
  {
    name: "unknown",
    spec: z.object({ u: z.unknown() }),
    valid: [{ u: 1 }, { u: { deep: [1, "x"] } }, { u: "s" }],
    invalid: [{}],
    noFuzz: true,
  },
  {
    name: "preserve-unknown-fields",
    spec: z.object({ values: preserveUnknownFields() }),
    valid: [{ values: { a: { b: [1, 2] } } }, { values: {} }],
    invalid: [{ values: "x" }],
  },
  {
    name: "loose-object",
    spec: z.object({ o: z.looseObject({ a: z.string() }) }),
    valid: [{ o: { a: "x", extra: { k: 1 } } }],
    invalid: [{ o: { extra: 1 } }],
  },
  {
    name: "embedded-resource",
    spec: z.object({ tpl: embeddedResource() }),
    valid: [{
      tpl: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "b" } },
    }],
    invalid: [{ tpl: { apiVersion: "v1" } }, { tpl: { apiVersion: "v1", kind: "" } }],
    noFuzz: true,
  },
  {
    name: "cel-field",
    spec: z.object({ n: celRules(z.int(), { rule: "self % 2 == 0", message: "must be even" }) }),
    valid: [{ n: 2 }, { n: 0 }],
    invalid: [{ n: 3 }],
  },
  {
    name: "cel-object",
    spec: celRules(z.object({ min: z.int(), max: z.int() }), {
      rule: "self.min <= self.max",
      // The server's cost estimate rejects string(int) concatenations: keep messages constant-sized.
      messageExpression: "self.min > self.max ? 'min exceeds max' : 'invalid range'",
    }),
    valid: [{ min: 1, max: 2 }, { min: 2, max: 2 }],
    invalid: [{ min: 3, max: 2 }],
  },
  {
    name: "cel-lists-strings",
    spec: z.object({
      tags: celRules(
        z.array(z.string().max(10)).max(10),
        "self.isSorted()",
        "self.all(t, t.lowerAscii() == t)",
        "self.size() == 0 || self.exists_one(t, t.startsWith('main'))",
      ),
      weights: celRules(z.array(z.int().min(0).max(100)).max(10), "self.sum() <= 100").optional(),
    }),
    valid: [{ tags: ["a", "main"] }, { tags: [], weights: [50, 50] }],
    invalid: [{ tags: ["b", "a", "main"] }, { tags: ["A", "main"] }, { tags: ["a"] }, {
      tags: [],
      weights: [60, 50],
    }],
  },
  {
    name: "cel-has-optional",
    spec: celRules(
      z.object({ mode: z.enum(["auto", "manual"]), replicas: z.int().optional() }),
      { rule: "self.mode != 'manual' || has(self.replicas)", message: "manual needs replicas" },
    ),
    valid: [{ mode: "auto" }, { mode: "manual", replicas: 2 }],
    invalid: [{ mode: "manual" }],
  },
  {
    name: "cel-regex-find",
    spec: z.object({
      s: celRules(z.string().max(30), "self.find('[0-9]+') != ''", "self.matches('^[a-z0-9-]+$')"),
    }),
    valid: [{ s: "abc-12" }],
    invalid: [{ s: "abc" }, { s: "ABC-1" }],
  },
  {
    name: "cel-root-validations",
    spec: z.object({ n: z.int() }),
    opts: {
      validations: [{
        rule: "self.metadata.name.startsWith('ok')",
        message: "name must start with ok",
      }],
    },
    valid: [{ n: 1 }],
    invalid: [{ $name: "bad", n: 1 }],
    noFuzz: true,
  },
  {
    name: "format-duration",
    spec: z.object({ d: format(z.string(), "duration") }),
    valid: [{ d: "1h30m" }, { d: "5s" }],
    invalid: [{ d: "soon" }],
  },
  {
    name: "descriptions-and-defaults-at-levels",
    spec: z.object({
      a: z.string().default("x").describe("field a"),
      o: z.object({
        b: z.int().default(1).describe("nested b"),
        c: z.array(z.string()).default([]),
      })
        .prefault({}).describe("an object"),
    }).describe("the spec"),
    valid: [{}, { o: { c: ["q"] } }],
    invalid: [{ o: { c: "q" } }],
  },
  {
    name: "printer-columns-selectable-status-scale",
    spec: z.object({ replicas: z.int().min(0).default(1), color: z.string().default("red") }),
    opts: {
      status: z.object({ replicas: z.int().optional(), ready: z.boolean().optional() }),
      printerColumns: [
        { name: "Color", type: "string", jsonPath: ".spec.color" },
        { name: "Replicas", type: "integer", jsonPath: ".spec.replicas", priority: 1 },
      ],
      selectableFields: [".spec.color"],
      scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
      shortNames: ["pcs"],
      categories: ["kubeno"],
    },
    valid: [{}, { replicas: 3, color: "blue" }],
    invalid: [{ replicas: -1 }],
  },
  {
    name: "spec-optional",
    spec: z.object({ a: z.string() }).optional(),
    valid: [undefined, { a: "x" }],
    invalid: [{ a: 1 }],
    noFuzz: true,
  },
  {
    name: "strict-object",
    spec: z.strictObject({ a: z.string() }),
    valid: [{ a: "x" }],
    invalid: [{}],
  },
];

export function kindOf(i: number): string {
  return `Shape${i}`;
}

export function resourceOf(s: Shape, i: number): CustomResource {
  return customResource({
    group: GROUP,
    version: "v1",
    kind: kindOf(i),
    namespaced: true,
    spec: s.spec,
    ...(s.opts ?? {}),
  } as CustomResourceOptions<z.ZodType, z.ZodType | undefined>) as unknown as CustomResource;
}

/** Replaces one random leaf of a valid sample with a random JSON scalar: mixed valid/invalid. */
export function mutations(sample: unknown, seed: number, n: number): unknown[] {
  const leaves: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    } else leaves.push(p);
  };
  walk(sample, []);
  if (leaves.length === 0 || sample === undefined) return [];
  const scalar = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -5, max: 100 }),
    fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const arb = fc.tuple(fc.nat({ max: leaves.length - 1 }), scalar);
  return fc.sample(arb, { seed, numRuns: n }).map(([li, value]) => {
    const copy = structuredClone(sample) as Record<string | number, unknown>;
    const path = leaves[li];
    if (path.length === 0) return value;
    let at: Record<string | number, unknown> = copy;
    for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
    at[path[path.length - 1]] = value;
    return copy;
  });
}
