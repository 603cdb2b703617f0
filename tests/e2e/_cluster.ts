import { Api, type Client } from "../../mod.ts";
import { Namespace } from "../../core/k8s/core/v1.ts";

/**
 * End-to-end tests run against the control plane of tests/cluster, found through KUBECONFIG.
 * Without it they fail (never skip): the message says how to start one.
 */

let registered = false;

/** Registers one failing test with the fix when no cluster is configured. */
export function requireCluster(): boolean {
  const kubeconfig = Deno.env.get("KUBECONFIG");
  if (kubeconfig) return true;
  if (!registered) {
    registered = true;
    Deno.test("e2e needs a control plane", () => {
      throw new Error(
        'KUBECONFIG is not set: run `deno task cluster up` and `eval "$(deno task -q cluster env)"` first',
      );
    });
  }
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
