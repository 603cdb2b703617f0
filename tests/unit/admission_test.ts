import assert from "node:assert/strict";
import { z } from "zod";
import fc from "fast-check";
import {
  ADMISSION_MAX_BODY_BYTES,
  AdmissionError,
  admissionHandler,
  type AdmissionRequest,
  type AdmissionReview,
  admissionReviewResponse,
  allow,
  customResource,
  deny,
  jsonPatchDiff,
  type JsonPatchOperation,
  jsonPointer,
  KubeError,
  type KubeObject,
  mutatingWebhookConfiguration,
  parseAdmissionReview,
  patch,
  patchFrom,
  serveTls,
  validateWith,
  validatingWebhookConfiguration,
  type WebhookOptions,
} from "../../mod.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import { type Pem, webhookPki } from "./_webhook_pki.ts";

function request(over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: "b2c3-uid",
    operation: "CREATE",
    userInfo: { username: "alice" },
    kind: { group: "", version: "v1", kind: "ConfigMap" },
    resource: { group: "", version: "v1", resource: "configmaps" },
    namespace: "default",
    object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", labels: { x: "1" } } },
    ...over,
  };
}

function review(over: Partial<AdmissionRequest> = {}, apiVersion = "admission.k8s.io/v1") {
  return { apiVersion, kind: "AdmissionReview", request: request(over) } as AdmissionReview;
}

function post(
  body: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>,
  headers?: HeadersInit,
) {
  return new Request("https://127.0.0.1/validate", {
    method: "POST",
    headers: headers ?? { "content-type": "application/json" },
    body,
  });
}

Deno.test("allow, deny and patch build the verdicts the admission API expects", () => {
  assert.deepEqual(allow(), { allowed: true });
  assert.deepEqual(allow({ warnings: ["w1"] }), { allowed: true, warnings: ["w1"] });
  assert.deepEqual(deny("no", 422), {
    allowed: false,
    status: { status: "Failure", code: 422, reason: "Invalid", message: "no" },
  });
  assert.equal(deny("no").status?.code, 403);
  const ops = [
    {
      op: "add" as const,
      path: jsonPointer("metadata", "labels", "app.kubernetes.io/é~"),
      value: "ü",
    },
    { op: "remove" as const, path: "/spec/x" },
  ];
  const v = patch(ops, { warnings: ["patched"] });
  assert.equal(v.allowed, true);
  assert.equal(v.patchType, "JSONPatch");
  assert.deepEqual(v.warnings, ["patched"]);
  // base64 of UTF-8 JSON: decode the bytes back, not atob's Latin-1 string.
  const bytes = Uint8Array.from(atob(v.patch!), (c) => c.charCodeAt(0));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), ops);
  assert.equal(ops[0].path, "/metadata/labels/app.kubernetes.io~1é~0");
  assert.deepEqual(patch([]), { allowed: true });
});

Deno.test("bad verdicts are refused with the fix", () => {
  assert.throws(() => deny(""), AdmissionError);
  assert.throws(() => deny("x", 200), /use 400 to 599/);
  assert.throws(() => deny("x", 600), /use 400 to 599/);
  assert.throws(() => patch([{ op: "add", path: "metadata/x", value: 1 }]), /start it with "\/"/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => patch([{ op: "add", path: "/x" } as any]), /needs a value/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => patch([{ op: "frobnicate", path: "/x" } as any]), /not one of/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => allow({ warnings: [1 as any] }), /array of strings/);
});

Deno.test("the response echoes the request's uid, apiVersion and kind", () => {
  for (const v of ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]) {
    const out = admissionReviewResponse(review({}, v), deny("no"));
    assert.equal(out.apiVersion, v);
    assert.equal(out.kind, "AdmissionReview");
    assert.equal(out.response?.uid, "b2c3-uid");
    assert.equal(out.response?.allowed, false);
  }
  assert.throws(
    () =>
      admissionReviewResponse(
        { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" },
        allow(),
      ),
    /no request/,
  );
});

