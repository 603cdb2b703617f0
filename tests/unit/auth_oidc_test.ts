// The oidc auth provider against a scripted issuer: the id-token is used while valid, renewed
// through discovery + the token endpoint when it expires, written back into the kubeconfig
// (comments and mode kept), and every failure says what to do without showing a token.

import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  Client,
  ConfigError,
  configFromKubeconfig,
  OidcAuth,
  OidcError,
  parseKubeconfig,
} from "../../client/mod.ts";
import type { KubeRequest } from "../../core/request.ts";
import { json, type Recorded, type Scripted, scriptedServer } from "./_scripted.ts";
import { kubeconfigYaml } from "./_auth_plugin.ts";

const ROOT = Deno.makeTempDirSync({ prefix: "kubeno-oidc-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));
let dirs = 0;
const tempDir = () => Deno.makeTempDirSync({ dir: ROOT, prefix: `t${dirs++}-` });
const VERSION: KubeRequest = {
  path: "/version",
  method: "GET",
  query: new URLSearchParams(),
  headers: {},
};

const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
/** An unsigned JWT (the client never checks signatures) expiring at `exp` (epoch s). */
function jwt(sub: string, exp: number): string {
  return `${b64url('{"alg":"RS256"}')}.${b64url(JSON.stringify({ sub, exp }))}.c2ln`;
}
const nowS = () => Math.floor(Date.now() / 1000);

/** An issuer whose token endpoint answers `tokenAnswer` (a refresh_token=... form check). */
function issuer(
  tokenAnswer: (form: URLSearchParams, req: Recorded) => Response,
): Scripted & { base: () => string } {
  let base = "";
  const s = scriptedServer((req) => {
    if (req.path === "/.well-known/openid-configuration") {
      return json({ issuer: base, token_endpoint: `${base}/token` });
    }
    if (req.path === "/token" && req.method === "POST") {
      return tokenAnswer(new URLSearchParams(req.body), req);
    }
    return new Response("not found", { status: 404 });
  });
  base = s.url.href.replace(/\/$/, "");
  return Object.assign(s, { base: () => base });
}

/** An API server that answers /version and records the bearer tokens. */
const api = () => scriptedServer(() => json({ gitVersion: "v1" }));

async function writeConfig(
  dir: string,
  server: string,
  config: Record<string, string>,
): Promise<string> {
  const path = `${dir}/kubeconfig`;
  const text = "# my kubeconfig, keep this comment\n" +
    kubeconfigYaml({ server, user: { "auth-provider": { name: "oidc", config } } });
  await Deno.writeTextFile(path, text, { mode: 0o640 });
  await Deno.chmod(path, 0o640);
  return path;
}

Deno.test("oidc: a valid id-token is sent without asking the issuer", async () => {
  const dir = tempDir();
  await using idp = issuer(() => json({}, 500));
  await using server = api();
  const id = jwt("alice", nowS() + 3600);
  const path = await writeConfig(dir, server.url.href, {
    "idp-issuer-url": idp.base(),
    "client-id": "kubeno",
    "id-token": id,
    "refresh-token": "rt-1",
  });
  const config = await configFromKubeconfig({ path });
  assert.ok(config.auth instanceof OidcAuth);
  using client = new Client(config);
  await client.requestText(VERSION);
  assert.equal(server.requests[0].headers.get("authorization"), `Bearer ${id}`);
  assert.equal(idp.requests.length, 0);
});

Deno.test("oidc: an expired id-token is renewed once for concurrent requests and written back", async () => {
  const dir = tempDir();
  const fresh = jwt("alice", nowS() + 3600);
  await using idp = issuer((form, req) => {
    assert.equal(form.get("grant_type"), "refresh_token");
    assert.equal(form.get("refresh_token"), "rt-1");
    assert.equal(req.headers.get("authorization"), `Basic ${btoa("kubeno:s3cret")}`);
    return json({
      id_token: fresh,
      refresh_token: "rt-2",
      access_token: "a",
      token_type: "Bearer",
    });
  });
  await using server = api();
  const path = await writeConfig(dir, server.url.href, {
    "idp-issuer-url": idp.base(),
    "client-id": "kubeno",
    "client-secret": "s3cret",
    "id-token": jwt("alice", nowS() - 60),
    "refresh-token": "rt-1",
    "extra-scopes": "groups,email",
  });
  using client = new Client(await configFromKubeconfig({ path }));
  await Promise.all(Array.from({ length: 10 }, () => client.requestText(VERSION)));
  assert.deepEqual(idp.requests.map((r) => r.path), [
    "/.well-known/openid-configuration",
    "/token",
  ]);
  assert.ok(server.requests.every((r) => r.headers.get("authorization") === `Bearer ${fresh}`));
  // Written back: new tokens, the comment and the other fields kept, the mode kept.
  const text = await Deno.readTextFile(path);
  assert.ok(text.startsWith("# my kubeconfig, keep this comment\n"), text);
  const user = parseKubeconfig(text).users[0].user["auth-provider"] as {
    config: Record<string, string>;
  };
  assert.equal(user.config["id-token"], fresh);
  assert.equal(user.config["refresh-token"], "rt-2");
  assert.equal(user.config["extra-scopes"], "groups,email");
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["kubeconfig"]);
  // The next load starts from the saved id-token: no refresh.
  using again = new Client(await configFromKubeconfig({ path }));
  await again.requestText(VERSION);
  assert.equal(idp.requests.length, 2);
});

Deno.test("oidc: a revoked refresh-token, a missing one, a bad id-token: clear errors without tokens", async () => {
  const dir = tempDir();
  await using idp = issuer(() =>
    json({ error: "invalid_grant", error_description: "Token is not active" }, 400)
  );
  const auth = (config: Record<string, string | undefined>) =>
    new OidcAuth({
      config: {
        issuerUrl: idp.base(),
        clientId: "kubeno",
        ...(config as Record<string, string>),
      },
      origin: "users[0].user.auth-provider in kubeconfig /k",
    });
  const expired = jwt("SECRET-sub", nowS() - 60);
  const cases: [Record<string, string | undefined>, RegExp][] = [
    [
      { idToken: expired, refreshToken: "rt-SECRET" },
      /the issuer refused to renew the id-token \(400 invalid_grant: Token is not active\); the refresh-token may be revoked or expired: log in again/,
    ],
    [{ idToken: expired }, /there is no refresh-token to renew it; log in again/],
    [{ idToken: "SECRET.not-a-jwt" }, /the id-token is not a JWT/],
  ];
  for (const [config, expected] of cases) {
    const err = await auth(config).authorization().then(() => undefined, (e) => e);
    assert.ok(err instanceof OidcError, String(err));
    assert.match(err.message, expected);
    assert.match(err.message, /oidc \(users\[0\]\.user\.auth-provider in kubeconfig \/k\)/);
    assert.ok(!`${err.message}${Deno.inspect(err)}`.includes("SECRET"), err.message);
  }
  // The form fallback of oauth2: Basic refused, then client_id in the form; both refused.
  assert.equal(idp.requests.filter((r) => r.path === "/token").length, 2);
  assert.equal(new URLSearchParams(idp.requests[2].body).get("client_id"), "kubeno");
  // No id_token in the answer.
  await using noId = issuer(() => json({ access_token: "a", refresh_token: "r" }));
  const err = await new OidcAuth({
    config: { issuerUrl: noId.base(), clientId: "c", refreshToken: "r0" },
  }).authorization().then(() => undefined, (e) => e);
  assert.match(String(err), /the token response has no id_token/);
  void dir;
});

Deno.test("oidc: idp-issuer-url and client-id are required, as in kubectl", async () => {
  for (
    const [cfg, field] of [
      [{ "client-id": "c" }, "idp-issuer-url"],
      [{ "idp-issuer-url": "https://issuer.example" }, "client-id"],
    ] as const
  ) {
    const kc = kubeconfigYaml({
      server: "https://127.0.0.1:6443",
      user: { "auth-provider": { name: "oidc", config: cfg } },
    });
    const path = `${tempDir()}/kubeconfig`;
    await Deno.writeTextFile(path, kc);
    await assert.rejects(configFromKubeconfig({ path }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.field, `users[0].user.auth-provider.config.${field}`);
      assert.match(e.message, new RegExp(`${field} must be provided`));
      return true;
    });
  }
});

