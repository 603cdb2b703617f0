/**
 * The admission handler in-process, without TLS or an apiserver: one `AdmissionReview` as the
 * apiserver sends it, through `admissionHandler` to the JSON answer (body read with the cap,
 * review checked, verdict, response encoded and read back). Each bench is one review, so
 * deno bench's iter/s is reviews per second on one core and its p99 the handler's p99.
 *
 *   deno bench tests/bench/admission_bench.ts
 *
 * tests/bench/admission/main.ts measures the same handler under the real apiserver's calls.
 */

import { z } from "zod";
import {
  admissionHandler,
  allow,
  customResource,
  deny,
  jsonPointer,
  patch,
  patchFrom,
  validateWith,
} from "../../mod.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";

/** A ConfigMap CREATE review as kube-apiserver 1.37 sends it (managedFields included). */
function review(object: unknown, kind = { group: "", version: "v1", kind: "ConfigMap" }) {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      kind,
      resource: { group: kind.group, version: kind.version, resource: "configmaps" },
      requestKind: kind,
      requestResource: { group: kind.group, version: kind.version, resource: "configmaps" },
      name: "bench",
      namespace: "default",
      operation: "CREATE",
      userInfo: {
        username: "kubernetes-admin",
        groups: ["system:masters", "system:authenticated"],
      },
      object,
      oldObject: null,
      dryRun: false,
      options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1", fieldManager: "kubectl" },
    },
  });
}

const configMap = (data: Record<string, string>, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: "bench",
    namespace: "default",
    labels: { app: "bench", ...labels },
    managedFields: [{
      manager: "kubectl",
      operation: "Update",
      apiVersion: "v1",
      time: "2026-12-07T06:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:data": { "f:a": {} }, "f:metadata": { "f:labels": { "f:app": {} } } },
    }],
  },
  data,
});

const enc = new TextEncoder();
const small = enc.encode(review(configMap({ a: "1", b: "2", c: "3" })));
const denied = enc.encode(review(configMap({ a: "1" }, { forbidden: "" })));
const unlabelled = enc.encode(review(configMap({ a: "1" }, {})));
// ~1 MiB of data, the size of the largest ConfigMap etcd keeps by default.
const large = enc.encode(review(configMap({ blob: "x".repeat(1024 * 1024 - 4096) })));
const tooLarge = new Uint8Array(4 * 1024 * 1024).fill(0x20);

const Foo = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Foo",
  namespaced: true,
  spec: z.object({
    name: z.string(),
    replicas: z.int().min(0).max(100),
    tags: z.array(z.string()),
  }),
});
const foo = enc.encode(review({
  apiVersion: "clux.dev/v1",
  kind: "Foo",
  metadata: { name: "bench", namespace: "default" },
  spec: { name: "bench", replicas: 3, tags: ["a", "b"] },
}, { group: "clux.dev", version: "v1", kind: "Foo" }));

const policy = admissionHandler(ConfigMap, (req) => {
  const labels = req.object?.metadata.labels ?? {};
  if (labels.forbidden !== undefined) return deny("configmaps labelled forbidden are not allowed");
  if (labels.team === undefined) {
    return patch([{ op: "add", path: jsonPointer("metadata", "labels", "team"), value: "none" }]);
  }
  return allow();
});
const allowAll = admissionHandler(() => allow());
const diffing = admissionHandler(ConfigMap, (req) => {
  const obj = req.object!;
  const labels = { ...obj.metadata.labels, team: "none" };
  return patchFrom(obj, { ...obj, metadata: { ...obj.metadata, labels } });
});
const schemaBound = admissionHandler(() => allow(), { schema: Foo });
const crdChecks = admissionHandler(Foo, validateWith(Foo));

/** As the apiserver posts it: bytes with a Content-Length (`chunked`: none, as an attacker may). */
const post = (body: Uint8Array<ArrayBuffer>, chunked = false) =>
  new Request("https://127.0.0.1:8443/validate", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(chunked ? {} : { "content-length": String(body.byteLength) }),
    },
    body,
  });

async function run(
  handler: (r: Request) => Promise<Response>,
  body: Uint8Array<ArrayBuffer>,
  status = 200,
  chunked = false,
): Promise<void> {
  const res = await handler(post(body, chunked));
  if (res.status !== status) throw new Error(`status ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

Deno.bench("allow, 1 KB ConfigMap review", { group: "small", baseline: true }, async () => {
  await run(allowAll, small);
});
Deno.bench("policy: deny", { group: "small" }, async () => {
  await run(policy, denied);
});
Deno.bench("policy: patch (base64 JSONPatch)", { group: "small" }, async () => {
  await run(policy, unlabelled);
});
Deno.bench("patchFrom (diff of the object and a changed copy)", { group: "small" }, async () => {
  await run(diffing, unlabelled);
});
Deno.bench("schema-bound: customResource safeParse (Zod + structural + CEL)", {
  group: "small",
}, async () => {
  await run(schemaBound, foo);
});
Deno.bench("validateWith(Foo)", { group: "small" }, async () => {
  await run(crdChecks, foo);
});
Deno.bench("allow, 1 MiB ConfigMap review", { group: "large" }, async () => {
  await run(allowAll, large);
});
Deno.bench("hostile: 4 MiB body, Content-Length, refused with 413", {
  group: "large",
}, async () => {
  await run(allowAll, tooLarge, 413);
});
Deno.bench("hostile: 4 MiB body, no Content-Length, read to the 3 MiB cap, 413", {
  group: "large",
}, async () => {
  await run(allowAll, tooLarge, 413, true);
});
