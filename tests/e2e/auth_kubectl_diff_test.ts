// Differential: the same kubeconfigs (exec credential plugins, and the users exec must yield
// to) given to kubectl and to kubeno, for the same request (`kubectl get --raw`) against the
// real apiserver. Both must succeed or both fail (for the same reason), and the recording
// plugin must have run the same number of times with the same arguments, environment and
// KUBERNETES_EXEC_INFO, byte for byte.

import assert from "node:assert/strict";
import { requireCluster } from "./_cluster.ts";
import { requireRun } from "./_require.ts";
import { clusterCa, clusterEnv, signedClientCert } from "./_auth.ts";
import { execStanza, kubeconfigYaml, RecordingPlugin } from "../unit/_auth_plugin.ts";

const V1 = "client.authentication.k8s.io/v1";
const V1BETA1 = "client.authentication.k8s.io/v1beta1";
const root = new URL("../../", import.meta.url).pathname;
const canRun = requireRun();

interface Case {
  name: string;
  /** The user (besides the plugin's exec stanza unless `exec` is false). */
  user?: (
    plugin: RecordingPlugin,
    dir: string,
  ) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** More fields of the exec stanza. */
  exec?: Record<string, unknown> | false;
  /** More env of the exec stanza. */
  env?: Record<string, string>;
  cluster?: Record<string, unknown>;
  /** Server URL as written (default env.json's). */
  server?: (server: string) => string;
  /** What the plugin prints: an ExecCredential (default the admin token, v1). */
  out?: (admin: string, dir: string) => unknown | Promise<unknown>;
  /** A known difference in the number of runs (the runs are otherwise the same). */
  runs?: { kubectl: number; kubeno: number };
  /** Expected outcome; when failing, what each error must say. */
  ok: boolean;
  kubectlSays?: RegExp;
  kubenoSays?: RegExp;
}

const token = (apiVersion: string, t: string, extra: Record<string, unknown> = {}) => ({
  apiVersion,
  kind: "ExecCredential",
  status: { token: t, ...extra },
});

const CASES: Case[] = [
  { name: "v1 token", ok: true },
  {
    name: "v1beta1, interactiveMode defaulted",
    exec: { apiVersion: V1BETA1, interactiveMode: undefined },
    out: (admin) => token(V1BETA1, admin),
    ok: true,
  },
  {
    name: "v1 without interactiveMode",
    exec: { interactiveMode: undefined },
    ok: false,
    kubectlSays: /interactiveMode must be specified/,
    kubenoSays: /interactiveMode must be specified/,
  },
  { name: "provideClusterInfo: server and CA", exec: { provideClusterInfo: true }, ok: true },
  {
    name: "provideClusterInfo: the exec extension as config",
    exec: { provideClusterInfo: true },
    cluster: {
      extensions: [
        { name: "unrelated", extension: { a: 1 } },
        {
          name: "client.authentication.k8s.io/exec",
          extension: { zone: "eu-1", audience: ["x", "y"], nested: { z: true, b: null, a: "s" } },
        },
      ],
    },
    ok: true,
  },
  {
    name: "provideClusterInfo: server with a trailing slash",
    exec: { provideClusterInfo: true },
    server: (s) => `${s}/`,
    ok: true,
  },
  {
    name: "relative command with a slash: the kubeconfig's folder",
    exec: { command: "./plugin.sh" },
    ok: true,
  },
  {
    name: "args and env",
    exec: { args: ["get-token", "--cluster", "a b", ""] },
    env: { EXTRA: "x=1 y" },
    ok: true,
  },
  {
    name: "IfAvailable without a terminal",
    exec: { interactiveMode: "IfAvailable" },
    ok: true,
  },
  {
    name: "Always without a terminal",
    exec: { interactiveMode: "Always" },
    ok: false,
    kubectlSays: /standard input is not a terminal/,
    kubenoSays: /standard input is not a terminal/,
  },
  {
    name: "output in another apiVersion",
    out: (admin) => token(V1BETA1, admin),
    ok: false,
    kubectlSays: /plugin returned version client.authentication.k8s.io\/v1beta1/,
    kubenoSays: /apiVersion in its output is "client.authentication.k8s.io\/v1beta1"/,
  },
  {
    name: "output without kind",
    out: (admin) => ({ apiVersion: V1, status: { token: admin } }),
    ok: true,
  },
  {
    name: "plugin exits 1",
    env: { PLUGIN_EXIT: "1" },
    ok: false,
    kubectlSays: /exit status 1|exit code 1/,
    kubenoSays: /failed with exit code 1/,
  },
  {
    name: "token refused: one re-run, then the 401",
    out: () => token(V1, "revoked-token"),
    ok: false,
    kubectlSays: /Unauthorized|provide credentials/,
    kubenoSays: /401/,
  },
  {
    name: "credential already expired when received",
    out: (admin) => token(V1, admin, { expirationTimestamp: "2001-01-01T00:00:00Z" }),
    ok: true,
    // kubectl asks for the credential again for the TLS handshake of a new connection (its
    // client-certificate callback), and an expired one means a second run; kubeno takes the
    // certificate from the credential it just got.
    runs: { kubectl: 2, kubeno: 1 },
  },
  {
    name: "client certificate from the plugin",
    out: async (_admin, dir) => {
      const c = await signedClientCert(clusterEnv(), dir, "diff-cert", ["system:masters"]);
      return { apiVersion: V1, status: { clientCertificateData: c.cert, clientKeyData: c.key } };
    },
    ok: true,
  },
  {
    name: "a token in the same user wins: the plugin never runs",
    user: () => ({ token: clusterEnv().tokens.admin }),
    ok: true,
  },
  {
    name: "a client certificate in the same user wins: the plugin never runs",
    user: () => {
      const e = clusterEnv();
      return {
        "client-certificate-data": btoa(Deno.readTextFileSync(e.pki.adminCert)),
        "client-key-data": btoa(Deno.readTextFileSync(e.pki.adminKey)),
      };
    },
    ok: true,
  },
  {
    name: "exec and auth-provider together",
    user: () => ({ "auth-provider": { name: "oidc", config: {} } }),
    ok: false,
    kubectlSays: /authProvider cannot be provided in combination with an exec plugin/,
    kubenoSays: /auth-provider and exec cannot both be set/,
  },
  {
    name: "missing command: installHint shown",
    exec: { command: "kubeno-diff-missing-plugin", installHint: "get it from example.com/install" },
    ok: false,
    kubectlSays: /get it from example\.com\/install/,
    kubenoSays: /get it from example\.com\/install/,
  },
  {
    name: "v1alpha1",
    exec: { apiVersion: "client.authentication.k8s.io/v1alpha1" },
    ok: false,
    kubectlSays: /v1alpha1/,
    kubenoSays: /v1alpha1" is not supported/,
  },
];

