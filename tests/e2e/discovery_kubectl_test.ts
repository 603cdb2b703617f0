// Discovery and name resolution against the real apiserver, with kubectl as the oracle: the
// resources equal `kubectl api-resources -o wide`, and every name resolves to the endpoint
// `kubectl get NAME -A` lists (read from its -v=6 request log), or fails as kubectl fails.
// CRDs installed after the Discovery was built (with colliding plurals and short names) are
// found through the refresh on a miss.

import assert from "node:assert/strict";
import { z } from "zod";
import {
  type ApiResource,
  applyCrd,
  Client,
  Config,
  customResource,
  Discovery,
  UnknownResourceError,
} from "../../mod.ts";
import { Api } from "../../client/api.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { requireCluster } from "./_cluster.ts";

const cacheDir = await Deno.makeTempDir({ prefix: "kubeno-kubectl-cache-" });

async function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = await new Deno.Command("kubectl", {
    args: [...args, `--cache-dir=${cacheDir}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

/** The collection path a resource is listed at across namespaces. */
function listPath(r: ApiResource): string {
  return `${r.group ? `/apis/${r.group}` : "/api"}/${r.version}/${r.plural}`;
}

/** The collection paths `kubectl get NAME -A` listed, or its error line. */
async function kubectlGet(
  name: string,
): Promise<{ paths: string[]; error?: string; warn: string }> {
  const { code, err } = await kubectl("get", name, "-A", "-v=6", "-o", "name");
  const paths = [...err.matchAll(/https?:\/\/[^/\s"]+(\/apis?\/[^?\s"]+)\?limit=500/g)].map((m) =>
    m[1]
  );
  const error = code === 0 ? undefined : err.split("\n").find((l) => l.startsWith("error: "));
  const warn = err.split("\n").filter((l) => l.startsWith("Warning: ")).join("\n");
  if (code !== 0) assert.ok(error, `kubectl get ${name} failed without an error line:\n${err}`);
  return { paths, error, warn };
}

/** Ours: the paths a name expands to, or kubectl's error line for an unknown name. */
async function ours(d: Discovery, name: string): Promise<{ paths: string[]; error?: string }> {
  try {
    return { paths: (await d.expand(name)).map(listPath) };
  } catch (err) {
    if (!(err instanceof UnknownResourceError)) throw err;
    return { paths: [], error: `error: ${err.message.replace(/ \(see .*\)$/, "")}` };
  }
}

const token = crypto.randomUUID().slice(0, 6);
const g1 = `g1-${token}.kubeno.test`;
const g2 = `g2-${token}.kubeno.test`;
const category = `kubeno-${token}`;
const spec = z.object({ size: z.int().optional() });
// Two groups serve `gadgets`; `cm` collides with ConfigMap's short name; Widget's singular is
// not its lower-case kind.
const Gadget1 = customResource({
  group: g1,
  version: "v1",
  kind: "Gadget",
  namespaced: true,
  shortNames: [`gd${token}`, "cm"],
  categories: ["all", category],
  spec,
});
const Gadget2 = customResource({
  group: g2,
  version: "v1",
  kind: "Gadget",
  namespaced: false,
  shortNames: [`gd${token}`],
  spec,
});
const Widget = customResource({
  group: g1,
  version: "v1",
  kind: "Widget",
  singular: `wid${token}`,
  namespaced: true,
  categories: [category],
  spec,
});

const builtinNames = [
  "pods",
  "pod",
  "Pod",
  "PODS",
  "po",
  "PO",
  "pods.v1.",
  "svc",
  "services",
  "deploy",
  "deployment",
  "deployments",
  "Deployment",
  "deploy.apps",
  "deployments.apps",
  "deployment.v1.apps",
  "deployments.v1.apps",
  "Deployment.apps",
  "Deployment.v1.apps",
  "deploy.v2.apps",
  "deployments.v2.apps",
  "deployments.extensions",
  "rs",
  "sts",
  "ds",
  "cj",
  "cronjobs.batch",
  "jobs.v1.batch",
  "hpa",
  "horizontalpodautoscalers.v1.autoscaling",
  "hpa.autoscal",
  "ev",
  "events",
  "events.events.k8s.io",
  "ev.events.k8s.io",
  "ns",
  "no",
  "cm",
  "crd",
  "customresourcedefinitions.apiextensions.k8s.io",
  "netpol",
  "ing",
  "pvc",
  "sa",
  "ClusterRole",
  "ClusterRole.rbac.authorization.k8s.io",
  "clusterroles.rbac.authorization.k8s.io",
  "leases",
  "csr",
  "pdb",
  "pc",
  "nope",
  "foo.bar",
  "pods.apps",
  "Pods.apps",
  "all",
  "pods,svc",
];

const crdNames = [
  `gd${token}`,
  "gadgets",
  "gadget",
  "Gadget",
  `gadgets.${g2}`,
  `gadgets.v1.${g2}`,
  `Gadget.${g2}`,
  `gd${token}.${g2}`,
  `cm.${g1}`,
  "cm",
  "widgets",
  `wid${token}`,
  "Widget",
  `Widget.${g1}`,
  `Widget.v1.${g1}`,
  category,
  "all",
];

/** `kubectl api-resources -o wide`, row by row, against what `d` discovered. */
async function assertLikeApiResources(d: Discovery): Promise<string[]> {
  const { code, out, err } = await kubectl("api-resources", "-o", "wide");
  assert.equal(code, 0, err);
  const [header, ...lines] = out.trimEnd().split("\n");
  // Columns start where their header does (tabwriter alignment).
  const heads = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"];
  const starts = heads.map((h) =>
    header.search(new RegExp(`(^|\\s)${h}(\\s|$)`)) + (h === "NAME" ? 0 : 1)
  );
  assert.ok(starts.every((s, i) => i === 0 ? s === 0 : s > starts[i - 1]), header);
  const theirs = lines.map((l) =>
    starts.map((s, i) => l.slice(s, starts[i + 1]).trim()).join(" | ")
  );
  const cmp = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  const mine = d.mapper.preferred()
    .filter((r) => r.verbs.length > 0)
    .sort((a, b) => cmp(a.group, b.group) || cmp(a.plural, b.plural))
    .map((r) =>
      [
        r.plural,
        r.shortNames.join(","),
        r.apiVersion,
        String(r.namespaced),
        r.kind,
        r.verbs.join(","),
        r.categories.join(","),
      ].join(" | ")
    );
  assert.deepEqual(mine, theirs);
  return mine;
}

if (requireCluster()) {
  Deno.test("e2e: Discovery equals kubectl api-resources -o wide; per-group discovery agrees; ETag revalidation", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const d = new Discovery(client);
    const first = await d.refresh();
    const rows = await assertLikeApiResources(d);
    assert.ok(rows.length > 40, `only ${rows.length} resources`);
    // The real apiserver answers the conditional GETs with 304.
    assert.deepEqual(await d.refresh(), {
      aggregated: true,
      changed: false,
      requests: 2,
      notModified: 2,
    });
    // Per-group discovery (servers before 1.26) finds the same resources, at a higher price.
    const legacy = new Discovery(client, { aggregated: false });
    const slow = await legacy.refresh();
    assert.equal(slow.aggregated, false);
    // As sets: the two documents may order CRD groups of equal priority differently (seen with
    // the fixtures' argoproj.io and cert-manager.io groups installed by other test files).
    const sorted = <R extends { group: string; plural: string }>(rs: R[]) =>
      rs.toSorted((a, b) => `${a.group}/${a.plural}`.localeCompare(`${b.group}/${b.plural}`));
    assert.deepEqual(sorted(legacy.mapper.preferred()), sorted(d.mapper.preferred()));
    assert.deepEqual(
      legacy.groups.map((g) => g.name).sort(),
      d.groups.map((g) => g.name).sort(),
    );
    console.log(
      `discovery: aggregated ${first.requests} requests, per-group ${slow.requests}; ${rows.length} resources`,
    );
  });

  Deno.test("e2e: names resolve as kubectl get resolves them (builtin)", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const d = await Discovery.run(client);
    const diffs: string[] = [];
    let failed = 0;
    for (const name of builtinNames) {
      const k = await kubectlGet(name);
      const o = await ours(d, name);
      if (k.error) failed++;
      if (JSON.stringify([k.paths, k.error]) !== JSON.stringify([o.paths, o.error])) {
        diffs.push(`${name}: kubectl ${JSON.stringify(k)} ours ${JSON.stringify(o)}`);
      }
    }
    assert.deepEqual(diffs, []);
    console.log(`${builtinNames.length} names, ${failed} unknown to both`);
    assert.ok(failed >= 7 && builtinNames.length - failed >= 45, `${failed} failed`);
  });

  Deno.test("e2e: CRDs installed after the Discovery was built resolve as kubectl has them", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    const d = await Discovery.run(client); // before the CRDs exist
    const crds = Api.all(client, CustomResourceDefinition);
    try {
      for (const c of [Gadget1, Gadget2, Widget]) {
        await applyCrd(client, c, { signal: AbortSignal.timeout(60_000) });
      }
      const diffs: string[] = [];
      const warned: string[] = [];
      for (const name of crdNames) {
        const k = await kubectlGet(name);
        if (k.warn) warned.push(name);
        const o = await ours(d, name);
        if (JSON.stringify([k.paths, k.error]) !== JSON.stringify([o.paths, o.error])) {
          diffs.push(`${name}: kubectl ${JSON.stringify(k)} ours ${JSON.stringify(o)}`);
        }
        // kubectl warns when a short name has a lower-priority match; strict mode names it.
        const lower = k.warn.match(/could also match lower priority resource (\S+)/)?.[1];
        if (lower) {
          const names = d.mapper.candidates(name).map((r) =>
            r.group ? `${r.plural}.${r.group}` : r.plural
          );
          assert.ok(names.includes(lower), `${name}: ${names} lacks ${lower}`);
        }
      }
      assert.deepEqual(diffs, []);
      // `gd<token>` names gadgets in two groups, `cm` ConfigMaps and g1's gadgets; not
      // `cm.<g1>` (the group decides).
      assert.deepEqual(warned, [`gd${token}`, "cm"]);
      // The Discovery built before the CRDs now lists them as kubectl does.
      const rows = await assertLikeApiResources(d);
      assert.ok(
        rows.some((r) => r.startsWith(`gadgets | gd${token},cm | ${g1}/v1 |`)),
        rows.join("\n"),
      );
      assert.equal((await d.resolve(`gd${token}`)).group, (await d.resolve("gadgets")).group);
      assert.throws(
        () => d.mapper.resolve("gadgets", { strict: true }),
        /gadgets\.v1\.g1-.*gadgets\.v1\.g2-/,
      );
    } finally {
      for (const c of [Gadget1, Gadget2, Widget]) {
        await crds.delete(c.crd().metadata.name!).catch(() => {});
      }
    }
  });
}
