// Exec credential plugins, with real plugin processes (bash scripts in a temp dir) and a
// scripted API server: what runs, with what environment, how often, and the errors.

import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  Client,
  type Config,
  ConfigError,
  configFromCustomKubeconfig,
  configFromKubeconfig,
  ExecAuth,
  ExecPluginError,
  parseKubeconfig,
  StaticTokenAuth,
} from "../../client/mod.ts";
import { type Scripted, scriptedServer, status } from "./_scripted.ts";
import { execStanza, kubeconfigYaml, pluginExec, RecordingPlugin } from "./_auth_plugin.ts";
import type { KubeRequest } from "../../core/request.ts";
import { ApiError } from "../../core/error.ts";

const ROOT = Deno.makeTempDirSync({ prefix: "kubeno-exec-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));
let dirs = 0;
const tempDir = () => Deno.makeTempDirSync({ dir: ROOT, prefix: `t${dirs++}-` });

const V1 = "client.authentication.k8s.io/v1";
const VERSION: KubeRequest = {
  path: "/version",
  method: "GET",
  query: new URLSearchParams(),
  headers: {},
};

/** A server that accepts the given bearer tokens and refuses others with 401. */
function apiAccepting(ok: (auth: string | null) => boolean): Scripted {
  return scriptedServer((req) =>
    ok(req.headers.get("authorization"))
      ? new Response(`{"gitVersion":"v1"}`, { headers: { "content-type": "application/json" } })
      : status(401, "Unauthorized", "Unauthorized")
  );
}

/** A throwaway CA certificate (PEM), made with openssl. */
async function selfSignedCa(dir: string): Promise<string> {
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${dir}/ca.key`,
      "-subj",
      "/CN=exec-test-ca",
      "-days",
      "1",
      "-out",
      `${dir}/ca.crt`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return await Deno.readTextFile(`${dir}/ca.crt`);
}

async function configFor(
  dir: string,
  server: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): Promise<Config> {
  const path = `${dir}/kubeconfig`;
  await Deno.writeTextFile(path, kubeconfigYaml({ server, user, cluster }));
  return await configFromKubeconfig({ path });
}

Deno.test("exec: the plugin's token is sent; args and env reach it; one run serves later requests", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  await using api = apiAccepting((a) => a === "Bearer tok-1");
  const config = await configFor(dir, api.url.href, {
    exec: execStanza(plugin, { args: ["--cluster", "one two"] }, { EXTRA: "extra-value" }),
  });
  assert.ok(config.auth instanceof ExecAuth);
  using client = new Client(config);
  for (let i = 0; i < 3; i++) await client.requestText(VERSION);
  const runs = plugin.runs();
  assert.equal(runs.length, 1);
  assert.equal(runs[0].args, "--cluster one two");
  assert.equal(runs[0].extra, "extra-value");
  assert.deepEqual(api.requests.map((r) => r.headers.get("authorization")), [
    "Bearer tok-1",
    "Bearer tok-1",
    "Bearer tok-1",
  ]);
});

Deno.test("exec: KUBERNETES_EXEC_INFO without and with provideClusterInfo", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  await using api = apiAccepting(() => true);
  const ca = await selfSignedCa(dir);
  for (const provide of [false, true]) {
    plugin.reset();
    const path = `${dir}/kubeconfig`;
    await Deno.writeTextFile(
      path,
      kubeconfigYaml({
        server: api.url.href,
        ca,
        cluster: {
          "tls-server-name": "127.0.0.1",
          extensions: [
            { name: "other", extension: { x: 1 } },
            {
              name: "client.authentication.k8s.io/exec",
              extension: { zone: "eu", audience: ["a", "b"], nested: { b: 2, a: 1 } },
            },
          ],
        },
        user: { exec: execStanza(plugin, { provideClusterInfo: provide }) },
      }),
    );
    using client = new Client(await configFromKubeconfig({ path }));
    await client.requestText(VERSION);
    const info = plugin.runs()[0].info;
    if (!provide) {
      assert.equal(
        info,
        `{"kind":"ExecCredential","apiVersion":"${V1}","spec":{"interactive":false}}\n`,
      );
      continue;
    }
    assert.equal(
      info,
      `{"kind":"ExecCredential","apiVersion":"${V1}","spec":{"cluster":{"server":"${api.url.href}",` +
        `"tls-server-name":"127.0.0.1","certificate-authority-data":"${btoa(ca)}",` +
        `"config":{"audience":["a","b"],"nested":{"a":1,"b":2},"zone":"eu"}},"interactive":false}}\n`,
    );
  }
});

Deno.test("exec: a relative command with a / is relative to the kubeconfig's folder; a bare name is looked up in PATH", async () => {
  const dir = tempDir();
  Deno.mkdirSync(`${dir}/bin`);
  const plugin = new RecordingPlugin(`${dir}/bin`, "kubeno-test-plugin");
  await using api = apiAccepting(() => true);
  const exec = execStanza(plugin, { command: "./bin/kubeno-test-plugin" });
  // Loaded from another working directory: the folder of the file counts.
  const config = await configFor(dir, api.url.href, { exec });
  assert.equal((config.auth as ExecAuth).exec.command, `${dir}/bin/kubeno-test-plugin`);
  using client = new Client(config);
  await client.requestText(VERSION);
  assert.equal(plugin.runs().length, 1);

  const oldPath = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${dir}/bin:${oldPath}`);
  try {
    const bare = await configFor(dir, api.url.href, {
      exec: { ...exec, command: "kubeno-test-plugin" },
    });
    assert.equal((bare.auth as ExecAuth).exec.command, "kubeno-test-plugin");
    using c2 = new Client(bare);
    await c2.requestText(VERSION);
    assert.equal(plugin.runs().length, 2);
  } finally {
    Deno.env.set("PATH", oldPath);
  }
});

