// CRD -> TypeScript (crd/codegen/crd.ts): the emitted modules for the five fixture CRDs are kept
// under tests/fixtures/crds/generated/ (so `deno check tests/` type-checks them) and must equal a
// fresh generation; their Zod schemas must accept and reject the samples as the apiserver does
// (the same samples run against the real apiserver in tests/e2e/builtin_crd_codegen_test.ts);
// unreadable inputs get errors that say which and where.
//
// Regenerate the golden files with: UPDATE_GOLDEN=1 deno task test:unit tests/unit/codegen_crd_test.ts
// (with --allow-run for deno fmt).

import assert from "node:assert/strict";
import type { z } from "zod";
import { CrdInputError, crdToTypeScript, parseCrds } from "../../crd/codegen/crd.ts";
import { SAMPLES } from "../fixtures/crds/samples.ts";

const FIXTURES = new URL("../fixtures/crds/", import.meta.url);
const GENERATED = new URL("generated/", FIXTURES);
const CRDS = ["certificate", "servicemonitor", "httproute", "rollout", "widget"];
const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

async function emit(name: string): Promise<string> {
  const text = await Deno.readTextFile(new URL(`${name}.yaml`, FIXTURES));
  const { crds } = parseCrds(text, `${name}.yaml`);
  return crdToTypeScript(crds, {
    zod: true,
    kubeno: "../../../../mod.ts",
    source: `tests/fixtures/crds/${name}.yaml`,
  });
}

// dprint is not always idempotent in one pass (a union inside an array type), so format to a fixpoint.
async function fmt(ts: string): Promise<string> {
  let prev = ts;
  for (let i = 0; i < 3; i++) {
    const next = await fmtOnce(prev);
    if (next === prev) break;
    prev = next;
  }
  return prev;
}

async function fmtOnce(ts: string): Promise<string> {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "ts", "--line-width", "100", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(ts));
  await w.close();
  const out = await p.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "codegen: the committed modules of the five fixture CRDs equal a fresh generation",
  ignore: !canRun,
  fn: async () => {
    for (const name of CRDS) {
      const fresh = await fmt(await emit(name));
      const path = new URL(`${name}.ts`, GENERATED);
      if (Deno.env.get("UPDATE_GOLDEN")) {
        await Deno.mkdir(GENERATED, { recursive: true });
        await Deno.writeTextFile(path, fresh);
      }
      assert.equal(await Deno.readTextFile(path), fresh, `${name}.ts is stale: UPDATE_GOLDEN=1`);
    }
  },
});

Deno.test("codegen: generation is deterministic", async () => {
  for (const name of CRDS) assert.equal(await emit(name), await emit(name));
});

Deno.test("codegen: emitted types carry kinds, required fields, enums, nullable, maps, odd names", async () => {
  const widget = await emit("widget");
  assert.match(widget, /apiVersion\?: "test\.kubeno\.dev\/v1";/);
  assert.match(widget, /kind\?: "Widget";/);
  assert.match(widget, /metadata: ObjectMeta;/);
  assert.match(widget, /\n {2}spec: WidgetSpec;/); // required at the root
  assert.match(widget, /\n {2}status\?: WidgetStatus \| null;/); // nullable
  assert.match(widget, /size: number;/);
  assert.match(widget, /port: number \| string;/); // int-or-string, required
  assert.match(widget, /color\?: "red" \| "green" \| "blue";/);
  assert.match(widget, /@default "red"/);
  assert.match(widget, /priority\?: 1 \| 2 \| 3;/);
  assert.match(widget, /nickname\?: string \| null;/);
  assert.match(widget, /labels\?: Record<string, string>;/);
  assert.match(widget, /limits\?: Record<string, WidgetSpecLimits>;/);
  assert.match(widget, /config\?: Record<string, unknown>;/); // preserve-unknown-fields
  assert.match(widget, /extra\?: unknown;/);
  assert.match(widget, /"x-weird-name"\?: string;/);
  assert.match(widget, /"app\.kubernetes\.io\/part-of"\?: string;/);
  assert.match(widget, /"2fa"\?: boolean;/);
  assert.match(widget, /empty\?: Record<string, never>;/);
  assert.match(widget, /namespaced: false,/);
  // Embedded resource: apiVersion and kind required, unknown fields kept.
  assert.match(
    widget,
    /export interface WidgetSpecTemplate \{[^}]*apiVersion: string;[^}]*kind: string;[^}]*\[key: string\]: unknown;/,
  );
  // Known options plus preserved unknown ones.
  assert.match(
    widget,
    /export interface WidgetSpecOptions \{[^}]*verbose\?: boolean;[^}]*\[key: string\]: unknown;/,
  );
});

