// The README's operator walkthrough, verbatim, in a scratch project outside the repository: a
// temporary directory with its own deno.json that imports @kubeno/kube by path (as `deno add`
// gives a project the package) and `operator.ts`, the block copied out of README.md. It runs
// with the README's narrow permissions against the control plane of tests/cluster, and does
// what the README says: creates the ConfigMap of a Greeting, updates it when the Greeting
// changes, corrects a hand edit, lets the garbage collector delete it with the Greeting,
// publishes Events, and exits 0 on SIGTERM.

import assert from "node:assert/strict";
import { Api, Client, Config, type KubeObject, type ObjectList, resourceType } from "../../mod.ts";
import { ConfigMap } from "../../core/k8s/core/v1.ts";
import { Event } from "../../core/k8s/events.k8s.io/v1.ts";
import { extractBlocks, ROOT, scratchConfig } from "./_doc_blocks.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";

interface Greeting extends KubeObject {
  spec: { message: string };
}
const Greeting = resourceType<Greeting>({
  group: "example.com",
  version: "v1",
  kind: "Greeting",
  namespaced: true,
});

/** How long one step may take to show on the server (far above what it needs). */
const STEP_MS = 120_000;
/** How long the operator may take to exit after SIGTERM. */
const STOP_MS = 30_000;

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  output: () => string,
): Promise<T> {
  const deadline = Date.now() + STEP_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not seen in ${STEP_MS} ms (last error: ${last})\n${output()}`);
}

if (requireCluster()) {
  Deno.test("README operator walkthrough, run verbatim from a scratch project", async () => {
    const readme = await Deno.readTextFile(new URL("README.md", ROOT));
    const block = extractBlocks(readme, "README.md").find((b) =>
      b.code.startsWith("// operator.ts\n")
    );
    assert.ok(block, "README.md has no ```ts block starting with `// operator.ts`");

    using client = new Client(await Config.fromKubeconfig());
    const dir = await Deno.makeTempDir({ prefix: "kubeno-scratch-" });
    let proc: Deno.ChildProcess | undefined;
    let out = "";
    const output = () => `operator output:\n${out}`;
    try {
      await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(await scratchConfig(), null, 2));
      await Deno.writeTextFile(`${dir}/operator.ts`, block.code);
      const check = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--no-lock", "operator.ts"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(check.success, new TextDecoder().decode(check.stderr));

      // The README's flags: the apiserver, the kubeconfig, the variables Client reads.
      const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
      proc = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-lock",
          "--no-prompt",
          `--allow-net=${client.config.clusterUrl.host}`,
          `--allow-read=${kubeconfig}`,
          "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
          "operator.ts",
        ],
        cwd: dir,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const pumps = [proc.stdout, proc.stderr].map(async (s) => {
        for await (const t of s.pipeThrough(new TextDecoderStream())) out += t;
      });

      await withNamespace(client, "readme-op", async (ns) => {
        const greetings = Api.namespaced(client, Greeting, ns);
        const cms = Api.namespaced(client, ConfigMap, ns);
        const message = async (want: string) =>
          await eventually(`ConfigMap hello says ${want}`, async () => {
            const cm = await cms.getOpt("hello");
            return cm?.data?.message === want ? cm : undefined;
          }, output);

        // Create: the operator installs the CRD, so the first create may have to wait for it.
        const g = await eventually(
          "Greeting created",
          () => greetings.create({ metadata: { name: "hello" }, spec: { message: "hi" } }),
          output,
        );
        const cm = await message("hi");
        assert.deepEqual(cm.metadata.ownerReferences?.map((o) => [o.kind, o.uid, o.controller]), [
          ["Greeting", g.metadata.uid, true],
        ]);

        // Modify the Greeting: the ConfigMap follows.
        await greetings.patch("hello", { type: "merge", body: { spec: { message: "ho" } } });
        await message("ho");

        // A hand edit (another manager, as kubectl edit): corrected by the forced apply.
        await cms.patch("hello", { type: "merge", body: { data: { message: "bye" } } }, {
          fieldManager: "kubectl-edit",
        });
        const corrected = await message("ho");
        const managers = corrected.metadata.managedFields?.filter((f) =>
          JSON.stringify(f.fieldsV1 ?? {}).includes("f:message")
        ).map((f) => f.manager);
        assert.deepEqual(managers, ["greeter"], "the operator owns data.message again");

        // Events about the Greeting: created, then updated.
        const events = Api.namespaced(client, Event, ns);
        const reasons = await eventually("Events published", async () => {
          const list: ObjectList<Event> = await events.list();
          const r = list.items.filter((e) => e.regarding?.name === "hello").map((e) => e.reason);
          return r.includes("ConfigMapCreated") && r.includes("ConfigMapUpdated") ? r : undefined;
        }, output);
        assert.ok(reasons.every((r) => r?.startsWith("ConfigMap")), String(reasons));

        // Delete the Greeting: the garbage collector deletes its ConfigMap.
        await greetings.delete("hello");
        await eventually(
          "ConfigMap hello deleted with its Greeting",
          async () => (await cms.getOpt("hello")) ? undefined : true,
          output,
        );
      });

      // Shutdown on SIGTERM: the loop ends and the process exits 0.
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc?.kill("SIGKILL"), STOP_MS);
      const status = await proc.status;
      clearTimeout(timer);
      await Promise.all(pumps);
      assert.equal(status.code, 0, `exit ${status.code} ${status.signal ?? ""}\n${output()}`);
      assert.match(out, /\/hello: success, next /);
      proc = undefined;
    } finally {
      if (proc) {
        try {
          proc.kill("SIGKILL");
        } catch { /* already gone */ }
        await proc.status;
      }
      await Deno.remove(dir, { recursive: true });
    }
  });
}