Deno.test("exec: a missing command names it and shows installHint", async () => {
  const dir = tempDir();
  await using api = apiAccepting(() => true);
  const config = await configFor(dir, api.url.href, {
    exec: {
      apiVersion: V1,
      command: "kubeno-no-such-plugin",
      interactiveMode: "Never",
      installHint: "Install it with: brew install kubeno-no-such-plugin",
    },
  });
  using client = new Client(config);
  const err = await client.requestText(VERSION).then(() => undefined, (e) => e);
  assert.ok(err instanceof ExecPluginError, String(err));
  assert.match(err.message, /executable kubeno-no-such-plugin not found/);
  assert.match(err.message, /Install it with: brew install kubeno-no-such-plugin/);
  assert.match(err.message, /users\[0\]\.user\.exec in kubeconfig/);
  assert.equal(api.requests.length, 0);
});

Deno.test("exec: renewed shortly before expirationTimestamp, not before", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  const out = `${dir}/out.json`;
  const expiry = Date.parse("2030-01-01T00:00:00Z");
  await Deno.writeTextFile(
    out,
    `{"apiVersion":"${V1}","status":{"token":"tok-@N@","expirationTimestamp":"2030-01-01T00:00:00Z"}}`,
  );
  let now = expiry - 3600_000;
  const auth = new ExecAuth({
    exec: pluginExec(plugin, { PLUGIN_OUT: out }),
    now: () => now,
  });
  assert.equal(await auth.authorization(), "Bearer tok-1");
  now = expiry - 11_000;
  assert.equal(await auth.authorization(), "Bearer tok-1");
  now = expiry - 9_000; // within the 10 s margin
  assert.equal(await auth.authorization(), "Bearer tok-2");
  assert.equal(plugin.runs().length, 2);
  // An expired credential (the plugin gives the same past time): a run per request, as kubectl.
  now = expiry + 1000;
  assert.equal(await auth.authorization(), "Bearer tok-3");
  assert.equal(await auth.authorization(), "Bearer tok-4");
});

