// The generic subresource verbs of Api against the real apiserver: a ServiceAccount token
// (TokenRequest) checked with a TokenReview, and a pod's ephemeral containers.

import assert from "node:assert/strict";
import { Api, Client } from "../../mod.ts";
import { Pod, ServiceAccount } from "../../core/k8s/core/v1.ts";
import { type TokenRequest, TokenReview } from "../../core/k8s/authentication.k8s.io/v1.ts";
import { requireCluster } from "./_cluster.ts";
import { runPod, until, withKubectlNamespace } from "./nodes_kit.ts";

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
