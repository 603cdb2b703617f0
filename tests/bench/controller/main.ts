/**
 * The controller benchmark driver (tests/bench/README.md, "Controller benchmark"): the
 * configmapgen operator written with kubeno, controller-runtime and kube-rs, each run in turn
 * against the cluster of $KUBECONFIG (tests/cluster): create N ConfigMapGenerators, wait until
 * every ConfigMap has the content and every status has observed the generation, then change every
 * generator once and wait again.
 *
 * Usage (from the repository root, with `eval "$(deno task -q cluster env)"` done):
 *   deno task bench:controller [--sizes=1000,10000] [--operators=kubeno,controller-runtime,kube-rs]
 *     [--concurrency=16|defaults] [--writers=32] [--timeout-s=1200]
 *
 * `--concurrency` bounds the reconciles in flight of every operator alike; `defaults` runs each
 * with its library's default instead (kubeno and kube-rs: unbounded; controller-runtime: 1).
 *
 * The Go and Rust peers are built into ~/.cache/kubeno/bench by ../_build.ts.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Api, applyCrd, Client, watcher } from "../../../mod.ts";
import { ConfigMap, Namespace } from "../../../core/k8s/core/v1.ts";
import { CustomResourceDefinition } from "../../../core/k8s/apiextensions.k8s.io/v1.ts";
import { ConfigMapGenerator } from "../../../examples/configmapgen_controller.ts";
import { benchCacheDir, buildCargo, buildGo } from "../_build.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "1000,10000" },
    operators: { type: "string", default: "kubeno,controller-runtime,kube-rs" },
    concurrency: { type: "string", default: "16" },
    writers: { type: "string", default: "32" },
    "timeout-s": { type: "string", default: "1200" },
  },
});
const sizes = flags.sizes.split(",").map(Number);
const operators = flags.operators.split(",");
const DEFAULT_CONCURRENCY: Record<string, number> = {
  kubeno: 0,
  "kube-rs": 0,
  "controller-runtime": 1,
};
const concurrencyOf = (kind: string) =>
  flags.concurrency === "defaults" ? DEFAULT_CONCURRENCY[kind] : Number(flags.concurrency);
const writers = Number(flags.writers);
const timeoutMs = Number(flags["timeout-s"]) * 1000;
for (const op of operators) {
  if (!["kubeno", "controller-runtime", "kube-rs"].includes(op)) {
    throw new TypeError(`--operators: unknown operator ${op}`);
  }
}

const here = new URL(".", import.meta.url).pathname;
const goBin = `${benchCacheDir}/controller-runtime-peer`;
const rsTarget = `${benchCacheDir}/controller-kube-rs`;
const rsBin = `${rsTarget}/release/kubeno-bench-controller-kube-rs`;

/** The resources the operator's requests are counted on (WATCH excluded: see the README). */
const COUNTED = new Set(["configmapgenerators", "configmaps", "events"]);

/** Non-WATCH `apiserver_request_total` on {@link COUNTED}, by "VERB resource[/sub]". */
async function requestCounts(client: Client): Promise<Map<string, number>> {
  const text = await client.requestText({
    method: "GET",
    path: "/metrics",
    query: new URLSearchParams(),
    headers: {},
  });
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (!COUNTED.has(labels.resource) || labels.verb === "WATCH") continue;
    const key = `${labels.verb} ${labels.resource}${
      labels.subresource ? `/${labels.subresource}` : ""
    }`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return counts;
}

function delta(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const d = new Map<string, number>();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) d.set(k, v - (before.get(k) ?? 0));
  return d;
}

/**
 * The operator's requests in a window's counts. Not all of them are the operator's: no peer
 * reads a generator live, and each peer does exactly one ConfigMap `get` before each ConfigMap
 * apply, but kube-controller-manager's garbage collector also GETs a new dependent and its owner
 * when its graph does not know the owner yet (how many depends on its informer's lag). So the
 * generators' GETs are left out and the ConfigMaps' GETs are counted as the ConfigMap APPLYs;
 * the raw counts are in the breakdown.
 */