Deno.test("exec: after a 401 the plugin runs once more and the request is retried; a second 401 is the error", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  // Accepts the second token only: one re-run, then success.
  await using api = apiAccepting((a) => a === "Bearer tok-2");
  using client = new Client(await configFor(dir, api.url.href, { exec: execStanza(plugin) }));
  await client.requestText(VERSION);
  assert.equal(plugin.runs().length, 2);
  assert.deepEqual(api.requests.map((r) => r.headers.get("authorization")), [
    "Bearer tok-1",
    "Bearer tok-2",
  ]);
  await client.requestText(VERSION);
  assert.equal(plugin.runs().length, 2);

  // Refuses everything: exactly one re-run, then the 401.
  const dir2 = tempDir();
  const plugin2 = new RecordingPlugin(dir2);
  await using never = apiAccepting(() => false);
  using c2 = new Client(await configFor(dir2, never.url.href, { exec: execStanza(plugin2) }));
  const err = await c2.requestText(VERSION).then(() => undefined, (e) => e);
  assert.ok(err instanceof ApiError && err.code === 401, String(err));
  assert.equal(plugin2.runs().length, 2);
  assert.equal(never.requests.length, 2);
});

Deno.test("exec: concurrent requests share one run (single flight), 401s for the same token too", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  await using api = apiAccepting((a) => a === "Bearer tok-2");
  using client = new Client(
    await configFor(dir, api.url.href, { exec: execStanza(plugin, {}, { PLUGIN_SLEEP: "0.3" }) }),
  );
  await Promise.all(Array.from({ length: 20 }, () => client.requestText(VERSION)));
  // tok-1 refused for all 20: the invalidations for the same token make one more run.
  assert.equal(plugin.runs().length, 2);
});

Deno.test("exec: a hanging plugin is stopped after timeoutMs", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  const auth = new ExecAuth({
    exec: pluginExec(plugin, { PLUGIN_HANG: "1" }),
    timeoutMs: 500,
  });
  const err = await auth.authorization().then(() => undefined, (e) => e);
  assert.ok(err instanceof ExecPluginError, String(err));
  assert.match(err.message, /no answer within 500 ms; the plugin was stopped/);
  // The sleep it exec'd into is gone: nothing but this test's own processes remain.
  const ps = new TextDecoder().decode(
    (await new Deno.Command("pgrep", { args: ["-f", "sleep 600"], stdout: "piped" }).output())
      .stdout,
  );
  for (const pid of ps.trim().split("\n").filter(Boolean)) {
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    assert.ok(!cmdline.includes(plugin.path), `plugin still running: ${pid}`);
  }
});

Deno.test("exec: KubeconfigOptions.execTimeoutMs reaches the plugin of a kubeconfig user; bad values are a RangeError", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  await using api = apiAccepting((a) => a === "Bearer tok-2");
  const path = `${dir}/kubeconfig`;
  // Run 1 takes 2 s (over a 300 ms limit: stopped); run 2 answers at once.
  await Deno.writeTextFile(
    `${dir}/slow-once.sh`,
    `#!/usr/bin/env bash
n=$(grep -c '^RUN' "$PLUGIN_LOG" 2>/dev/null || true)
if [ "$n" = "0" ]; then export PLUGIN_SLEEP=2; fi
exec ${plugin.path}
`,
    { mode: 0o755 },
  );
  const stanza = { ...execStanza(plugin), command: `${dir}/slow-once.sh` };
  await Deno.writeTextFile(path, kubeconfigYaml({ server: api.url.href, user: { exec: stanza } }));
  using client = new Client(await configFromKubeconfig({ path, execTimeoutMs: 300 }), {
    retry: { maxRetries: 0 },
  });
  const err = await client.requestText(VERSION).then(() => undefined, (e) => e);
  assert.ok(err instanceof ExecPluginError, String(err));
  assert.match(err.message, /no answer within 300 ms; the plugin was stopped/);
  assert.equal(api.requests.length, 0);
  // The next request runs it again, in time, and gets through.
  assert.equal(await client.requestText(VERSION), `{"gitVersion":"v1"}`);

  // Infinity: no limit (a 1 s run is waited for; setTimeout(Infinity) would fire at once).
  const dir2 = tempDir();
  const plugin2 = new RecordingPlugin(dir2);
  await using api2 = apiAccepting((a) => a === "Bearer tok-1");
  // (configFor writes the kubeconfig; it is loaded again with the option.)
  await configFor(dir2, api2.url.href, { exec: execStanza(plugin2, {}, { PLUGIN_SLEEP: "1" }) });
  const path2 = `${dir2}/kubeconfig`;
  using c2 = new Client(await configFromKubeconfig({ path: path2, execTimeoutMs: Infinity }));
  assert.equal(await c2.requestText(VERSION), `{"gitVersion":"v1"}`);
  assert.equal(plugin2.runs().length, 1);

  for (const bad of [0, -1, NaN, 2 ** 31, "5" as unknown as number]) {
    await assert.rejects(
      configFromKubeconfig({ path: path2, execTimeoutMs: bad }),
      (e: unknown) =>
        e instanceof RangeError && /execTimeoutMs must be a positive number/.test(e.message),
    );
    assert.throws(
      () => new ExecAuth({ exec: pluginExec(plugin2), timeoutMs: bad }),
      /ExecAuthOptions.timeoutMs must be a positive number/,
    );
  }
});

