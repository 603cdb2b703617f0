import assert from "node:assert/strict";
import {
  checkRoundTrips,
  ConversionError,
  conversionHandler,
  type ConversionReview,
  convertReview,
  hubAndSpoke,
  type KubeObject,
  parseConversionReview,
  withConversionWebhook,
} from "../../mod.ts";
import type { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";

type Spec = Record<string, string>;
const spec = (o: KubeObject) => (o as KubeObject & { spec: Spec }).spec;

/** v1alpha1 { name } <-> v1 { firstName, lastName }, hub v1. */
const convert = hubAndSpoke({
  hub: "clux.dev/v1",
  spokes: {
    "clux.dev/v1alpha1": {
      toHub: (o) => {
        const [firstName, ...rest] = spec(o).name.split(" ");
        return { ...o, spec: { firstName, lastName: rest.join(" ") } };
      },
      fromHub: (o) => ({
        ...o,
        spec: { name: [spec(o).firstName, spec(o).lastName].filter(Boolean).join(" ") },
      }),
    },
  },
});

const alpha = (name: string, meta: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: "clux.dev/v1alpha1",
    kind: "Person",
    metadata: { name: "p", ...meta },
    spec: { name },
  }) as KubeObject;

function review(objects: KubeObject[], desiredAPIVersion = "clux.dev/v1"): ConversionReview {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "ConversionReview",
    request: { uid: "c-1", desiredAPIVersion, objects },
  };
}

Deno.test("hubAndSpoke converts both ways through the hub and leaves its input alone", () => {
  const a = alpha("Ada King Lovelace");
  const v1 = convert(a, "clux.dev/v1");
  assert.equal(v1.apiVersion, "clux.dev/v1");
  assert.deepEqual(spec(v1), { firstName: "Ada", lastName: "King Lovelace" });
  assert.deepEqual(spec(a), { name: "Ada King Lovelace" });
  const back = convert(v1, "clux.dev/v1alpha1");
  assert.deepEqual(back, a);
  assert.equal(convert(a, "clux.dev/v1alpha1"), a);
  assert.throws(
    () => convert(a, "clux.dev/v2"),
    (e: unknown) =>
      e instanceof ConversionError &&
      /known versions are clux.dev\/v1, clux.dev\/v1alpha1/.test(e.message),
  );
});

Deno.test("convertReview: uid and apiVersion echoed, order kept, metadata kept but labels and annotations", () => {
  const sneaky = (o: KubeObject, to: string) => {
    const c = convert(o, to);
    return {
      ...c,
      metadata: { ...c.metadata, name: "renamed", uid: "x", labels: { converted: "yes" } },
    };
  };
  const out = convertReview(
    review([alpha("A B", { uid: "u1", annotations: { a: "1" } }), alpha("C", { name: "q" })]),
    sneaky,
  );
  assert.equal(out.apiVersion, "apiextensions.k8s.io/v1");
  assert.equal(out.kind, "ConversionReview");
  assert.equal(out.response?.uid, "c-1");
  assert.deepEqual(out.response?.result, { status: "Success" });
  const [x, y] = out.response!.convertedObjects;
  assert.deepEqual(x.metadata, {
    name: "p",
    uid: "u1",
    annotations: { a: "1" },
    labels: { converted: "yes" },
  });
  assert.equal(y.metadata.name, "q");
  assert.deepEqual(spec(x), { firstName: "A", lastName: "B" });
  assert.equal(y.apiVersion, "clux.dev/v1");
  // A converter that returns no metadata keeps labels and annotations.
  const bare = convertReview(
    review([alpha("A", { labels: { l: "1" } })]),
    (o) => ({ ...o, metadata: undefined as never }),
  );
  assert.deepEqual(bare.response!.convertedObjects[0].metadata, { name: "p", labels: { l: "1" } });
});

