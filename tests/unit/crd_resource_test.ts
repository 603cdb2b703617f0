import assert from "node:assert/strict";
import { z } from "zod";
import { type KubeObject, type ResourceType, ResourceTypeError } from "../../core/resource.ts";
import { KubeError } from "../../core/error.ts";
import {
  ConversionError,
  spoke,
  typedHubAndSpoke,
  withConversionWebhook,
} from "../../core/conversion.ts";
import {
  celIssues,
  celRules,
  CrdSchemaError,
  type CustomResource,
  customResource,
  type InferResource,
  intOrString,
  listType,
  mergeCrds,
  ResourceValidationError,
  unevaluatedRules,
} from "../../crd/mod.ts";

const Foo = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Foo",
  namespaced: true,
  spec: z.object({
    name: z.string(),
    info: z.string().optional(),
    replicas: z.int().min(0).default(1),
  }),
  status: z.object({ ready: z.boolean(), replicas: z.int().optional() }),
  shortNames: ["fo"],
  categories: ["all"],
  printerColumns: [{ name: "Ready", type: "boolean", jsonPath: ".status.ready" }],
  scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
  selectableFields: [".spec.name"],
  validations: ["self.metadata.name.size() <= 20"],
});
type Foo = InferResource<typeof Foo>;

Deno.test("customResource: is a ResourceType whose object type extends KubeObject", () => {
  const rt: ResourceType<Foo> = Foo;
  assert.equal(rt.apiVersion, "clux.dev/v1");
  assert.equal(rt.plural, "foos");
  assert.equal(rt.namespaced, true);
  const f: Foo = Foo.new("a", { name: "n" });
  const k: KubeObject = f;
  assert.deepEqual(k, {
    apiVersion: "clux.dev/v1",
    kind: "Foo",
    metadata: { name: "a" },
    spec: { name: "n", replicas: 1 },
  });
  // Type-level: spec is the Zod output type.
  const replicas: number = f.spec.replicas;
  assert.equal(replicas, 1);
});

Deno.test("customResource: crd() carries names, scope, subresources, columns, fields, rules (golden)", () => {
  const crd = Foo.crd();
  assert.equal(crd.metadata.name, "foos.clux.dev");
  assert.deepEqual(crd.spec.names, {
    kind: "Foo",
    plural: "foos",
    singular: "foo",
    listKind: "FooList",
    shortNames: ["fo"],
    categories: ["all"],
  });
  assert.equal(crd.spec.scope, "Namespaced");
  const v = crd.spec.versions[0];
  assert.equal(v.name, "v1");
  assert.equal(v.served && v.storage, true);
  assert.deepEqual(v.subresources, {
    status: {},
    scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },
  });
  assert.deepEqual(v.additionalPrinterColumns, [
    { name: "Ready", type: "boolean", jsonPath: ".status.ready" },
  ]);
  assert.deepEqual(v.selectableFields, [{ jsonPath: ".spec.name" }]);
  const root = v.schema!.openAPIV3Schema;
  assert.deepEqual(root.required, ["spec"]);
  assert.deepEqual(root.properties!.metadata, { type: "object" });
  assert.deepEqual(root["x-kubernetes-validations"], [{ rule: "self.metadata.name.size() <= 20" }]);
  assert.deepEqual(root.properties!.spec.properties!.replicas, {
    type: "integer",
    default: 1,
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
  });
  assert.strictEqual(Foo.crd(), crd, "computed once");
});

