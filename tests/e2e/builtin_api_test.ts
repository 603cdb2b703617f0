// The generated built-in API (core/k8s/**) against the real kube-apiserver: every descriptor
// agrees with the server's discovery (plural, scope, verbs), every listable resource lists, and
// typed objects of six kinds are created and read back with what was sent.

import assert from "node:assert/strict";
import { Api, Client, Config, type KubeObject, type ResourceType } from "../../mod.ts";
import type { KubeRequest } from "../../core/request.ts";
import { Namespace, Secret, Service } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { Job } from "../../core/k8s/batch/v1.ts";
import { NetworkPolicy } from "../../core/k8s/networking.k8s.io/v1.ts";
import { Role } from "../../core/k8s/rbac.authorization.k8s.io/v1.ts";
import { requireCluster } from "./_cluster.ts";

const ROOT = new URL("../../", import.meta.url);

/** Every descriptor exported by the generated modules listed in deno.json's exports. */
async function generatedDescriptors(): Promise<ResourceType[]> {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const out: ResourceType[] = [];
  for (const [key, path] of Object.entries<string>(denoJson.exports)) {
    if (!key.startsWith("./k8s/")) continue;
    const mod = await import(new URL(path, ROOT).href);
    for (const v of Object.values(mod)) {
      if (typeof v === "object" && v !== null && "plural" in v && "apiVersion" in v) {
        out.push(v as ResourceType);
      }
    }
  }
  return out;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

const get = (path: string): KubeRequest => ({
  method: "GET",
  path,
  query: new URLSearchParams(),
  headers: { accept: "application/json" },
});

/** Discovery: resources of every served group-version, by apiVersion. */
async function discovery(client: Client): Promise<Map<string, ApiResource[]>> {
  const out = new Map<string, ApiResource[]>();
  const core = await client.request<{ resources: ApiResource[] }>(get("/api/v1"));
  out.set("v1", core.resources);
  const groups = await client.request<{ groups: { versions: { groupVersion: string }[] }[] }>(
    get("/apis"),
  );
  for (const g of groups.groups) {
    for (const v of g.versions) {
      const list = await client.request<{ resources: ApiResource[] }>(
        get(`/apis/${v.groupVersion}`),
      );
      out.set(v.groupVersion, list.resources);
    }
  }
  return out;
}

/** Asserts every field of `expected` is in `actual` with the same value (the server adds more). */
function assertSubset(actual: unknown, expected: unknown, path = "$"): void {
  if (expected === null || typeof expected !== "object") {
    assert.deepEqual(actual, expected, path);
    return;
  }
  assert.ok(actual !== null && typeof actual === "object", `${path}: not an object`);
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertSubset(actual[i], e, `${path}[${i}]`));
    return;
  }
  for (const [k, v] of Object.entries(expected)) {
    assertSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  }
}

