/**
 * Admission webhooks served by this Deno process over TLS on 127.0.0.1 and called by the real
 * kube-apiserver: a denial reaches `Api.create` as an ApiError with the webhook's message and
 * code, a patch is stored, warnings arrive as Warning headers, and failurePolicy / timeoutSeconds
 * decide when the webhook is down or slow, and rotating the serving certificate (serveTls)
 * while the apiserver keeps calling fails no admission.
 */

import assert from "node:assert/strict";
import { z } from "zod";
import {
  admissionHandler,
  allow,
  Api,
  ApiError,
  applyCrd,
  checkRoundTrips,
  Client,
  conversionHandler,
  createRequest,
  deny,
  hubAndSpoke,
  jsonPointer,
  type KubeObject,
  mutatingWebhookConfiguration,
  patch,
  patchFrom,
  resourceType,
  serveTls,
  validatingWebhookConfiguration,
  type WebhookOptions,
  withConversionWebhook,
} from "../../mod.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from "../../core/k8s/admissionregistration.k8s.io/v1.ts";
import {
  type CustomResourceDefinition,
  CustomResourceDefinition as CustomResourceDefinitionType,
} from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";
import { type Pem, webhookPki } from "../unit/_webhook_pki.ts";

/** A port nothing listens on: bound, then released. */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

interface Person extends KubeObject {
  spec: { name?: string; firstName?: string; lastName?: string };
}

const L = "kubeno-e2e"; // label prefix routing objects to one webhook each

async function expectApiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail("expected the create to fail");
}

