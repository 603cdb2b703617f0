// The eviction request: a policy/v1 Eviction POSTed to the pod's eviction subresource.

import assert from "node:assert/strict";
import { evictRequest } from "../../mod.ts";
import { ConfigMap, Pod } from "../../core/k8s/core/v1.ts";

Deno.test("evictRequest: an Eviction with the delete options, POSTed to pods/<name>/eviction", () => {
  const req = evictRequest({ resource: Pod, namespace: "ns" }, "p", {
    gracePeriodSeconds: 5,
    dryRun: true,
    preconditions: { uid: "u-1" },
  });
  assert.equal(req.method, "POST");
  assert.equal(req.path, "/api/v1/namespaces/ns/pods/p/eviction");
  assert.deepEqual(JSON.parse(req.body!), {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "p", namespace: "ns" },
    deleteOptions: {
      apiVersion: "v1",
      kind: "DeleteOptions",
      gracePeriodSeconds: 5,
      preconditions: { uid: "u-1" },
      dryRun: ["All"],
    },
  });
  assert.deepEqual(JSON.parse(evictRequest({ resource: Pod, namespace: "ns" }, "p").body!), {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: "p", namespace: "ns" },
  });
  assert.throws(
    () => evictRequest({ resource: ConfigMap, namespace: "ns" }, "c"),
    /subresource of pods/,
  );
});
