// Documentation examples run, not only type-check: every ```ts block of README.md and of the
// JSDoc of the published modules (core/, client/, runtime/, crd/, mod.ts), as a user would paste
// it into a project that imports @kubeno/kube.
//
// - A block that talks to a cluster (it calls Client.tryDefault(), new Client() or reads the
//   kubeconfig) runs with `deno run` against the control plane of tests/cluster, in a
//   namespace of its own, created for it and deleted afterwards: the string literal "default"
//   in the block is replaced by that namespace. The namespace holds what the examples read:
//   ConfigMaps `a` and `settings`, a Secret `tls`, a Pod `blog` (label app=blog) and a
//   Deployment `web`. A block must end by
//   itself; one that runs until a signal (it calls shutdownSignal()) gets SIGTERM after a few
//   seconds and must then exit 0 (shutdownOnSignal() too).
// - Every other block runs as a plain doc test (`deno test --doc` over all of them), in a scratch
//   directory that holds a copy of tests/fixtures/crds (the codegen examples read those files).
//   Of the generated k8s/ modules only core/v1 runs: the generator writes the same three
//   examples for every kind of every group-version, and running all 640 adds minutes.
// - A block that cannot run gets a comment `// doc:no-run: <why>` on a line of its own, and is
//   only type-checked; `ts ignore` on the fence skips it altogether (Deno's own convention).
// - KUBENO_DOC_FILES=README.md,client/api.ts limits a run to the examples of those files.

import assert from "node:assert/strict";
import { Api, Client, Config } from "../../mod.ts";
import { ConfigMap, Namespace, Pod, Secret, ServiceAccount } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { netPermission } from "../../client/permissions.ts";
import {
  absolutizeImports,
  type DocBlock,
  docFiles,
  extractBlocks,
  scratchConfig,
} from "./_doc_blocks.ts";
import { requireCluster } from "./_cluster.ts";