function operatorRequests(d: Map<string, number>): number {
  let total = 0;
  for (const [k, v] of d) {
    if (k === "GET configmapgenerators") continue;
    total += k === "GET configmaps" ? Math.min(v, d.get("APPLY configmaps") ?? 0) : v;
  }
  return total;
}

/** A /proc file, read by `cat`: Deno asks for --allow-all to read /proc itself. */
async function readProc(path: string): Promise<string> {
  const out = await new Deno.Command("cat", { args: [path], stdout: "piped" }).output();
  if (out.code !== 0) throw new Error(`cannot read ${path}`);
  return new TextDecoder().decode(out.stdout);
}

/** utime+stime (ms) and VmHWM (MB) of a live process. */
async function procStats(pid: number): Promise<{ cpuMs: number; peakRssMB: number }> {
  const stat = await readProc(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 (utime, stime) in clock ticks; Linux's USER_HZ is 100.
  const cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
  const status = await readProc(`/proc/${pid}/status`);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return { cpuMs, peakRssMB: hwm ? Math.round(Number(hwm[1]) / 1024) : 0 };
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/**
 * The control plane's processes, from tests/cluster's env.json beside $KUBECONFIG (when it is
 * there): their CPU time per phase says where the wall-clock time goes.
 */
async function controlPlane(): Promise<Record<string, number>> {
  const kubeconfig = Deno.env.get("KUBECONFIG");
  if (!kubeconfig) return {};
  try {
    const env = JSON.parse(
      await Deno.readTextFile(`${kubeconfig.slice(0, kubeconfig.lastIndexOf("/"))}/env.json`),
    );
    const pids: Record<string, number> = {};
    for (const name of ["kube-apiserver", "etcd", "kube-controller-manager"]) {
      const pid = env.processes?.[name]?.pid;
      if (typeof pid === "number") pids[name] = pid;
    }
    return pids;
  } catch {
    return {};
  }
}

async function cpuOf(pids: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = (await procStats(pid)).cpuMs;
  out.harness = (await procStats(Deno.pid)).cpuMs;
  return out;
}

interface Operator {
  child: Deno.ChildProcess;
  /** The last `reconciles <n>` the operator printed. */
  reconciles: () => number;
}

function startOperator(kind: string, namespace: string): Operator {
  const args = [namespace, String(concurrencyOf(kind))];
  const cmd = kind === "kubeno"
    ? new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-env",
        `${here}kubeno.ts`,
        ...args,
      ],
      stdout: "piped",
      stderr: "inherit",
    })
    : new Deno.Command(kind === "kube-rs" ? rsBin : goBin, {
      args,
      stdout: "piped",
      stderr: "inherit",
    });
  const child = cmd.spawn();
  let count = 0;
  (async () => {
    const lines = child.stdout.pipeThrough(new TextDecoderStream());
    let rest = "";
    for await (const chunk of lines) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) {
        const m = /^reconciles (\d+)$/.exec(p.trim());
        if (m) count = Number(m[1]);
      }
    }
  })();
  return { child, reconciles: () => count };
}

