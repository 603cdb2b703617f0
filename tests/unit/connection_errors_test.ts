// A ConnectionError says why in its first line: refused, DNS, timeout, TLS (unknown authority,
// wrong host name, expired), with the hint kubectl gives; real failures from Deno's fetch where
// a test can cause them on 127.0.0.1, Deno's own messages for the others.

import assert from "node:assert/strict";
import { Api, Client, ConnectionError, NoAuth } from "../../mod.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import { connectionCause } from "../../client/connection_cause.ts";
import { CA, SERVER_CERT, SERVER_KEY } from "./fixtures/tls.ts";

const noRetry = { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } };

async function failure(server: string, caCerts?: string[]): Promise<ConnectionError> {
  using client = new Client({
    clusterUrl: new URL(server),
    defaultNamespace: "default",
    auth: new NoAuth(),
    source: "test",
    caCerts,
  }, noRetry);
  const err = await Api.namespaced(client, ConfigMap, "ns").get("a").catch((e) => e);
  assert.ok(err instanceof ConnectionError, String(err));
  return err;
}

Deno.test("connection refused: the first line says so, with kubectl's hint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const err = await failure(`https://127.0.0.1:${port}`);
  const first = err.message.split("\n")[0];
  assert.match(
    first,
    new RegExp(
      `^GET /api/v1/namespaces/ns/configmaps/a: cannot reach https://127\\.0\\.0\\.1:${port}: ` +
        `connection refused - did you specify the right host or port\\?`,
    ),
  );
});

Deno.test("TLS: unknown authority and a certificate for another host name are named", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: SERVER_CERT, key: SERVER_KEY, onListen() {} },
    () => Response.json({}),
  );
  const port = server.addr.port;
  const unknown = await failure(`https://127.0.0.1:${port}`, []);
  assert.match(
    unknown.message,
    /: TLS: certificate signed by unknown authority - the kubeconfig's certificate-authority/,
  );
  // The certificate names 127.0.0.1 and "kubernetes", not localhost.
  const wrongName = await failure(`https://localhost:${port}`, [CA]);
  assert.match(
    wrongName.message,
    /: TLS: the API server's certificate is not valid for localhost - /,
  );
});

Deno.test("connectionCause: Deno's messages for DNS, timeouts, expiry and resets", () => {
  const wrap = (inner: string) =>
    new TypeError("fetch failed", {
      cause: new Error(
        `error sending request for url (https://k:6443/): client error (Connect): ${inner}`,
      ),
    });
  const cases: [string, RegExp][] = [
    [
      "dns error: failed to lookup address information: Name or service not known",
      /^DNS lookup of k failed - /,
    ],
    [
      "tcp connect error: Connection timed out (os error 110)",
      /^connection to k:6443 timed out - /,
    ],
    [
      "invalid peer certificate: Expired",
      /^TLS: the API server's certificate has expired or is not valid yet/,
    ],
    ["connection reset by peer (os error 104)", /^the connection was reset/],
  ];
  for (const [inner, want] of cases) assert.match(connectionCause(wrap(inner), "k:6443"), want);
  // Unknown: the deepest message, whole.
  assert.equal(
    connectionCause(wrap("something new"), "k:6443"),
    "error sending request for url (https://k:6443/): client error (Connect): something new",
  );
});