Deno.test("parseAdmissionReview names the first bad field", () => {
  const good = review();
  assert.equal(parseAdmissionReview(good).request?.uid, "b2c3-uid");
  const cases: [unknown, RegExp][] = [
    [null, /JSON object/],
    [[], /JSON object/],
    [{ ...good, kind: "Pod" }, /kind is "Pod"/],
    [{ ...good, apiVersion: "admission.k8s.io/v2" }, /admissionReviewVersions/],
    [{ ...good, request: undefined }, /request is missing/],
    [{ ...good, request: { ...good.request, uid: "" } }, /uid/],
    [{ ...good, request: { ...good.request, operation: "PATCH" } }, /operation "PATCH"/],
    [
      { ...good, request: { ...good.request, kind: "ConfigMap" } },
      /request.kind must be an object/,
    ],
    [
      { ...good, request: { ...good.request, resource: { group: "", version: "v1" } } },
      /resource.resource/,
    ],
    [{ ...good, request: { ...good.request, object: "x" } }, /request.object/],
    [{ ...good, request: { ...good.request, dryRun: "yes" } }, /dryRun/],
  ];
  for (const [value, re] of cases) assert.throws(() => parseAdmissionReview(value), re);
  // userInfo is filled when the sender left it out
  const { userInfo: _, ...noUser } = good.request!;
  assert.deepEqual(parseAdmissionReview({ ...good, request: noUser }).request?.userInfo, {});
});

Deno.test("admissionHandler answers a review with the verdict and the request's uid", async () => {
  const seen: AdmissionRequest[] = [];
  const h = admissionHandler((req) => {
    seen.push(req);
    return req.object?.metadata?.labels?.deny
      ? deny("labelled deny", 422)
      : allow({ warnings: ["hi"] });
  });
  let res = await h(post(JSON.stringify(review())));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /application\/json/);
  assert.deepEqual(await res.json(), {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: "b2c3-uid", allowed: true, warnings: ["hi"] },
  });
  res = await h(post(JSON.stringify(
    review({
      uid: "u2",
      object: { metadata: { name: "a", labels: { deny: "y" } } },
    }, "admission.k8s.io/v1beta1"),
  )));
  const body = await res.json();
  assert.equal(body.apiVersion, "admission.k8s.io/v1beta1");
  assert.equal(body.response.uid, "u2");
  assert.equal(body.response.status.code, 422);
  assert.equal(seen.length, 2);
});

Deno.test("admissionHandler rejects hostile and malformed requests with a 4xx and never calls the function", async () => {
  let calls = 0;
  const h = admissionHandler(() => {
    calls++;
    return allow();
  }, { maxBodyBytes: 1024 });
  const ok = JSON.stringify(review());
  const cases: [Request, number][] = [
    [new Request("https://127.0.0.1/validate"), 405],
    [post(ok, { "content-type": "text/plain" }), 415],
    [post(ok, {}), 415],
    [post("{", undefined), 400],
    [post("", undefined), 400],
    [post("null", undefined), 400],
    [post('"AdmissionReview"', undefined), 400],
    [post(JSON.stringify({ kind: "AdmissionReview", apiVersion: "v1" }), undefined), 400],
    [post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400], // not UTF-8
    [post("[".repeat(500) + "]".repeat(500)), 400], // deep nesting, within the cap
    [post("x".repeat(1025)), 413],
  ];
  for (const [req, status] of cases) {
    const res = await h(req);
    assert.equal(res.status, status, `${req.method} ${req.headers.get("content-type")}`);
    await res.body?.cancel();
  }
  assert.equal(calls, 0);
});

Deno.test("admissionHandler stops reading a body past the cap, even without content-length", async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(new Uint8Array(64 * 1024).fill(0x20));
    },
  });
  const h = admissionHandler(() => allow());
  const res = await h(post(endless));
  assert.equal(res.status, 413);
  await res.body?.cancel();
  // 3 MiB in 64 KiB chunks: stopped right after the cap, not read forever.
  assert.ok(pulled <= ADMISSION_MAX_BODY_BYTES / (64 * 1024) + 2, `pulled ${pulled} chunks`);
  const declared = await h(
    post("{}", { "content-type": "application/json", "content-length": "99999999" }),
  );
  assert.equal(declared.status, 413);
  await declared.body?.cancel();
});

