/**
 * admission_controller: a validating and mutating admission webhook for ConfigMaps, as kube-rs'
 * example of the same name. It denies ConfigMaps labelled `forbidden`, adds the label
 * `team: none` where there is no `team`, serves over TLS from files (a rotated certificate is
 * picked up without a restart), registers its webhook configurations (url on this host, with
 * the CA from `--ca-file`) and deletes them on SIGTERM / Ctrl-C.
 *
 *   deno run --allow-net=127.0.0.1,<apiserver host:port> \
 *     --allow-read=tls.crt,tls.key,ca.crt,<kubeconfig> \
 *     --allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT \
 *     examples/admission_controller.ts \
 *     --cert-file tls.crt --key-file tls.key --ca-file ca.crt --port 8443 --namespace default
 *
 * Permissions, no more: `--allow-net` to listen on 127.0.0.1 (the public port and the TLS
 * server behind it, which `serveTls` relays to) and to reach the apiserver; `--allow-read` for
 * the three PEM files (re-read when they change) and the kubeconfig; `--allow-env` for what
 * `Client.tryDefault()` looks at. The apiserver calls https://127.0.0.1: run it on the
 * apiserver's host (as the e2e test does), with a serving certificate for IP 127.0.0.1. Its
 * user needs RBAC to apply and delete validating and mutating webhook configurations.
 *
 * @module
 */

import {
  admissionHandler,
  allow,
  Api,
  Client,
  deny,
  mutatingWebhookConfiguration,
  patchFrom,
  serveTls,
  shutdownSignal,
  validatingWebhookConfiguration,
  type WebhookOptions,
} from "../mod.ts";
import { webhookArgs } from "./_webhook_args.ts";
import { ConfigMap } from "../core/k8s/core/v1.ts";
import {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from "../core/k8s/admissionregistration.k8s.io/v1.ts";

const { certFile, keyFile, caFile, ...args } = webhookArgs("admission_controller.ts", 8443, {
  name: "name",
  default: "kubeno-admission-example",
});
const port = args.port, ns = args.namespace, name = args.extra;

const handler = admissionHandler(ConfigMap, (req) => {
  const obj = req.object;
  const labels = obj?.metadata.labels ?? {};
  const what = `${req.operation} ${req.namespace}/${obj?.metadata.name ?? req.name}`;
  if (labels.forbidden !== undefined) {
    console.log(`${what}: denied`);
    return deny("configmaps labelled forbidden are not allowed", 422);
  }
  if (labels.team === undefined) {
    console.log(`${what}: patched`);
    // The JSONPatch from the object to a changed copy (adds metadata.labels if there is none).
    return patchFrom(obj, {
      ...obj,
      metadata: { ...obj?.metadata, labels: { ...labels, team: "none" } },
    });
  }
  console.log(`${what}: allowed`);
  return allow();
});

const signal = shutdownSignal();
const server = await serveTls((req) => {
  const path = new URL(req.url).pathname;
  return path === "/validate" || path === "/mutate"
    ? handler(req)
    : new Response("not found", { status: 404 });
}, {
  certFile,
  keyFile,
  port,
  hostname: "127.0.0.1",
  signal,
  onReload: (r) =>
    r.ok
      ? console.log("serving a new certificate")
      : console.error(`keeping the previous certificate: ${r.error}`),
});
console.log(`serving on https://127.0.0.1:${server.addr.port}`);

const client = await Client.tryDefault();
const webhook = (path: string): WebhookOptions => ({
  name: `${path}.admission.kubeno.example`,
  url: `https://127.0.0.1:${server.addr.port}/${path}`,
  caBundle: Deno.readTextFileSync(caFile),
  rules: [{
    operations: ["CREATE", "UPDATE"],
    apiGroups: [""],
    apiVersions: ["v1"],
    resources: ["configmaps"],
  }],
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
  failurePolicy: "Fail",
  timeoutSeconds: 5,
});
const vwcs = Api.all(client, ValidatingWebhookConfiguration);
const mwcs = Api.all(client, MutatingWebhookConfiguration);
const apply = { fieldManager: "admission-controller-example", force: true };
await vwcs.patch(name, {
  type: "apply",
  body: validatingWebhookConfiguration(name, [webhook("validate")]),
}, apply);
await mwcs.patch(name, {
  type: "apply",
  body: mutatingWebhookConfiguration(name, [webhook("mutate")]),
}, apply);
console.log(`webhooks registered for configmaps in ${ns}`);

await server.finished;
// Unregister, or the apiserver would fail every ConfigMap write here (failurePolicy Fail).
await vwcs.delete(name).catch(() => {});
await mwcs.delete(name).catch(() => {});
client.close();
console.log("webhooks removed, stopped");
