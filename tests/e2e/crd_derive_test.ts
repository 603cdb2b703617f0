// The crd_derive example's Foo against the real apiserver: applyCrd, create, list, server-side
// apply, status and scale subresources; a NamesAccepted conflict; the crd_derive_schema CRD
// (CEL, quantities, list maps) and a transition rule on a real update, server vs parseUpdate.

import assert from "node:assert/strict";
import { z } from "zod";
import {
  Api,
  applyCrd,
  Client,
  Config,
  CrdNotEstablishedError,
  customResource,
  isInvalid,
} from "../../mod.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { Namespace } from "../../core/k8s/core/v1.ts";
import { Foo } from "../../examples/crd_derive.ts";
import { Document } from "../../examples/crd_derive_schema.ts";
import { crd as multiCrd, MultiV1, MultiV2 } from "../../examples/crd_derive_multi.ts";
import { requireCluster } from "./_cluster.ts";

async function withNamespace(client: Client, fn: (ns: string) => Promise<void>): Promise<void> {
  const namespaces = Api.all(client, Namespace);
  const ns = await namespaces.create({ metadata: { generateName: "crd-" } });
  try {
    await fn(ns.metadata.name!);
  } finally {
    await namespaces.delete(ns.metadata.name!).catch(() => {});
  }
}

if (requireCluster()) {
  Deno.test("e2e: crd_derive Foo — applyCrd, create, list, apply, status, scale", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const established = await applyCrd(client, Foo, { signal: AbortSignal.timeout(60_000) });
    assert.equal(established.status?.acceptedNames?.plural, "foos");
    // Idempotent: a second apply is accepted and established at once.
    await applyCrd(client, Foo);
    await withNamespace(client, async (ns) => {
      const foos = Api.namespaced(client, Foo, ns);
      const created = await foos.create(Foo.new("baz", { name: "baz", info: "old" }));
      assert.equal(created.spec.replicas, 1);
      assert.equal((await foos.list()).items.length, 1);

      const applied = await foos.patch("baz", {
        type: "apply",
        body: { apiVersion: Foo.apiVersion, kind: Foo.kind, spec: { name: "baz", info: "new" } },
      }, { fieldManager: "e2e", force: true });
      assert.equal(applied.spec.info, "new");
      assert.deepEqual(Foo.parse(applied).spec, applied.spec, "server object parses locally");

      const st = await foos.patchStatus("baz", {
        type: "merge",
        body: { status: { isBad: true, replicas: 1 } },
      });
      assert.deepEqual(st.status, { isBad: true, replicas: 1 });
      // The status schema is enforced on the subresource too, as locally.
      const bad = await foos.patchStatus("baz", {
        type: "merge",
        body: { status: { isBad: "no" as never } },
      })
        .catch((e) => e);
      assert.ok(isInvalid(bad), String(bad));
      assert.equal(Foo.safeParse({ ...st, status: { isBad: "no" } }).success, false);

      await foos.patchScale("baz", { type: "merge", body: { spec: { replicas: 4 } } });
      const scale = await foos.getScale("baz");
      assert.equal(scale.spec?.replicas, 4);
      assert.equal((await foos.get("baz")).spec.replicas, 4);
      await foos.delete("baz");
    });
    await Api.all(client, CustomResourceDefinition).delete(Foo.crd().metadata.name!);
  });

  Deno.test("e2e: applyCrd reports a NamesAccepted conflict", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const group = "conflict.kubeno.dev";
    const A = customResource({
      group,
      version: "v1",
      kind: "Widget",
      namespaced: true,
      spec: z.object({}),
    });
    const B = customResource({
      group,
      version: "v1",
      kind: "Widget", // same kind under another plural: KindConflict
      plural: "gizmos",
      namespaced: true,
      spec: z.object({}),
    });
    const crds = Api.all(client, CustomResourceDefinition);
    try {
      await applyCrd(client, A);
      const err = await applyCrd(client, B, { timeoutMs: 20_000 }).catch((e) => e);
      assert.ok(err instanceof CrdNotEstablishedError, String(err));
      assert.match(err.message, /names not accepted/);
      assert.match(err.message, /Widget|kind/i);
    } finally {
      await crds.delete(A.crd().metadata.name!).catch(() => {});
      await crds.delete(B.crd().metadata.name!).catch(() => {});
    }
  });

  Deno.test("e2e: crd_derive_schema Document — CEL on create and a transition rule on update, server vs local", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    await applyCrd(client, Document);
    try {
      await withNamespace(client, async (ns) => {
        const docs = Api.namespaced(client, Document, ns);
        const doc = await docs.create(Document.new("d", { title: "Hello", owner: "alice" }));
        assert.deepEqual(
          doc.spec,
          Document.parse(Document.new("d", { title: "Hello", owner: "alice" })).spec,
        );

        const badRange = {
          ...doc,
          metadata: { name: "d2" },
          spec: { ...doc.spec, minReplicas: 5 },
        };
        const e1 = await docs.create(badRange, { dryRun: true }).catch((e) => e);
        assert.ok(isInvalid(e1), String(e1));
        assert.match(String(e1), /minReplicas exceeds maxReplicas/);
        assert.equal(Document.safeParse(badRange).success, false);

        const changed = { ...doc, spec: { ...doc.spec, owner: "mallory" } };
        const e2 = await docs.replace("d", changed).catch((e) => e);
        assert.ok(isInvalid(e2), String(e2));
        assert.match(String(e2), /owner is immutable/);
        assert.equal(Document.safeParseUpdate(doc, changed).success, false);

        const ok = { ...doc, spec: { ...doc.spec, title: "Bye" } };
        const replaced = await docs.replace("d", ok);
        assert.equal(replaced.spec.title, "Bye");
        assert.equal(Document.safeParseUpdate(doc, ok).success, true);
      });
    } finally {
      await Api.all(client, CustomResourceDefinition).delete(Document.crd().metadata.name!);
    }
  });

  Deno.test("e2e: crd_derive_multi — both versions served, v2 stored", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const got = await applyCrd(client, multiCrd);
    try {
      assert.deepEqual(got.status?.storedVersions, ["v2"]);
      await withNamespace(client, async (ns) => {
        await Api.namespaced(client, MultiV2, ns).create(MultiV2.new("m", { name: "x" }));
        const asV1 = await Api.namespaced(client, MultiV1, ns).get("m");
        assert.equal(asV1.apiVersion, "kube.rs/v1");
        assert.equal(asV1.spec.name, "x");
      });
    } finally {
      await Api.all(client, CustomResourceDefinition).delete(multiCrd.metadata.name!);
    }
  });
}