async function stopOperator(op: Operator): Promise<void> {
  op.child.kill("SIGTERM");
  const t = setTimeout(() => {
    try {
      op.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 10_000);
  await op.child.status;
  clearTimeout(t);
}

interface Phase {
  convergeMs: number;
  objectsPerSec: number;
  reconciles: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  byVerb: Record<string, number>;
  cpuMs: number;
  /** CPU ms in the phase of the control plane's processes and of the harness. */
  others: Record<string, number>;
}

interface Row {
  operator: string;
  objects: number;
  create: Phase;
  change: Phase;
  cpuMs: number;
  peakRssMB: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `get` answers 404 (deletions finishing). */
async function gone(get: () => Promise<unknown>, what: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if ((await get()) === undefined) return;
    await sleep(500);
  }
  throw new Error(`${what} still there after 10 minutes`);
}

async function runOne(client: Client, kind: string, n: number): Promise<Row> {
  const ns = `bench-ctrl-${kind}-${n}-${crypto.randomUUID().slice(0, 6)}`;
  const namespaces = Api.all(client, Namespace);
  const crds = Api.all(client, CustomResourceDefinition);
  const crdName = ConfigMapGenerator.crd().metadata.name!;
  // A fresh CRD (the previous run's objects are gone with their namespace).
  if (await crds.getOpt(crdName)) {
    await crds.delete(crdName);
    await gone(() => crds.getOpt(crdName), `CRD ${crdName}`);
  }
  await applyCrd(client, ConfigMapGenerator, { signal: AbortSignal.timeout(60_000) });
  await namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const gens = Api.namespaced(client, ConfigMapGenerator, ns);
  const cms = Api.namespaced(client, ConfigMap, ns);
  const names = Array.from({ length: n }, (_, i) => `g${String(i).padStart(5, "0")}`);

  // What the harness sees, through two watches (never a poll per object).
  let want = { generation: 1, prefix: "c1-" };
  const done = new Map<string, number>(); // the harness's write answered
  const statusSeen = new Map<string, number>();
  const cmSeen = new Set<string>();
  let lastSeen = 0;
  let wake = () => {};
  const stop = new AbortController();
  const watchGens = (async () => {
    for await (const ev of watcher(gens, { signal: stop.signal })) {
      if (ev.type !== "Apply" && ev.type !== "InitApply") continue;
      const o = ev.object;
      const name = o.metadata.name!;
      if (
        o.metadata.generation === want.generation &&
        o.status?.observedGeneration === want.generation && !statusSeen.has(name)
      ) {
        statusSeen.set(name, lastSeen = performance.now());
        wake();
      }
    }
  })();
  const watchCms = (async () => {
    for await (
      const ev of watcher(cms, {
        signal: stop.signal,
        labelSelector: "app.kubernetes.io/managed-by=configmapgen",
      })
    ) {
      if (ev.type !== "Apply" && ev.type !== "InitApply") continue;
      const name = ev.object.metadata.name!;
      if (ev.object.data?.content === `${want.prefix}${name}` && !cmSeen.has(name)) {
        cmSeen.add(name);
        lastSeen = performance.now();
        wake();
      }
    }
  })();
  await sleep(1000); // the harness's watches are up

  const before0 = await requestCounts(client);
  const op = startOperator(kind, ns);
  await sleep(2000); // its initial lists and watches (of an empty namespace)

  const phase = async (
    label: string,
    write: (name: string) => Promise<unknown>,
    baseline?: Map<string, number>,
  ) => {
    const before = baseline ?? await requestCounts(client);
    const cpu0 = (await procStats(op.child.pid)).cpuMs;
    const others0 = await cpuOf(pids);
    const rec0 = op.reconciles();
    const t0 = performance.now();
    const deadline = t0 + timeoutMs;
    await pool(names, writers, async (name) => {
      await write(name);
      done.set(name, performance.now());
    });
    while (statusSeen.size < n || cmSeen.size < n) {
      if (performance.now() > deadline) {
        throw new Error(
          `${kind} ${n} ${label}: not converged after ${timeoutMs} ms (${statusSeen.size} statuses, ${cmSeen.size} ConfigMaps)`,
        );
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
    }
    const convergeMs = lastSeen - t0;
    await sleep(3000); // what the operator does after its own writes (follow-up reconciles)
    const d = delta(await requestCounts(client), before);
    const others1 = await cpuOf(pids);
    const lat = names.map((x) => Math.max(0, statusSeen.get(x)! - done.get(x)!)).sort((a, b) =>
      a - b
    );
    const p: Phase = {
      convergeMs: Math.round(convergeMs),
      objectsPerSec: Math.round(n / (convergeMs / 1000)),
      reconciles: op.reconciles() - rec0,
      p50Ms: Math.round(quantile(lat, 0.5)),
      p99Ms: Math.round(quantile(lat, 0.99)),
      // The harness's own writes: one per object in this window.
      requests: operatorRequests(d) - n,
      byVerb: Object.fromEntries(d),
      cpuMs: (await procStats(op.child.pid)).cpuMs - cpu0,
      others: Object.fromEntries(
        Object.entries(others1).map(([k, v]) => [k, v - (others0[k] ?? 0)]),
      ),
    };
    console.error(`  ${kind} ${n} ${label}: ${JSON.stringify(p)}`);
    return p;
  };

  let row: Row;
  try {
    // The operator's start (its lists) counts in the first phase.
    const create = await phase(
      "create",
      (name) =>
        gens.create(ConfigMapGenerator.new(name, { content: `c1-${name}` }, { namespace: ns })),
      before0,
    );
    want = { generation: 2, prefix: "c2-" };
    statusSeen.clear();
    cmSeen.clear();
    done.clear();
    const change = await phase(
      "change",
      (name) => gens.patch(name, { type: "merge", body: { spec: { content: `c2-${name}` } } }),
    );
    const stats = await procStats(op.child.pid);
    row = { operator: kind, objects: n, create, change, ...stats };
  } finally {
    await stopOperator(op);
    stop.abort();
    await Promise.allSettled([watchGens, watchCms]);
  }
  // Cleanup: without the operator nobody removes the finalizers; then the namespace goes.
  await pool(names, writers, async (name) => {
    await gens.patch(name, { type: "merge", body: { metadata: { finalizers: null } } } as never)
      .catch(() => {});
  });
  await namespaces.delete(ns);
  await gone(() => namespaces.getOpt(ns), `namespace ${ns}`);
  return row;
}

if (operators.includes("controller-runtime")) {
  await buildGo("the controller-runtime peer", `${here}controller-runtime`, goBin);
}
if (operators.includes("kube-rs")) await buildCargo("the kube-rs peer", `${here}kube-rs`, rsTarget);

using client = await Client.tryDefault();
const pids = await controlPlane();
const load = (await readProc("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
console.error(
  `# load average before: ${load}; concurrency ${flags.concurrency}, writers ${writers}`,
);
const rows: Row[] = [];
for (const n of sizes) {
  for (const kind of operators) rows.push(await runOne(client, kind, n));
}

const fmt = (x: number) => x.toLocaleString("en-US");
const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : "-");
console.log(
  "| objects | operator | phase | converge ms | objects/s | reconciles | p50 ms | p99 ms | API requests | CPU ms (phase) | converge vs c-r | converge vs kube-rs | p99 vs c-r | p99 vs kube-rs | requests vs c-r | requests vs kube-rs |",
);
console.log("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const cr = rows.find((x) => x.objects === r.objects && x.operator === "controller-runtime");
  const rs = rows.find((x) => x.objects === r.objects && x.operator === "kube-rs");
  for (const ph of ["create", "change"] as const) {
    const p = r[ph];
    console.log(
      `| ${fmt(r.objects)} | ${r.operator} | ${ph} | ${fmt(p.convergeMs)} | ${
        fmt(p.objectsPerSec)
      } | ${fmt(p.reconciles)} | ${fmt(p.p50Ms)} | ${fmt(p.p99Ms)} | ${fmt(p.requests)} | ${
        fmt(p.cpuMs)
      } | ${ratio(p.convergeMs, cr?.[ph].convergeMs)} | ${
        ratio(p.convergeMs, rs?.[ph].convergeMs)
      } | ${ratio(p.p99Ms, cr?.[ph].p99Ms)} | ${ratio(p.p99Ms, rs?.[ph].p99Ms)} | ${
        ratio(p.requests, cr?.[ph].requests)
      } | ${ratio(p.requests, rs?.[ph].requests)} |`,
    );
  }
}
console.log("");
console.log(
  "| objects | operator | CPU ms (whole run) | peak RSS MB | kube-apiserver CPU ms (both phases) | etcd | kube-controller-manager | harness |",
);
console.log("|---:|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const o = (k: string) => fmt((r.create.others[k] ?? 0) + (r.change.others[k] ?? 0));
  console.log(
    `| ${fmt(r.objects)} | ${r.operator} | ${fmt(r.cpuMs)} | ${r.peakRssMB} | ${
      o("kube-apiserver")
    } | ${o("etcd")} | ${o("kube-controller-manager")} | ${o("harness")} |`,
  );
}
