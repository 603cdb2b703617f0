// Missing Deno permissions become errors naming the flag: helpers, and real `deno run`
// subprocesses without the permissions loading a configuration.
import assert from "node:assert/strict";
import {
  isPermissionDenial,
  netPermission,
  PermissionError,
  permissionError,
  permissionFlag,
  withPermissionHint,
  withPermissionHintAsync,
} from "../../client/permissions.ts";
import { KubeError } from "../../core/error.ts";

Deno.test("permissionFlag and netPermission", () => {
  assert.equal(permissionFlag({ read: "/a/b" }, "read"), "--allow-read=/a/b");
  assert.equal(
    permissionFlag({ env: ["KUBECONFIG", "HOME"] }, "env"),
    "--allow-env=KUBECONFIG,HOME",
  );
  assert.equal(permissionFlag({ env: "HOME" }, "read"), undefined);
  assert.equal(netPermission(new URL("https://127.0.0.1:6443/api")), "127.0.0.1:6443");
  assert.equal(netPermission("https://10.0.0.1"), "10.0.0.1:443");
  assert.equal(netPermission("http://proxy"), "proxy:80");
  assert.equal(netPermission("https://[::1]:6443"), "[::1]:6443");
});

Deno.test("permissionError picks the kind Deno named and lists the flag", () => {
  const denial = new Deno.errors.NotCapable(
    `Requires read access to "/x/config", run again with the --allow-read flag`,
  );
  assert.ok(isPermissionDenial(denial));
  assert.ok(!isPermissionDenial(new Deno.errors.PermissionDenied("EACCES"))); // the OS, not Deno
  const e = permissionError(denial, { env: "KUBECONFIG", read: "/x/config" }, "loading config");
  assert.ok(e instanceof PermissionError && e instanceof KubeError);
  assert.equal(e.permission, "read");
  assert.equal(e.flag, "--allow-read=/x/config");
  assert.equal(
    e.message,
    "loading config: Deno denied read access. Run again with --allow-read=/x/config " +
      "(the same flag applies to deno compile).",
  );
  assert.equal(e.cause, denial);
  // An unfamiliar message: every flag the call needs.
  const all = permissionError(new Deno.errors.NotCapable("?"), { env: "A", net: "h:1" }, "x");
  assert.equal(all.flag, "--allow-env=A --allow-net=h:1");
});

Deno.test("withPermissionHint: denials rethrown with the flag, other errors untouched", async () => {
  const boom = new Error("boom");
  assert.throws(() =>
    withPermissionHint(() => {
      throw boom;
    }, { env: "X" }), (e) => e === boom);
  assert.equal(withPermissionHint(() => 42, { env: "X" }), 42);
  assert.throws(
    () =>
      withPermissionHint(() => {
        throw new Deno.errors.NotCapable(
          `Requires env access to "X", run again with the --allow-env flag`,
        );
      }, { env: ["X", "Y"] }),
    (e: unknown) => e instanceof PermissionError && e.flag === "--allow-env=X,Y",
  );
  await assert.rejects(
    withPermissionHintAsync(
      () => Promise.reject(new Deno.errors.NotCapable("Requires net access to")),
      {
        net: "127.0.0.1:6443",
      },
    ),
    (e: unknown) =>
      e instanceof PermissionError && e.message.includes("--allow-net=127.0.0.1:6443") &&
      e.message.startsWith("connecting to 127.0.0.1:6443"),
  );
});

// ---------------------------------------------------------------------------------------------
// real subprocesses

const repo = new URL("../../", import.meta.url);

/** Runs a script that loads a Config in a `deno run` with the given flags; returns its output. */
async function loadConfigIn(
  flags: string[],
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir({ prefix: "kubeno-perm-" });
  const script = `${dir}/load.ts`;
  await Deno.writeTextFile(
    script,
    `import { Config } from ${JSON.stringify(new URL("client/config/mod.ts", repo).href)};
try {
  const c = await Config.infer(Deno.args[0] ? { serviceAccountDir: Deno.args[0] } : {});
  console.log("OK " + c.source);
} catch (e) {
  console.log(e.name + ": " + e.message);
  Deno.exit(3);
}
`,
  );
  const res = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--config",
      new URL("deno.json", repo).pathname,
      ...flags,
      script,
      ...args,
    ],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const out = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
  return { code: res.code, out };
}