Deno.test("a throwing or broken admission function becomes a denial with code 500, details only in onError", async () => {
  const errors: unknown[] = [];
  const secret = "token=abcdef";
  for (
    const fn of [
      () => {
        throw new Error(secret);
      },
      () => Promise.reject(new Error(secret)),
      () => undefined as never,
      () => ({ allowed: "yes" }) as never,
    ]
  ) {
    const h = admissionHandler(fn, { onError: (e) => errors.push(e) });
    const res = await h(post(JSON.stringify(review())));
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(secret));
    const body = JSON.parse(text);
    assert.equal(body.response.uid, "b2c3-uid");
    assert.equal(body.response.allowed, false);
    assert.equal(body.response.status.code, 500);
  }
  assert.equal(errors.length, 4);
});

Deno.test("bound to a descriptor: typed request, other kinds denied with 400", async () => {
  const h = admissionHandler(ConfigMap, (req) => {
    const data: Record<string, string> | undefined = req.object?.data; // typed as ConfigMap
    return data ? allow() : deny("data is required", 422);
  });
  let body = await (await h(post(JSON.stringify(review())))).json();
  assert.equal(body.response.status.code, 422);
  body = await (await h(post(JSON.stringify(review({
    kind: { group: "apps", version: "v1", kind: "Deployment" },
    resource: { group: "apps", version: "v1", resource: "deployments" },
  }))))).json();
  assert.equal(body.response.allowed, false);
  assert.equal(body.response.status.code, 400);
  assert.match(body.response.status.message, /serves v1 ConfigMap, not apps\/v1 Deployment/);
});

Deno.test("validateWith: a custom resource's own checks as a validating webhook", async () => {
  const Foo = customResource({
    group: "clux.dev",
    version: "v1",
    kind: "Foo",
    namespaced: true,
    spec: z.object({ n: z.int().max(5) }),
  });
  const h = admissionHandler(Foo, validateWith(Foo));
  const foo = (n: unknown) => ({
    apiVersion: "clux.dev/v1",
    kind: "Foo",
    metadata: { name: "f" },
    spec: { n },
  });
  const kind = { group: "clux.dev", version: "v1", kind: "Foo" };
  const resource = { group: "clux.dev", version: "v1", resource: "foos" };
  const ask = async (over: Partial<AdmissionRequest>) =>
    (await (await h(post(JSON.stringify(review({ kind, resource, ...over }))))).json()).response;
  assert.equal((await ask({ object: foo(3) })).allowed, true);
  const bad = await ask({ object: foo(9) });
  assert.equal(bad.allowed, false);
  assert.equal(bad.status.code, 422);
  const expected = Foo.safeParse(foo(9));
  assert.ok(!expected.success);
  assert.equal(bad.status.message, expected.error.message);
  assert.equal(
    (await ask({ operation: "UPDATE", oldObject: foo(1), object: foo(9) })).allowed,
    false,
  );
  assert.equal((await ask({ operation: "DELETE", object: null, oldObject: foo(9) })).allowed, true);
});

Deno.test("bound to a schema: the object is parsed and typed, a failure denied with every issue", async () => {
  const Foo = customResource({
    group: "clux.dev",
    version: "v1",
    kind: "Foo",
    namespaced: true,
    spec: z.object({ n: z.int().max(5), mode: z.enum(["a", "b"]).default("a") }),
  });
  const seen: (string | undefined)[] = [];
  const h = admissionHandler((req) => {
    const n: number | undefined = req.object?.spec.n; // typed by the schema
    seen.push(req.object?.spec.mode); // parsed: the default is filled
    return n === 0 ? deny("n must not be 0", 422) : allow();
  }, { schema: Foo });
  const kind = { group: "clux.dev", version: "v1", kind: "Foo" };
  const resource = { group: "clux.dev", version: "v1", resource: "foos" };
  const foo = (spec: unknown) => ({
    apiVersion: "clux.dev/v1",
    kind: "Foo",
    metadata: { name: "f" },
    spec,
  });
  const ask = async (over: Partial<AdmissionRequest>) =>
    (await (await h(post(JSON.stringify(review({ kind, resource, ...over }))))).json()).response;

  assert.equal((await ask({ object: foo({ n: 3 }) })).allowed, true);
  assert.deepEqual(seen, ["a"]);
  const zero = await ask({ object: foo({ n: 0 }) });
  assert.equal(zero.status.message, "n must not be 0"); // the function's own verdict
  // Two issues, both in the message: the same text as the custom resource's own safeParse.
  const bad = await ask({ object: foo({ n: 9, mode: "c" }) });
  assert.equal(bad.allowed, false);
  assert.equal(bad.status.code, 422);
  const expected = Foo.safeParse(foo({ n: 9, mode: "c" }));
  assert.ok(!expected.success);
  assert.equal(bad.status.message, expected.error.message);
  assert.match(bad.status.message, /^invalid Foo: spec\.n: .*; spec\.mode: /);
  assert.equal(seen.length, 2, "the function never sees an object that does not parse");
  // DELETE reaches the function unchecked; CONNECT and a CREATE without object are refused.
  assert.equal(
    (await ask({ operation: "DELETE", object: null, oldObject: foo({}) })).allowed,
    true,
  );
  const connect = await ask({
    operation: "CONNECT",
    object: { kind: "PodExecOptions" } as KubeObject,
  });
  assert.equal(connect.status.code, 400);
  assert.match(connect.status.message, /remove CONNECT/);
  const none = await ask({ object: null });
  assert.equal(none.status.code, 400);
  // Another kind: refused as by a descriptor, whatever the object.
  const other = await ask({
    kind: { group: "clux.dev", version: "v2", kind: "Foo" },
    object: foo({ n: 1 }),
  });
  assert.equal(other.status.code, 400);
  assert.match(other.status.message, /serves clux.dev\/v1 Foo, not clux.dev\/v2 Foo/);
  assert.equal(seen.length, 3);
});

