import assert from "node:assert/strict";
import { z } from "zod";
import {
  celRules,
  CrdSchemaError,
  customResource,
  embeddedResource,
  format,
  intOrString,
  listType,
  mapType,
  preserveUnknownFields,
  quantity,
  QUANTITY_PATTERN,
  re2Problem,
  structuralSchema,
  toRe2,
} from "../../crd/mod.ts";

const MAX = Number.MAX_SAFE_INTEGER;

Deno.test("structural: scalars, optional, nullable, defaults, enums (golden)", () => {
  const s = structuralSchema(z.object({
    name: z.string().min(1).max(63).regex(/^[a-z]+$/),
    info: z.string().optional(),
    note: z.string().nullable(),
    size: z.int().min(1).default(3),
    ratio: z.number().gt(0).lt(1).multipleOf(1),
    on: z.boolean().default(false),
    color: z.enum(["red", "green"]),
    fixed: z.literal("x"),
    i32: z.int32(),
  }));
  assert.deepEqual(s, {
    type: "object",
    properties: {
      name: { type: "string", minLength: 1, maxLength: 63, pattern: "^[a-z]+$" },
      info: { type: "string" },
      note: { type: "string", nullable: true },
      size: { type: "integer", default: 3, minimum: 1, maximum: MAX },
      ratio: {
        type: "number",
        minimum: 0,
        exclusiveMinimum: true,
        maximum: 1,
        exclusiveMaximum: true,
        multipleOf: 1,
      },
      on: { type: "boolean", default: false },
      color: { type: "string", enum: ["red", "green"] },
      fixed: { type: "string", enum: ["x"] },
      i32: { type: "integer", minimum: -2147483648, maximum: 2147483647 },
    },
    required: ["name", "note", "ratio", "color", "fixed", "i32"],
  });
});

Deno.test("structural: records, unknown, loose objects, arrays, prefault (golden)", () => {
  const Item = z.object({ name: z.string(), port: z.int().default(80) });
  const s = structuralSchema(z.object({
    labels: z.record(z.string(), z.string()),
    raw: z.unknown(),
    loose: z.looseObject({ a: z.string() }),
    strict: z.strictObject({ a: z.string() }),
    items: z.array(Item).max(4),
    nested: z.object({ level: z.string().default("info") }).prefault({}),
  }));
  assert.deepEqual(s, {
    type: "object",
    properties: {
      labels: { type: "object", additionalProperties: { type: "string" } },
      raw: { "x-kubernetes-preserve-unknown-fields": true },
      loose: {
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
        properties: { a: { type: "string" } },
        required: ["a"],
      },
      strict: { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
      items: {
        type: "array",
        maxItems: 4,
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            port: { type: "integer", default: 80, minimum: -MAX, maximum: MAX },
          },
          required: ["name"],
        },
      },
      nested: {
        type: "object",
        default: {},
        properties: { level: { type: "string", default: "info" } },
      },
    },
    required: ["labels", "raw", "loose", "strict", "items"],
  });
});

Deno.test("structural: unions — literal merge, int-or-string, discriminated union hoisting (golden)", () => {
  const s = structuralSchema(z.object({
    mode: z.union([z.literal("a"), z.literal("b"), z.enum(["c"])]),
    port: z.union([z.int(), z.string()]),
    maybe: z.union([z.string(), z.null()]),
    shape: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("Circle"), radius: z.number().positive() }),
      z.object({ kind: z.literal("Square"), side: z.number() }),
    ]),
  }));
  assert.deepEqual(s.properties!.mode, { type: "string", enum: ["a", "b", "c"] });
  assert.deepEqual(s.properties!.port, {
    "x-kubernetes-int-or-string": true,
    anyOf: [{ type: "integer" }, { type: "string" }],
  });
  assert.deepEqual(s.properties!.maybe, { type: "string", nullable: true });
  assert.deepEqual(s.properties!.shape, {
    type: "object",
    properties: {
      kind: { type: "string" },
      radius: { type: "number" },
      side: { type: "number" },
    },
    required: ["kind"],
    oneOf: [
      {
        required: ["radius"],
        properties: { kind: { enum: ["Circle"] }, radius: { minimum: 0, exclusiveMinimum: true } },
      },
      { required: ["side"], properties: { kind: { enum: ["Square"] } } },
    ],
  });
});

