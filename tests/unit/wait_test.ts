import assert from "node:assert/strict";
import type { ListParams, WatchParams } from "../../core/params.ts";
import type { ObjectList } from "../../core/resource.ts";
import type { WatchEvent } from "../../core/watch.ts";
import type { Pod } from "../../core/k8s/core/v1.ts";
import type { Deployment } from "../../core/k8s/apps/v1.ts";
import { awaitCondition, conditions } from "../../runtime/wait.ts";
import type { WatchableApi } from "../../runtime/watcher.ts";

/** An in-memory api: a list of the current objects, then scripted watch events. */
function fakeApi(initial: Pod[], events: WatchEvent<Pod>[]) {
  const seen: { lp?: ListParams; wp?: WatchParams }[] = [];
  const api: WatchableApi<Pod> = {
    list(lp?: ListParams): Promise<ObjectList<Pod>> {
      seen.push({ lp });
      return Promise.resolve({ metadata: { resourceVersion: "1" }, items: initial });
    },
    async *watch(wp?: WatchParams, _rv?: string, opts?: { signal?: AbortSignal }) {
      seen.push({ wp });
      for (const e of events) {
        await new Promise((r) => setTimeout(r, 1));
        yield e;
      }
      // Then nothing more until aborted, as a quiet watch.
      await new Promise<void>((resolve) => {
        if (opts?.signal?.aborted) return resolve();
        opts?.signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    },
    resource: { kind: "Pod", plural: "pods" },
  };
  return { api, seen };
}

function pod(name: string, phase: string, uid = "u1"): Pod {
  return { metadata: { name, namespace: "ns", uid, resourceVersion: "2" }, status: { phase } };
}

Deno.test("awaitCondition: resolves at once when the current state already matches", async () => {
  const { api, seen } = fakeApi([pod("a", "Running")], []);
  const got = await awaitCondition(api, "a", conditions.isPodRunning);
  assert.equal(got?.metadata.name, "a");
  assert.equal(seen[0].lp?.fieldSelector, "metadata.name=a");
});

Deno.test("awaitCondition: waits for a matching change", async () => {
  const { api } = fakeApi([pod("a", "Pending")], [
    {
      type: "MODIFIED",
      object: {
        ...pod("a", "Pending"),
        metadata: { ...pod("a", "").metadata, resourceVersion: "3" },
      },
    },
    {
      type: "MODIFIED",
      object: {
        ...pod("a", "Running"),
        metadata: { ...pod("a", "").metadata, resourceVersion: "4" },
      },
    },
  ]);
  const got = await awaitCondition(api, "a", conditions.isPodRunning);
  assert.equal(got?.metadata.resourceVersion, "4");
});

Deno.test("awaitCondition: isDeleted resolves on delete and when the object is absent", async () => {
  const { api } = fakeApi([pod("a", "Running")], [{
    type: "DELETED",
    object: pod("a", "Running"),
  }]);
  assert.equal(await awaitCondition(api, "a", conditions.isDeleted("u1")), undefined);
  const empty = fakeApi([], []);
  assert.equal(await awaitCondition(empty.api, "a", conditions.isDeleted("u1")), undefined);
  // A new object of the same name is not the deleted one.
  const replaced = fakeApi([pod("a", "Running", "u2")], []);
  assert.equal(
    (await awaitCondition(replaced.api, "a", conditions.isDeleted("u1")))?.metadata.uid,
    "u2",
  );
});

Deno.test("awaitCondition: the signal ends the wait with its reason", async () => {
  const { api } = fakeApi([pod("a", "Pending")], []);
  const err = await awaitCondition(api, "a", conditions.isPodRunning, {
    signal: AbortSignal.timeout(50),
  }).catch((e) => e);
  assert.equal(err?.name, "TimeoutError");
});

Deno.test("conditions: CRD established, Job complete, Deployment rollout", () => {
  const crd = {
    metadata: {},
    spec: {} as never,
    status: { conditions: [{ type: "Established", status: "True" }] },
  };
  assert.equal(conditions.isCrdEstablished(crd as never), true);
  assert.equal(conditions.isCrdEstablished(undefined), false);
  assert.equal(
    conditions.isJobCompleted(
      { metadata: {}, status: { conditions: [{ type: "Complete", status: "True" }] } } as never,
    ),
    true,
  );
  assert.equal(conditions.isJobCompleted({ metadata: {}, status: {} } as never), false);
  const d = (gen: number, observed: number, reason: string): Deployment => ({
    metadata: { generation: gen },
    status: {
      observedGeneration: observed,
      conditions: [{ type: "Progressing", status: "True", reason } as never],
    },
  } as unknown as Deployment);
  assert.equal(conditions.isDeploymentCompleted(d(2, 2, "NewReplicaSetAvailable")), true);
  assert.equal(conditions.isDeploymentCompleted(d(3, 2, "NewReplicaSetAvailable")), false);
  assert.equal(conditions.isDeploymentCompleted(d(2, 2, "ReplicaSetUpdated")), false);
});
