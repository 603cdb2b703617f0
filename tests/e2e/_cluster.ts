import { Api, type Client } from "../../mod.ts";
import { Namespace } from "../../core/k8s/core/v1.ts";
import { testCluster } from "../../testing/mod.ts";
import { failOnce } from "./_require.ts";

/**
 * End-to-end tests get their control plane the way a user's tests do: from the test kit's
 * shared mode (`@kubeno/kube/testing`). That is the cluster `KUBECONFIG` points to if it is a
 * kubeno test cluster, else the one of `KUBENO_CLUSTER_STATE`, else one the kit starts (and
 * stops when the last test process using it exits). `KUBECONFIG` is then set to that cluster's
 * admin kubeconfig, so that `Client.tryDefault()` and the programs the tests run reach it and
 * never a user's own cluster. Without a cluster (no Go to build one, a missing permission) the
 * tests fail, never skip: one failing test carries the kit's error, which says what to do.
 */
const found: { kubeconfig: string } | { error: string } = await testCluster({ shared: true })
  .then((c) => ({ kubeconfig: c.kubeconfig }))
  .catch((e) => ({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
if ("kubeconfig" in found) {
  Deno.env.set("KUBECONFIG", found.kubeconfig);
} else {
  // Nothing may fall back to a kubeconfig or an in-cluster service of the user's own.
  Deno.env.set("KUBECONFIG", "/nonexistent/kubeno-e2e-has-no-test-cluster");
  Deno.env.delete("KUBERNETES_SERVICE_HOST");
}

/**
 * Whether the test control plane is there; if not, registers one failing test with the reason
 * (the tests that need it are then left out, and the run fails).
 */
export function requireCluster(): boolean {
  if ("kubeconfig" in found) return true;
  failOnce(
    "e2e needs a control plane",
    `no test control plane (${found.error}); \`deno task cluster up\` starts one and says ` +
      "what is missing",
  );
  return false;
}

/** Runs `fn` in a fresh namespace (`<prefix>-xxxxx`), deleted afterwards. */
export async function withNamespace(
  client: Client,
  prefix: string,
  fn: (ns: string) => Promise<void>,
): Promise<void> {
  const namespaces = Api.all(client, Namespace);
  const ns = await namespaces.create({ metadata: { generateName: `${prefix}-` } });
  try {
    await fn(ns.metadata.name!);
  } finally {
    await namespaces.delete(ns.metadata.name!).catch(() => {});
  }
}