Deno.test("structural: helpers — intOrString, quantity, embeddedResource, preserveUnknownFields, list/map types, CEL, format", () => {
  const s = structuralSchema(z.object({
    port: intOrString().describe("port name or number"),
    mem: quantity(),
    tpl: embeddedResource(),
    vals: preserveUnknownFields(),
    ports: listType(z.array(z.object({ name: z.string(), n: z.int() })), "map", ["name"]),
    tags: listType(z.array(z.string()), "set"),
    sel: mapType(z.record(z.string(), z.string()), "atomic"),
    min: celRules(z.int(), "self >= 0", {
      rule: "self < 10",
      message: "small",
      reason: "FieldValueForbidden",
    }),
    timeout: format(z.string(), "duration"),
    extra: z.string().meta({ "x-kubernetes-foo": "bar" }),
  }));
  const p = s.properties!;
  assert.deepEqual(p.port, {
    description: "port name or number",
    "x-kubernetes-int-or-string": true,
    anyOf: [{ type: "integer" }, { type: "string" }],
  });
  assert.deepEqual(p.mem, {
    pattern: QUANTITY_PATTERN,
    "x-kubernetes-int-or-string": true,
    anyOf: [{ type: "integer" }, { type: "string" }],
  });
  assert.equal(p.tpl["x-kubernetes-embedded-resource"], true);
  assert.equal(p.tpl["x-kubernetes-preserve-unknown-fields"], true);
  assert.deepEqual(p.tpl.required, ["apiVersion", "kind"]);
  assert.deepEqual(p.vals, { type: "object", "x-kubernetes-preserve-unknown-fields": true });
  assert.equal(p.ports["x-kubernetes-list-type"], "map");
  assert.deepEqual(p.ports["x-kubernetes-list-map-keys"], ["name"]);
  assert.equal(p.tags["x-kubernetes-list-type"], "set");
  assert.equal(p.sel["x-kubernetes-map-type"], "atomic");
  assert.deepEqual(p.min["x-kubernetes-validations"], [
    { rule: "self >= 0" },
    { rule: "self < 10", message: "small", reason: "FieldValueForbidden" },
  ]);
  assert.deepEqual(p.timeout, { type: "string", format: "duration" });
  assert.equal((p.extra as Record<string, unknown>)["x-kubernetes-foo"], "bar");
});

Deno.test("structural: regex flags and \\u escapes become RE2", () => {
  const s = structuralSchema(z.object({ a: z.string().regex(/^ab\u00e9$/i) }));
  assert.equal(s.properties!.a.pattern, "(?i)^ab\\x{00e9}$");
  assert.equal(toRe2("a\\u{1F600}", "su"), "(?s)a\\x{1F600}");
  assert.equal(re2Problem("^[a-z](?:-[a-z])*$"), undefined);
  assert.equal(re2Problem("[\\1]"), undefined); // inside a class it is an octal/char, not a backreference
});

Deno.test("structural: multiple string checks become allOf of patterns, without types", () => {
  const s = structuralSchema(z.string().startsWith("a").endsWith("z"));
  assert.deepEqual(s, { type: "string", allOf: [{ pattern: "^a.*" }, { pattern: ".*z$" }] });
});

Deno.test("structural: a reused (non-recursive) schema is inlined at each use", () => {
  const Shared = z.object({ x: z.string() });
  const s = structuralSchema(
    z.object({ a: Shared, b: Shared, c: z.string().meta({ id: "Named" }) }),
  );
  assert.deepEqual(s.properties!.a, s.properties!.b);
  assert.deepEqual(s.properties!.c, { type: "string" });
  assert.ok(!JSON.stringify(s).includes("$ref"));
});

function rejects(schema: z.ZodType, path: string, hint: RegExp): void {
  assert.throws(() => structuralSchema(schema, "spec"), (e: unknown) => {
    assert.ok(e instanceof CrdSchemaError, `expected CrdSchemaError, got ${e}`);
    assert.equal(e.path, path);
    assert.match(e.message, hint);
    return true;
  });
}

