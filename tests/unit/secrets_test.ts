// Credentials never show: every error a user can trigger with a secret in the configuration,
// and the Config and Client themselves, are printed every way a program or a logger might
// (String, Deno.inspect with causes, JSON, the stack), and none of them contains the secret.

import assert from "node:assert/strict";
import { inspect as nodeInspect } from "node:util";
import {
  BasicAuth,
  Client,
  type Config,
  ConfigError,
  configFromCustomKubeconfig,
  configFromKubeconfig,
  loadKubeconfig,
  parseKubeconfig,
  StaticTokenAuth,
  TokenFileAuth,
} from "../../client/mod.ts";
import { Api } from "../../client/api.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import { scriptedServer, status } from "./_scripted.ts";

const TOKEN = "tok-7f3a9c-SECRET";
const PASSWORD = "pw-91be-SECRET";
const KEY_BODY = "MIGHAgEAkeybytesSECRET";
const KEY = `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\n`;
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBclientcert\n-----END CERTIFICATE-----\n";
const SECRETS = [TOKEN, PASSWORD, KEY_BODY, btoa(KEY), btoa(`admin:${PASSWORD}`)];

/** Every way a value is commonly printed, causes included. */
function printed(value: unknown): string {
  const parts = [String(value), Deno.inspect(value, { depth: 20, showHidden: true })];
  try {
    parts.push(JSON.stringify(value) ?? "");
  } catch { /* cycles: inspect covers it */ }
  for (let e: unknown = value, i = 0; e instanceof Error && i < 10; e = e.cause, i++) {
    parts.push(e.message, e.stack ?? "");
  }
  return parts.join("\n");
}

function assertNoSecret(value: unknown, what: string): void {
  const text = printed(value);
  for (const s of SECRETS) assert.ok(!text.includes(s), `${what}: secret ${s} shown in:\n${text}`);
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    return err;
  }
  assert.fail("expected an error");
}