Deno.test("oidc: printing the provider or the Config shows no token", async () => {
  const dir = tempDir();
  const id = jwt("alice", nowS() + 3600);
  const path = await writeConfig(dir, "https://127.0.0.1:6443", {
    "idp-issuer-url": "https://issuer.example",
    "client-id": "kubeno",
    "client-secret": "cs-hidden",
    "id-token": id,
    "refresh-token": "rt-hidden",
  });
  const config = await configFromKubeconfig({ path });
  for (
    const shown of [Deno.inspect(config, { depth: 10, showHidden: true }), JSON.stringify(config)]
  ) {
    for (const secret of [id, "cs-hidden", "rt-hidden"]) assert.ok(!shown.includes(secret), shown);
  }
  assert.match(
    Deno.inspect(config.auth),
    /OidcAuth \{ issuerUrl: "https:\/\/issuer.example", clientId: "kubeno"/,
  );
});

Deno.test("oidc: without --allow-write the renewed token is used and kept in memory, with a warning", async () => {
  const dir = tempDir();
  const fresh = jwt("alice", nowS() + 3600);
  await using idp = issuer(() => json({ id_token: fresh }));
  await using server = api();
  const path = await writeConfig(dir, server.url.href, {
    "idp-issuer-url": idp.base(),
    "client-id": "kubeno",
    "id-token": jwt("alice", nowS() - 60),
    "refresh-token": "rt-1",
  });
  const before = await Deno.readTextFile(path);
  const script = `${dir}/main.ts`;
  const mod = new URL("../../client/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { Client, configFromKubeconfig } from "${mod}";
using client = new Client(await configFromKubeconfig({ path: ${JSON.stringify(path)} }));
console.log(await client.requestText({ method: "GET", path: "/version", query: new URLSearchParams(), headers: {} }));
`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
      `--allow-read=${dirname(path)}`,
      "--allow-net=127.0.0.1",
      script,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), `{"gitVersion":"v1"}`, stderr);
  assert.equal(server.requests[0].headers.get("authorization"), `Bearer ${fresh}`);
  assert.match(stderr, /the renewed tokens are kept in memory only: .*--allow-write/);
  assert.ok(!stderr.includes(fresh));
  assert.equal(await Deno.readTextFile(path), before);
});