Deno.test("exec: failing plugins and malformed output name the plugin and field, never the token", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  const SECRET = "tok-SECRET-8d1e";
  const cases: [string, string, RegExp][] = [
    ["not json", `token: ${SECRET}`, /output is not a JSON ExecCredential/],
    [
      "wrong version",
      `{"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"${SECRET}"}}`,
      /apiVersion in its output is "client.authentication.k8s.io\/v1beta1", but the kubeconfig asks for client.authentication.k8s.io\/v1/,
    ],
    ["no apiVersion", `{"status":{"token":"${SECRET}"}}`, /apiVersion in its output is missing/],
    [
      "wrong kind",
      `{"apiVersion":"${V1}","kind":"Secret","status":{"token":"${SECRET}"}}`,
      /kind in its output must be ExecCredential/,
    ],
    ["no status", `{"apiVersion":"${V1}","token":"${SECRET}"}`, /status is missing/],
    [
      "empty status",
      `{"apiVersion":"${V1}","status":{}}`,
      /status has neither token nor clientCertificateData/,
    ],
    [
      "token not a string",
      `{"apiVersion":"${V1}","status":{"token":["${SECRET}"]}}`,
      /status\.token must be a string/,
    ],
    [
      "cert without key",
      `{"apiVersion":"${V1}","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----\\n${SECRET}"}}`,
      /status\.clientKeyData is missing/,
    ],
    [
      "key not PEM",
      `{"apiVersion":"${V1}","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----","clientKeyData":"${SECRET}"}}`,
      /status\.clientKeyData is not PEM/,
    ],
    [
      "bad expiry",
      `{"apiVersion":"${V1}","status":{"token":"${SECRET}","expirationTimestamp":"tomorrow"}}`,
      /status\.expirationTimestamp is not an RFC 3339 time/,
    ],
  ];
  for (const [what, output, expected] of cases) {
    await Deno.writeTextFile(`${dir}/out`, output);
    const auth = new ExecAuth({
      exec: pluginExec(plugin, { PLUGIN_OUT: `${dir}/out` }),
      origin: "users[0].user.exec in kubeconfig /k",
    });
    const err = await auth.authorization().then(() => undefined, (e) => e);
    assert.ok(err instanceof ExecPluginError, `${what}: ${err}`);
    assert.match(err.message, expected, what);
    assert.ok(
      err.message.includes(
        `exec credential plugin "${plugin.path}" (users[0].user.exec in kubeconfig /k)`,
      ),
      err.message,
    );
    const shown = `${err.message}\n${err.stack}\n${Deno.inspect(err)}`;
    assert.ok(!shown.includes("SECRET"), `${what}: ${shown}`);
  }
  const exit = new ExecAuth({
    exec: pluginExec(plugin, { PLUGIN_EXIT: "3" }),
  });
  await assert.rejects(exit.authorization(), /failed with exit code 3/);
});

