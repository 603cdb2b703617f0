// The generic subresource verbs of Api against the real apiserver: a ServiceAccount token
// (TokenRequest) checked with a TokenReview, a pod's ephemeral containers, and CSR approval.

import assert from "node:assert/strict";
import { Api, approveCsr, Client, denyCsr } from "../../mod.ts";
import { CertificateSigningRequest } from "../../core/k8s/certificates.k8s.io/v1.ts";
import { Pod, ServiceAccount } from "../../core/k8s/core/v1.ts";
import { type TokenRequest, TokenReview } from "../../core/k8s/authentication.k8s.io/v1.ts";
import { requireCluster } from "./_cluster.ts";
import { kubectlOk, runPod, until, withKubectlNamespace } from "./nodes_kit.ts";

if (requireCluster()) {
  Deno.test("e2e subresources: createSubresource('token') gives a token a TokenReview accepts for its audience", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("sub-token", async (ns) => {
      const sas = Api.namespaced(client, ServiceAccount, ns);
      await sas.create({ metadata: { name: "robot" } });
      const tr = await sas.createSubresource<TokenRequest>("token", "robot", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { audiences: ["kubeno-test"], expirationSeconds: 600 },
      });
      const token = tr.status?.token;
      assert.ok(token, JSON.stringify(tr));
      const reviews = Api.all(client, TokenReview);
      const ok = await reviews.create({
        metadata: {},
        spec: { token, audiences: ["kubeno-test"] },
      });
      assert.equal(ok.status?.authenticated, true, JSON.stringify(ok.status));
      assert.equal(ok.status?.user?.username, `system:serviceaccount:${ns}:robot`);
      assert.deepEqual(ok.status?.audiences, ["kubeno-test"]);
      const wrong = await reviews.create({
        metadata: {},
        spec: { token, audiences: ["another-api"] },
      });
      assert.notEqual(wrong.status?.authenticated, true);
    });
  });

  Deno.test("e2e subresources: patchSubresource / getSubresource on a pod's ephemeralcontainers", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("sub-ephemeral", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      const patched = await pods.patchSubresource<Pod>("ephemeralcontainers", "p", {
        type: "strategic",
        body: {
          spec: { ephemeralContainers: [{ name: "debug", image: "kubeno.invalid/debug:1" }] },
        },
      });
      assert.deepEqual(patched.spec?.ephemeralContainers?.map((c) => c.name), ["debug"]);
      const read = await until("the ephemeral container", async () => {
        const p = await pods.getSubresource<Pod>("ephemeralcontainers", "p");
        return p.spec?.ephemeralContainers?.length ? p : undefined;
      });
      assert.equal(read.spec?.ephemeralContainers?.[0].image, "kubeno.invalid/debug:1");
      // Replace with the same list plus one more.
      read.spec!.ephemeralContainers!.push({ name: "debug2", image: "kubeno.invalid/debug:2" });
      const replaced = await pods.replaceSubresource<Pod>("ephemeralcontainers", "p", read);
      assert.deepEqual(replaced.spec?.ephemeralContainers?.map((c) => c.name), ["debug", "debug2"]);
    });
  });
}

/** A PEM certificate request for CN=`cn`, made with openssl. */
async function csrPem(cn: string): Promise<string> {
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "/dev/null",
      "-subj",
      `/CN=${cn}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

if (requireCluster()) {
  Deno.test("e2e subresources: approveCsr / denyCsr set the conditions kubectl certificate approve / deny set", async () => {
    using client = await Client.tryDefault();
    const csrs = Api.all(client, CertificateSigningRequest);
    const id = crypto.randomUUID().slice(0, 8);
    const names = ["ours-ok", "ours-no", "kubectl-ok", "kubectl-no"].map((n) => `${n}-${id}`);
    try {
      for (const name of names) {
        await csrs.create({
          metadata: { name },
          spec: {
            request: btoa(await csrPem(name)),
            signerName: "kubernetes.io/kube-apiserver-client",
            usages: ["client auth"],
            expirationSeconds: 600,
          },
        });
      }
      const approved = await approveCsr(csrs, names[0], { message: "by the test" });
      const denied = await denyCsr(csrs, names[1], { reason: "NotTrusted" });
      await kubectlOk(["certificate", "approve", names[2]]);
      await kubectlOk(["certificate", "deny", names[3]]);
      const types = (c: CertificateSigningRequest) =>
        (c.status?.conditions ?? []).filter((x) => x.status === "True").map((x) => x.type);
      assert.deepEqual(types(approved), ["Approved"]);
      assert.equal(approved.status?.conditions?.[0].message, "by the test");
      assert.deepEqual(types(denied), ["Denied"]);
      assert.equal(denied.status?.conditions?.[0].reason, "NotTrusted");
      assert.deepEqual(types(await csrs.get(names[2])), types(await csrs.get(names[0])));
      assert.deepEqual(types(await csrs.get(names[3])), ["Denied"]);
    } finally {
      for (const name of names) await csrs.delete(name).catch(() => {});
    }
  });
}
