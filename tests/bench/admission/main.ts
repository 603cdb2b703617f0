/**
 * Admission webhook under the apiserver's calls: a validating webhook (admissionHandler behind
 * serveTls on 127.0.0.1) registered for ConfigMaps in one namespace, then N creates through the
 * real apiserver at a fixed concurrency. Reports reviews handled per second (as seen by the
 * webhook), the handler's own time and the creates' latency (p50 / p99). Needs a cluster:
 *
 *   deno run -A tests/bench/admission/main.ts [--n=2000] [--concurrency=16]
 */

import {
  admissionHandler,
  allow,
  Api,
  Client,
  serveTls,
  validatingWebhookConfiguration,
} from "../../../mod.ts";
import { ConfigMap, Namespace } from "../../../core/k8s/core/v1.ts";
import { ValidatingWebhookConfiguration } from "../../../core/k8s/admissionregistration.k8s.io/v1.ts";
import { webhookPki } from "../../unit/_webhook_pki.ts";

const arg = (name: string, dflt: number) => {
  const a = Deno.args.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.split("=")[1]) : dflt;
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`--${name} must be a positive integer`);
  return v;
};
const N = arg("n", 2000);
const C = arg("concurrency", 16);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

using client = await Client.tryDefault();
const [{ ca, serving }] = await webhookPki();
const dir = await Deno.makeTempDir();
await Deno.writeTextFile(`${dir}/tls.crt`, serving.cert);
await Deno.writeTextFile(`${dir}/tls.key`, serving.key);

const handlerMs: number[] = [];
const reviewedAt: number[] = [];
const handler = admissionHandler(ConfigMap, (req) => {
  reviewedAt.push(performance.now());
  return req.object?.metadata.labels?.deny ? { allowed: false } : allow();
});
const server = await serveTls(async (req) => {
  const t = performance.now();
  const res = await handler(req);
  handlerMs.push(performance.now() - t);
  return res;
}, { certFile: `${dir}/tls.crt`, keyFile: `${dir}/tls.key`, hostname: "127.0.0.1", port: 0 });

const ns =
  (await Api.all(client, Namespace).create({ metadata: { generateName: "bench-admission-" } }))
    .metadata.name!;
const vwc = validatingWebhookConfiguration(ns, [{
  name: "bench.kubeno.test",
  url: `https://127.0.0.1:${server.addr.port}/validate`,
  caBundle: ca,
  rules: [{
    operations: ["CREATE"],
    apiGroups: [""],
    apiVersions: ["v1"],
    resources: ["configmaps"],
  }],
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
}]);
const vwcs = Api.all(client, ValidatingWebhookConfiguration);
await vwcs.create(vwc);
const cms = Api.namespaced(client, ConfigMap, ns);
try {
  // Wait until the apiserver calls the webhook.
  for (let i = 0; reviewedAt.length === 0; i++) {
    await cms.create({ metadata: { name: `warmup-${i}` } });
    if (i > 600) throw new Error("the apiserver never called the webhook");
    await new Promise((r) => setTimeout(r, 100));
  }
  handlerMs.length = 0;
  reviewedAt.length = 0;
  const createMs: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    while (next < N) {
      const i = next++;
      const t = performance.now();
      await cms.create({ metadata: { name: `cm-${i}` }, data: { i: String(i) } });
      createMs.push(performance.now() - t);
    }
  }));
  const wall = performance.now() - t0;
  const span = (reviewedAt[reviewedAt.length - 1] - reviewedAt[0]) / 1000;
  const f = (x: number) => x.toFixed(2);
  console.log(`creates: ${N} at concurrency ${C} in ${(wall / 1000).toFixed(1)} s`);
  console.log(`reviews handled: ${reviewedAt.length}, ${(reviewedAt.length / span).toFixed(0)}/s`);
  console.log(
    `handler ms (read + decode + verdict + encode): p50 ${f(pct(handlerMs, 50))} p99 ${
      f(pct(handlerMs, 99))
    } max ${f(Math.max(...handlerMs))}`,
  );
  console.log(
    `create ms through the apiserver: p50 ${f(pct(createMs, 50))} p99 ${f(pct(createMs, 99))}`,
  );
} finally {
  await vwcs.delete(vwc.metadata.name!).catch(() => {});
  await Api.all(client, Namespace).delete(ns).catch(() => {});
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}
