// examples/kubectl.ts against kubectl itself, byte for byte (ages masked), where the issue
// defines the formats: `-o name`, `-o json` of one object, the default table (the server's Table, CRD
// printer columns included, with the NAMESPACE column for -A) and `api-resources`; plus the
// one-line reports of `apply --server-side` and `delete`.

import assert from "node:assert/strict";
import { z } from "zod";
import { Api, applyCrd, Client, Config, customResource, Discovery } from "../../mod.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";

const root = new URL("../../", import.meta.url).pathname;
const cacheDir = await Deno.makeTempDir({ prefix: "kubeno-kubectl-cache-" });

async function run(cmd: string, args: string[], stdin?: string) {
  const p = new Deno.Command(cmd, {
    args,
    cwd: root,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (stdin !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await p.output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

function example(client: Client, args: string[], stdin?: string, file = "kubectl") {
  const server = new URL(client.config.clusterUrl);
  const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
  return run(Deno.execPath(), [
    "run",
    "--no-prompt",
    `--allow-net=${server.host}`,
    `--allow-read=${kubeconfig}`,
    "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
    `examples/${file}.ts`,
    ...args,
  ], stdin);
}

const kubectl = (args: string[], stdin?: string) =>
  run("kubectl", [...args, `--cache-dir=${cacheDir}`], stdin);

/**
 * Both outputs for the same arguments, asked at about the same moment. The server renders the
 * AGE cells at request time and the example starts slower than kubectl, so ages (`15s`, `3m2s`)
 * are masked, keeping their width; everything else must be equal byte for byte. A pair whose
 * ages differ in width (`9s` / `10s`) shifts the columns: it is asked again, a few times at most.
 */
async function same(client: Client, args: string[]): Promise<string> {
  const mask = (t: string) => t.replace(/\b\d+[smhdy](\d+[smh])?\b/g, (m) => "#".repeat(m.length));
  for (let i = 0;; i++) {
    const [k, e] = await Promise.all([kubectl(args), example(client, args)]);
    assert.equal(k.code, 0, `kubectl ${args.join(" ")}: ${k.err}`);
    assert.equal(e.code, 0, `kubectl.ts ${args.join(" ")}: ${e.err}`);
    if (mask(k.out) === mask(e.out)) return k.out;
    if (i >= 3) assert.equal(e.out, k.out, `kubectl ${args.join(" ")}`);
  }
}

const token = crypto.randomUUID().slice(0, 6);
const Sprocket = customResource({
  group: `ex-${token}.kubeno.test`,
  version: "v1",
  kind: "Sprocket",
  namespaced: true,
  shortNames: [`spr${token}`],
  categories: ["all"],
  spec: z.object({ teeth: z.int(), color: z.string().optional() }),
  printerColumns: [
    { name: "Teeth", type: "integer", jsonPath: ".spec.teeth" },
    { name: "Color", type: "string", jsonPath: ".spec.color", priority: 1 },
  ],
});

if (requireCluster()) {
  Deno.test("e2e: examples/kubectl.ts prints what kubectl prints", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    await applyCrd(client, Sprocket, { signal: AbortSignal.timeout(60_000) });
    try {
      await withNamespace(client, "kctl", async (ns) => {
        const file = `apiVersion: v1
kind: ConfigMap
metadata: {name: one, namespace: ${ns}}
data: {a: "x<y&z>", b: "2"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: two, namespace: ${ns}, labels: {tier: web}}
---
apiVersion: ${Sprocket.apiVersion}
kind: Sprocket
metadata: {name: big, namespace: ${ns}}
spec: {teeth: 40, color: red}
---
apiVersion: ${Sprocket.apiVersion}
kind: Sprocket
metadata: {name: small, namespace: ${ns}}
spec: {teeth: 8}
`;
        const applied = await example(client, ["apply", "-f", "-", "--server-side"], file);
        assert.equal(applied.code, 0, applied.err);
        // kubectl's report for the same file (now unchanged, same manager): same lines.
        const k = await kubectl(["apply", "--server-side", "-f", "-"], file);
        assert.equal(applied.out, k.out);

        await same(client, ["api-resources"]);
        await same(client, ["api-resources", "-o", "wide"]);
        await same(client, ["api-resources", "-o", "name"]);
        await same(client, ["get", "cm", "-n", ns]);
        await same(client, ["get", "configmaps", "-n", ns, "-l", "tier=web"]);
        await same(client, ["get", "cm", "-n", ns, "-o", "name"]);
        await same(client, ["get", "cm", "one", "-n", ns, "-o", "json"]);
        await same(client, ["get", `spr${token}`, "-n", ns]);
        await same(client, ["get", "sprockets", "-n", ns, "-o", "wide"]);
        await same(client, ["get", `sprockets.${Sprocket.group}`, "-A"]);
        await same(client, ["get", `Sprocket.v1.${Sprocket.group}`, "big", "-n", ns, "-o", "json"]);
        await same(client, ["get", "ns", ns, "-o", "name"]);
        // Categories: each type's table in turn, names prefixed with their type.
        await same(client, ["get", "all", "-n", ns]);

        // The other dynamic examples, with the same narrow permissions.
        const raw = await example(client, [], undefined, "request_raw");
        assert.match(raw.out, /\/apis again: 304 \(not modified\)\n/, raw.err);
        const dyn = await example(client, [ns], undefined, "dynamic_api");
        assert.match(dyn.out, /^configmaps\.v1: (\S+, )*two(, \S+)*$/m, dyn.err);
        assert.match(
          dyn.out,
          new RegExp(
            `^sprockets\\.${Sprocket.apiVersion.replaceAll(".", "\\.")}: big, small$`,
            "m",
          ),
        );

        // --watch: the first table, then one row per change in the same columns.
        const watching = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--no-prompt",
            `--allow-net=${new URL(client.config.clusterUrl).host}`,
            `--allow-read=${Deno.env.get("KUBECONFIG")!.split(":")[0]}`,
            "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
            "examples/kubectl.ts",
            "get",
            "cm",
            "-n",
            ns,
            "--watch",
          ],
          cwd: root,
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        let seen = "";
        const reader = watching.stdout.pipeThrough(new TextDecoderStream()).getReader();
        const until = async (re: RegExp) => {
          while (!re.test(seen)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`watch ended; output so far:\n${seen}`);
            seen += value;
          }
        };
        await until(/^NAME +DATA +AGE\n/);
        await Api.dynamic(client, await (await Discovery.run(client)).resolve("cm"), ns)
          .create({ metadata: { name: "watched" } });
        await until(/\nwatched +0 +\d+s\n/);
        const header = seen.split("\n")[0];
        const row = seen.split("\n").find((l) => l.startsWith("watched "))!;
        assert.equal(row.indexOf("0 "), header.indexOf("DATA"), `columns kept:\n${seen}`);
        watching.kill();
        await reader.cancel().catch(() => {});
        await watching.status;

        const del = await example(client, ["delete", "cm", "one", "-n", ns]);
        const kdel = await kubectl(["delete", `sprockets.${Sprocket.group}`, "big", "-n", ns]);
        assert.equal(del.out, `configmap "one" deleted from ${ns} namespace\n`);
        assert.equal(kdel.out, `sprocket.${Sprocket.group} "big" deleted from ${ns} namespace\n`);
        const edel = await example(client, ["delete", `spr${token}`, "small", "-n", ns]);
        assert.equal(edel.out, `sprocket.${Sprocket.group} "small" deleted from ${ns} namespace\n`);

        const unknown = await example(client, ["get", "nope"]);
        const kunknown = await kubectl(["get", "nope"]);
        assert.equal(unknown.code, kunknown.code);
        assert.ok(
          unknown.err.startsWith(kunknown.err.trimEnd()),
          `${unknown.err} / ${kunknown.err}`,
        );
      });
    } finally {
      await Api.all(client, CustomResourceDefinition).delete(Sprocket.crd().metadata.name!)
        .catch(() => {});
    }
  });
}
