// From Config to Deno.HttpClient: option mapping, refusals, and a real TLS handshake with the
// CA from a kubeconfig against a Deno.serve on 127.0.0.1.
import assert from "node:assert/strict";
import {
  ConfigError,
  configFromCustomKubeconfig,
  createHttpClient,
  httpClientOptions,
  NoAuth,
  parseKubeconfig,
} from "../../client/config/mod.ts";
import type { Config } from "../../client/config/mod.ts";

import { CA, CLIENT_CERT, CLIENT_KEY, SERVER_CERT, SERVER_KEY } from "./fixtures/tls.ts";
import { Client } from "../../client/client.ts";
import { scriptedServer } from "./_scripted.ts";

const VERSION = {
  method: "GET",
  path: "/version",
  query: new URLSearchParams(),
  headers: {},
} as const;

function base(extra: Partial<Config> = {}): Config {
  return {
    clusterUrl: new URL("https://127.0.0.1:6443"),
    defaultNamespace: "default",
    auth: new NoAuth(),
    source: "test config",
    ...extra,
  };
}

Deno.test("httpClientOptions: CA, client certificate and key, pool options", () => {
  const opts = httpClientOptions(
    base({ caCerts: [CA], clientCert: CLIENT_CERT, clientKey: CLIENT_KEY }),
    {
      poolMaxIdlePerHost: 4,
      http2: false,
    },
  );
  assert.deepEqual(opts, {
    caCerts: [CA],
    cert: CLIENT_CERT,
    key: CLIENT_KEY,
    keyFormat: "pem",
    poolMaxIdlePerHost: 4,
    http2: false,
  });
  assert.deepEqual(httpClientOptions(base()), {});
});

Deno.test("httpClientOptions: poolIdleTimeoutMs is Deno's poolIdleTimeout", () => {
  assert.deepEqual(httpClientOptions(base(), { poolIdleTimeoutMs: 5_000 }), {
    poolIdleTimeout: 5_000,
  });
  assert.deepEqual(httpClientOptions(base(), { poolIdleTimeoutMs: false }), {
    poolIdleTimeout: false,
  });
});

Deno.test("httpClientOptions: the deprecated poolIdleTimeout still works (one release)", () => {
  assert.deepEqual(httpClientOptions(base(), { poolIdleTimeout: 7_000 }), {
    poolIdleTimeout: 7_000,
  });
  assert.deepEqual(httpClientOptions(base(), { poolIdleTimeout: false }), {
    poolIdleTimeout: false,
  });
  // Both given: the new name wins.
  assert.deepEqual(
    httpClientOptions(base(), { poolIdleTimeoutMs: 1_000, poolIdleTimeout: 7_000 }),
    { poolIdleTimeout: 1_000 },
  );
});

Deno.test("httpClientOptions: proxy URL, credentials moved to basicAuth", () => {
  assert.deepEqual(httpClientOptions(base({ proxyUrl: "http://proxy.local:3128" })).proxy, {
    transport: "http",
    url: "http://proxy.local:3128",
  });
  assert.deepEqual(httpClientOptions(base({ proxyUrl: "socks5://127.0.0.1:1080" })).proxy, {
    transport: "socks5",
    url: "socks5://127.0.0.1:1080",
  });
  assert.deepEqual(
    httpClientOptions(base({ proxyUrl: "https://u%40x:p%3Aw@proxy.local:443/" })).proxy,
    {
      transport: "https",
      url: "https://proxy.local",
      basicAuth: { username: "u@x", password: "p:w" },
    },
  );
  assert.throws(() => httpClientOptions(base({ proxyUrl: "ftp://p" })), ConfigError);
});

Deno.test("createHttpClient: insecure-skip-tls-verify is refused with the way out", () => {
  const config = base({
    insecureSkipTlsVerify: true,
    clusterUrl: new URL("https://10.1.2.3:6443"),
  });
  assert.throws(() => createHttpClient(config), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /^test config: insecure-skip-tls-verify is set/);
    assert.ok(e.message.includes("--unsafely-ignore-certificate-errors=10.1.2.3"), e.message);
    assert.ok(e.message.includes("certificate-authority-data"), e.message);
    return true;
  });
  const client = createHttpClient(config, { allowInsecureSkipTlsVerify: true });
  client.close();
});