Deno.test("unsupported: every Zod feature that has no CRD form fails, naming the field and the fix", () => {
  rejects(z.object({ at: z.date() }), "spec.at", /z\.iso\.datetime/);
  rejects(z.object({ n: z.bigint() }), "spec.n", /z\.int\(\)/);
  rejects(z.object({ m: z.map(z.string(), z.string()) }), "spec.m", /z\.record/);
  rejects(z.object({ s: z.set(z.string()) }), "spec.s", /listType/);
  rejects(z.object({ f: z.function() }), "spec.f", /functions/);
  rejects(z.object({ sym: z.symbol() }), "spec.sym", /symbols/);
  rejects(z.object({ u: z.undefined() }), "spec.u", /optional/);
  rejects(z.object({ v: z.void() }), "spec.v", /optional/);
  rejects(z.object({ n: z.never() }), "spec.n", /never/);
  rejects(z.object({ n: z.nan() }), "spec.n", /NaN/);
  rejects(z.object({ p: z.promise(z.string()) }), "spec.p", /promises/);
  rejects(z.object({ c: z.custom<string>(() => true) }), "spec.c", /celRules/);
  rejects(z.object({ l: z.string().transform((s) => s.length) }), "spec.l", /transform/);
  rejects(z.object({ l: z.string().pipe(z.string().min(2)) }), "spec.l", /pipe/);
  rejects(z.object({ r: z.string().refine((s) => s !== "") }), "spec.r", /celRules/);
  rejects(z.object({ t: z.string().trim() }), "spec.t", /rewriting/);
  rejects(z.object({ c: z.string().catch("x") }), "spec.c", /\.catch/);
  rejects(z.object({ t: z.tuple([z.string(), z.int()]) }), "spec.t", /tuples/);
  rejects(z.object({ a: z.array(z.object({ x: z.date() })) }), "spec.a[*].x", /datetime/);
  rejects(z.object({ r: z.record(z.string(), z.bigint()) }), "spec.r{*}", /z\.int/);
  rejects(z.object({ r: z.record(z.enum(["a", "b"]), z.string()) }), "spec.r", /keys/);
  rejects(z.object({ c: z.object({ a: z.string() }).catchall(z.number()) }), "spec.c", /catchall/);
  rejects(z.object({ u: z.union([z.string(), z.number()]) }), "spec.u", /intOrString/);
  rejects(
    z.object({ u: z.union([z.string(), z.object({ a: z.string() })]) }),
    "spec.u",
    /one type/,
  );
  rejects(z.object({ l: z.literal(["a", 1]) }), "spec.l", /literals of one type/);
  rejects(z.object({ n: z.null() }), "spec.n", /only be null/);
  rejects(z.object({ x: z.number().multipleOf(0.5) }), "spec.x", /truncated to an integer/);
  rejects(z.object({ e: z.enum(["a"]).nullable() }), "spec.e", /nullable enum/);
  rejects(z.object({ e: z.union([z.literal(1), z.null()]) }), "spec.e", /nullable enum/);
});

Deno.test("unsupported: regexes RE2 rejects fail with the construct named", () => {
  rejects(z.object({ a: z.string().regex(/^(?=a)b/) }), "spec.a", /lookahead/);
  rejects(z.object({ a: z.string().regex(/^(?!a)b/) }), "spec.a", /negative lookahead/);
  rejects(z.object({ a: z.string().regex(/(?<=a)b/) }), "spec.a", /lookbehind/);
  rejects(z.object({ a: z.string().regex(/(a)\1/) }), "spec.a", /backreference/);
  rejects(z.object({ a: z.string().regex(/(?<x>a)\k<x>/) }), "spec.a", /named backreference/);
  rejects(z.object({ a: z.string().regex(/[^]/) }), "spec.a", /\[\^\]/);
});

Deno.test("unsupported: recursion is a clear error (getter and z.lazy)", () => {
  const Node: z.ZodType = z.object({
    name: z.string(),
    get children() {
      return z.array(Node);
    },
  });
  rejects(z.object({ tree: Node }), "spec.tree.children[*]", /recursive/);
  const L: z.ZodType = z.lazy(() => z.object({ next: L.optional() }));
  rejects(z.object({ l: L }), "spec.l.next", /recursive/);
});

Deno.test("unsupported: list map keys must exist and be required or defaulted", () => {
  rejects(
    z.object({ l: listType(z.array(z.object({ a: z.string() })), "map", ["b"]) }),
    "spec.l",
    /"b" is not a field/,
  );
  rejects(
    z.object({ l: listType(z.array(z.object({ a: z.string().optional() })), "map", ["a"]) }),
    "spec.l",
    /required or have a default/,
  );
  rejects(z.object({ l: listType(z.string(), "set") }), "spec.l", /arrays only/);
  rejects(
    z.object({
      u: z.union([
        celRules(z.object({ a: z.string() }), "self.a != ''"),
        z.object({ b: z.string() }),
      ]),
    }),
    "spec.u",
    /union variant/,
  );
});

