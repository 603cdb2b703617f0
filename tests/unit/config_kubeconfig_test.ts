// Kubeconfig loading: parsing, merging, context selection, credentials, and the errors.
import assert from "node:assert/strict";
import {
  type Config,
  ConfigError,
  configFromCustomKubeconfig,
  configFromKubeconfig,
  loadKubeconfig,
  mergeKubeconfigs,
  parseKubeconfig,
  TokenFileAuth,
} from "../../client/config/mod.ts";
import { KubeError } from "../../core/error.ts";

const SECRET = "s3cr3t-t0ken-value";
const CA = "-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIUX\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBclientcert\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAprivatekeybytes\n-----END PRIVATE KEY-----\n";
const b64 = (s: string) => btoa(s);

// Every test's files live under one folder, removed when the module unloads.
const ROOT = Deno.makeTempDirSync({ prefix: "kubeno-config-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ dir: ROOT });
}

/** An env reader over a record: the tests never touch the process environment. */
function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

async function expectConfigError(p: Promise<unknown>, ...parts: (string | RegExp)[]) {
  const err = await p.then(
    () => assert.fail("expected a ConfigError"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
  assert.ok(err instanceof KubeError);
  for (const part of parts) {
    if (typeof part === "string") {
      assert.ok(err.message.includes(part), `"${part}" not in: ${err.message}`);
    } else assert.match(err.message, part);
  }
  assert.ok(!err.message.includes(SECRET), `secret leaked: ${err.message}`);
  return err;
}

const basic = (server = "https://127.0.0.1:6443") => `
apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: local
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(CA)}
users:
- name: admin
  user:
    token: ${SECRET}
contexts:
- name: admin
  context: { cluster: local, user: admin, namespace: apps }
- name: other
  context: { cluster: local, user: admin }
`;

Deno.test("kubeconfig: current context, namespace, CA data, bearer token", async () => {
  const dir = await tempDir();
  const path = `${dir}/config`;
  await Deno.writeTextFile(path, basic());
  const config = await configFromKubeconfig({ path });
  assert.equal(config.clusterUrl.href, "https://127.0.0.1:6443/");
  assert.equal(config.defaultNamespace, "apps");
  assert.deepEqual(config.caCerts, [CA]);
  assert.equal(await config.auth.authorization(), `Bearer ${SECRET}`);
  assert.equal(config.source, `kubeconfig ${path}, context "admin"`);
  assert.equal(config.clientCert, undefined);

  const other = await configFromKubeconfig({ path, context: "other" });
  assert.equal(other.defaultNamespace, "default");
  const ns = await configFromKubeconfig({ path, namespace: "override" });
  assert.equal(ns.defaultNamespace, "override");
});

Deno.test("kubeconfig: server URL normalised, path prefix kept, bare host gets https", async () => {
  for (
    const [server, href] of [
      ["https://h.example:6443/prefix/", "https://h.example:6443/prefix"],
      ["https://h.example/k8s", "https://h.example/k8s"],
      ["h.example:6443", "https://h.example:6443/"],
      ["https://[::1]:6443", "https://[::1]:6443/"],
    ]
  ) {
    const kc = parseKubeconfig(basic(server));
    const config = await configFromCustomKubeconfig(kc);
    assert.equal(config.clusterUrl.href, href);
  }
});

Deno.test("kubeconfig: KUBECONFIG merges files, first to define a name wins", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(
    `${dir}/a`,
    `
clusters:
- name: shared
  cluster: { server: "https://a.example:6443" }
users:
- name: u
  user: { token: token-a }
contexts:
- name: ctx-a
  context: { cluster: shared, user: u, namespace: from-a }
`,
  );
  await Deno.writeTextFile(
    `${dir}/b`,
    `
current-context: ctx-b
clusters:
- name: shared
  cluster: { server: "https://b.example:6443" }
- name: only-b
  cluster: { server: "https://only-b.example:6443" }
users:
- name: u
  user: { token: token-b }
contexts:
- name: ctx-b
  context: { cluster: only-b, user: u }
- name: ctx-a
  context: { cluster: only-b, user: u, namespace: from-b }
`,
  );
  await Deno.writeTextFile(`${dir}/c`, `current-context: ctx-a\n`);
  const env = envOf({ KUBECONFIG: `${dir}/a:${dir}/missing:${dir}/b:${dir}/c`, HOME: dir });
  const loaded = await loadKubeconfig({ env });
  assert.deepEqual(loaded.files, [`${dir}/a`, `${dir}/b`, `${dir}/c`]);
  // The first non-empty current-context wins: b's, not c's.
  assert.equal(loaded.kubeconfig["current-context"], "ctx-b");
  assert.equal(loaded.origins.currentContext, `${dir}/b`);
  assert.deepEqual(loaded.kubeconfig.clusters.map((c) => c.name), ["shared", "only-b"]);
  assert.deepEqual(loaded.origins.clusters.get("only-b"), { file: `${dir}/b`, index: 1 });

  const config = await configFromKubeconfig({ env });
  assert.equal(config.clusterUrl.host, "only-b.example:6443");
  assert.equal(await config.auth.authorization(), "Bearer token-a");
  const a = await configFromKubeconfig({ env, context: "ctx-a" });
  assert.equal(a.clusterUrl.host, "a.example:6443"); // a's ctx-a and a's cluster "shared"
  assert.equal(a.defaultNamespace, "from-a");
  assert.equal(a.source, `kubeconfig ${dir}/a, context "ctx-a"`);
  const overridden = await configFromKubeconfig({ env, context: "ctx-a", cluster: "only-b" });
  assert.equal(overridden.clusterUrl.host, "only-b.example:6443");
});

Deno.test("kubeconfig: KUBECONFIG with no existing file is an error; else ~/.kube/config", async () => {
  const dir = await tempDir();
  await expectConfigError(
    configFromKubeconfig({ env: envOf({ KUBECONFIG: `${dir}/x:${dir}/y`, HOME: dir }) }),
    "no kubeconfig found",
    `KUBECONFIG=${dir}/x:${dir}/y`,
    "do not exist",
  );
  await expectConfigError(
    configFromKubeconfig({ env: envOf({ HOME: dir }) }),
    `${dir}/.kube/config does not exist`,
  );
  await Deno.mkdir(`${dir}/.kube`);
  await Deno.writeTextFile(`${dir}/.kube/config`, basic());
  const config = await configFromKubeconfig({ env: envOf({ HOME: dir, KUBECONFIG: "" }) });
  assert.equal(config.source, `kubeconfig ${dir}/.kube/config, context "admin"`);
});

Deno.test("kubeconfig: relative paths resolve against the defining file's folder", async () => {
  const dir = await tempDir();
  await Deno.mkdir(`${dir}/sub/pki`, { recursive: true });
  await Deno.writeTextFile(`${dir}/sub/pki/ca.crt`, CA);
  await Deno.writeTextFile(`${dir}/sub/pki/admin.crt`, CERT);
  await Deno.writeTextFile(`${dir}/sub/pki/admin.key`, KEY);
  await Deno.writeTextFile(`${dir}/sub/token`, `  ${SECRET}\n`);
  await Deno.writeTextFile(
    `${dir}/sub/config`,
    `
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443", certificate-authority: pki/ca.crt } }]
users:
- name: u
  user:
    client-certificate: pki/admin.crt
    client-key: ./pki/admin.key
    tokenFile: token
contexts: [{ name: c, context: { cluster: k, user: u } }]
`,
  );
  const loaded = await loadKubeconfig({ path: `${dir}/sub/config` });
  assert.equal(
    loaded.kubeconfig.clusters[0].cluster["certificate-authority"],
    `${dir}/sub/pki/ca.crt`,
  );
  assert.equal(loaded.kubeconfig.users[0].user.tokenFile, `${dir}/sub/token`);
  const config = await configFromKubeconfig({ path: `${dir}/sub/config` });
  assert.deepEqual(config.caCerts, [CA]);
  assert.equal(config.clientCert, CERT);
  assert.equal(config.clientKey, KEY);
  assert.ok(config.auth instanceof TokenFileAuth);
  assert.equal(await config.auth.authorization(), `Bearer ${SECRET}`);
});

Deno.test("kubeconfig: -data wins over the file; client cert data decoded", async () => {
  const kc = parseKubeconfig(`
current-context: c
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: /does/not/exist
    certificate-authority-data: ${b64(CA)}
users:
- name: u
  user:
    client-certificate-data: ${b64(CERT)}
    client-key-data: |
      ${b64(KEY).slice(0, 20)}
      ${b64(KEY).slice(20)}
contexts: [{ name: c, context: { cluster: k, user: u } }]
`);
  const config = await configFromCustomKubeconfig(kc);
  assert.deepEqual(config.caCerts, [CA]);
  assert.equal(config.clientCert, CERT);
  assert.equal(config.clientKey, KEY); // base64 split over lines still decodes
  assert.equal(await config.auth.authorization(), undefined);
});

Deno.test("kubeconfig: basic auth header, impersonation, proxy, tls-server-name", async () => {
  const kc = parseKubeconfig(`
current-context: c
clusters:
- name: k
  cluster:
    server: https://kubernetes:6443
    proxy-url: http://proxy.local:3128
    tls-server-name: kubernetes
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    username: admin
    password: "${SECRET}"
    as: jane
    as-groups: [devs, ops]
    as-user-extra: { scopes: [view] }
contexts: [{ name: c, context: { cluster: k, user: u } }]
`);
  const config = await configFromCustomKubeconfig(kc);
  assert.equal(await config.auth.authorization(), `Basic ${btoa(`admin:${SECRET}`)}`);
  assert.deepEqual(config.impersonate, {
    user: "jane",
    groups: ["devs", "ops"],
    extra: { scopes: ["view"] },
  });
  assert.equal(config.proxyUrl, "http://proxy.local:3128");
  assert.equal(config.tlsServerName, "kubernetes");
  assert.equal(config.insecureSkipTlsVerify, true);
});

Deno.test("kubeconfig: a context without a user is anonymous", async () => {
  const kc = parseKubeconfig(`
current-context: c
clusters: [{ name: k, cluster: { server: "http://127.0.0.1:8001" } }]
contexts: [{ name: c, context: { cluster: k } }]
`);
  const config = await configFromCustomKubeconfig(kc);
  assert.equal(await config.auth.authorization(), undefined);
  assert.equal(config.clusterUrl.protocol, "http:");
});

/** A kubeconfig whose user reads `token` next to it. */
const TOKEN_FILE_KUBECONFIG = `
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443" } }]
users: [{ name: u, user: { tokenFile: token } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
`;

Deno.test("kubeconfig: tokenFile is re-read after a change (invalidate and age)", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/token`, "first");
  await Deno.writeTextFile(`${dir}/config`, TOKEN_FILE_KUBECONFIG);
  const config = await configFromKubeconfig({ path: `${dir}/config` });
  assert.equal(await config.auth.authorization(), "Bearer first");
  await Deno.writeTextFile(`${dir}/token`, "second\n");
  // Cached: a file is not re-read on every request.
  assert.equal(await config.auth.authorization(), "Bearer first");
  // After a 401 the client invalidates: the next request sees the new token.
  config.auth.invalidate?.();
  assert.equal(await config.auth.authorization(), "Bearer second");
});

Deno.test("TokenFileAuth: re-reads after the refresh interval, keeps the last good token", async () => {
  const dir = await tempDir();
  const path = `${dir}/token`;
  await Deno.writeTextFile(path, "one");
  let now = 1_000_000;
  const auth = await TokenFileAuth.create({ path, now: () => now });
  assert.equal(await auth.authorization(), "Bearer one");
  await Deno.writeTextFile(path, "two");
  now += 59_000;
  assert.equal(await auth.authorization(), "Bearer one");
  now += 2_000;
  assert.equal(await auth.authorization(), "Bearer two");
  // Rotation in progress (file briefly gone): keep using the last token read.
  await Deno.remove(path);
  now += 61_000;
  assert.equal(await auth.authorization(), "Bearer two");
  // Concurrent callers share one read.
  await Deno.writeTextFile(path, "three");
  auth.invalidate();
  const all = await Promise.all([auth.authorization(), auth.authorization(), auth.authorization()]);
  assert.deepEqual(all, ["Bearer three", "Bearer three", "Bearer three"]);
  // Printing the provider does not show the token.
  assert.ok(!Deno.inspect(auth).includes("three"));
});

Deno.test("TokenFileAuth: missing or empty file at load is a ConfigError; token is the fallback", async () => {
  const dir = await tempDir();
  await expectConfigError(
    TokenFileAuth.create({ path: `${dir}/nope` }),
    `${dir}/nope does not exist`,
  );
  await Deno.writeTextFile(`${dir}/empty`, " \n");
  await expectConfigError(TokenFileAuth.create({ path: `${dir}/empty` }), "is empty");
  const withFallback = await TokenFileAuth.create({ path: `${dir}/nope`, fallbackToken: "fb" });
  assert.equal(await withFallback.authorization(), "Bearer fb");
  await Deno.writeTextFile(`${dir}/nope`, "from-file");
  withFallback.invalidate();
  assert.equal(await withFallback.authorization(), "Bearer from-file");
});

Deno.test("kubeconfig: printing a Config hides the client key and the token", async () => {
  const kc = parseKubeconfig(`
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443", proxy-url: "http://me:${SECRET}@proxy:3128" } }]
users:
- name: u
  user:
    token: ${SECRET}
    client-certificate-data: ${b64(CERT)}
    client-key-data: ${b64(KEY)}
contexts: [{ name: c, context: { cluster: k, user: u } }]
`);
  const config: Config = await configFromCustomKubeconfig(kc);
  assert.equal(config.clientKey, KEY);
  for (const shown of [Deno.inspect(config, { depth: 10 }), JSON.stringify(config)]) {
    assert.ok(!shown.includes("privatekeybytes"), shown);
    assert.ok(!shown.includes(SECRET), shown);
    assert.ok(shown.includes("127.0.0.1:6443"), shown);
    assert.ok(shown.includes("<redacted>"), shown);
    assert.ok(shown.includes("http://me:redacted@proxy:3128"), shown);
  }
});

// ---------------------------------------------------------------------------------------------
// errors: each names the file and the field, none contains the secret

Deno.test("kubeconfig errors: YAML syntax error has line and column, no source snippet", async () => {
  const dir = await tempDir();
  const path = `${dir}/config`;
  await Deno.writeTextFile(
    path,
    `users:\n- name: u\n  user:\n    token: ${SECRET}\n    password: a: ${SECRET}\n`,
  );
  const err = await expectConfigError(
    configFromKubeconfig({ path }),
    `kubeconfig ${path}: is not valid YAML`,
    "line 5",
  );
  assert.equal(err.file, path);
  await Deno.writeTextFile(path, `a: b: ${SECRET}\n`);
  await expectConfigError(configFromKubeconfig({ path }), "line 1");
});

Deno.test("kubeconfig errors: type errors name the field", () => {
  const cases: [string, string][] = [
    ["clusters: {}", "clusters must be a list, got a mapping"],
    ["clusters: [{ cluster: {} }]", "clusters[0].name is missing"],
    [
      "clusters: [{ name: a, cluster: { server: 6443 } }]",
      "clusters[0].cluster.server must be a string",
    ],
    [
      "clusters: [{ name: a, cluster: { insecure-skip-tls-verify: 'yes' } }]",
      "clusters[0].cluster.insecure-skip-tls-verify must be true or false",
    ],
    [
      `users: [{ name: u, user: { token: [${SECRET}] } }]`,
      "users[0].user.token must be a string, got a list",
    ],
    ["contexts: [{ name: c, context: { user: u } }]", "contexts[0].context.cluster is missing"],
    [
      "users: [{ name: u, user: {} }, { name: u, user: {} }]",
      `users[1].name "u" is already defined by users[0]`,
    ],
    ["- 1\n- 2", "must be a mapping, got a list"],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => parseKubeconfig(text, "/k/config"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.message.startsWith("kubeconfig /k/config: "), e.message);
      assert.ok(e.message.includes(expected), `"${expected}" not in: ${e.message}`);
      assert.ok(!e.message.includes(SECRET));
      return true;
    });
  }
});

Deno.test("kubeconfig errors: undefined cluster / user / context list what exists", async () => {
  const dir = await tempDir();
  const path = `${dir}/config`;
  await Deno.writeTextFile(
    path,
    `
current-context: c0
clusters: [{ name: k1, cluster: { server: "https://x:1" } }, { name: k2, cluster: { server: "https://y:1" } }]
users: [{ name: u1, user: { token: ${SECRET} } }]
contexts:
- { name: c0, context: { cluster: k1, user: u1 } }
- { name: c1, context: { cluster: k1, user: nobody } }
- { name: c2, context: { cluster: foo, user: u1 } }
`,
  );
  const e1 = await expectConfigError(
    configFromKubeconfig({ path, context: "c2" }),
    `kubeconfig ${path}: contexts[2].context.cluster "foo" is not defined in clusters`,
    `defined: "k1", "k2"`,
  );
  assert.equal(e1.field, "contexts[2].context.cluster");
  await expectConfigError(
    configFromKubeconfig({ path, context: "c1" }),
    `contexts[1].context.user "nobody" is not defined in users (defined: "u1")`,
  );
  await expectConfigError(
    configFromKubeconfig({ path, context: "prod" }),
    `context "prod" (requested) is not defined in contexts`,
    `defined: "c0", "c1", "c2"`,
  );
  await expectConfigError(
    configFromKubeconfig({ path, user: "ghost" }),
    `user (requested) "ghost" is not defined in users`,
  );
  await Deno.writeTextFile(
    path,
    `current-context: gone\ncontexts: [{ name: c0, context: { cluster: k } }]\n`,
  );
  await expectConfigError(
    configFromKubeconfig({ path }),
    `kubeconfig ${path}: current-context "gone" is not defined in contexts (defined: "c0")`,
  );
  await Deno.writeTextFile(path, `contexts: []\n`);
  await expectConfigError(
    configFromKubeconfig({ path }),
    "current-context is not set",
    "no contexts are defined",
  );
});

Deno.test("kubeconfig errors: bad base64, not PEM, missing files, missing server", async () => {
  const dir = await tempDir();
  const path = `${dir}/config`;
  const write = (cluster: string, user: string) =>
    Deno.writeTextFile(
      path,
      `
current-context: c
clusters: [{ name: k, cluster: { ${cluster} } }]
users: [{ name: u, user: { token: ${SECRET}, ${user} } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
`,
    );
  const server = `server: "https://127.0.0.1:6443"`;

  await write(server, `client-certificate-data: ${b64(CERT)}, client-key-data: "${SECRET}!!"`);
  const e = await expectConfigError(
    configFromKubeconfig({ path }),
    `kubeconfig ${path}: users[0].user.client-key-data is not valid base64`,
  );
  assert.equal(e.field, "users[0].user.client-key-data");

  await write(`${server}, certificate-authority-data: ${b64("not a pem")}`, "");
  await expectConfigError(
    configFromKubeconfig({ path }),
    "clusters[0].cluster.certificate-authority-data does not decode to PEM",
  );

  await write(`${server}, certificate-authority: ca.crt`, "");
  await expectConfigError(
    configFromKubeconfig({ path }),
    `clusters[0].cluster.certificate-authority ${dir}/ca.crt: does not exist`,
  );

  await write(server, `client-certificate-data: ${b64(CERT)}`);
  await expectConfigError(
    configFromKubeconfig({ path }),
    "users[0].user.client-key is missing",
  );

  await write(`insecure-skip-tls-verify: true`, "");
  await expectConfigError(configFromKubeconfig({ path }), "clusters[0].cluster.server is missing");

  await write(`server: "ftp://x"`, "");
  await expectConfigError(
    configFromKubeconfig({ path }),
    "clusters[0].cluster.server must be an https://",
  );

  await write(`${server}, proxy-url: "gopher://p"`, "");
  await expectConfigError(configFromKubeconfig({ path }), "clusters[0].cluster.proxy-url must be");

  await write(server, `username: admin, password: ${SECRET}`);
  await expectConfigError(
    configFromKubeconfig({ path }),
    "users[0].user has both a token and username/password",
  );

  await expectConfigError(
    configFromKubeconfig({ path: `${dir}/none` }),
    `kubeconfig ${dir}/none: does not exist`,
  );
  await expectConfigError(configFromKubeconfig({ path: dir }), `kubeconfig ${dir}: is a folder`);
});

Deno.test("kubeconfig errors: exec and oidc auth-provider stanzas are checked", async () => {
  const dir = await tempDir();
  const path = `${dir}/config`;
  await Deno.writeTextFile(
    path,
    `
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443" } }]
users:
- name: plain
  user: { token: ${SECRET} }
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token, --cluster-name, x]
- name: gcp
  user:
    auth-provider: { name: oidc, config: { id-token: ${SECRET} } }
contexts: [{ name: c, context: { cluster: k, user: eks } }]
`,
  );
  const e = await expectConfigError(
    configFromKubeconfig({ path }),
    `kubeconfig ${path}: users[1].user.exec.interactiveMode must be specified`,
  );
  assert.equal(e.field, "users[1].user.exec.interactiveMode");
  await expectConfigError(
    configFromKubeconfig({ path, user: "gcp" }),
    `users[2].user.auth-provider.config.idp-issuer-url must be provided`,
  );
});

Deno.test("mergeKubeconfigs: empty input and empty documents", () => {
  const empty = mergeKubeconfigs([]);
  assert.deepEqual(empty.kubeconfig, { clusters: [], users: [], contexts: [] });
  const kc = parseKubeconfig("# only a comment\n", "/x");
  assert.deepEqual(kc, { clusters: [], users: [], contexts: [] });
});

// Issue 11, item 2: a value no HTTP header can carry is refused when the configuration loads,
// naming the file and field and never the value, instead of failing in fetch on every request.
Deno.test("kubeconfig: tokens and impersonation values a header cannot carry are ConfigErrors", async () => {
  const dir = await tempDir();
  const path = `${dir}/config`;
  const head = `
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
`;
  const cases: [string, string, RegExp][] = [
    [`token: "${SECRET}\\n${SECRET}"`, "users[0].user.token", /line break/],
    [`token: "${SECRET}\\0"`, "users[0].user.token", /NUL/],
    [`token: "${SECRET}\\x01"`, "users[0].user.token", /control character/],
    [`token: "${SECRET}\\u0101"`, "users[0].user.token", /non-ASCII/],
    [`token: "${SECRET}\\ud800"`, "users[0].user.token", /surrogate/],
    [`{ tokenFile: /x/t, token: "${SECRET}\\r" }`, "users[0].user.token", /line break/],
    [`{ token: ok, as: "jane\\n${SECRET}" }`, "users[0].user.as", /line break/],
    [`{ token: ok, as-uid: "${SECRET}\\0" }`, "users[0].user.as-uid", /NUL/],
    [`{ token: ok, as-groups: [a, "b\\n${SECRET}"] }`, "users[0].user.as-groups[1]", /line/],
    [`{ token: ok, as-user-extra: { k: ["${SECRET}\\x7f"] } }`, "as-user-extra.k[0]", /control/],
  ];
  for (const [user, field, why] of cases) {
    const u = user.startsWith("{") ? user : `{ ${user} }`;
    await Deno.writeTextFile(path, `${head}users: [{ name: u, user: ${u} }]\n`);
    const err = await expectConfigError(configFromKubeconfig({ path }), path, field, why);
    assert.equal(err.file, path);
    assert.ok(err.field?.endsWith(field), `${err.field} vs ${field}`);
  }
});

Deno.test("kubeconfig: a token file of two lines is a ConfigError naming the file and field, rotation included", async () => {
  const dir = await tempDir();
  const token = `${dir}/token`;
  await Deno.writeTextFile(token, `${SECRET}\n${SECRET}-2\n`);
  await Deno.writeTextFile(`${dir}/config`, TOKEN_FILE_KUBECONFIG);
  await expectConfigError(
    configFromKubeconfig({ path: `${dir}/config` }),
    token,
    "users[0].user.tokenFile",
    `${dir}/config`,
    "line break",
  );
  await Deno.writeTextFile(token, "\u0000ok");
  await expectConfigError(TokenFileAuth.create({ path: token }), token, "NUL");
  // A rotation that writes a bad token: it is never sent; the last good token stays in use.
  await Deno.writeTextFile(token, "good");
  const auth = await TokenFileAuth.create({ path: token });
  await Deno.writeTextFile(token, `${SECRET}\n${SECRET}\n`);
  auth.invalidate();
  assert.equal(await auth.authorization(), "Bearer good");
  // With nothing good to fall back on, the error says why, without the token.
  await expectConfigError(
    new TokenFileAuth({ path: token }).authorization(),
    token,
    "line break",
  );
});

Deno.test("kubeconfig: a tls-server-name other than the server's host is a ConfigError naming file and field", async () => {
  const dir = await tempDir();
  const path = `${dir}/config`;
  await Deno.writeTextFile(
    path,
    `
current-context: c
clusters:
- name: other
  cluster: { server: "https://10.0.0.1" }
- name: k
  cluster: { server: "https://127.0.0.1:6443", tls-server-name: kubernetes.default }
contexts: [{ name: c, context: { cluster: k } }]
`,
  );
  const err = await expectConfigError(
    configFromKubeconfig({ path }),
    `kubeconfig ${path}: clusters[1].cluster.tls-server-name`,
    '"kubernetes.default"',
    "https://kubernetes.default:6443",
  );
  assert.equal(err.file, path);
  assert.equal(err.field, "clusters[1].cluster.tls-server-name");
});