Deno.test("bound to a Zod schema: issue paths joined, UPDATE uses safeParseUpdate, a throwing schema is a 500", async () => {
  const schema = z.object({
    metadata: z.object({ name: z.string().min(3) }),
    data: z.record(z.string(), z.string().max(4)),
  });
  const h = admissionHandler((req) => {
    const data: Record<string, string> | undefined = req.object?.data;
    return allow({ warnings: [`keys ${Object.keys(data ?? {}).join(",")}`] });
  }, { schema });
  const res = (await (await h(post(JSON.stringify(review({
    object: { metadata: { name: "ab" }, data: { k: "toolong" } } as KubeObject,
  }))))).json()).response;
  assert.equal(res.status.code, 422);
  assert.match(res.status.message, /^invalid ConfigMap: metadata\.name: .*; data\.k: /);
  const ok = (await (await h(post(JSON.stringify(review({
    object: { metadata: { name: "abc" }, data: { k: "v" } } as KubeObject,
  }))))).json()).response;
  assert.deepEqual(ok.warnings, ["keys k"]);

  const updates: unknown[][] = [];
  const errors: unknown[] = [];
  const custom = admissionHandler(() => allow(), {
    schema: {
      safeParse: (v: unknown) => {
        if ((v as KubeObjectLike).metadata?.name === "boom") throw new Error("schema bug");
        return { success: true as const, data: v };
      },
      safeParseUpdate: (old: unknown, v: unknown) => {
        updates.push([old, v]);
        return { success: false as const, error: { issues: [{ message: "immutable" }] } };
      },
    },
    onError: (e) => errors.push(e),
  });
  const upd = (await (await custom(post(JSON.stringify(review({
    operation: "UPDATE",
    oldObject: { metadata: { name: "a" } },
  }))))).json()).response;
  assert.equal(upd.status.message, "invalid ConfigMap: <root>: immutable");
  assert.equal(updates.length, 1);
  const boom = (await (await custom(post(JSON.stringify(review({
    object: { metadata: { name: "boom" } },
  }))))).json()).response;
  assert.equal(boom.status.code, 500);
  assert.ok(!JSON.stringify(boom).includes("schema bug"));
  assert.equal(errors.length, 1);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => admissionHandler(() => allow(), { schema: {} as any }),
    /Zod schema or a customResource/,
  );
});

interface KubeObjectLike {
  metadata?: { name?: string };
}

Deno.test("admissionHandler refuses bad options", () => {
  assert.throws(() => admissionHandler(() => allow(), { maxBodyBytes: 0 }), RangeError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => admissionHandler(ConfigMap, undefined as any), /admission function/);
});

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const RULES = [{
  operations: ["CREATE"],
  apiGroups: [""],
  apiVersions: ["v1"],
  resources: ["configmaps"],
}];