if (requireCluster()) {
  Deno.test("e2e: generated descriptors agree with discovery, and every listable one lists", async (t) => {
    using client = new Client(await Config.fromKubeconfig({}));
    const served = await discovery(client);
    const descriptors = await generatedDescriptors();
    const byGv = new Map<string, ResourceType[]>();
    for (const d of descriptors) {
      if (!byGv.has(d.apiVersion)) byGv.set(d.apiVersion, []);
      byGv.get(d.apiVersion)!.push(d);
    }

    await t.step(
      "plural, scope and verbs equal discovery's, for every generated group-version",
      () => {
        const problems: string[] = [];
        let compared = 0;
        for (const [gv, ds] of byGv) {
          const resources = served.get(gv);
          if (!resources) {
            problems.push(`${gv}: generated but not served`);
            continue;
          }
          const top = resources.filter((r) => !r.name.includes("/"));
          for (const r of top) {
            const d = ds.find((x) => x.plural === r.name);
            if (!d) {
              problems.push(`${gv}/${r.name}: served, but no descriptor`);
              continue;
            }
            compared++;
            if (d.kind !== r.kind) problems.push(`${gv}/${r.name}: kind ${d.kind} != ${r.kind}`);
            if (d.namespaced !== r.namespaced) problems.push(`${gv}/${r.name}: namespaced`);
            const verbs = [...r.verbs].sort();
            if (JSON.stringify(d.verbs) !== JSON.stringify(verbs)) {
              problems.push(`${gv}/${r.name}: verbs ${d.verbs} != discovery ${verbs}`);
            }
          }
          for (const d of ds) {
            if (!top.some((r) => r.name === d.plural)) {
              problems.push(`${gv}/${d.plural}: descriptor, but not in discovery`);
            }
          }
        }
        assert.deepEqual(problems, []);
        assert.ok(compared >= 60, `only ${compared} resources compared`);
      },
    );

    const listable = descriptors.filter((d) => d.verbs?.includes("list"));
    await t.step(
      `Api.all(client, D).list({ limit: 1 }) for all ${listable.length} listable resources`,
      async () => {
        const failed: string[] = [];
        for (const d of listable) {
          try {
            const list = await Api.all(client, d).list({ limit: 1 });
            assert.ok(Array.isArray(list.items), `${d.apiVersion}/${d.plural}: items`);
            // No length check: componentstatuses ignores `limit` (it has no chunking).
          } catch (e) {
            failed.push(`${d.apiVersion}/${d.plural}: ${(e as Error).message}`);
          }
        }
        assert.deepEqual(failed, []);
        assert.ok(listable.length >= 50, `only ${listable.length} listable descriptors`);
      },
    );
  });

  Deno.test("e2e: typed Deployment, Service, Job, Secret, NetworkPolicy and Role round-trip", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const namespaces = Api.all(client, Namespace);
    const ns = (await namespaces.create({ metadata: { generateName: "builtin-" } })).metadata.name!;
    try {
      const labels = { app: "web" };
      const deployment: Deployment = {
        metadata: { name: "web", labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [{
                name: "web",
                image: "nginx:1.27",
                ports: [{ containerPort: 80, name: "http" }],
                resources: { limits: { cpu: "500m", memory: "128Mi" } },
              }],
            },
          },
          strategy: {
            type: "RollingUpdate",
            rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 },
          },
        },
      };
      const service: Service = {
        metadata: { name: "web" },
        spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
      };
      const job: Job = {
        metadata: { name: "once" },
        spec: {
          backoffLimit: 1,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [{ name: "c", image: "busybox", args: ["true"] }],
            },
          },
        },
      };
      const secret: Secret = {
        metadata: { name: "creds" },
        type: "Opaque",
        stringData: { password: "hunter2" },
      };
      const policy: NetworkPolicy = {
        metadata: { name: "deny-ingress" },
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ["Ingress"],
          ingress: [{ ports: [{ port: 80, protocol: "TCP" }] }],
        },
      };
      const role: Role = {
        metadata: { name: "reader" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
      };

      const roundTrip = async <K extends KubeObject>(
        rt: ResourceType<K>,
        obj: K,
        sent: unknown = obj,
      ): Promise<K> => {
        const api = Api.namespaced(client, rt, ns);
        const created = await api.create(obj);
        assert.equal(created.kind, rt.kind);
        assert.equal(created.apiVersion, rt.apiVersion);
        const got = await api.get(obj.metadata.name!);
        assert.equal(got.metadata.uid, created.metadata.uid);
        const { metadata: _m, ...body } = sent as KubeObject;
        assertSubset(got, body, rt.kind);
        assertSubset(
          got.metadata,
          { name: obj.metadata.name, namespace: ns },
          `${rt.kind}.metadata`,
        );
        return got;
      };
      const d = await roundTrip(Deployment, deployment);
      assert.equal(d.spec.template.spec?.containers[0].resources?.limits?.cpu, "500m");
      await roundTrip(Service, service);
      await roundTrip(Job, job, { spec: { backoffLimit: 1 } });
      // stringData is write-only: it comes back as base64 data.
      const s = await roundTrip(Secret, secret, { type: "Opaque" });
      assert.equal(s.data?.password, btoa("hunter2"));
      await roundTrip(NetworkPolicy, policy);
      await roundTrip(Role, role);
    } finally {
      await namespaces.delete(ns).catch(() => {});
    }
  });
}