Deno.test("parse: defaults, server-style null pruning, root CEL rule", () => {
  const ok = Foo.parse({ metadata: { name: "a" }, spec: { name: "x", info: null } });
  assert.deepEqual(ok.spec, { name: "x", replicas: 1 });
  const bad = Foo.safeParse({ metadata: { name: "a".repeat(21) }, spec: { name: "x" } });
  assert.equal(bad.success, false);
  if (!bad.success) {
    assert.ok(bad.error instanceof ResourceValidationError);
    assert.equal(bad.error.issues[0].source, "cel");
    assert.match(bad.error.message, /failed rule: self\.metadata\.name\.size\(\) <= 20/);
  }
  assert.throws(() => Foo.parse({ metadata: {}, spec: { name: 1 } }), /spec\.name/);
  assert.throws(() => Foo.parse({ metadata: {}, spec: { name: "x", replicas: -1 } }), /replicas/);
  assert.throws(() => Foo.parse({ metadata: {} }), /spec/);
});

Deno.test("parse: defaults inside .default({}) are filled as the server does", () => {
  const R = customResource({
    group: "x.dev",
    version: "v1",
    kind: "R",
    namespaced: false,
    spec: z.object({ o: z.object({ a: z.string().default("d") }).default({ a: "d" }) }),
  });
  assert.deepEqual(R.parse({ metadata: { name: "r" }, spec: {} }).spec, { o: { a: "d" } });
  assert.equal(R.crd().spec.scope, "Cluster");
});

Deno.test("parse: a union variant's wrong-typed extra field is rejected like the server does", () => {
  const U = customResource({
    group: "x.dev",
    version: "v1",
    kind: "U",
    namespaced: true,
    spec: z.object({
      s: z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("A"), a: z.string() }),
        z.object({ kind: z.literal("B"), b: z.int() }),
      ]),
    }),
  });
  assert.equal(
    U.safeParse({ metadata: { name: "u" }, spec: { s: { kind: "A", a: "x" } } }).success,
    true,
  );
  const r = U.safeParse({ metadata: { name: "u" }, spec: { s: { kind: "A", a: "x", b: "no" } } });
  assert.equal(r.success, false);
});

const Cel = customResource({
  group: "x.dev",
  version: "v1",
  kind: "Cel",
  namespaced: true,
  spec: celRules(
    z.object({
      min: z.int(),
      max: z.int(),
      name: celRules(z.string().max(20), {
        rule: "self.matches('^[a-z]+$')",
        messageExpression: "'bad name: ' + self",
      }),
      tags: celRules(
        z.array(z.string().max(5)).max(5),
        "self.isSorted()",
        "self.all(t, t.size() > 0)",
      ),
      ratio: celRules(z.number().optional(), "self < 1.5"),
      port: celRules(intOrString().optional(), "type(self) == int ? self > 0 : self.size() > 0"),
      items: listType(
        z.array(z.object({
          k: z.string().max(5),
          v: celRules(z.int(), { rule: "self >= oldSelf", message: "v may only grow" }),
        })).max(5),
        "map",
        ["k"],
      ).optional(),
      immutable: celRules(z.string().optional(), {
        rule: "self == oldSelf",
        message: "immutable",
      }),
    }),
    { rule: "self.min <= self.max", message: "min must not exceed max", fieldPath: ".min" },
  ),
});

const base = { metadata: { name: "c" } };
const spec = { min: 1, max: 2, name: "abc", tags: ["a", "b"] };

Deno.test("CEL: rules on fields and objects, message, messageExpression, fieldPath, libraries", () => {
  assert.equal(Cel.safeParse({ ...base, spec }).success, true);
  const r = Cel.safeParse({ ...base, spec: { ...spec, min: 3 } });
  assert.equal(r.success, false);
  if (!r.success) {
    assert.deepEqual(r.error.issues.map((i) => [i.path, i.message]), [
      ["spec.min", "min must not exceed max"],
    ]);
  }
  const n = Cel.safeParse({ ...base, spec: { ...spec, name: "ABC" } });
  assert.ok(!n.success && n.error.issues[0].message === "bad name: ABC");
  const t = Cel.safeParse({ ...base, spec: { ...spec, tags: ["b", "a"] } });
  assert.ok(!t.success && t.error.issues[0].rule === "self.isSorted()");
  assert.equal(Cel.safeParse({ ...base, spec: { ...spec, ratio: 1.4 } }).success, true);
  assert.equal(Cel.safeParse({ ...base, spec: { ...spec, ratio: 2 } }).success, false);
  // int-or-string: JSON integers are CEL ints.
  assert.equal(Cel.safeParse({ ...base, spec: { ...spec, port: 8080 } }).success, true);
  assert.equal(Cel.safeParse({ ...base, spec: { ...spec, port: "http" } }).success, true);
  assert.equal(Cel.safeParse({ ...base, spec: { ...spec, port: 0 } }).success, false);
});

