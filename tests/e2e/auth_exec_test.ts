// Exec credential plugins against the real kube-apiserver: it accepts a plugin's token and a
// plugin's client certificate (signed by the cluster CA); an expiring credential is renewed;
// a refused one is re-fetched exactly once, for requests and WebSocket handshakes (pod exec).

import assert from "node:assert/strict";
import { Api, ApiError, Client, configFromKubeconfig, ExecAuth } from "../../mod.ts";
import { SelfSubjectReview } from "../../core/k8s/authentication.k8s.io/v1.ts";
import { Namespace, Pod } from "../../core/k8s/core/v1.ts";
import { runPod, withKubectlNamespace } from "./nodes_kit.ts";
import { requireCluster } from "./_cluster.ts";
import { requireRun } from "./_require.ts";
import { clusterEnv, signedClientCert, writeClusterKubeconfig } from "./_auth.ts";
import { execStanza, RecordingPlugin } from "../unit/_auth_plugin.ts";

const V1 = "client.authentication.k8s.io/v1";
const canRun = requireRun();

/** A kubeconfig for the cluster whose user is `plugin`, printing the credential in `out`. */
async function pluginClient(
  dir: string,
  plugin: RecordingPlugin,
  out: unknown | unknown[],
  env: Record<string, string> = {},
): Promise<Client> {
  const outs = Array.isArray(out) ? out : [out];
  // PLUGIN_OUT.N for run N, the last one for every later run.
  for (const f of Deno.readDirSync(dir)) {
    if (/^out\.\d+$/.test(f.name)) Deno.removeSync(`${dir}/${f.name}`);
  }
  outs.forEach((o, i) => {
    const text = typeof o === "string" ? o : JSON.stringify(o);
    Deno.writeTextFileSync(`${dir}/out.${i + 1}`, text);
    if (i === outs.length - 1) Deno.writeTextFileSync(`${dir}/out`, text);
  });
  const path = writeClusterKubeconfig(`${dir}/kubeconfig`, {
    exec: execStanza(plugin, {}, { PLUGIN_OUT: `${dir}/out`, ...env }),
  });
  const config = await configFromKubeconfig({ path });
  assert.ok(config.auth instanceof ExecAuth);
  return new Client(config, { retry: { maxRetries: 0 } });
}

async function whoami(client: Client): Promise<string | undefined> {
  const review = await Api.all(client, SelfSubjectReview).create({ metadata: {} });
  return review.status?.userInfo?.username;
}

const token = (t: string, exp?: string) => ({
  apiVersion: V1,
  kind: "ExecCredential",
  status: { token: t, ...(exp ? { expirationTimestamp: exp } : {}) },
});

if (requireCluster()) {
  const opts = { ignore: !canRun };

  Deno.test({ name: "e2e exec: the apiserver accepts the plugin's token", ...opts }, async () => {
    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-exec-" });
    try {
      const plugin = new RecordingPlugin(dir);
      using client = await pluginClient(dir, plugin, token(clusterEnv().tokens.admin));
      assert.equal(await whoami(client), "kubeno-admin");
      await Api.all(client, Namespace).get("default");
      assert.equal(plugin.runs().length, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(
    {
      name: "e2e exec: the plugin's client certificate is used for TLS, and a new one after expiry",
      ...opts,
    },
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-exec-" });
      try {
        const e = clusterEnv();
        const first = await signedClientCert(e, dir, "exec-cert-one", ["system:masters"]);
        const second = await signedClientCert(e, dir, "exec-cert-two", ["system:masters"]);
        const plugin = new RecordingPlugin(dir);
        const cred = (c: { cert: string; key: string }, exp: string) => ({
          apiVersion: V1,
          status: { clientCertificateData: c.cert, clientKeyData: c.key, expirationTimestamp: exp },
        });
        // The first certificate comes with an expired credential: it serves the request
        // that ran the plugin, and the next request runs it again and gets the second.
        using client = await pluginClient(dir, plugin, [
          cred(first, "@EXP@"),
          cred(second, "2099-01-01T00:00:00Z"),
        ], { PLUGIN_TTL: "-10" });
        assert.equal(await whoami(client), "exec-cert-one");
        assert.equal(await whoami(client), "exec-cert-two");
        assert.equal(await whoami(client), "exec-cert-two");
        assert.equal(plugin.runs().length, 2);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  Deno.test(
    { name: "e2e exec: an expired token is renewed: the plugin runs again", ...opts },
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-exec-" });
      try {
        const plugin = new RecordingPlugin(dir);
        const admin = clusterEnv().tokens.admin;
        // Valid for 6 s: renewed 3 s before it expires.
        using client = await pluginClient(dir, plugin, token(admin, "@EXP@"), { PLUGIN_TTL: "6" });
        const namespaces = Api.all(client, Namespace);
        await namespaces.get("default");
        assert.equal(plugin.runs().length, 1);
        await new Promise((r) => setTimeout(r, 6_500)); // past the expiry itself
        await namespaces.get("default");
        assert.equal(plugin.runs().length, 2);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  Deno.test(
    { name: "e2e exec: a 401 runs the plugin exactly once more, then the error", ...opts },
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-exec-" });
      try {
        const plugin = new RecordingPlugin(dir);
        {
          // Refused, then the good token: the request succeeds after one re-run.
          using client = await pluginClient(dir, plugin, [
            token("revoked-token"),
            token(clusterEnv().tokens.admin),
          ]);
          assert.equal(await whoami(client), "kubeno-admin");
          assert.equal(plugin.runs().length, 2);
        }
        plugin.reset();
        {
          using client = await pluginClient(dir, plugin, token("revoked-token"));
          const err = await whoami(client).then(() => undefined, (e) => e);
          assert.ok(err instanceof ApiError && err.code === 401, String(err));
          assert.equal(plugin.runs().length, 2);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
  Deno.test(
    {
      name: "e2e exec: a 401 on a pod exec handshake runs the plugin once more and retries it",
      ...opts,
    },
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-exec-" });
      try {
        await withKubectlNamespace("e2e-exec-ws", async (ns) => {
          await runPod(ns, "p");
          const plugin = new RecordingPlugin(dir);
          using client = await pluginClient(dir, plugin, [
            token("revoked-token"),
            token(clusterEnv().tokens.admin),
          ]);
          // The first call the plugin serves is the handshake: the apiserver refuses its token.
          await using p = await Api.namespaced(client, Pod, ns).exec("p", ["sh", "-c", "echo hi"]);
          assert.equal(await new Response(p.stdout).text(), "hi\n");
          assert.equal((await p.status).exitCode, 0);
          assert.equal(plugin.runs().length, 2);
          // Refused for good: one re-run, then the apiserver's 401 (over HTTP/2 Deno hides the
          // handshake's status; the plain GET that tells it does not renew the token itself).
          plugin.reset();
          using refused = await pluginClient(dir, plugin, token("revoked-token"));
          const err = await Api.namespaced(refused, Pod, ns).exec("p", ["true"]).then(
            () => undefined,
            (e) => e,
          );
          assert.ok(err instanceof ApiError && err.code === 401, String(err));
          assert.equal(plugin.runs().length, 2);
        });
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}
