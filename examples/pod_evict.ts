/**
 * Evicts a pod, as `kubectl drain` does for each pod: a delete that PodDisruptionBudgets may
 * refuse. A refusal (429) is not retried here; it is reported with the server's reason and
 * this program exits 75 (EX_TEMPFAIL: try again later), so a script can tell it from a failure.
 *
 *   deno run --allow-net=<apiserver host:port> --allow-read=<kubeconfig> --allow-env examples/pod_evict.ts POD [-n NS] [--dry-run]
 */

import { parseArgs } from "node:util";
import { Api, ApiError, Client, Config, isTooManyRequests } from "../mod.ts";
import { Pod } from "../core/k8s/core/v1.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    namespace: { type: "string", short: "n" },
    "dry-run": { type: "boolean", default: false },
  },
});
if (positionals.length !== 1) {
  console.error("usage: pod_evict.ts POD [-n NS] [--dry-run]");
  Deno.exit(2);
}
const [pod] = positionals;

// The client retries 429s by default (after Retry-After); a budget may say no for long, so
// this program hands the decision back to its caller instead.
using client = new Client(await Config.infer(), { retry: { maxRetries: 0 } });
const ns = values.namespace ?? client.defaultNamespace;
const pods = Api.namespaced(client, Pod, ns);
const dryRun = values["dry-run"];
try {
  await pods.evict(pod, { dryRun });
  console.log(`evicted ${ns}/${pod}${dryRun ? " (server dry run)" : ""}`);
} catch (e) {
  if (!isTooManyRequests(e)) {
    console.error(`pod_evict: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
  const after = e instanceof ApiError && e.retryAfterSeconds !== undefined
    ? ` (the server suggests ${e.retryAfterSeconds} s)`
    : "";
  const why = e instanceof ApiError ? e.status.message : String(e);
  console.error(
    `cannot evict ${ns}/${pod} now: 429 TooManyRequests: ${why}\n` +
      `a PodDisruptionBudget protects it; try again later${after}`,
  );
  Deno.exit(75);
}