const NO_RUN = /^\s*\/\/ doc:no-run\b/m;
const TALKS_TO_CLUSTER = new RegExp(
  [
    /Client\.tryDefault\(|new Client\(|Config\.(infer|fromKubeconfig|inCluster)\(/,
    /configFrom(Custom)?Kubeconfig\(|inferConfig\(|(load|read)Kubeconfig\(/,
  ].map((r) => r.source).join("|"),
);
const UNTIL_SIGNAL = /shutdownSignal\(|shutdownOnSignal\(/;
/**
 * How long a block that waits for a signal runs before it gets SIGTERM: long enough, on a
 * loaded machine, for it to have started and installed its handler (else SIGTERM kills it).
 */
const SIGNAL_AFTER_MS = 15_000;
/** How long any block may take (a bound for a hang, far above what they need). */
const BLOCK_TIMEOUT_MS = 90_000;

const where = (b: DocBlock) => `${b.file}:${b.line}`;

async function allBlocks(): Promise<DocBlock[]> {
  const blocks: DocBlock[] = [];
  // KUBENO_DOC_FILES=README.md,client/api.ts runs the examples of those files only.
  const only = Deno.env.get("KUBENO_DOC_FILES")?.split(",").filter(Boolean);
  for (const file of await docFiles()) {
    if (only && !only.includes(file)) continue;
    const text = await Deno.readTextFile(new URL(`../../${file}`, import.meta.url));
    blocks.push(...extractBlocks(text, file));
  }
  return blocks.filter((b) => !b.attrs.includes("ignore") && !NO_RUN.test(b.code));
}

async function scratchProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "kubeno-doc-" });
  await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(await scratchConfig(), null, 2));
  return dir;
}

async function deno(args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  // The test report (stdout) first, then the type checker's and the examples' own output.
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

// The blocks that do not need a cluster: one `deno test --doc` over a markdown file holding all
// of them, each under a heading that says where it comes from.
Deno.test("doc examples without a cluster run as doc tests", async () => {
  const blocks = (await allBlocks()).filter((b) =>
    !TALKS_TO_CLUSTER.test(b.code) &&
    (!b.file.startsWith("core/k8s/") || b.file === "core/k8s/core/v1.ts")
  );
  const dir = await scratchProject();
  try {
    await Deno.mkdir(`${dir}/tests/fixtures/crds`, { recursive: true });
    for await (const e of Deno.readDir(new URL("../fixtures/crds/", import.meta.url))) {
      if (!e.isFile) continue;
      await Deno.copyFile(
        new URL(`../fixtures/crds/${e.name}`, import.meta.url),
        `${dir}/tests/fixtures/crds/${e.name}`,
      );
    }
    let md = "# doc examples\n";
    const starts: { line: number; block: DocBlock }[] = [];
    for (const b of blocks) {
      md += `\n## ${where(b)}\n\n`;
      starts.push({ line: md.split("\n").length, block: b });
      md += "```ts\n" + absolutizeImports(b.code, b.file) + "```\n";
    }
    await Deno.writeTextFile(`${dir}/examples.md`, md);
    const res = await deno(
      [
        "test",
        "--doc",
        "--no-lock",
        "--allow-read",
        `--allow-write=${dir}`,
        "--allow-env",
        "--allow-net=127.0.0.1,localhost",
        "examples.md",
      ],
      dir,
    );
    const failed = [...res.text.matchAll(/examples\.md[#$](\d+)-\d+\.ts \.\.\. FAILED/g)].map(
      (m) => where(starts.findLast((s) => s.line <= Number(m[1]))?.block ?? blocks[0]),
    );
    const at = res.text.indexOf(" ERRORS ");
    const errors = at < 0 ? res.text.slice(-8000) : res.text.slice(at); // else: a type error
    assert.equal(res.code, 0, `failing examples: ${failed.join(", ")}\n${errors.slice(0, 8000)}`);
    assert.match(res.text, new RegExp(`ok \\| ${blocks.length} passed`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function fixtures(client: Client, ns: string): Promise<void> {
  const cms = Api.namespaced(client, ConfigMap, ns);
  await cms.create({ metadata: { name: "a" }, data: { k: "v" } });
  await cms.create({ metadata: { name: "settings" }, data: { mode: "slow" } });
  await Api.namespaced(client, Secret, ns).create({
    metadata: { name: "tls", labels: { app: "web" } },
    stringData: { "tls.key": "not a key" },
  });
  // Pods wait for the namespace's default ServiceAccount, which the controller-manager creates.
  const sas = Api.namespaced(client, ServiceAccount, ns);
  for (let i = 0; i < 600 && !(await sas.getOpt("default")); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await Api.namespaced(client, Pod, ns).create({
    metadata: { name: "blog", labels: { app: "blog" } },
    spec: { containers: [{ name: "blog", image: "registry.k8s.io/pause:3.10" }] },
  });
  await Api.namespaced(client, Deployment, ns).create({
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "registry.k8s.io/pause:3.10" }] },
      },
    },
  });
}

/** Runs one block in its own namespace; resolves to a failure message, or undefined. */
async function runClusterBlock(
  client: Client,
  dir: string,
  b: DocBlock,
  n: number,
  net: string,
): Promise<string | undefined> {
  const namespaces = Api.all(client, Namespace);
  const ns = (await namespaces.create({ metadata: { generateName: `doc-${n}-` } })).metadata.name!;
  try {
    await fixtures(client, ns);
    const file = `${dir}/block_${n}.ts`;
    const code = absolutizeImports(b.code, b.file).replaceAll('"default"', JSON.stringify(ns));
    await Deno.writeTextFile(file, `// ${where(b)}\n${code}`);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-lock",
        `--allow-net=${net}`,
        "--allow-read",
        `--allow-write=${dir}`,
        "--allow-env",
        file,
      ],
      cwd: dir,
      env: { NO_COLOR: "1", KUBECONFIG: Deno.env.get("KUBECONFIG")! },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timers = [
      UNTIL_SIGNAL.test(b.code.replace(/\/\/.*$/gm, "")) // in code, not in a comment
        ? setTimeout(() => child.kill("SIGTERM"), SIGNAL_AFTER_MS)
        : undefined,
      setTimeout(() => child.kill("SIGKILL"), BLOCK_TIMEOUT_MS),
    ];
    const out = await child.output();
    timers.forEach((t) => clearTimeout(t));
    if (out.success) return undefined;
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return `${where(b)} (namespace ${ns}) exited with ${out.code}${
      out.signal ? ` (${out.signal})` : ""
    }:\n${text.slice(-2000)}`;
  } finally {
    await namespaces.delete(ns).catch(() => {});
  }
}

if (requireCluster()) {
  Deno.test("doc examples that talk to a cluster run against the test control plane", async () => {
    const blocks = (await allBlocks()).filter((b) => TALKS_TO_CLUSTER.test(b.code));
    using client = new Client(await Config.fromKubeconfig());
    const net = netPermission(client.config.clusterUrl);
    const dir = await scratchProject();
    try {
      // Type-check them all at once first: a stale example fails here with the compiler's words.
      const files = blocks.map((_, i) => `check_${i}.ts`);
      await Promise.all(
        blocks.map((b, i) =>
          Deno.writeTextFile(`${dir}/${files[i]}`, absolutizeImports(b.code, b.file))
        ),
      );
      const check = await deno(["check", "--no-lock", ...files], dir);
      assert.equal(check.code, 0, check.text);

      const failures: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < blocks.length) {
          const i = next++;
          const failure = await runClusterBlock(client, dir, blocks[i], i, net);
          if (failure) {
            failures.push(failure);
            console.error(`doc example failed: ${failure}`); // as it happens, for a long run
          }
        }
      };
      await Promise.all([worker(), worker()]);
      assert.deepEqual(failures, [], failures.join("\n\n"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