Deno.test("codegen: several served versions get version-suffixed names; --version picks one", async () => {
  const text = await Deno.readTextFile(new URL("httproute.yaml", FIXTURES));
  const { crds } = parseCrds(text, "httproute.yaml");
  const both = crdToTypeScript(crds);
  assert.match(both, /export interface HTTPRouteV1 \{/);
  assert.match(both, /export const HTTPRouteV1beta1: ResourceType<HTTPRouteV1beta1>/);
  assert.match(both, /apiVersion\?: "gateway\.networking\.k8s\.io\/v1beta1";/);
  const one = crdToTypeScript(crds, { version: "v1" });
  assert.match(one, /export interface HTTPRoute \{/);
  assert.doesNotMatch(one, /v1beta1/);
  assert.throws(
    () => crdToTypeScript(crds, { version: "v2" }),
    /no served version v2 \(served: v1, v1beta1\)/,
  );
});

Deno.test("codegen: unreadable inputs say which and where", () => {
  const crd = (versions: string) =>
    `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: foos.x.io\n` +
    `spec:\n  group: x.io\n  scope: Namespaced\n  names: {kind: Foo, plural: foos}\n  versions:\n${versions}`;
  const cases: [string, RegExp][] = [
    ["a: [1\nb: 2", /^in\.yaml:\d+:\d+: not valid YAML: /],
    ["", /^in\.yaml: no CustomResourceDefinition found \(the input is empty\)/],
    [
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}",
      /^in\.yaml: no CustomResourceDefinition found \(in\.yaml: skipped, kind is "Pod"/,
    ],
    ["- 1\n- 2", /^in\.yaml: not a Kubernetes object/],
    [
      "apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition",
      /apiVersion "apiextensions\.k8s\.io\/v1beta1" is not supported/,
    ],
    [
      crd("  - name: v1\n    served: true\n    storage: true\n"),
      /^in\.yaml \(foos\.x\.io\): spec\.versions\[0\] \(v1\) has no schema\.openAPIV3Schema/,
    ],
    [
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b}\nspec: {group: b, scope: Namespaced, names: {plural: a}, versions: []}",
      /^in\.yaml \(a\.b\): spec\.names\.kind is missing/,
    ],
    [
      "kind: ConfigMap\n---\n" + crd("  - name: v1\n    served: true\n    storage: true\n"),
      /^in\.yaml, document 2 \(foos\.x\.io\): spec\.versions\[0\] \(v1\) has no schema/,
    ],
  ];
  for (const [text, re] of cases) {
    const err = (() => {
      try {
        parseCrds(text, "in.yaml");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof CrdInputError, `no CrdInputError for ${JSON.stringify(text)}`);
    assert.match(err.message, re);
  }
  // Documents that are not CRDs are skipped with a warning when others are.
  const mixed = parseCrds(
    "kind: ConfigMap\n---\n" +
      crd(
        "  - name: v1\n    served: true\n    storage: true\n    schema: {openAPIV3Schema: {type: object}}\n",
      ) + "\n---\n",
    "in.yaml",
  );
  assert.equal(mixed.crds.length, 1);
  assert.deepEqual(mixed.warnings, [
    'in.yaml, document 1: skipped, kind is "ConfigMap", not CustomResourceDefinition',
  ]);
});

for (const s of SAMPLES) {
  Deno.test(`codegen --zod: ${s.kind} samples are accepted and rejected as the apiserver does`, async () => {
    const mod = await import(new URL(`${s.file.replace(".yaml", ".ts")}`, GENERATED).href);
    const schema = mod[s.schema] as z.ZodType;
    assert.ok(schema, `${s.schema} is exported`);
    const wrap = (o: Record<string, unknown>) => ({
      apiVersion: s.apiVersion,
      kind: s.kind,
      metadata: { name: "sample" },
      ...o,
    });
    for (const [name, o] of Object.entries(s.valid)) {
      const r = schema.safeParse(wrap(o));
      assert.ok(r.success, `${s.kind} "${name}" should be accepted: ${r.error?.message}`);
    }
    for (const [name, o] of Object.entries(s.invalid)) {
      assert.equal(
        schema.safeParse(wrap(o)).success,
        false,
        `${s.kind} "${name}" should be rejected`,
      );
    }
  });
}

Deno.test("codegen --zod: defaults are applied (nested too) and unknown fields pruned, as the apiserver does", async () => {
  const { HTTPRouteV1Schema } = await import(new URL("httproute.ts", GENERATED).href);
  const out = HTTPRouteV1Schema.parse({
    metadata: {},
    spec: { parentRefs: [{ name: "gw", bogus: 1 }], rules: [{}] },
  });
  assert.deepEqual(out.spec.parentRefs, [{
    name: "gw",
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
  }]);
  assert.deepEqual(out.spec.rules, [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }]);
  const { WidgetSchema } = await import(new URL("widget.ts", GENERATED).href);
  const w = WidgetSchema.parse({
    metadata: {},
    spec: { size: 1, port: 1, config: { kept: 1 }, dropped: 2 },
  });
  assert.deepEqual(w.spec, { size: 1, port: 1, color: "red", config: { kept: 1 } });
});

Deno.test("codegen: a third-party CRD's names are held to the apiserver's rules and must make TypeScript names", () => {
  const crd = (names: string, group = "x.io", version = "v1") =>
    `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: foos.x.io\n` +
    `spec:\n  group: ${group}\n  scope: Namespaced\n  names: ${names}\n  versions:\n  - name: ${version}\n` +
    `    served: true\n    storage: true\n    schema: {openAPIV3Schema: {type: object}}\n`;
  const cases: [string, RegExp][] = [
    [
      crd('{kind: Foo, plural: "../../../../../api/v1/namespaces/victim/secrets"}'),
      /^in\.yaml \(foos\.x\.io\): spec\.names\.plural "\.\.\/.*RFC 1123 label.*the apiserver would refuse this CRD/,
    ],
    [
      crd('{kind: "Foo {} export const x = 1; //", plural: foos}'),
      /spec\.names\.kind "Foo \{\} export .*" cannot name a TypeScript type/,
    ],
    [
      crd("{kind: Foo-Bar, plural: foos}"),
      /spec\.names\.kind "Foo-Bar" cannot name a TypeScript type/,
    ],
    [
      crd("{kind: Foo, plural: foos}", "nodot"),
      /spec\.group "nodot": should be a domain with at least one dot/,
    ],
    [
      crd("{kind: Foo, plural: foos}", "x.io", "V1"),
      /spec\.versions\[0\]\.name "V1": a DNS-1035 label/,
    ],
    [crd("{kind: Foo, plural: foos, singular: Foo}"), /spec\.names\.singular "Foo"/],
    [
      crd("{kind: Foo, plural: foos, listKind: Foo}"),
      /spec\.names\.listKind "Foo": kind and listKind may not be the same/,
    ],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseCrds(text, "in.yaml"),
      (e) => e instanceof CrdInputError && re.test(e.message),
      text,
    );
  }
  assert.equal(parseCrds(crd("{kind: Foo, plural: foos}"), "in.yaml").crds.length, 1);
});
