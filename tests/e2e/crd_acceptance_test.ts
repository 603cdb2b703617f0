// The CRD acceptance matrix against the real kube-apiserver: every shape's CRD must be accepted
// and become Established; for every sample, the server's dry-run verdict must equal
// Foo.parse's, and the defaults the server fills in must equal the local ones.

import assert from "node:assert/strict";
import { z } from "zod";
import { Api, Client, Config } from "../../mod.ts";
import { CustomResourceDefinition as CrdType } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import {
  type CustomResource,
  customResource,
  type CustomResourceDefinition,
  mergeCrds,
} from "../../crd/mod.ts";
import { requireCluster } from "./_cluster.ts";
import { GROUP, mutations, resourceOf, shapes } from "./crd_shapes.ts";

async function applyAndWait(api: Api<CustomResourceDefinition>, crd: CustomResourceDefinition) {
  await api.patch(crd.metadata.name!, { type: "apply", body: crd as never }, {
    fieldManager: "kubeno-e2e",
    force: true,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const got = await api.get(crd.metadata.name!);
    const conds = got.status?.conditions ?? [];
    if (conds.some((c) => c.type === "Established" && c.status === "True")) return got;
    if (Date.now() > deadline) {
      throw new Error(`${crd.metadata.name} not Established: ${JSON.stringify(conds)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

if (requireCluster()) {
  Deno.test("e2e: CRD acceptance matrix — schema shapes x samples, server vs Foo.parse", async (t) => {
    using client = new Client(await Config.fromKubeconfig({}));
    const crds = Api.all(client, CrdType) as unknown as Api<CustomResourceDefinition>;
    const resources = shapes.map(resourceOf);
    try {
      await matrix(t, client, crds, resources);
    } finally {
      await Promise.allSettled(resources.map((r) => crds.delete(r.crd().metadata.name!)));
    }
  });
}

async function matrix(
  t: Deno.TestContext,
  client: Client,
  crds: Api<CustomResourceDefinition>,
  resources: CustomResource[],
): Promise<void> {
  {
    // Every CRD accepted and Established.
    await t.step(`${shapes.length} CRDs accepted and Established`, async () => {
      const results = await Promise.allSettled(resources.map((r) => applyAndWait(crds, r.crd())));
      const failed = results
        .map((r, i) => r.status === "rejected" ? `${shapes[i].name}: ${errText(r.reason)}` : "")
        .filter(Boolean);
      assert.deepEqual(failed, []);
    });

    const rows: string[] = [];
    const disagreements: string[] = [];
    let total = 0;
    let agreed = 0;
    for (const [i, shape] of shapes.entries()) {
      const r = resources[i];
      const api = Api.namespaced(client, r, "default");
      const specs = [
        ...shape.valid.map((s) => ({ s, expect: true as boolean | undefined })),
        ...shape.invalid.map((s) => ({ s, expect: false as boolean | undefined })),
        ...(shape.noFuzz ? [] : mutations(shape.valid[0], 1000 + i, 6).map((s) => ({
          s,
          expect: undefined,
        }))),
      ];
      let ok = 0;
      for (let [j, { s, expect }] of specs.entries()) {
        let name = `ok-sample-${j}`;
        if (s && typeof s === "object" && "$name" in s) {
          const { $name, ...rest } = s as Record<string, unknown>;
          name = String($name);
          s = rest;
        }
        const obj: Record<string, unknown> = {
          apiVersion: r.apiVersion,
          kind: r.kind,
          metadata: { name },
        };
        if (s !== undefined) obj.spec = s;
        const local = r.safeParse(obj);
        let server: { ok: true; obj: Record<string, unknown> } | { ok: false; msg: string };
        try {
          server = {
            ok: true,
            obj: await api.create(obj as never, { dryRun: true }) as unknown as Record<
              string,
              unknown
            >,
          };
        } catch (e) {
          server = { ok: false, msg: errText(e) };
        }
        total++;
        const label = `${shape.name}#${j} ${JSON.stringify(s)}`;
        if (local.success !== server.ok) {
          disagreements.push(
            `${label}: server ${server.ok ? "accepts" : `rejects (${server.msg})`}, ` +
              `local ${local.success ? "accepts" : `rejects (${local.error.message})`}`,
          );
          continue;
        }
        if (expect !== undefined && local.success !== expect) {
          disagreements.push(
            `${label}: both ${local.success ? "accept" : "reject"}, the test expected otherwise`,
          );
          continue;
        }
        if (local.success && server.ok) {
          const a = JSON.stringify(server.obj.spec);
          const b = JSON.stringify(local.data.spec);
          if (!deepEq(server.obj.spec, local.data.spec)) {
            disagreements.push(`${label}: defaults differ: server ${a}, local ${b}`);
            continue;
          }
        }
        ok++;
      }
      agreed += ok;
      rows.push(
        `${shape.name.padEnd(40)} ${String(specs.length).padStart(3)} samples, ${ok} agree`,
      );
    }
    console.log(
      `\nCRD acceptance matrix: ${shapes.length} shapes, ${total} samples, ${agreed} agreements\n` +
        rows.join("\n"),
    );
    if (disagreements.length) console.log("disagreements:\n" + disagreements.join("\n"));
    assert.deepEqual(disagreements, []);

    await t.step("two versions merged: accepted, Established, both served", async () => {
      const common = { group: GROUP, kind: "Multi", namespaced: true } as const;
      const V1 = customResource({ ...common, version: "v1", spec: z.object({ name: z.string() }) });
      const V2 = customResource({
        ...common,
        version: "v2",
        spec: z.object({ name: z.string(), size: z.int().default(1) }),
      });
      await applyAndWait(crds, mergeCrds([V1, V2], { storage: "v2" }));
      const a1 = await Api.namespaced(client, V1, "default").create(V1.new("m", { name: "x" }), {
        dryRun: true,
      });
      assert.equal(a1.apiVersion, `${GROUP}/v1`);
      const a2 = await Api.namespaced(client, V2, "default").create(V2.new("m", { name: "x" }), {
        dryRun: true,
      });
      assert.deepEqual(a2.spec, V2.parse(V2.new("m", { name: "x" })).spec);
      await crds.delete(`multis.${GROUP}`);
    });
  }
}

/** Equality as JSON sees it (-0 and 0 are one number on the wire). */
function deepEq(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(
      JSON.parse(JSON.stringify(a ?? null)),
      JSON.parse(JSON.stringify(b ?? null)),
    );
    return true;
  } catch {
    return false;
  }
}