/** What a child deno needs from our environment to find its cache (npm packages). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["DENO_DIR", "XDG_CACHE_HOME", "PATH", "NPM_CONFIG_REGISTRY"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) env[k] = v;
  }
  // Deno finds its cache from HOME when DENO_DIR is not set.
  const home = Deno.env.get("HOME");
  if (home !== undefined && env.DENO_DIR === undefined) env.DENO_DIR = `${home}/.cache/deno`;
  return env;
}

Deno.test("deno run without --allow-env: the error names every variable to allow", async () => {
  const { code, out } = await loadConfigIn([], baseEnv());
  assert.equal(code, 3, out);
  assert.match(out, /^PermissionError: reading \$KUBECONFIG: Deno denied env access\./);
  assert.ok(
    out.includes("--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT"),
    out,
  );
});

Deno.test("deno run without --allow-read: the error names the kubeconfig, then the CA file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kubeno-perm-kc-" });
  try {
    const kubeconfig = `${dir}/config`;
    await Deno.writeTextFile(
      `${dir}/ca.crt`,
      "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
    );
    await Deno.writeTextFile(
      kubeconfig,
      `
current-context: c
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:6443", certificate-authority: ca.crt } }]
contexts: [{ name: c, context: { cluster: k } }]
`,
    );
    const env = { ...baseEnv(), KUBECONFIG: kubeconfig };
    const first = await loadConfigIn(["--allow-env"], env);
    assert.equal(first.code, 3, first.out);
    assert.ok(first.out.startsWith("PermissionError: "), first.out);
    assert.ok(first.out.includes(`--allow-read=${kubeconfig} `), first.out);

    const second = await loadConfigIn(["--allow-env", `--allow-read=${kubeconfig}`], env);
    assert.equal(second.code, 3, second.out);
    assert.ok(second.out.includes(`--allow-read=${dir}/ca.crt `), second.out);
    assert.ok(second.out.includes("clusters[0].cluster.certificate-authority"), second.out);

    const ok = await loadConfigIn(["--allow-env", `--allow-read=${dir}`], env);
    assert.equal(ok.out.trim(), `OK kubeconfig ${kubeconfig}, context "c"`);
    assert.equal(ok.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno run with only the in-cluster permissions: infer falls through to in-cluster", async () => {
  const sa = await Deno.makeTempDir({ prefix: "kubeno-perm-sa-" });
  try {
    await Deno.writeTextFile(`${sa}/token`, "t");
    await Deno.writeTextFile(
      `${sa}/ca.crt`,
      "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
    );
    const env = {
      ...baseEnv(),
      KUBERNETES_SERVICE_HOST: "10.96.0.1",
      KUBERNETES_SERVICE_PORT: "443",
    };
    const inPod = [
      "--allow-env=KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
      `--allow-read=${sa}`,
    ];
    const ok = await loadConfigIn(inPod, env, [sa]);
    assert.equal(ok.out.trim(), `OK in-cluster (https://10.96.0.1:443, ${sa})`);
    // Not in a pod and not allowed to look for a kubeconfig: the kubeconfig's flag is named.
    const { KUBERNETES_SERVICE_HOST: _h, KUBERNETES_SERVICE_PORT: _p, ...notInPod } = env;
    const fail = await loadConfigIn(inPod, notInPod, [sa]);
    assert.equal(fail.code, 3, fail.out);
    assert.ok(fail.out.startsWith("PermissionError: reading $KUBECONFIG"), fail.out);
    assert.ok(fail.out.includes("--allow-env=KUBECONFIG,HOME,"), fail.out);
  } finally {
    await Deno.remove(sa, { recursive: true });
  }
});