Deno.test("convertReview: a failing object fails the review, the error's text only to onError", () => {
  const errors: unknown[] = [];
  const out = convertReview(
    review([alpha("A"), alpha("B", { name: "bad", namespace: "ns" })]),
    (o, to) => {
      if (o.metadata.name === "bad") throw new Error("secret=xyz");
      return convert(o, to);
    },
    (e) => errors.push(e),
  );
  assert.equal(out.response?.result.status, "Failure");
  assert.deepEqual(out.response?.convertedObjects, []);
  assert.match(
    out.response?.result.message ?? "",
    /converting Person ns\/bad from clux.dev\/v1alpha1 to clux.dev\/v1 failed/,
  );
  assert.ok(!JSON.stringify(out).includes("secret=xyz"));
  assert.equal(errors.length, 1);
});

Deno.test("parseConversionReview names the first bad field", () => {
  const good = review([]);
  assert.equal(parseConversionReview(good).request?.uid, "c-1");
  const cases: [unknown, RegExp][] = [
    [[], /JSON object/],
    [{ ...good, kind: "AdmissionReview" }, /kind is "AdmissionReview"/],
    [{ ...good, apiVersion: "v1" }, /apiVersion "v1"/],
    [{ ...good, request: null }, /request is missing/],
    [{ ...good, request: { ...good.request, uid: 1 } }, /uid/],
    [{ ...good, request: { ...good.request, desiredAPIVersion: "v1" } }, /group\/version/],
    [{ ...good, request: { ...good.request, objects: [1] } }, /objects/],
  ];
  for (const [v, re] of cases) assert.throws(() => parseConversionReview(v), re);
});