Deno.test("exec: interactiveMode decides stdin and spec.interactive; Always without a terminal is an error", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  const make = (mode: "Never" | "IfAvailable" | "Always", tty: boolean) =>
    new ExecAuth({
      exec: pluginExec(plugin, {}, mode),
      stdinIsTerminal: () => tty,
    });
  const interactive = async (mode: "Never" | "IfAvailable" | "Always", tty: boolean) => {
    plugin.reset();
    await make(mode, tty).authorization();
    return JSON.parse(plugin.runs()[0].info).spec.interactive;
  };
  assert.equal(await interactive("Never", true), false);
  assert.equal(await interactive("IfAvailable", false), false);
  assert.equal(await interactive("IfAvailable", true), true);
  assert.equal(await interactive("Always", true), true);
  plugin.reset();
  await assert.rejects(make("Always", false).authorization(), (e: unknown) => {
    assert.ok(e instanceof ExecPluginError);
    assert.match(e.message, /interactiveMode is Always but standard input is not a terminal/);
    return true;
  });
  assert.equal(plugin.runs().length, 0);
});

Deno.test("exec: the kubeconfig stanza is checked as kubectl checks it", async () => {
  const base = (exec: Record<string, unknown>) =>
    parseKubeconfig(
      kubeconfigYaml({ server: "https://127.0.0.1:6443", user: { exec } }),
      "/k/config",
    );
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { apiVersion: V1, interactiveMode: "Never" },
      /users\[0\]\.user\.exec\.command must be specified/,
    ],
    [{ command: "x", interactiveMode: "Never" }, /exec\.apiVersion must be specified/],
    [{ command: "x", apiVersion: V1 }, /exec\.interactiveMode must be specified/],
    [
      { command: "x", apiVersion: V1, interactiveMode: "Sometimes" },
      /must be Never, IfAvailable or Always/,
    ],
    [{
      command: "x",
      apiVersion: "client.authentication.k8s.io/v1alpha1",
      interactiveMode: "Never",
    }, /v1alpha1" is not supported/],
    [
      { command: "x", apiVersion: V1, interactiveMode: "Never", env: [{ value: "v" }] },
      /exec\.env\[0\]\.name must be set/,
    ],
    [
      { command: "x", apiVersion: V1, interactiveMode: "Never", args: "a b" },
      /exec\.args must be a list of strings/,
    ],
  ];
  for (const [exec, expected] of cases) {
    await assert.rejects(configFromCustomKubeconfig(base(exec)), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, expected);
      return true;
    });
  }
  // v1beta1 defaults interactiveMode to IfAvailable, as kubectl.
  const beta = await configFromCustomKubeconfig(
    base({ command: "x", apiVersion: "client.authentication.k8s.io/v1beta1" }),
  );
  assert.equal((beta.auth as ExecAuth).exec.interactiveMode, "IfAvailable");
});

Deno.test("exec: a token, basic auth or client certificate in the same user wins, as in kubectl", async () => {
  const exec = { command: "x", apiVersion: V1, interactiveMode: "Never" };
  const cfg = (user: Record<string, unknown>) =>
    configFromCustomKubeconfig(
      parseKubeconfig(
        kubeconfigYaml({ server: "https://127.0.0.1:6443", user: { exec, ...user } }),
      ),
    );
  assert.ok((await cfg({ token: "t" })).auth instanceof StaticTokenAuth);
  const cert = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
  const key = "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n";
  const withCert = await cfg({
    "client-certificate-data": btoa(cert),
    "client-key-data": btoa(key),
  });
  assert.ok(!(withCert.auth instanceof ExecAuth));
  // Both exec and an auth-provider: refused, as kubectl's validation does.
  await assert.rejects(
    cfg({ "auth-provider": { name: "oidc" } }),
    /auth-provider and exec cannot both be set/,
  );
});

Deno.test("auth-provider gcp and azure: the error names the exec plugin that replaced them", async () => {
  for (const [name, plugin] of [["gcp", "gke-gcloud-auth-plugin"], ["azure", "kubelogin"]]) {
    const kc = parseKubeconfig(
      kubeconfigYaml({ server: "https://127.0.0.1:6443", user: { "auth-provider": { name } } }),
      "/k/config",
    );
    await assert.rejects(configFromCustomKubeconfig(kc), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, new RegExp(`the ${name} auth provider was removed from kubectl`));
      assert.ok(e.message.includes(plugin), e.message);
      assert.equal(e.field, "users[0].user.auth-provider");
      return true;
    });
  }
});

