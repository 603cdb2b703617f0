/**
 * Admission webhook under the apiserver's calls: a validating webhook (admissionHandler behind
 * serveTls on 127.0.0.1) registered for ConfigMaps in one namespace, then N creates through the
 * real apiserver at a fixed concurrency, sent by a child process (so the load's own callbacks
 * do not share the webhook's event loop). Reports reviews handled per second (as seen by the
 * webhook), the handler's own time and the creates' latency (p50 / p99). With --rotate-ms the
 * serving certificate is rotated (two certificates of one CA, alternately) that often during
 * the load, and every failed create is counted. Needs a cluster:
 *
 *   deno run -A tests/bench/admission/main.ts [--n=2000] [--concurrency=16] [--rotate-ms=0]
 *     [--direct]   (Deno.serve with the certificate instead of serveTls: the relay's cost)
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
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`--${name} must be an integer >= 0`);
  return v;
};
const N = arg("n", 2000);
const C = arg("concurrency", 16);
const ROTATE_MS = arg("rotate-ms", 0);
/** Deno.serve with the certificate, no serveTls relay: what the relay costs. */
const DIRECT = Deno.args.includes("--direct");
if (DIRECT && ROTATE_MS) throw new RangeError("--direct cannot rotate: that is serveTls' job");

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const f = (x: number) => x.toFixed(2);

const loadNs = Deno.args.find((x) => x.startsWith("--load="))?.split("=")[1];
if (loadNs) {
  // The child: N creates at concurrency C, then one JSON line with what it saw.
  using client = await Client.tryDefault();
  const cms = Api.namespaced(client, ConfigMap, loadNs);
  const createMs: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    while (next < N) {
      const i = next++;
      const t = performance.now();
      try {
        await cms.create({ metadata: { name: `cm-${i}` }, data: { i: String(i) } });
        createMs.push(performance.now() - t);
      } catch (e) {
        failures.push(String(e));
      }
    }
  }));
  const wallMs = performance.now() - t0;
  console.log(JSON.stringify({ wallMs, createMs, failures }));
  Deno.exit(0);
}

using client = await Client.tryDefault();
const [{ ca, servings: [first, second] }] = await webhookPki(1, 2);
const dir = await Deno.makeTempDir();
const install = async (p: { cert: string; key: string }) => {
  await Deno.writeTextFile(`${dir}/tls.crt`, p.cert);
  await Deno.writeTextFile(`${dir}/tls.key`, p.key);
};
await install(first);

const handlerMs: number[] = [];
const reviewedAt: number[] = [];
const handler = admissionHandler(ConfigMap, (req) => {
  reviewedAt.push(performance.now());
  return req.object?.metadata.labels?.deny ? { allowed: false } : allow();
});
const timed = async (req: Request) => {
  const t = performance.now();
  const res = await handler(req);
  handlerMs.push(performance.now() - t);
  return res;
};
const server = DIRECT
  ? Object.assign(
    Deno.serve({ hostname: "127.0.0.1", port: 0, ...first, onListen: () => {} }, timed),
    { reload: () => Promise.resolve(false) },
  )
  : await serveTls(timed, {
    certFile: `${dir}/tls.crt`,
    keyFile: `${dir}/tls.key`,
    hostname: "127.0.0.1",
    port: 0,
    reloadIntervalMs: 3_600_000, // rotations below reload explicitly
  });

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
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, `--load=${ns}`, `--n=${N}`, `--concurrency=${C}`],
    stdout: "piped",
  }).spawn();
  let loading = true, rotations = 0;
  const rotator = (async () => {
    if (!ROTATE_MS) return;
    for (let i = 1; loading; i++) {
      await new Promise((r) => setTimeout(r, ROTATE_MS));
      if (!loading) break;
      await install(i % 2 ? second : first);
      if (await server.reload()) rotations++;
    }
  })();
  const out = await child.output();
  loading = false;
  await rotator;
  if (!out.success) throw new Error("the load process failed");
  const { wallMs, createMs, failures } = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    wallMs: number;
    createMs: number[];
    failures: string[];
  };
  const span = (reviewedAt[reviewedAt.length - 1] - reviewedAt[0]) / 1000;
  console.log(DIRECT ? "server: Deno.serve" : "server: serveTls (relay)");
  console.log(`creates: ${N} at concurrency ${C} in ${(wallMs / 1000).toFixed(1)} s`);
  console.log(`reviews handled: ${reviewedAt.length}, ${(reviewedAt.length / span).toFixed(0)}/s`);
  console.log(
    `handler ms (read + decode + verdict + encode): p50 ${f(pct(handlerMs, 50))} p99 ${
      f(pct(handlerMs, 99))
    } max ${f(Math.max(...handlerMs))}`,
  );
  console.log(
    `create ms through the apiserver: p50 ${f(pct(createMs, 50))} p99 ${f(pct(createMs, 99))}`,
  );
  if (ROTATE_MS) console.log(`rotations every ${ROTATE_MS} ms: ${rotations}`);
  console.log(`failed creates: ${failures.length}${failures.length ? `: ${failures[0]}` : ""}`);
} finally {
  await vwcs.delete(vwc.metadata.name!).catch(() => {});
  await Api.all(client, Namespace).delete(ns).catch(() => {});
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}
