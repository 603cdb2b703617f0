// `kubectl --kubeconfig FILE get --raw PATH`, done by kubeno in a process of its own (so that
// stdin, stderr and the environment are a program's, as for kubectl): prints OK and the body's
// length, or ERR <name>: <message> and exits 1.
//
//   deno run -A tests/e2e/_kubeno_get.ts KUBECONFIG PATH

import { Client, configFromKubeconfig } from "../../mod.ts";

const [path, apiPath] = Deno.args;
try {
  using client = new Client(await configFromKubeconfig({ path }), { retry: { maxRetries: 0 } });
  const body = await client.requestText({
    method: "GET",
    path: apiPath,
    query: new URLSearchParams(),
    headers: {},
  });
  console.log(`OK ${body.length}`);
} catch (e) {
  console.log(`ERR ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  Deno.exit(1);
}