if (requireCluster()) {
  Deno.test("e2e: a CEL rule kubeno cannot evaluate is the apiserver's verdict alone: passed and named locally, or refused with unevaluatedCel 'fail'", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const rule = "!format.dns1123Label().validate(self).hasValue()";
    const options = {
      group: "unevaluated.kubeno.test",
      version: "v1",
      kind: "Named",
      namespaced: true,
      spec: z.object({
        name: z.string().max(63).meta({
          "x-kubernetes-validations": [{ rule, message: "must be a DNS label" }],
        }),
      }),
    } as const;
    const Named = customResource(options);
    const Strict = customResource({ ...options, unevaluatedCel: "fail" });
    await applyCrd(client, Named, { signal: AbortSignal.timeout(60_000) });
    try {
      await withNamespace(client, async (ns) => {
        const api = Api.namespaced(client, Named, ns);
        for (const [name, serverAccepts] of [["web-1", true], ["Web_1", false]] as const) {
          const obj = {
            apiVersion: Named.apiVersion,
            kind: Named.kind,
            metadata: { name: `n-${serverAccepts}` },
            spec: { name },
          };
          const server = await api.create(obj, { dryRun: true }).then(
            () => "accepted",
            (e) => (isInvalid(e) ? `refused: ${e.message}` : Promise.reject(e)),
          );
          if (serverAccepts) assert.equal(server, "accepted");
          else assert.match(server, /refused: .*must be a DNS label/);
          // Locally no verdict either way, and the rule named: never a refusal the apiserver would
          // not make, never a silent pass.
          const local = Named.safeParse(obj);
          assert.ok(local.success, name);
          assert.deepEqual(local.unevaluated?.map((i) => [i.path, i.rule]), [["spec.name", rule]]);
          assert.equal(Strict.safeParse(obj).success, false, `fail closed: ${name}`);
        }
      });
    } finally {
      await Api.all(client, CustomResourceDefinition).delete(Named.crd().metadata.name!)
        .catch(() => {});
    }
  });
}