Deno.test("defaults: a default its own field rejects fails at conversion, as the apiserver rejects the CRD", () => {
  // Each of these was accepted by crd() and then refused by kube-apiserver v1.37.2 with
  // `...default: Invalid value` / `must not have unknown fields` (measured).
  const bad: [string, z.ZodType, RegExp][] = [
    ["min", z.object({ n: z.int().min(5).default(1) }), /^n: the default 1 is invalid \(Too small/],
    ["pattern", z.object({ s: z.string().regex(/^a$/).default("b") }), /^s: the default "b"/],
    ["maxLength", z.object({ s: z.string().max(1).default("bb") }), /^s: the default "bb"/],
    [
      "nested field",
      z.object({ o: z.object({ a: z.int().min(3) }).default({ a: 1 }) }),
      /^o: the default \{"a":1\} is invalid \(a: Too small/,
    ],
    [
      "unknown field",
      z.object({ o: z.object({ a: z.int() }).default({ a: 1, b: 2 } as { a: number }) }),
      /^o: .*unknown fields: b/,
    ],
    [
      "CEL rule",
      z.object({ n: celRules(z.int().default(1), "self > 3") }),
      /^n: the default 1 is invalid \(failed rule: self > 3\)/,
    ],
    [
      "CEL rule below the default",
      z.object({ o: z.object({ a: celRules(z.int(), "self > 3") }).default({ a: 1 }) }),
      /^o: .*a: failed rule: self > 3/,
    ],
    [
      "prefault",
      z.object({ o: z.object({ a: z.int() }).prefault({} as { a: number }) }),
      /^o: the default \{\} is invalid/,
    ],
  ];
  for (const [name, schema, msg] of bad) {
    assert.throws(() => structuralSchema(schema), (e: unknown) => {
      assert.ok(e instanceof CrdSchemaError, name);
      assert.match(e.message, msg, name);
      assert.match(e.message, /apiserver rejects a CRD whose default/, name);
      return true;
    }, name);
  }
  // Accepted by the server too: defaults inside a default are applied before the check, null
  // on a nullable field, list items defaulted.
  const good = structuralSchema(z.object({
    o: z.object({ a: z.int().default(1), b: z.string().max(1).default("x") }).prefault({}),
    s: z.string().nullable().default(null),
    l: z.array(z.object({ k: z.string(), v: z.int().default(0) })).default(
      [{ k: "a" }] as { k: string; v: number }[],
    ),
    e: embeddedResource().default({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }),
  }));
  assert.deepEqual(good.properties!.o.default, {});
  assert.deepEqual(good.properties!.l.default, [{ k: "a" }]);
});

Deno.test("unsupported: a z.lazy() that builds a new schema per call is a CrdSchemaError, not a stack overflow", () => {
  // The same getter re-entered (it builds a new ZodLazy around itself on each call).
  const node = (): z.ZodType =>
    z.object({ name: z.string(), kids: z.array(z.lazy(node)).optional() });
  rejects(z.object({ tree: node() }), "spec.tree.kids[*].kids[*]", /recursive schema/);
  // A new getter on each call: only the depth gives it away.
  const mk = (): z.ZodType => z.object({ c: z.lazy(() => mk()).optional() });
  assert.throws(() => structuralSchema(mk(), "spec"), (e: unknown) => {
    assert.ok(e instanceof CrdSchemaError, `expected CrdSchemaError, got ${e}`);
    assert.match(
      e.message,
      /nests more than 300 levels: a z\.lazy\(\) whose getter builds a new schema/,
    );
    assert.match(e.path, /^spec(\.c)+$/);
    return true;
  });
  // And through customResource, where it surfaced as a RangeError.
  const Foo = customResource({
    group: "clux.dev",
    version: "v1",
    kind: "Foo",
    namespaced: true,
    spec: mk(),
  });
  assert.throws(() => Foo.crd(), CrdSchemaError);
  assert.throws(() => Foo.safeParse({ metadata: { name: "a" }, spec: {} }), CrdSchemaError);
});

Deno.test("unsupported: something that is not a Zod schema inside the tree is a CrdSchemaError", () => {
  assert.throws(
    () => structuralSchema({ _zod: {} } as unknown as z.ZodType, "spec"),
    (e) => e instanceof CrdSchemaError && /not a Zod 4 schema/.test(e.message),
  );
  assert.throws(
    () => structuralSchema(null as unknown as z.ZodType, "spec"),
    (e) => e instanceof CrdSchemaError && /got null/.test(e.message),
  );
});
