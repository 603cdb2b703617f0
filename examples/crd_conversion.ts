/**
 * crd_conversion: a custom resource with two versions, `v1alpha1 { name }` and
 * `v1 { firstName, lastName }` (stored as v1), declared with Zod, merged into one CRD with a
 * conversion webhook served by this process (hub and spoke, over TLS from files). It checks
 * that its converters round-trip, applies the CRD, writes a Person in v1alpha1 and reads it back
 * in v1, then serves conversions until SIGTERM / Ctrl-C and deletes the CRD (and its objects).
 *
 *   deno run --allow-net --allow-read --allow-env examples/crd_conversion.ts \
 *     --cert-file tls.crt --key-file tls.key --ca-file ca.crt --port 8444 --namespace default
 *
 * @module
 */

import { z } from "zod";
import {
  Api,
  applyCrd,
  checkRoundTrips,
  Client,
  conversionHandler,
  customResource,
  mergeCrds,
  serveTls,
  shutdownSignal,
  spoke,
  typedHubAndSpoke,
} from "../mod.ts";
import { webhookArgs } from "./_webhook_args.ts";
import { CustomResourceDefinition } from "../core/k8s/apiextensions.k8s.io/v1.ts";

const { certFile, keyFile, caFile, ...args } = webhookArgs("crd_conversion.ts", 8444, {
  name: "group",
  default: "conversion.kubeno.example",
});

const common = { group: args.extra, kind: "Person", plural: "people", namespaced: true } as const;
export const PersonV1alpha1 = customResource({
  ...common,
  version: "v1alpha1",
  spec: z.object({ name: z.string() }),
});
export const PersonV1 = customResource({
  ...common,
  version: "v1",
  spec: z.object({ firstName: z.string(), lastName: z.string() }),
});

/** v1 (the storage version) is the hub: v1alpha1 converts to and from it, typed by both schemas. */
const convert = typedHubAndSpoke(PersonV1, [
  spoke(PersonV1, PersonV1alpha1, {
    toHub: (o) => {
      const [firstName, ...rest] = o.spec.name.split(" ");
      return {
        ...o,
        apiVersion: PersonV1.apiVersion,
        spec: { firstName, lastName: rest.join(" ") },
      };
    },
    fromHub: (o) => {
      const { firstName, lastName } = o.spec;
      return {
        ...o,
        apiVersion: PersonV1alpha1.apiVersion,
        spec: { name: [firstName, lastName].filter(Boolean).join(" ") },
      };
    },
  }),
]);

// Lossless for the shapes this example writes (a v1 with an empty firstName would not be).
const losses = checkRoundTrips(
  convert,
  [PersonV1alpha1.new("ada", { name: "Ada King Lovelace" })],
);
if (losses.length) throw new Error(`the conversions lose data: ${JSON.stringify(losses)}`);

const signal = shutdownSignal();
const server = await serveTls(conversionHandler(convert), {
  certFile,
  keyFile,
  port: args.port,
  hostname: "127.0.0.1",
  signal,
});
console.log(`serving conversions on https://127.0.0.1:${server.addr.port}`);

const client = await Client.tryDefault();
// One step: the merged CRD gets `conversion: Webhook` pointing at this process.
const crd = mergeCrds([PersonV1alpha1, PersonV1], {
  storage: "v1",
  conversion: {
    webhook: {
      url: `https://127.0.0.1:${server.addr.port}/convert`,
      caBundle: Deno.readTextFileSync(caFile),
    },
    convert, // checked: hub = storage version, a converter for every version
  },
});
await applyCrd(client, crd, {
  fieldManager: "crd-conversion-example",
  force: true,
  timeoutMs: 60_000,
});
console.log(`applied ${crd.metadata.name} with versions v1alpha1, v1 (stored: v1)`);

const alpha = Api.namespaced(client, PersonV1alpha1, args.namespace);
const v1 = Api.namespaced(client, PersonV1, args.namespace);
// Just after the CRD is established the apiserver may not serve it yet: retry briefly.
for (let i = 0;; i++) {
  try {
    await alpha.patch("ada", {
      type: "apply",
      body: PersonV1alpha1.new("ada", { name: "Ada King Lovelace" }),
    }, { fieldManager: "crd-conversion-example", force: true });
    break;
  } catch (e) {
    if (i >= 40 || signal.aborted) throw e;
    await new Promise((r) => setTimeout(r, 250));
  }
}
console.log(`ada as v1: ${JSON.stringify((await v1.get("ada")).spec)}`);
console.log(`ada as v1alpha1: ${JSON.stringify((await alpha.get("ada")).spec)}`);

await server.finished;
await Api.all(client, CustomResourceDefinition).delete(crd.metadata.name!).catch(() => {});
client.close();
console.log("CRD deleted, stopped");