Deno.test("CEL: transition rules run on update only, correlating list-map items by key", () => {
  const old = { ...base, spec: { ...spec, items: [{ k: "a", v: 2 }], immutable: "x" } };
  // On create, oldSelf rules are skipped.
  assert.equal(
    Cel.safeParse({ ...base, spec: { ...spec, items: [{ k: "a", v: 1 }] } }).success,
    true,
  );
  assert.equal(Cel.safeParseUpdate(old, old).success, true);
  const shrink = Cel.safeParseUpdate(old, {
    ...old,
    spec: { ...old.spec, items: [{ k: "a", v: 1 }] },
  });
  assert.ok(!shrink.success && shrink.error.issues[0].path === "spec.items[0].v");
  // A new key has no old item: its transition rule does not run.
  const added = Cel.safeParseUpdate(old, {
    ...old,
    spec: { ...old.spec, items: [{ k: "a", v: 2 }, { k: "b", v: 0 }] },
  });
  assert.equal(added.success, true);
  const changed = Cel.safeParseUpdate(old, { ...old, spec: { ...old.spec, immutable: "y" } });
  assert.ok(!changed.success && changed.error.issues[0].message === "immutable");
});

Deno.test("CEL: a rule kubeno cannot evaluate is named, never passed silently", () => {
  const schema = {
    type: "object",
    properties: {
      n: {
        type: "string",
        "x-kubernetes-validations": [{ rule: "!format.dns1123Label().validate(self).hasValue()" }],
      },
    },
  };
  const issues = celIssues(schema, { n: "abc" });
  assert.equal(issues.length, 1);
  assert.equal(issues[0].source, "unevaluated");
  assert.equal(issues[0].path, "n");
  assert.deepEqual(unevaluatedRules(schema), [
    { path: "n", rule: "!format.dns1123Label().validate(self).hasValue()" },
  ]);
  assert.deepEqual(unevaluatedRules(Cel.openApiSchema()), []);
});

Deno.test("mergeCrds: two versions, one storage version, same names", () => {
  const common = { group: "clux.dev", kind: "Foo", namespaced: true } as const;
  const V1 = customResource({ ...common, version: "v1", spec: z.object({ name: z.string() }) });
  const V2 = customResource({
    ...common,
    version: "v2",
    spec: z.object({ name: z.string(), size: z.int().optional() }),
    shortNames: ["f"],
  });
  const crd = mergeCrds([V1, V2], { storage: "v2" });
  assert.deepEqual(crd.spec.versions.map((v) => [v.name, v.served, v.storage]), [
    ["v1", true, false],
    ["v2", true, true],
  ]);
  assert.deepEqual(crd.spec.names.shortNames, ["f"]);
  assert.equal(V1.crd().spec.versions[0].storage, true, "the inputs are not mutated");
  assert.throws(() => mergeCrds([V1, V2], { storage: "v3" }), /storage version v3/);
  const Other = customResource({ ...common, kind: "Bar", version: "v1", spec: z.object({}) });
  assert.throws(() => mergeCrds([V1, Other]), /same group, kind/);
});