if (requireCluster()) {
  Deno.test({
    name:
      "e2e webhooks: deny, patch, warnings, failurePolicy, timeout and certificate rotation through the real apiserver",
    sanitizeResources: false,
    sanitizeOps: false,
  }, async () => {
    using client = await Client.tryDefault();
    const [one, two] = await webhookPki(2, 2);
    const dir = await Deno.makeTempDir({ prefix: "kubeno-webhook-tls-" });
    const certFile = `${dir}/tls.crt`, keyFile = `${dir}/tls.key`;
    const install = async (p: Pem) => {
      await Deno.writeTextFile(certFile, p.cert);
      await Deno.writeTextFile(keyFile, p.key);
    };
    await install(one.serving);
    const calls = { validate: 0, mutate: 0, slow: 0, schema: 0 };
    let releaseSlow = () => {};
    const slowReleased = new Promise<void>((r) => releaseSlow = r);

    const validate = admissionHandler(ConfigMap, (req) => {
      calls.validate++;
      const labels = req.object?.metadata.labels ?? {};
      if (labels[`${L}/deny`]) {
        return deny(`configmaps labelled ${L}/deny are not allowed here`, 422);
      }
      if (labels[`${L}/warn`]) return allow({ warnings: ["kubeno: this configmap is watched"] });
      return allow();
    });
    const mutate = admissionHandler(ConfigMap, (req) => {
      calls.mutate++;
      const labels = req.object?.metadata.labels;
      return labels
        ? patch([{
          op: "add",
          path: jsonPointer("metadata", "labels", `${L}/mutated`),
          value: "yes",
        }])
        : patch([{ op: "add", path: "/metadata/labels", value: { [`${L}/mutated`]: "yes" } }]);
    });
    // Bound to a Zod schema: an object that does not parse is denied with its issues.
    const checked = admissionHandler((req) => {
      calls.schema++;
      return allow({ warnings: [`data keys: ${Object.keys(req.object?.data ?? {}).join(",")}`] });
    }, { schema: z.looseObject({ data: z.record(z.string(), z.string().max(8)).optional() }) });
    // patchFrom: the JSONPatch from the object to a changed copy (a key with "/", a removal).
    const diff = admissionHandler(ConfigMap, (req) => {
      const obj = req.object!;
      const labels: Record<string, string> = { ...obj.metadata.labels, "example.com/team": "blue" };
      delete labels[`${L}/diff-remove`];
      return patchFrom(obj, {
        ...obj,
        metadata: { ...obj.metadata, labels },
        data: { ...obj.data, x: "changed", added: "yes" },
      });
    });
    // A function that throws: a denial with code 500 and a generic message; the error to onError.
    const thrown: unknown[] = [];
    const throwing = admissionHandler(() => {
      throw new Error("secret detail: token=abc");
    }, { onError: (e) => thrown.push(e) });
    const slow = admissionHandler(async () => {
      calls.slow++;
      // Held until the test ends (bounded): the apiserver's 1 s timeout fires first.
      await Promise.race([slowReleased, new Promise((r) => setTimeout(r, 20_000))]);
      return allow();
    });
    const server = await serveTls((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/validate") return validate(req);
      if (path === "/mutate") return mutate(req);
      if (path === "/slow") return slow(req);
      if (path === "/schema") return checked(req);
      if (path === "/throw") return throwing(req);
      if (path === "/diff") return diff(req);
      return new Response("not found", { status: 404 });
    }, { certFile, keyFile, hostname: "127.0.0.1", port: 0, reloadIntervalMs: 3_600_000 });
    const base = `https://127.0.0.1:${server.addr.port}`;
    const down = `https://127.0.0.1:${closedPort()}`;

    await withNamespace(client, "e2e-webhook", async (ns) => {
      const cms = Api.namespaced(client, ConfigMap, ns);
      const rules: WebhookOptions["rules"] = [{
        operations: ["CREATE", "UPDATE"],
        apiGroups: [""],
        apiVersions: ["v1"],
        resources: ["configmaps"],
      }];
      const namespaceSelector = {
        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [ns] }],
      };
      const only = (key: string) => ({
        matchExpressions: [{ key: `${L}/${key}`, operator: "Exists" }],
      });
      const without = (...keys: string[]) => ({
        matchExpressions: keys.map((k) => ({ key: `${L}/${k}`, operator: "DoesNotExist" })),
      });
      // Both CAs: the serving certificate is rotated from one to the other below.
      const common = { caBundle: one.ca + two.ca, rules, namespaceSelector };
      const vwc = validatingWebhookConfiguration(ns, [
        {
          ...common,
          name: "validate.kubeno.test",
          url: `${base}/validate`,
          objectSelector: without("down-fail", "down-ignore", "slow", "slow-ignore"),
        },
        {
          ...common,
          name: "down-fail.kubeno.test",
          url: `${down}/x`,
          objectSelector: only("down-fail"),
        },
        {
          ...common,
          name: "down-ignore.kubeno.test",
          url: `${down}/x`,
          failurePolicy: "Ignore",
          objectSelector: only("down-ignore"),
        },
        {
          ...common,
          name: "slow.kubeno.test",
          url: `${base}/slow`,
          timeoutSeconds: 1,
          objectSelector: only("slow"),
        },
        {
          ...common,
          name: "slow-ignore.kubeno.test",
          url: `${base}/slow`,
          timeoutSeconds: 1,
          failurePolicy: "Ignore",
          objectSelector: only("slow-ignore"),
        },
        {
          ...common,
          name: "schema.kubeno.test",
          url: `${base}/schema`,
          objectSelector: only("schema"),
        },
        {
          ...common,
          name: "throw.kubeno.test",
          url: `${base}/throw`,
          objectSelector: only("throw"),
        },
        {
          // The mutating handler registered as a validating webhook: it answers with a patch.
          ...common,
          name: "vpatch.kubeno.test",
          url: `${base}/mutate`,
          objectSelector: only("vpatch"),
        },
      ]);
      const mwc = mutatingWebhookConfiguration(ns, [
        {
          ...common,
          name: "mutate.kubeno.test",
          url: `${base}/mutate`,
          objectSelector: without("down-fail", "down-ignore", "slow", "slow-ignore"),
        },
        {
          ...common,
          name: "diff.kubeno.test",
          url: `${base}/diff`,
          objectSelector: only("diff"),
        },
      ]);
      const vwcs = Api.all(client, ValidatingWebhookConfiguration);
      const mwcs = Api.all(client, MutatingWebhookConfiguration);
      await vwcs.create(vwc);
      await mwcs.create(mwc);
      try {
        // The apiserver picks new configurations up from its informer: wait until it calls us.
        let n = 0;
        const deadline = Date.now() + 60_000;
        for (;;) {
          const cm = await cms.create({ metadata: { name: `probe-${n++}` } });
          if (cm.metadata.labels?.[`${L}/mutated`] === "yes" && calls.validate > 0) break;
          assert.ok(Date.now() < deadline, "the apiserver did not call the webhooks within 60 s");
          await new Promise((r) => setTimeout(r, 250));
        }

        // A denial: the webhook's message and code through Api.create.
        const denied = await expectApiError(
          cms.create({ metadata: { name: "denied", labels: { [`${L}/deny`]: "1" } } }),
        );
        console.log(`denied: ${denied.code} ${denied.reason}: ${denied.message}`);
        assert.equal(denied.code, 422);
        assert.match(
          denied.status.message ?? "",
          new RegExp(
            `admission webhook "validate.kubeno.test" denied the request: configmaps labelled ${L}/deny are not allowed here`,
          ),
        );
        await assert.rejects(cms.get("denied"), (e: ApiError) => e.code === 404);

        // A patch: the stored object carries the label the mutating webhook added.
        await cms.create({ metadata: { name: "mutated", labels: { keep: "me" } } });
        const stored = await cms.get("mutated");
        assert.deepEqual(stored.metadata.labels, { keep: "me", [`${L}/mutated`]: "yes" });

        // patchFrom's JSONPatch, applied by the apiserver: added, replaced and removed.
        await cms.create({
          metadata: { name: "diffed", labels: { [`${L}/diff`]: "1", [`${L}/diff-remove`]: "1" } },
          data: { x: "original", keep: "me" },
        });
        const diffed = await cms.get("diffed");
        assert.deepEqual(diffed.metadata.labels, {
          [`${L}/diff`]: "1",
          [`${L}/mutated`]: "yes",
          "example.com/team": "blue",
        });
        assert.deepEqual(diffed.data, { x: "changed", keep: "me", added: "yes" });

        // Warnings: returned to the client as Warning headers.
        const res = await client.requestRaw(createRequest(
          { resource: ConfigMap, namespace: ns },
          { metadata: { name: "warned", labels: { [`${L}/warn`]: "1" } } },
        ));
        assert.equal(res.status, 201);
        const warning = res.headers.get("warning") ?? "";
        console.log(`warning header: ${warning}`);
        assert.match(warning, /^299 - "kubeno: this configmap is watched"$/);

        // failurePolicy Fail with the webhook down: the apiserver's error; Ignore: created.
        const failed = await expectApiError(
          cms.create({ metadata: { name: "down-fail", labels: { [`${L}/down-fail`]: "1" } } }),
        );
        console.log(`down, Fail: ${failed.code} ${failed.reason}: ${failed.message}`);
        assert.equal(failed.code, 500);
        assert.match(
          failed.status.message ?? "",
          /failed calling webhook "down-fail\.kubeno\.test"/,
        );
        assert.match(failed.status.message ?? "", /connection refused/);
        const ignored = await cms.create({
          metadata: { name: "down-ignore", labels: { [`${L}/down-ignore`]: "1" } },
        });
        assert.equal(ignored.metadata.name, "down-ignore");

        // A slow webhook: the apiserver gives up after timeoutSeconds (Fail: the create fails).
        const timedOut = await expectApiError(
          cms.create({ metadata: { name: "slow", labels: { [`${L}/slow`]: "1" } } }),
        );
        console.log(`slow, 1 s timeout: ${timedOut.code} ${timedOut.reason}: ${timedOut.message}`);
        assert.ok(timedOut.code >= 500, `code ${timedOut.code}`);
        assert.match(timedOut.status.message ?? "", /failed calling webhook "slow\.kubeno\.test"/);
        assert.match(timedOut.status.message ?? "", /deadline exceeded|timeout/i);
        assert.ok(calls.slow >= 1);
        // The same with failurePolicy Ignore: the apiserver gives up after 1 s and goes on.
        const slowAt = calls.slow;
        const t0 = Date.now();
        const passed = await cms.create({
          metadata: { name: "slow-ignore", labels: { [`${L}/slow-ignore`]: "1" } },
        });
        assert.equal(passed.metadata.name, "slow-ignore");
        assert.equal(calls.slow, slowAt + 1, "the apiserver called the slow webhook");
        console.log(`slow, 1 s timeout, Ignore: created after ${Date.now() - t0} ms`);

        // A throwing function: the client gets the 500 denial, not the error's text.
        const failedFn = await expectApiError(
          cms.create({ metadata: { name: "throw", labels: { [`${L}/throw`]: "1" } } }),
        );
        console.log(`throwing function: ${failedFn.code}: ${failedFn.message}`);
        assert.equal(failedFn.code, 500);
        assert.match(
          failedFn.status.message ?? "",
          /admission webhook "throw\.kubeno\.test" denied the request: the admission webhook failed; see its logs/,
        );
        assert.doesNotMatch(failedFn.message, /secret detail/);
        assert.equal(thrown.length, 1);

        // A patch from a validating webhook is a failed call, not an ignored patch.
        const vpatch = await expectApiError(
          cms.create({ metadata: { name: "vpatch", labels: { [`${L}/vpatch`]: "1" } } }),
        );
        console.log(`patch from a validating webhook: ${vpatch.code}: ${vpatch.message}`);
        assert.equal(vpatch.code, 500);
        assert.match(
          vpatch.status.message ?? "",
          /failed calling webhook "vpatch\.kubeno\.test": .*validating webhook may not return response\.patch/,
        );

        // Bound to a Zod schema: the issues reach the client through the apiserver's denial.
        const invalid = await expectApiError(cms.create({
          metadata: { name: "schema-bad", labels: { [`${L}/schema`]: "1" } },
          data: { short: "ok", long: "longer than eight" },
        }));
        console.log(`schema: ${invalid.code} ${invalid.reason}: ${invalid.message}`);
        assert.equal(invalid.code, 422);
        assert.match(
          invalid.status.message ?? "",
          /admission webhook "schema\.kubeno\.test" denied the request: invalid ConfigMap: data\.long: /,
        );
        const schemaCalls = calls.schema;
        await cms.create({
          metadata: { name: "schema-ok", labels: { [`${L}/schema`]: "1" } },
          data: { short: "ok" },
        });
        assert.equal(calls.schema, schemaCalls + 1, "only a parsed object reaches the function");
        assert.equal(schemaCalls, 0);

        // Certificate rotation while the apiserver keeps calling (failurePolicy Fail): none fails.
        let rotating = true, rotations = 0, created = 0;
        const failures: string[] = [];
        const rotator = (async () => {
          try {
            // To the other CA, then to a new certificate of the same CA, then back.
            const order = [two.serving, one.servings[1], one.serving];
            for (let i = 0; i < 6; i++) {
              await install(order[i % 3]);
              if (await server.reload()) rotations++;
              await new Promise((r) => setTimeout(r, 150));
            }
          } finally {
            rotating = false;
          }
        })();
        while (rotating || created < 10) {
          try {
            const cm = await cms.create({
              metadata: { name: `rotation-${created + failures.length}` },
            });
            assert.equal(cm.metadata.labels?.[`${L}/mutated`], "yes");
            created++;
          } catch (e) {
            failures.push(String(e));
          }
        }
        await rotator;
        console.log(
          `rotation: ${rotations} rotations, ${created} creates, ${failures.length} failed`,
        );
        assert.equal(rotations, 6);
        assert.deepEqual(failures, []);
        console.log(`calls: ${JSON.stringify(calls)}`);
      } finally {
        releaseSlow();
        await vwcs.delete(vwc.metadata.name!).catch(() => {});
        await mwcs.delete(mwc.metadata.name!).catch(() => {});
      }
    });
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  });
}