Deno.test("webhook configurations: defaults, caBundle base64, selectors, mutating extras", () => {
  const sel = { matchLabels: { a: "b" } };
  const v = validatingWebhookConfiguration("cfg", [{
    name: "v.example.com",
    url: "https://127.0.0.1:8443/v",
    caBundle: PEM,
    rules: RULES,
    namespaceSelector: sel,
    objectSelector: sel,
  }]);
  assert.deepEqual(v, {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "cfg" },
    webhooks: [{
      name: "v.example.com",
      admissionReviewVersions: ["v1"],
      clientConfig: { url: "https://127.0.0.1:8443/v", caBundle: btoa(PEM) },
      rules: RULES,
      failurePolicy: "Fail",
      sideEffects: "None",
      timeoutSeconds: 10,
      matchPolicy: "Equivalent",
      namespaceSelector: sel,
      objectSelector: sel,
    }],
  });
  const m = mutatingWebhookConfiguration("cfg", [{
    name: "m.example.com",
    service: { namespace: "ops", name: "hook", path: "/m", port: 8443 },
    rules: RULES,
    failurePolicy: "Ignore",
    sideEffects: "NoneOnDryRun",
    timeoutSeconds: 3,
    reinvocationPolicy: "IfNeeded",
  }]);
  const w = m.webhooks![0];
  assert.equal(m.kind, "MutatingWebhookConfiguration");
  assert.deepEqual(w.clientConfig, {
    service: { namespace: "ops", name: "hook", path: "/m", port: 8443 },
  });
  assert.equal(w.failurePolicy, "Ignore");
  assert.equal(w.sideEffects, "NoneOnDryRun");
  assert.equal(w.timeoutSeconds, 3);
  assert.equal(w.reinvocationPolicy, "IfNeeded");
  assert.deepEqual(w.admissionReviewVersions, ["v1"]);
  const both = validatingWebhookConfiguration("cfg", [{
    name: "v.example.com",
    url: "https://127.0.0.1:8443/v",
    rules: RULES,
    admissionReviewVersions: ["v1", "v1beta1"],
  }]);
  assert.deepEqual(both.webhooks![0].admissionReviewVersions, ["v1", "v1beta1"]);
});

Deno.test("webhook configurations refuse what the apiserver would reject, with the fix", () => {
  const ok = { name: "v.example.com", url: "https://127.0.0.1/v", rules: RULES };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ name: "short.name" }, /at least three segments/],
    [{ url: undefined }, /url or service/],
    [{ service: { namespace: "a", name: "b" } }, /url or service/],
    [{ url: "http://127.0.0.1/v" }, /https/],
    [{ url: "https://u:p@127.0.0.1/v" }, /no user/],
    [{ url: "not a url" }, /not a URL/],
    [{ url: undefined, service: { namespace: "ops", name: "" } }, /namespace and name/],
    [{ url: undefined, service: { namespace: "ops", name: "h", path: "x" } }, /start with "\/"/],
    [{ url: undefined, service: { namespace: "ops", name: "h", port: 70000 } }, /1 to 65535/],
    [{ caBundle: btoa(PEM) }, /PEM/],
    [{ timeoutSeconds: 31 }, /1 to 30/],
    [{ timeoutSeconds: 0 }, /1 to 30/],
    [{ rules: [] }, /at least one rule/],
    [{ reinvocationPolicy: "IfNeeded" }, /mutating webhooks only/],
    [{ admissionReviewVersions: [] }, /admissionReviewVersions/],
    [{ admissionReviewVersions: ["v2"] }, /admissionReviewVersions \["v2"\]/],
  ];
  for (const [over, re] of cases) {
    assert.throws(
      () => validatingWebhookConfiguration("c", [{ ...ok, ...over } as WebhookOptions]),
      (e: unknown) => e instanceof AdmissionError && re.test(e.message),
      JSON.stringify(over),
    );
  }
});