Deno.test("mergeCrds conversion.webhook: strategy Webhook written in one step, hostile options refused", () => {
  const common = { group: "clux.dev", kind: "Person", plural: "people", namespaced: true } as const;
  const A = customResource({
    ...common,
    version: "v1alpha1",
    spec: z.object({ name: z.string() }),
  });
  const B = customResource({ ...common, version: "v1", spec: z.object({ first: z.string() }) });
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const url = "https://127.0.0.1:9443/convert";
  const crd = mergeCrds([A, B], { storage: "v1", conversion: { webhook: { url, caBundle: pem } } });
  assert.deepEqual(crd.spec.conversion, {
    strategy: "Webhook",
    webhook: { conversionReviewVersions: ["v1"], clientConfig: { url, caBundle: btoa(pem) } },
  });
  assert.equal(crd.spec.preserveUnknownFields, false);
  assert.deepEqual(crd.spec.versions.map((v) => [v.name, v.storage]), [["v1alpha1", false], [
    "v1",
    true,
  ]]);
  // The same code path as withConversionWebhook: identical output.
  assert.deepEqual(
    crd,
    withConversionWebhook(mergeCrds([A, B], { storage: "v1" }), { url, caBundle: pem }),
  );
  const svc = mergeCrds([A, B], {
    storage: "v1",
    conversion: {
      webhook: { service: { namespace: "ops", name: "hook", path: "/c", port: 8443 } },
    },
  });
  assert.deepEqual(svc.spec.conversion?.webhook?.clientConfig, {
    service: { namespace: "ops", name: "hook", path: "/c", port: 8443 },
  });
  // Without conversion nothing is written (the apiserver defaults to None).
  assert.equal(mergeCrds([A, B]).spec.conversion, undefined);
  const bad: [
    CustomResource[],
    Record<string, unknown>,
    RegExp,
    abstract new (...a: never[]) => Error,
  ][] = [
    [[B], { webhook: { url } }, /one version needs no conversion/, ConversionError],
    [[A, B], { webhook: {} }, /url or service/, ConversionError],
    [
      [A, B],
      { webhook: { url, service: { namespace: "a", name: "b" } } },
      /not both/,
      ConversionError,
    ],
    [[A, B], { webhook: { service: { name: "hook" } } }, /namespace and name/, ConversionError],
    [[A, B], { webhook: { service: { namespace: "ops" } } }, /namespace and name/, ConversionError],
    [[A, B], { webhook: { url: "not a url" } }, /is not a URL/, ConversionError],
    [[A, B], { webhook: { url: "http://127.0.0.1/c" } }, /https/, ConversionError],
    [[A, B], { webhook: { url: "https://u:p@127.0.0.1/c" } }, /no user/, ConversionError],
    [[A, B], { webhook: { url, caBundle: "MIIB" } }, /PEM/, ConversionError],
    [[A, B], { webhook: null }, /conversion must be/, TypeError],
    [[A, B], {}, /conversion must be/, TypeError],
  ];
  for (const [rs, conversion, re, cls] of bad) {
    assert.throws(
      () => mergeCrds(rs, { storage: "v1", conversion: conversion as never }),
      (e: unknown) => e instanceof cls && re.test((e as Error).message),
      `${JSON.stringify(conversion)} should fail with ${re}`,
    );
  }
  // No storage version among the resources: refused before any webhook is written.
  assert.throws(
    () => mergeCrds([A, B], { storage: "v2", conversion: { webhook: { url } } }),
    /storage version v2 is not among v1alpha1, v1/,
  );
});