Deno.test("createHttpClient: a key Deno cannot read is a ConfigError naming the key, not its bytes", () => {
  const bad = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";
  assert.throws(
    () => createHttpClient(base({ clientCert: CLIENT_CERT, clientKey: bad })),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.message.startsWith("test config: Deno could not use the client key"), e.message);
      assert.ok(!e.message.includes("bm90IGEga2V5"), e.message);
      return true;
    },
  );
});

// Issue 11, item 12: the JSDoc said a config needing tls-server-name is refused; the code ignored
// it, so the certificate was checked against another name than the kubeconfig asked for.
Deno.test("createHttpClient: a tlsServerName other than the URL's host is refused (Deno cannot verify it)", () => {
  assert.throws(
    () => createHttpClient(base({ tlsServerName: "kubernetes" })),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /^test config: tlsServerName asks to verify .* as "kubernetes"/);
      return true;
    },
  );
  // The URL's own host (any case) is what Deno verifies anyway; over http:// nothing is.
  const url = base({}).clusterUrl;
  createHttpClient(base({ tlsServerName: url.hostname.toUpperCase() })).close();
  createHttpClient(base({ clusterUrl: new URL("http://127.0.0.1:8080"), tlsServerName: "k" }))
    .close();
});

Deno.test("createHttpClient: TLS to 127.0.0.1 with the kubeconfig's CA and client certificate", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: SERVER_CERT, key: SERVER_KEY, onListen() {} },
    () => Response.json({ gitVersion: "v1.37.2" }),
  );
  try {
    const kubeconfig = parseKubeconfig(`
current-context: c
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:${server.addr.port}
    certificate-authority-data: ${btoa(CA)}
users:
- name: u
  user:
    client-certificate-data: ${btoa(CLIENT_CERT)}
    client-key-data: ${btoa(CLIENT_KEY)}
contexts: [{ name: c, context: { cluster: k, user: u } }]
`);
    const config = await configFromCustomKubeconfig(kubeconfig);
    const client = createHttpClient(config);
    try {
      const res = await fetch(new URL("/version", config.clusterUrl), { client });
      assert.deepEqual(await res.json(), { gitVersion: "v1.37.2" });
    } finally {
      client.close();
    }
    // Without the CA the same server is not trusted: the CA above is what made it work.
    // (A copy does not carry the key, which is kept out of copies: set it again.)
    const untrusted = createHttpClient({ ...config, clientKey: config.clientKey, caCerts: [] });
    try {
      await assert.rejects(fetch(new URL("/version", config.clusterUrl), { client: untrusted }));
    } finally {
      untrusted.close();
    }
  } finally {
    await server.shutdown();
  }
});

// The proxy URL of a loaded Config is kept out of copies when it holds a password (issue 11,
// item 11), so the HttpClient made for an exec plugin's certificate must not be built from a
// plain copy: it would go straight to the server, around the proxy.
Deno.test("a certificate from the AuthProvider keeps the kubeconfig's proxy and its password", async () => {
  await using proxy = scriptedServer(() => new Response('{"gitVersion":"v1.37.2"}'));
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const kc = parseKubeconfig(`
current-context: c
clusters:
- name: k
  cluster: { server: "http://127.0.0.1:${port}", proxy-url: "http://me:pw-proxy@127.0.0.1:${proxy.url.port}" }
contexts: [{ name: c, context: { cluster: k } }]
`);
  const config = await configFromCustomKubeconfig(kc);
  const cert = { cert: CLIENT_CERT, key: CLIENT_KEY };
  config.auth = {
    authorization: () => Promise.resolve(undefined),
    clientCertificate: () => Promise.resolve(cert),
  };
  using client = new Client(config, { retry: { maxRetries: 0 } });
  assert.equal(await client.requestText(VERSION), '{"gitVersion":"v1.37.2"}');
  assert.equal(proxy.requests.length, 1);
  assert.equal(
    proxy.requests[0].headers.get("proxy-authorization"),
    `Basic ${btoa("me:pw-proxy")}`,
  );
});