Deno.test("exec: a Config and its ExecAuth print no token after a run", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  await using api = apiAccepting(() => true);
  const config = await configFor(dir, api.url.href, {
    exec: execStanza(plugin, {}, { API_KEY: "env-SECRET-value" }),
  });
  using client = new Client(config);
  await client.requestText(VERSION);
  assert.equal(plugin.runs().length, 1);
  for (
    const shown of [
      Deno.inspect(config, { depth: 10, showHidden: true }),
      JSON.stringify(config),
      Deno.inspect(client, { depth: 10, showHidden: true }),
    ]
  ) {
    assert.ok(!shown.includes("tok-1") && !shown.includes("SECRET"), shown);
  }
  assert.match(Deno.inspect(config.auth), /ExecAuth \{ command: ".*plugin\.sh", runs: 1 \}/);
});

Deno.test("exec: without --allow-run the error names --allow-run=<command>; the plugin's stderr reaches the user", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  const script = `${dir}/main.ts`;
  const mod = new URL("../../client/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { ExecAuth } from "${mod}";
const auth = new ExecAuth({ exec: { apiVersion: "${V1}", command: ${JSON.stringify(plugin.path)},
  interactiveMode: "Never", env: [{ name: "PLUGIN_LOG", value: ${JSON.stringify(plugin.log)} },
  { name: "PLUGIN_STDERR", value: "visit https://login.example to sign in" }] } });
try {
  console.log(await auth.authorization());
} catch (e) {
  console.log(e.name + ": " + e.flag + ": " + e.message);
}
`,
  );
  const run = async (flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        `--allow-read=${dirname(dir)}`,
        ...flags,
        script,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  const denied = await run([]);
  assert.match(denied.stdout, new RegExp(`PermissionError: --allow-run=${plugin.path}: `));
  assert.equal(plugin.runs().length, 0);
  const allowed = await run([`--allow-run=${plugin.path}`]);
  assert.equal(allowed.stdout.trim(), "Bearer tok-1");
  assert.match(allowed.stderr, /visit https:\/\/login\.example to sign in/);
});

Deno.test("exec: a certificate credential: one run per request even when it is already expired", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  const cert = "-----BEGIN CERTIFICATE-----\\n@N@\\n-----END CERTIFICATE-----\\n";
  const key = "-----BEGIN PRIVATE KEY-----\\n@N@\\n-----END PRIVATE KEY-----\\n";
  await Deno.writeTextFile(
    `${dir}/out`,
    `{"apiVersion":"${V1}","status":{"clientCertificateData":"${cert}","clientKeyData":"${key}",` +
      `"expirationTimestamp":"2000-01-01T00:00:00Z"}}`,
  );
  const auth = new ExecAuth({ exec: pluginExec(plugin, { PLUGIN_OUT: `${dir}/out` }) });
  // What the Client does for each request: the header, then the certificate.
  for (const n of [1, 2]) {
    assert.equal(await auth.authorization(), undefined);
    const got = await auth.clientCertificate();
    assert.equal(got?.cert, cert.replaceAll("\\n", "\n").replace("@N@", String(n)));
    assert.equal(plugin.runs().length, n);
  }
});

Deno.test("exec: a plugin slower than the request timeout (a login) does not time the request out", async () => {
  const dir = tempDir();
  const plugin = new RecordingPlugin(dir);
  await using api = apiAccepting((a) => a === "Bearer tok-1");
  const config = await configFor(dir, api.url.href, {
    exec: execStanza(plugin, {}, { PLUGIN_SLEEP: "4" }),
  });
  // The request's 2 s are for the server; the plugin has its own timeout.
  using client = new Client(config, { timeoutMs: 2_000, retry: { maxRetries: 0 } });
  assert.equal(await client.requestText(VERSION), `{"gitVersion":"v1"}`);
  assert.equal(plugin.runs().length, 1);
});