Deno.test("mergeCrds conversion.convert: hub must be the storage version, every version converted, none unknown", () => {
  const common = { group: "clux.dev", kind: "Person", plural: "people", namespaced: true } as const;
  const A = customResource({
    ...common,
    version: "v1alpha1",
    spec: z.object({ name: z.string() }),
  });
  const B = customResource({ ...common, version: "v1", spec: z.object({ name: z.string() }) });
  const C = customResource({ ...common, version: "v2", spec: z.object({ name: z.string() }) });
  const id = { toHub: (o: never) => o, fromHub: (o: never) => o };
  const convert = typedHubAndSpoke(B, [spoke(B, A, id)]);
  const webhook = { url: "https://127.0.0.1:9443/convert" };
  assert.equal(
    mergeCrds([A, B], { storage: "v1", conversion: { webhook, convert } }).spec.conversion
      ?.strategy,
    "Webhook",
  );
  const cases: [CustomResource[], string, RegExp][] = [
    [[A, B], "v1alpha1", /hub clux.dev\/v1 is not the storage version clux.dev\/v1alpha1/],
    [[A, B, C], "v1", /no converter for clux.dev\/v2/],
    [[B, C], "v1", /versions not merged: clux.dev\/v1alpha1/],
  ];
  for (const [rs, storage, re] of cases) {
    assert.throws(
      () => mergeCrds(rs, { storage, conversion: { webhook, convert } }),
      (e: unknown) => e instanceof ConversionError && re.test((e as Error).message),
    );
  }
});

Deno.test("parse: object metadata is checked as the apiserver checks a custom resource's", () => {
  // Each verdict below is kube-apiserver v1.37.2's on a dry-run create (measured); before, every
  // one of the rejected objects passed Foo.parse.
  const M = customResource({
    group: "x.dev",
    version: "v1",
    kind: "M",
    namespaced: true,
    spec: z.object({ n: z.int() }),
  });
  const verdict = (metadata: Record<string, unknown>) => {
    const r = M.safeParse({ metadata, spec: { n: 1 } });
    return r.success ? "accept" : r.error.issues.map((i) => i.path).join(",");
  };
  assert.equal(verdict({}), "metadata.name"); // name or generateName is required
  assert.equal(verdict({ name: "Bad_Name" }), "metadata.name");
  assert.equal(verdict({ name: "a".repeat(254) }), "metadata.name");
  assert.equal(verdict({ name: "a.b-c" }), "accept");
  assert.equal(verdict({ generateName: "x-" }), "accept");
  assert.equal(verdict({ generateName: "ok" }), "accept");
  assert.equal(verdict({ generateName: "Bad-" }), "metadata.generateName");
  assert.equal(verdict({ name: "ok", labels: { "bad key!": "v" } }), "metadata.labels.bad key!");
  assert.equal(verdict({ name: "ok", labels: { a: "bad value!" } }), "metadata.labels.a");
  assert.equal(
    verdict({ name: "ok", annotations: { "Bad Key": "v" } }),
    "metadata.annotations.Bad Key",
  );
  assert.equal(verdict({ name: "ok", annotations: { "Example.COM/Key": "v" } }), "accept");
  assert.equal(verdict({ name: "ok", finalizers: ["a b"] }), "metadata.finalizers[0]");
  assert.equal(verdict({ name: "ok", finalizers: ["kubeno.dev/x", "plain"] }), "accept");
  assert.throws(() => M.parse({ metadata: {}, spec: { n: 1 } }), /name or generateName/);
});

Deno.test("CEL: an optionalOldSelf transition rule is named as unevaluated, never skipped on create", () => {
  // The apiserver runs it on create as well (oldSelf is then optional.none()); before, Foo.parse
  // skipped it silently on create.
  const rule = {
    rule: "!oldSelf.hasValue() || self >= oldSelf.value()",
    optionalOldSelf: true,
    message: "may not decrease",
  };
  const options = {
    group: "x.dev",
    version: "v1",
    kind: "O",
    namespaced: true,
    spec: z.object({ n: celRules(z.int(), rule) }),
  } as const;
  const parses = (r: ReturnType<typeof customResource<typeof options.spec, undefined>>) => [
    r.safeParse({ metadata: { name: "o" }, spec: { n: 1 } }),
    r.safeParseUpdate({ metadata: { name: "o" }, spec: { n: 1 } }, {
      metadata: { name: "o" },
      spec: { n: 2 },
    }),
  ];
  // Passed, with the rule named (the apiserver runs it; kubeno cannot): not a rejection the
  // apiserver would not make.
  for (const r of parses(customResource(options))) {
    assert.equal(r.success, true);
    if (r.success) {
      assert.deepEqual(r.unevaluated?.map((i) => [i.path, i.source, i.rule]), [
        ["spec.n", "unevaluated", rule.rule],
      ]);
    }
  }
  assert.deepEqual(unevaluatedRules(customResource(options).openApiSchema()), [
    { path: "spec.n", rule: rule.rule },
  ]);
  // Fail closed when asked.
  for (const r of parses(customResource({ ...options, unevaluatedCel: "fail" }))) {
    assert.equal(r.success, false);
    if (!r.success) {
      assert.deepEqual(r.error.issues.map((i) => [i.path, i.source, i.rule]), [
        ["spec.n", "unevaluated", rule.rule],
      ]);
    }
  }
});