if (requireCluster()) {
  Deno.test({
    name:
      "e2e conversion webhook: a 2-version CRD reads, lists and watches each object in both versions",
    sanitizeResources: false,
    sanitizeOps: false,
  }, async () => {
    using client = await Client.tryDefault();
    const [{ ca, serving }] = await webhookPki();
    let conversions = 0;
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, ...serving, onListen: () => {} },
      conversionHandler((o, to) => {
        conversions++;
        return convertPerson(o, to);
      }),
    );
    const group = `c${crypto.randomUUID().slice(0, 6)}.kubeno-e2e.dev`;
    const convertPerson = hubAndSpoke({
      hub: `${group}/v1`,
      spokes: {
        [`${group}/v1alpha1`]: {
          toHub: (o) => {
            const [firstName, ...rest] = (o as Person).spec.name!.split(" ");
            return { ...o, spec: { firstName, lastName: rest.join(" ") } };
          },
          fromHub: (o) => {
            const s = (o as Person).spec;
            return { ...o, spec: { name: [s.firstName, s.lastName].filter(Boolean).join(" ") } };
          },
        },
      },
    });
    const str = { type: "string" };
    const version = (name: string, storage: boolean, props: Record<string, unknown>) => ({
      name,
      served: true,
      storage,
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: { spec: { type: "object", properties: props } },
        },
      },
    });
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `people.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "people", singular: "person", kind: "Person", listKind: "PersonList" },
        versions: [
          version("v1alpha1", false, { name: str }),
          version("v1", true, { firstName: str, lastName: str }),
        ],
      },
    } as CustomResourceDefinition;
    const crdWithHook = withConversionWebhook(crd, {
      url: `https://127.0.0.1:${server.addr.port}/convert`,
      caBundle: ca,
    });
    const descriptor = (v: string) =>
      resourceType<Person>({
        group,
        version: v,
        kind: "Person",
        plural: "people",
        namespaced: true,
      });
    try {
      await applyCrd(client, crdWithHook, {
        fieldManager: "kubeno-e2e",
        force: true,
        timeoutMs: 60_000,
      });
      await withNamespace(client, "e2e-conversion", async (ns) => {
        const alpha = Api.namespaced(client, descriptor("v1alpha1"), ns);
        const v1 = Api.namespaced(client, descriptor("v1"), ns);
        // The CRD's discovery and conversion client come up shortly after Established.
        const deadline = Date.now() + 60_000;
        let created: Person | undefined;
        while (!created) {
          try {
            created = await alpha.create({
              metadata: { name: "ada" },
              spec: { name: "Ada King Lovelace" },
            });
          } catch (e) {
            if (Date.now() > deadline) throw e;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
        // Written in v1alpha1, stored in v1, answered in v1alpha1: a lossless round trip.
        assert.equal(created.apiVersion, `${group}/v1alpha1`);
        assert.deepEqual(created.spec, { name: "Ada King Lovelace" });
        assert.deepEqual((await v1.get("ada")).spec, {
          firstName: "Ada",
          lastName: "King Lovelace",
        });
        await v1.create({
          metadata: { name: "grace" },
          spec: { firstName: "Grace", lastName: "Hopper" },
        });
        assert.deepEqual((await alpha.get("grace")).spec, { name: "Grace Hopper" });

        // The converters are lossless for the stored objects, in both directions.
        const stored = [created, await v1.get("grace")];
        assert.deepEqual(
          checkRoundTrips(convertPerson, stored, [`${group}/v1alpha1`, `${group}/v1`]),
          [],
        );
        const list = await alpha.list();
        assert.deepEqual(
          list.items.map((p) => [p.apiVersion ?? list.apiVersion, p.metadata.name, p.spec.name])
            .sort(),
          [[`${group}/v1alpha1`, "ada", "Ada King Lovelace"], [
            `${group}/v1alpha1`,
            "grace",
            "Grace Hopper",
          ]],
        );
        // Watch in the old version: a change made in v1 arrives converted.
        const watching = alpha.watch({ timeoutSeconds: 30 }, list.metadata.resourceVersion);
        await v1.patch("grace", { type: "merge", body: { spec: { lastName: "Brewster Hopper" } } });
        let seen: Person | undefined;
        for await (const ev of watching) {
          if (ev.type === "MODIFIED" && ev.object.metadata.name === "grace") {
            seen = ev.object;
            break;
          }
        }
        assert.equal(seen?.apiVersion, `${group}/v1alpha1`);
        assert.deepEqual(seen?.spec, { name: "Grace Brewster Hopper" });
        console.log(`conversion webhook calls: ${conversions}`);
        assert.ok(conversions > 0);
      });
    } finally {
      await Api.all(client, CustomResourceDefinitionType).delete(crd.metadata.name!).catch(
        () => {},
      );
      await server.shutdown();
    }
  });
}