Deno.test("conversionHandler answers reviews and rejects hostile requests with a 4xx", async () => {
  let calls = 0;
  const h = conversionHandler((o, to) => {
    calls++;
    return convert(o, to);
  }, { maxBodyBytes: 4096 });
  const post = (body: string, type = "application/json") =>
    new Request("https://127.0.0.1/convert", {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
  const res = await h(post(JSON.stringify(review([alpha("A B")]))));
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.response.uid, "c-1");
  assert.deepEqual(body.response.convertedObjects[0].spec, { firstName: "A", lastName: "B" });
  assert.equal(calls, 1);
  const cases: [Request, number][] = [
    [new Request("https://127.0.0.1/convert"), 405],
    [post("{}", "text/plain"), 415],
    [post("{"), 400],
    [post(JSON.stringify({ kind: "ConversionReview" })), 400],
    [post(JSON.stringify(review([alpha("x".repeat(5000))]))), 413],
  ];
  for (const [req, status] of cases) {
    const r = await h(req);
    assert.equal(r.status, status);
    await r.body?.cancel();
  }
  assert.equal(calls, 1);
  assert.throws(() => conversionHandler(undefined as never), /converter/);
});

Deno.test("checkRoundTrips: [] for lossless converters, every changed field and thrown error otherwise", () => {
  const samples = [alpha("Ada King Lovelace"), {
    apiVersion: "clux.dev/v1",
    kind: "Person",
    metadata: { name: "g" },
    spec: { firstName: "Grace", lastName: "Hopper" },
  } as KubeObject];
  const versions = ["clux.dev/v1alpha1", "clux.dev/v1"];
  assert.deepEqual(checkRoundTrips(convert, samples, versions), []);
  // Lossy: a v1 object without a first name comes back with the last name in firstName.
  const lossy = { ...samples[1], spec: { lastName: "Hopper" } } as KubeObject;
  assert.deepEqual(checkRoundTrips(convert, [lossy], versions), [
    {
      sample: 0,
      from: "clux.dev/v1",
      via: "clux.dev/v1alpha1",
      path: "spec.lastName",
      before: "Hopper",
      after: "",
    },
    {
      sample: 0,
      from: "clux.dev/v1",
      via: "clux.dev/v1alpha1",
      path: "spec.firstName",
      before: undefined,
      after: "Hopper",
    },
  ]);
  const thrown = checkRoundTrips(
    () => {
      throw new Error("boom");
    },
    [samples[0]],
    versions,
  );
  assert.equal(thrown.length, 1);
  assert.equal(thrown[0].via, "clux.dev/v1");
  assert.match(String(thrown[0].error), /boom/);
  assert.deepEqual(spec(samples[0]), { name: "Ada King Lovelace" }); // samples untouched
});

Deno.test("withConversionWebhook sets strategy Webhook with a checked clientConfig, and refuses what cannot convert", () => {
  const version = (name: string, storage: boolean) => ({ name, served: true, storage });
  const crd = {
    metadata: { name: "people.clux.dev" },
    spec: {
      group: "clux.dev",
      scope: "Namespaced",
      names: { plural: "people", kind: "Person" },
      versions: [version("v1alpha1", false), version("v1", true)],
    },
  } as CustomResourceDefinition;
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const out = withConversionWebhook(crd, { url: "https://127.0.0.1:9443/convert", caBundle: pem });
  assert.deepEqual(out.spec.conversion, {
    strategy: "Webhook",
    webhook: {
      conversionReviewVersions: ["v1"],
      clientConfig: { url: "https://127.0.0.1:9443/convert", caBundle: btoa(pem) },
    },
  });
  assert.equal(out.spec.preserveUnknownFields, false);
  assert.equal(crd.spec.conversion, undefined); // a copy
  const svc = withConversionWebhook(crd, {
    service: { namespace: "ops", name: "hook", path: "/c" },
  });
  assert.deepEqual(svc.spec.conversion?.webhook?.clientConfig, {
    service: { namespace: "ops", name: "hook", path: "/c" },
  });
  const fails: [CustomResourceDefinition, Record<string, unknown>, RegExp][] = [
    [
      { ...crd, spec: { ...crd.spec, versions: [version("v1", true)] } },
      { url: "https://a/c" },
      /one version/,
    ],
    [{ ...crd, spec: { ...crd.spec, versions: [version("a", true), version("b", true)] } }, {
      url: "https://a/c",
    }, /exactly one/],
    [crd, {}, /url or service/],
    [crd, { url: "http://a/c" }, /https/],
    [crd, { url: "https://a/c", caBundle: "MIIB" }, /PEM/],
  ];
  for (const [c, o, re] of fails) {
    assert.throws(
      () => withConversionWebhook(c, o),
      (e: unknown) => e instanceof ConversionError && re.test(e.message),
    );
  }
});

Deno.test("typedHubAndSpoke: converters declared from the descriptors, bad declarations refused at once", async () => {
  const { customResource, spoke, typedHubAndSpoke } = await import("../../mod.ts");
  const { z } = await import("zod");
  const base = { group: "clux.dev", kind: "Person", namespaced: true } as const;
  const A = customResource({ ...base, version: "v1alpha1", spec: z.object({ name: z.string() }) });
  const B = customResource({ ...base, version: "v1", spec: z.object({ firstName: z.string() }) });
  const s = spoke(B, A, {
    toHub: (o) => ({ ...o, spec: { firstName: o.spec.name } }),
    fromHub: (o) => ({ ...o, spec: { name: o.spec.firstName } }),
  });
  const c = typedHubAndSpoke(B, [s]);
  assert.deepEqual(c.versions, ["clux.dev/v1", "clux.dev/v1alpha1"]);
  const v1 = c(A.new("ada", { name: "Ada" }), "clux.dev/v1");
  assert.deepEqual([v1.apiVersion, spec(v1)], ["clux.dev/v1", { firstName: "Ada" }]);
  // checkRoundTrips takes the declaration's versions.
  assert.deepEqual(checkRoundTrips(c, [A.new("ada", { name: "Ada" })]), []);
  assert.throws(() => checkRoundTrips(convert, [alpha("x")]), /give the versions/);
  const ok = { toHub: (o: never) => o, fromHub: (o: never) => o };
  const Other = customResource({ ...base, group: "other.dev", version: "v2", spec: z.object({}) });
  const fails: [() => unknown, RegExp][] = [
    [() => spoke(B, A, { toHub: ok.toHub } as never), /both toHub and fromHub/],
    [() => spoke(B, B, ok), /needs no converter to itself/],
    [() => typedHubAndSpoke(B, [spoke(B, Other, ok)]), /not another version of hub/],
    [() => typedHubAndSpoke(B, [s, s]), /given twice/],
    [() => typedHubAndSpoke(B, [{ apiVersion: "clux.dev/v2" } as never]), /make it with spoke/],
  ];
  for (const [f, re] of fails) {
    assert.throws(f, (e: unknown) => e instanceof ConversionError && re.test((e as Error).message));
  }
});