interface Outcome {
  ok: boolean;
  said: string;
  runs: ReturnType<RecordingPlugin["runs"]>;
}

async function run(
  cmd: string,
  args: string[],
  cwd: string,
  home?: string,
): Promise<{ ok: boolean; said: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // kubectl gets an empty HOME (no ~/.kube cache); Deno keeps its own (its module cache).
    env: { ...(home ? { HOME: home } : {}), NO_COLOR: "1", KUBECONFIG: "" },
  }).output();
  const dec = new TextDecoder();
  return { ok: out.success, said: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

async function prepare(
  c: Case,
  dir: string,
): Promise<{ plugin: RecordingPlugin; kubeconfig: string }> {
  const e = clusterEnv();
  const plugin = new RecordingPlugin(dir);
  const out = await (c.out ?? ((admin: string) => token(V1, admin)))(e.tokens.admin, dir);
  Deno.writeTextFileSync(`${dir}/out`, JSON.stringify(out));
  const exec = c.exec === false ? undefined : execStanza(plugin, c.exec ?? {}, {
    PLUGIN_OUT: `${dir}/out`,
    ...c.env,
  });
  if (exec) { for (const k of Object.keys(exec)) if (exec[k] === undefined) delete exec[k]; }
  const kubeconfig = `${dir}/kubeconfig`;
  Deno.writeTextFileSync(
    kubeconfig,
    kubeconfigYaml({
      server: c.server ? c.server(e.server) : e.server,
      ca: clusterCa(e),
      ...(c.cluster ? { cluster: c.cluster } : {}),
      user: { ...(exec ? { exec } : {}), ...(await c.user?.(plugin, dir)) },
    }),
  );
  return { plugin, kubeconfig };
}

if (requireCluster()) {
  Deno.test({
    name: "e2e differential: kubectl and kubeno on exec-plugin kubeconfigs",
    ignore: !canRun,
  }, async (t) => {
    const e = clusterEnv();
    const kubectl = `${e.binDir}/kubectl`;
    const base = await Deno.makeTempDir({ prefix: "kubeno-diff-" });
    const elsewhere = await Deno.makeTempDir({ prefix: "kubeno-diff-cwd-" });
    try {
      let n = 0;
      for (const c of CASES) {
        await t.step(c.name, async () => {
          const outcomes: Record<string, Outcome> = {};
          for (const who of ["kubectl", "kubeno"] as const) {
            const dir = `${base}/${n++}`;
            Deno.mkdirSync(dir);
            const { plugin, kubeconfig } = await prepare(c, dir);
            const path = "/api/v1/namespaces/default";
            const r = who === "kubectl"
              ? await run(
                kubectl,
                ["--kubeconfig", kubeconfig, "get", "--raw", path],
                elsewhere,
                dir,
              )
              : await run(
                Deno.execPath(),
                [
                  "run",
                  "-A",
                  `--config=${root}deno.json`,
                  `${root}tests/e2e/_kubeno_get.ts`,
                  kubeconfig,
                  path,
                ],
                elsewhere,
              );
            // Paths differ between the two runs only by the folder: compare without it.
            const runs = plugin.runs().map((x) => ({
              args: x.args,
              extra: x.extra,
              info: x.info.replaceAll(dir, "<dir>"),
            }));
            outcomes[who] = { ok: r.ok, said: r.said, runs };
          }
          const { kubectl: k, kubeno: d } = outcomes;
          const show = `kubectl said:\n${k.said}\nkubeno said:\n${d.said}`;
          assert.equal(k.ok, c.ok, `kubectl: ${show}`);
          assert.equal(d.ok, c.ok, `kubeno: ${show}`);
          if (c.kubectlSays) assert.match(k.said, c.kubectlSays, show);
          if (c.kubenoSays) assert.match(d.said, c.kubenoSays, show);
          if (c.runs) {
            assert.equal(k.runs.length, c.runs.kubectl, show);
            assert.equal(d.runs.length, c.runs.kubeno, show);
            assert.deepEqual(d.runs, k.runs.slice(0, c.runs.kubeno), show);
          } else {
            assert.deepEqual(d.runs, k.runs, `plugin runs differ\n${show}`);
          }
          console.log(
            `${c.name}: ${
              c.ok ? "both succeeded" : "both failed"
            }; plugin runs: kubectl ${k.runs.length}, kubeno ${d.runs.length}`,
          );
        });
      }
    } finally {
      await Deno.remove(base, { recursive: true });
      await Deno.remove(elsewhere, { recursive: true });
    }
  });
}