const ROOT = Deno.makeTempDirSync({ prefix: "kubeno-secrets-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

Deno.test("kubeconfig errors never show the token, password or key (causes included)", async () => {
  const broken: Record<string, string> = {
    "YAML: bad indentation": `users:\n- name: u\n  user:\n    token: ${TOKEN}\n   x: 1\n`,
    "YAML: control character": `users:\n- name: u\n  user: {token: ${TOKEN}\u0001}\n`,
    "YAML: !!binary not base64": `users:\n- name: u\n  user: {token: !!binary ${TOKEN}}\n`,
    "YAML: !!int on a token": `users:\n- name: u\n  user: {token: !!int ${TOKEN}}\n`,
    "YAML: unclosed quote": `users:\n- name: u\n  user:\n    token: "${TOKEN}\n`,
    "YAML: bad flow": `users:\n- name: u\n  user:\n    password: [${PASSWORD}\n`,
    "YAML: tab": `users:\n- name: u\n  user:\n    token: ${TOKEN}\n\tx: 1\n`,
    "YAML: mapping value": `users:\n- name: u\n  user:\n    token: a: ${TOKEN}\n`,
    "wrong type next to a secret":
      `users: [{name: u, user: {token: ${TOKEN}, password: [${PASSWORD}]}}]`,
    "duplicate user":
      `users: [{name: u, user: {token: ${TOKEN}}}, {name: u, user: {token: ${TOKEN}}}]`,
  };
  for (const [what, text] of Object.entries(broken)) {
    const err = await caught(() => parseKubeconfig(text, `${ROOT}/config`));
    assert.ok(err instanceof ConfigError, `${what}: ${err}`);
    assertNoSecret(err, what);
  }
});

Deno.test("config errors with credentials present never show them", async () => {
  const cluster = `clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]`;
  const ctx = `contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x`;
  const cases: Record<string, string> = {
    "token and basic auth":
      `users: [{name: u, user: {token: ${TOKEN}, username: admin, password: ${PASSWORD}}}]`,
    "password without username": `users: [{name: u, user: {password: ${PASSWORD}}}]`,
    "key without certificate": `users: [{name: u, user: {client-key-data: ${btoa(KEY)}}}]`,
    "key data not base64": `users: [{name: u, user: {client-certificate-data: ${
      btoa(CERT)
    }, client-key-data: "${KEY_BODY}!!"}}]`,
    "key data not PEM": `users: [{name: u, user: {client-certificate-data: ${
      btoa(CERT)
    }, client-key-data: ${btoa(KEY_BODY)}}}]`,
    "exec plugin with a secret env":
      `users: [{name: u, user: {exec: {command: x, env: [{name: T, value: ${TOKEN}}]}}}]`,
    "oidc auth-provider":
      `users: [{name: u, user: {auth-provider: {name: oidc, config: {id-token: ${TOKEN}}}}}]`,
    "missing token file with a fallback token":
      `users: [{name: u, user: {token: ${TOKEN}, tokenFile: /nonexistent/t, username: a, password: ${PASSWORD}}}]`,
  };
  for (const [what, users] of Object.entries(cases)) {
    const kc = parseKubeconfig(`${cluster}\n${users}\n${ctx}\n`);
    const err = await caught(configFromCustomKubeconfig(kc));
    assert.ok(err instanceof ConfigError, `${what}: ${err}`);
    assertNoSecret(err, what);
  }
  // Another context requested: the error lists names, not credentials.
  const kc = parseKubeconfig(
    `${cluster}\nusers: [{name: u, user: {token: ${TOKEN}}}]\n${ctx}\n`,
  );
  assertNoSecret(await caught(configFromCustomKubeconfig(kc, { context: "nope" })), "context");
  assertNoSecret(await caught(configFromCustomKubeconfig(kc, { user: "nope" })), "user");
  const path = `${ROOT}/bad-config`;
  await Deno.writeTextFile(path, `users:\n- name: u\n  user:\n    token: "${TOKEN}\n`);
  assertNoSecret(await caught(configFromKubeconfig({ path })), "file with a YAML error");
});

Deno.test("Config and Client print no credential, whatever the auth", async () => {
  const auths = {
    token: `{token: ${TOKEN}}`,
    basic: `{username: admin, password: ${PASSWORD}}`,
    cert: `{client-certificate-data: ${btoa(CERT)}, client-key-data: ${btoa(KEY)}}`,
  };
  const tokenFile = `${ROOT}/token`;
  await Deno.writeTextFile(tokenFile, TOKEN);
  for (
    const [what, user] of Object.entries({ ...auths, tokenFile: `{tokenFile: ${tokenFile}}` })
  ) {
    const kc = parseKubeconfig(`
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", proxy-url: "http://me:${PASSWORD}@127.0.0.1:3128"}}]
users: [{name: u, user: ${user}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
    const config: Config = await configFromCustomKubeconfig(kc);
    assertNoSecret(config, `Config (${what})`);
    assertNoSecret(config.auth, `AuthProvider (${what})`);
    let client: Client;
    try {
      client = new Client(config);
    } catch (err) {
      // The made-up certificate is refused by Deno: that error is one more path to check.
      assert.equal(what, "cert");
      assertNoSecret(err, "createHttpClient error");
      continue;
    }
    assertNoSecret(client, `Client (${what})`);
    client.close();
  }
  assertNoSecret(await TokenFileAuth.create({ path: tokenFile }), "TokenFileAuth");
});

Deno.test("request errors never show the bearer token", async (t) => {
  const tokenFile = `${ROOT}/req-token`;
  await Deno.writeTextFile(tokenFile, TOKEN);
  const auth = await TokenFileAuth.create({ path: tokenFile });
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  await using other = scriptedServer(() => new Response("{}"));
  await using srv = scriptedServer((req) => {
    switch (req.path.split("/").pop()) {
      case "unauthorized":
        return status(401, "Unauthorized", "Unauthorized");
      case "forbidden":
        return status(403, "Forbidden", 'configmaps "forbidden" is forbidden: User "x"');
      case "html":
        return new Response("<html>oops</html>", { status: 500 });
      case "notjson":
        return new Response("not json", { status: 200 });
      case "redirect":
        return new Response(null, { status: 302, headers: { location: other.url.href } });
      case "slow":
        return new Promise<Response>((r) => setTimeout(() => r(new Response("{}")), 500));
      default:
        return status(404, "NotFound", "not found");
    }
  });
  const config = (url: URL, proxyUrl?: string): Config => ({
    clusterUrl: url,
    defaultNamespace: "ns",
    auth,
    source: "test",
    ...(proxyUrl ? { proxyUrl } : {}),
  });
  using client = new Client(config(srv.url), { retry: { maxRetries: 0 }, timeoutMs: 100 });
  const cms = Api.namespaced(client, ConfigMap, "ns");
  for (const name of ["unauthorized", "forbidden", "html", "notjson", "redirect", "slow", "x"]) {
    await t.step(name, async () => {
      const err = await caught(cms.get(name));
      assertNoSecret(err, name);
      assert.ok(srv.requests.at(-1)?.headers.get("authorization")?.includes(TOKEN));
    });
  }
  await t.step("connection refused, through a proxy with a password", async () => {
    using down = new Client(
      config(
        new URL(`http://127.0.0.1:${closedPort}`),
        `http://me:${PASSWORD}@127.0.0.1:${closedPort}`,
      ),
      { retry: { maxRetries: 0 } },
    );
    assertNoSecret(await caught(Api.namespaced(down, ConfigMap, "ns").get("a")), "refused");
  });
  await t.step("https through an http:// proxy with a password (the relay), refused", async () => {
    using down = new Client(
      config(
        new URL(`https://127.0.0.1:${closedPort}`),
        `http://me:${PASSWORD}@127.0.0.1:${closedPort}`,
      ),
      { retry: { maxRetries: 0 } },
    );
    const err = await caught(Api.namespaced(down, ConfigMap, "ns").get("a"));
    assertNoSecret(err, "relay refused");
    // Nor the relay's one-time secret, nor its address in place of the proxy's.
    assert.doesNotMatch(String(err) + Deno.inspect(err), /kubeno-relay/);
    assert.ok(!Deno.inspect(down).includes("kubeno-relay"), Deno.inspect(down));
  });
  await t.step("a watch that fails", async () => {
    const err = await caught((async () => {
      for await (const _ of cms.watch({}, "1")) break;
    })());
    assertNoSecret(err, "watch");
  });
  assert.equal(other.requests.length, 0);
});