Deno.test({
  name:
    "serveTls: a rotated certificate is served without a failed request; a mismatched key keeps the old one",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const [one, two] = await webhookPki(2);
  const dir = await Deno.makeTempDir({ prefix: "kubeno-servetls-" });
  const certFile = `${dir}/tls.crt`, keyFile = `${dir}/tls.key`;
  const write = async (p: Pem, which: "cert" | "key" | "both" = "both") => {
    if (which !== "key") await Deno.writeTextFile(certFile, p.cert);
    if (which !== "cert") await Deno.writeTextFile(keyFile, p.key);
  };
  await write(one.serving);
  const results: ({ ok: true } | { ok: false; error: unknown })[] = [];
  let reloaded = () => {};
  const server = await serveTls(() => new Response("ok"), {
    certFile,
    keyFile,
    hostname: "127.0.0.1",
    port: 0,
    reloadIntervalMs: 3_600_000, // phase 1 reloads explicitly
    onReload: (r) => {
      results.push(r);
      if (r.ok) reloaded();
    },
  });
  const url = `https://127.0.0.1:${server.addr.port}/`;
  const trusting = (ca: string) => Deno.createHttpClient({ caCerts: [ca] });
  const get = async (client: Deno.HttpClient) => {
    try {
      return await (await fetch(url, { client })).text();
    } catch {
      return "failed";
    } finally {
      client.close();
    }
  };
  // A client trusting both CAs keeps calling through every rotation: none may fail.
  const both = Deno.createHttpClient({ caCerts: [one.ca, two.ca] });
  let stop = false, calls = 0;
  const failures: unknown[] = [];
  const load = (async () => {
    while (!stop) {
      try {
        await (await fetch(url, { client: both, method: "POST", body: "x" })).text();
        calls++;
      } catch (e) {
        failures.push(e);
      }
    }
  })();
  try {
    assert.equal(await get(trusting(one.ca)), "ok");
    assert.equal(await get(trusting(two.ca)), "failed");

    await write(two.serving, "key"); // half-way through a rotation: the key does not match
    assert.equal(await server.reload(), false);
    assert.equal(results.length, 1);
    assert.ok(!results[0].ok);
    assert.match(String((results[0] as { error: unknown }).error), /KeyMismatch|consistent/);
    assert.equal(await get(trusting(one.ca)), "ok");

    await write(two.serving, "cert");
    assert.equal(await server.reload(), true);
    assert.equal(await server.reload(), false); // unchanged files: nothing to do
    assert.equal(await get(trusting(two.ca)), "ok");
    assert.equal(await get(trusting(one.ca)), "failed");
  } finally {
    stop = true;
    await load;
    both.close();
    await server.shutdown();
  }
  assert.ok(calls > 0);
  assert.deepEqual(failures, []);

  // Polling: a server that is told nothing picks up changed files.
  await write(one.serving);
  const polled = await serveTls(() => new Response("ok"), {
    certFile,
    keyFile,
    hostname: "127.0.0.1",
    port: 0,
    reloadIntervalMs: 50,
    onReload: (r) => r.ok && reloaded(),
  });
  try {
    const seen = new Promise<void>((r) => reloaded = r);
    await write(two.serving);
    await seen;
    const res = await fetch(`https://127.0.0.1:${polled.addr.port}/`, { client: trusting(two.ca) });
    assert.equal(await res.text(), "ok");
  } finally {
    await polled.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveTls refuses unreadable or mismatched files with what to do", async () => {
  const [one, two] = await webhookPki(2);
  const dir = await Deno.makeTempDir({ prefix: "kubeno-servetls-" });
  try {
    await Deno.writeTextFile(`${dir}/c`, one.serving.cert);
    await Deno.writeTextFile(`${dir}/k`, two.serving.key);
    const opts = { hostname: "127.0.0.1", port: 0 };
    await assert.rejects(
      serveTls(() => new Response(), { ...opts, certFile: `${dir}/c`, keyFile: `${dir}/k` }),
      (e: Error) => e instanceof KubeError && /matching private key/.test(e.message),
    );
    await assert.rejects(
      serveTls(() => new Response(), { ...opts, certFile: `${dir}/none`, keyFile: `${dir}/k` }),
      (e: Error) => e instanceof KubeError && e.message.includes(`${dir}/none`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "serveTls: garbage, a client that never says hello and a stalled request hold neither the server nor its shutdown",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const [{ ca, serving }] = await webhookPki();
  const dir = await Deno.makeTempDir({ prefix: "kubeno-servetls-" });
  await Deno.writeTextFile(`${dir}/c`, serving.cert);
  await Deno.writeTextFile(`${dir}/k`, serving.key);
  let release = () => {};
  const stalled = new Promise<void>((r) => release = r);
  let slowStarted = () => {};
  const started = new Promise<void>((r) => slowStarted = r);
  const server = await serveTls(async (req) => {
    if (new URL(req.url).pathname === "/slow") {
      slowStarted();
      await stalled;
    }
    return new Response("ok");
  }, {
    certFile: `${dir}/c`,
    keyFile: `${dir}/k`,
    hostname: "127.0.0.1",
    port: 0,
    handshakeTimeoutMs: 200,
    shutdownGraceMs: 200,
  });
  const port = server.addr.port;
  const client = Deno.createHttpClient({ caCerts: [ca] });
  /** Resolves when the peer closes the connection (read gives EOF or fails). */
  const closedByServer = async (c: Deno.Conn) => {
    const buf = new Uint8Array(1024);
    try {
      while ((await c.read(buf)) !== null) { /* discard */ }
    } catch { /* reset */ }
    try {
      c.close();
    } catch { /* closed */ }
    return "closed";
  };
  const bounded = (p: Promise<string>) =>
    Promise.race([p, new Promise<string>((r) => setTimeout(() => r("still open"), 10_000))]);
  try {
    const garbage = await Deno.connect({ hostname: "127.0.0.1", port });
    await garbage.write(new TextEncoder().encode("POST /validate HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert.equal(await bounded(closedByServer(garbage)), "closed");

    const silent = await Deno.connect({ hostname: "127.0.0.1", port });
    const silentClosed = bounded(closedByServer(silent));
    // Served meanwhile, and after: the silent client holds nothing.
    assert.equal(await (await fetch(`https://127.0.0.1:${port}/`, { client })).text(), "ok");
    assert.equal(await silentClosed, "closed");

    // A request in flight at shutdown: given shutdownGraceMs, then its connection is closed.
    const slow = fetch(`https://127.0.0.1:${port}/slow`, { client }).then(
      (r) => r.text(),
      () => "failed",
    );
    await started;
    const silentAtShutdown = await Deno.connect({ hostname: "127.0.0.1", port });
    const down = server.shutdown().then(() => "stopped");
    assert.equal(await bounded(down), "stopped");
    assert.equal(await bounded(slow), "failed");
    assert.equal(await bounded(closedByServer(silentAtShutdown)), "closed");
  } finally {
    release();
    client.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** RFC 6902 add/remove/replace on object members and the root: what jsonPatchDiff emits. */
function applyPatch(doc: unknown, ops: JsonPatchOperation[]): unknown {
  let root = structuredClone(doc);
  for (const o of ops) {
    assert.ok(o.op === "add" || o.op === "remove" || o.op === "replace", o.op);
    if (o.path === "") {
      assert.notEqual(o.op, "remove");
      root = structuredClone((o as { value: unknown }).value);
      continue;
    }
    const keys = o.path.slice(1).split("/").map((k) =>
      k.replaceAll("~1", "/").replaceAll("~0", "~")
    );
    let parent = root as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
    const last = keys[keys.length - 1];
    assert.ok(typeof parent === "object" && parent !== null && !Array.isArray(parent), o.path);
    const has = Object.hasOwn(parent, last);
    if (o.op === "remove") {
      assert.ok(has, `remove ${o.path}: not there`);
      delete parent[last];
    } else {
      // add may replace a member (RFC 6902 4.1); replace needs it to exist.
      if (o.op === "replace") assert.ok(has, `replace ${o.path}: not there`);
      Object.defineProperty(parent, last, {
        value: structuredClone((o as { value: unknown }).value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root;
}

Deno.test("jsonPatchDiff: applying the operations to the original gives the modified value", () => {
  const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)));
  const obj = fc.dictionary(fc.constantFrom("a", "b", "a/b", "~c", "toString", "__proto__"), json, {
    maxKeys: 5,
  }).map((v) => JSON.parse(JSON.stringify(v)));
  // Pairs that share structure (one derived from the other) and unrelated ones.
  const nested = fc.record({ metadata: obj, spec: obj, data: fc.oneof(obj, json) });
  fc.assert(
    fc.property(fc.oneof(fc.tuple(nested, nested), fc.tuple(json, json)), ([x, y]) => {
      const [a, b] = [x, y].map((v) => JSON.parse(JSON.stringify(v))); // plain JSON objects
      const ops = jsonPatchDiff(a, b);
      assert.deepEqual(applyPatch(a, ops), b);
      assert.deepEqual(jsonPatchDiff(a, a), []);
    }),
    { numRuns: 500 },
  );
});

Deno.test("jsonPatchDiff and patchFrom: escaped keys, prototype names, undefined, what JSON cannot carry", () => {
  assert.deepEqual(
    jsonPatchDiff(
      { metadata: { labels: { "app.kubernetes.io/name": "x", toString: "1" } }, list: [1, 2] },
      { metadata: { labels: { "app.kubernetes.io/name": "y" }, gone: undefined }, list: [2, 1] },
    ),
    [
      { op: "remove", path: "/metadata/labels/toString" },
      { op: "replace", path: "/metadata/labels/app.kubernetes.io~1name", value: "y" },
      { op: "replace", path: "/list", value: [2, 1] },
    ],
  );
  assert.deepEqual(jsonPatchDiff({ a: {} }, { a: { toString: "x" } }), [
    { op: "add", path: "/a/toString", value: "x" },
  ]);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const bad of [cyclic, { n: NaN }, { f: () => 1 }, { b: 1n }]) {
    assert.throws(() => jsonPatchDiff({}, bad), AdmissionError);
  }
  const cm = { metadata: { name: "a" } };
  assert.deepEqual(patchFrom(cm, structuredClone(cm)), { allowed: true });
  const v = patchFrom(cm, { metadata: { name: "a", labels: { team: "none" } } }, {
    warnings: ["labelled"],
  });
  assert.equal(v.patchType, "JSONPatch");
  assert.deepEqual(v.warnings, ["labelled"]);
  assert.deepEqual(JSON.parse(atob(v.patch!)), [
    { op: "add", path: "/metadata/labels", value: { team: "none" } },
  ]);
  assert.throws(() => patchFrom(null, {}), /both must be objects/);
});

Deno.test("a CEL rule kubeno cannot evaluate: allowed with a warning naming the field, or refused with unevaluatedCel 'fail'", async () => {
  // format.* is a CEL library the apiserver has and kubeno's evaluator lacks.
  const rule = "!format.dns1123Label().validate(self).hasValue()";
  const base = {
    group: "clux.dev",
    version: "v1",
    kind: "Foo",
    namespaced: true,
    spec: z.object({ name: z.string().meta({ "x-kubernetes-validations": [{ rule }] }) }),
  } as const;
  const Foo = customResource(base);
  const Strict = customResource({ ...base, unevaluatedCel: "fail" });
  const obj = {
    apiVersion: "clux.dev/v1",
    kind: "Foo",
    metadata: { name: "a" },
    spec: { name: "x" },
  };
  const r = Foo.safeParse(obj);
  assert.ok(r.success);
  assert.deepEqual(r.unevaluated?.map((i) => [i.path, i.rule, i.source]), [
    ["spec.name", rule, "unevaluated"],
  ]);
  assert.deepEqual(Foo.parse(obj), r.data, "parse passes it too");
  const strict = Strict.safeParse(obj);
  assert.ok(!strict.success);
  assert.match(strict.error.message, /spec\.name: rule cannot be evaluated locally/);
  // Another failure still fails, and names only what failed.
  const bad = Foo.safeParse({ ...obj, spec: { name: 7 } });
  assert.ok(!bad.success);
  assert.ok(bad.error.issues.every((i) => i.source !== "unevaluated"), bad.error.message);

  const kind = { group: "clux.dev", version: "v1", kind: "Foo" };
  const resource = { group: "clux.dev", version: "v1", resource: "foos" };
  for (
    const h of [
      admissionHandler(Foo, validateWith(Foo)),
      admissionHandler(() => allow({ warnings: ["own"] }), { schema: Foo }),
    ]
  ) {
    const res = await h(post(JSON.stringify(review({ kind, resource, object: obj }))));
    const body = await res.json();
    assert.equal(body.response.allowed, true);
    const warnings: string[] = body.response.warnings;
    const ours = warnings.filter((w) => w !== "own");
    assert.equal(ours.length, 1, JSON.stringify(warnings));
    assert.match(ours[0], /^spec\.name: not checked by this webhook, the apiserver checks it \(/);
    assert.ok(ours[0].length <= 256 && [...ours[0]].every((ch) => ch >= " "), ours[0]);
  }
  const strictRes = await admissionHandler(Strict, validateWith(Strict))(
    post(JSON.stringify(review({ kind, resource, object: obj }))),
  );
  const strictBody = await strictRes.json();
  assert.equal(strictBody.response.allowed, false);
  assert.equal(strictBody.response.status.code, 422);
});