// --- Names checked as the apiserver checks a CRD's (issue 11, item 7) ------------------------------

Deno.test("customResource: names the apiserver would refuse are a ResourceTypeError before any CRD or request", () => {
  const base = {
    group: "clux.dev",
    version: "v1",
    kind: "Foo",
    namespaced: true,
    spec: z.object({}),
  };
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { plural: "../../../../../api/v1/namespaces/victim/secrets" },
      /plural "\.\.\/.*RFC 1123 label/,
    ],
    [{ plural: "2foos" }, /plural "2foos": a DNS-1035 label/],
    [{ group: "local" }, /group "local": should be a domain with at least one dot/],
    [{ group: "" }, /group "": is required for a custom resource/],
    [{ group: "../x.io" }, /group "\.\.\/x\.io": a lowercase RFC 1123 subdomain/],
    [{ version: "V1" }, /version "V1": a DNS-1035 label/],
    [{ kind: "Foo Bar" }, /kind "Foo Bar": may have mixed case/],
    [{ singular: "Foo" }, /singular "Foo": a DNS-1035 label/],
    [{ shortNames: ["f", "f/x"] }, /shortNames\[1\] "f\/x"/],
    [{ categories: ["All"] }, /categories\[0\] "All"/],
    [{ kind: "K".repeat(60) }, /listKind "K{60}List": may have mixed case, .*no more than 63/],
    [
      { plural: "p".repeat(60), group: `${"g".repeat(63)}.${"g".repeat(63)}.${"g".repeat(63)}.io` },
      /CRD name \(<plural>\.<group>\) .*253/,
    ],
  ];
  for (const [change, re] of cases) {
    const err = (() => {
      try {
        customResource({ ...base, ...change } as typeof base);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ResourceTypeError, `${JSON.stringify(change)}: ${err}`);
    assert.ok(err instanceof KubeError);
    assert.match(err.message, /^invalid customResource "/);
    assert.match(err.message, re);
  }
  // Valid names still work, a hyphenated kind too (the apiserver allows it).
  assert.equal(customResource({ ...base, kind: "Foo-Bar" }).plural, "foo-bars");
});

Deno.test("customResource: a spec or status that is not a Zod 4 schema is a CrdSchemaError, not a TypeError", () => {
  const base = { group: "clux.dev", version: "v1", kind: "Foo", namespaced: true };
  for (
    const [field, value] of [
      ["spec", { name: "string" }],
      ["spec", undefined],
      ["spec", null],
      ["spec", "z.object()"],
      ["status", { ready: true }],
    ] as const
  ) {
    const opts = { spec: z.object({}), ...base, [field]: value } as unknown as Parameters<
      typeof customResource
    >[0];
    assert.throws(
      () => customResource(opts),
      (e) =>
        e instanceof CrdSchemaError && e.path === field &&
        new RegExp(`customResource's ${field} must be a Zod 4 schema`).test(e.message),
      `${field}: ${JSON.stringify(value)}`,
    );
  }
});