/** Every way an object is inspected (Deno, console.log's default, node:util), hidden included. */
function inspected(value: unknown): string {
  return [
    Deno.inspect(value),
    Deno.inspect(value, { depth: 20, showHidden: true }),
    nodeInspect(value),
    nodeInspect(value, { depth: 20, showHidden: true }),
  ].join("\n");
}

function assertNotShown(text: string, what: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${what}: secret ${s} shown in:\n${text}`);
}

const FULL_KUBECONFIG = `
current-context: x
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", proxy-url: "http://me:${PASSWORD}@127.0.0.1:3128"}
users:
- name: tok
  user: {token: ${TOKEN}, as: jane}
- name: basic
  user: {username: admin, password: ${PASSWORD}}
- name: cert
  user: {client-certificate-data: ${btoa(CERT)}, client-key-data: ${btoa(KEY)}}
- name: exec
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token,
      args: [--token=${TOKEN}], env: [{name: T, value: ${TOKEN}}]}
- name: oidc
  user:
    auth-provider: {name: oidc, config: {id-token: ${TOKEN}, client-secret: ${PASSWORD}}}
contexts: [{name: x, context: {cluster: c, user: tok}}]
`;

// Issue 11, item 11: console.log(parseKubeconfig(...)) showed tokens, passwords and keys.
Deno.test("printed kubeconfig objects, their parts and copies show no credentials", async () => {
  const path = `${ROOT}/full-config`;
  await Deno.writeTextFile(path, FULL_KUBECONFIG);
  const kc = parseKubeconfig(FULL_KUBECONFIG, path);
  const loaded = await loadKubeconfig({ path });
  const user = kc.users[0].user;
  const views: Record<string, unknown> = {
    "parseKubeconfig": kc,
    "loadKubeconfig": loaded,
    "users": kc.users,
    "clusters": kc.clusters,
    ...Object.fromEntries(kc.users.map((u) => [`users ${u.name}`, u])),
    "{...kubeconfig}": { ...kc },
    "{...user}": { ...user },
    "Object.assign({}, user)": Object.assign({}, user),
    "structuredClone(kubeconfig)": structuredClone(kc),
    "{...cluster}": { ...kc.clusters[0].cluster },
  };
  for (const [what, value] of Object.entries(views)) {
    assertNotShown(inspected(value), what);
  }
  // Copies do not carry the credentials at all, so their JSON has none either.
  assertNotShown(JSON.stringify({ ...user }), "JSON of {...user}");
  assertNotShown(JSON.stringify(structuredClone(kc)), "JSON of structuredClone");
  // What is redacted is still there to use, and JSON writes the file back whole.
  assert.equal(user.token, TOKEN);
  assert.equal(kc.users[1].user.password, PASSWORD);
  assert.match(Deno.inspect(user), /token: "<redacted>"/);
  const back = parseKubeconfig(JSON.stringify(kc), path);
  assert.equal(back.users[0].user.token, TOKEN);
  assert.equal(back.users[3].user.exec?.command, "get-token");
  assert.equal(back.clusters[0].cluster["proxy-url"], `http://me:${PASSWORD}@127.0.0.1:3128`);
  assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(kc)));
});

// Issue 11, item 11: {...config} / Object.assign copies printed the client key and the proxy
// password (the redaction hooks are non-enumerable, so copies lost them).
Deno.test("copies of a Config carry no credential; a copy used for TLS says why the key is missing", async () => {
  const kc = parseKubeconfig(
    FULL_KUBECONFIG.replace("user: tok}", "user: cert}"),
    `${ROOT}/config`,
  );
  const config = await configFromCustomKubeconfig(kc);
  assert.equal(config.clientKey, KEY);
  for (
    const [what, value] of Object.entries({
      "Config": config,
      "{...config}": { ...config },
      "Object.assign({}, config)": Object.assign({}, config),
    })
  ) {
    assertNotShown(inspected(value) + JSON.stringify(value), what);
  }
  assert.throws(
    () => new Client({ ...config }),
    (e: unknown) => e instanceof ConfigError && /clientKey is missing.*copy/s.test(e.message),
  );
});

Deno.test("auth objects print no credential, however copied or inspected", async () => {
  const tokenFile = `${ROOT}/auth-token`;
  await Deno.writeTextFile(tokenFile, TOKEN);
  const auths = {
    StaticTokenAuth: new StaticTokenAuth(TOKEN),
    BasicAuth: new BasicAuth("admin", PASSWORD),
    TokenFileAuth: await TokenFileAuth.create({ path: tokenFile }),
  };
  for (const [what, auth] of Object.entries(auths)) {
    assert.ok((await auth.authorization())?.length);
    const copy = { ...auth };
    assertNotShown(inspected(auth) + inspected(copy) + JSON.stringify(auth), what);
  }
});