/** An example run as a subprocess with narrow permissions, its stdout collected. */
function runExample(file: string, args: string[]) {
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      new URL(`../../examples/${file}`, import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const run = { out: "", waitFor, stop };
  const outDone = proc.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (s) => void (run.out += s) }),
  );
  const errText = new Response(proc.stderr).text();
  async function waitFor(re: RegExp) {
    for (let i = 0; i < 1200 && !re.test(run.out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(run.out, re, `${file} output:\n${run.out}`);
  }
  /** SIGTERM, then expects a clean exit. */
  async function stop() {
    try {
      proc.kill("SIGTERM");
    } catch { /* already exited */ }
    const status = await proc.status;
    await outDone;
    assert.equal(status.code, 0, `${file} stderr: ${await errText}`);
  }
  return run;
}

if (requireCluster()) {
  Deno.test({
    name:
      "e2e examples/crd_conversion.ts: written in v1alpha1, read in v1 through its webhook; CRD deleted on SIGTERM",
    sanitizeResources: false,
    sanitizeOps: false,
  }, async () => {
    using client = await Client.tryDefault();
    const [{ ca, serving }] = await webhookPki();
    const dir = await Deno.makeTempDir({ prefix: "kubeno-conversion-example-" });
    for (const [f, text] of [["tls.crt", serving.cert], ["tls.key", serving.key], ["ca.crt", ca]]) {
      await Deno.writeTextFile(`${dir}/${f}`, text);
    }
    const group = `x${crypto.randomUUID().slice(0, 6)}.kubeno-e2e.dev`;
    await withNamespace(client, "e2e-conversion-example", async (ns) => {
      const run = runExample("crd_conversion.ts", [
        `--cert-file=${dir}/tls.crt`,
        `--key-file=${dir}/tls.key`,
        `--ca-file=${dir}/ca.crt`,
        "--port=0",
        `--namespace=${ns}`,
        `--group=${group}`,
      ]);
      try {
        await run.waitFor(/ada as v1alpha1: /);
        assert.match(run.out, /ada as v1: \{"firstName":"Ada","lastName":"King Lovelace"\}/);
        assert.match(run.out, /ada as v1alpha1: \{"name":"Ada King Lovelace"\}/);
      } finally {
        await run.stop();
      }
      assert.match(run.out, /CRD deleted, stopped/);
      // A deleted CRD lingers while the apiserver's cleanup finalizer removes its objects.
      const crds = Api.all(client, CustomResourceDefinitionType);
      let gone = false;
      for (let i = 0; i < 300 && !gone; i++) {
        gone = await crds.get(`people.${group}`).then(
          (crd) => {
            assert.ok(crd.metadata.deletionTimestamp, "the example deleted its CRD");
            return false;
          },
          (e: ApiError) => {
            if (e.code !== 404) throw e;
            return true;
          },
        );
        if (!gone) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(gone, `CRD people.${group} still there after 30 s`);
    });
    await Deno.remove(dir, { recursive: true });
  });
}
