/**
 * The reflector benchmark driver: for each size, a fresh synthetic server and each client in
 * its own process (clean heap and RSS figures), then a table with ratios.
 *
 * Usage (from the repository root): deno task bench [--sizes=1000,10000,100000]
 *   [--events=50000] [--runs=1]
 *   [--clients=raw,kubeno,kubeno-strip,client-node,client-go,client-go-strip,kube-rs,kube-rs-strip]
 *   (also client-go-proto and client-go-proto-strip: client-go on protobuf, as against a real
 *   apiserver)
 *   [--v8-flags=--max-semi-space-size=1,--single-threaded-gc]
 *
 * `--v8-flags` adds V8 flags to the Deno clients (raw, kubeno*, client-node), to measure what the
 * runtime flags an operator could run with change (peak RSS above all).
 *
 * The client-go peer (client-go/) is built with `go build` into
 * $XDG_CACHE_HOME/kubeno/bench (default ~/.cache), not into the repository; the kube-rs peer
 * (kube-rs/) with `cargo build --release --locked -j1` into the same directory.
 */

import { benchCacheDir, buildCargo, buildGo } from "../_build.ts";

const arg = (name: string, fallback: string) =>
  Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const sizes = arg("sizes", "1000,10000,100000").split(",").map(Number);
const events = Number(arg("events", "50000"));
const runs = Number(arg("runs", "1"));
const clients = arg(
  "clients",
  "raw,kubeno,kubeno-strip,client-node,client-go,client-go-strip,kube-rs,kube-rs-strip",
).split(",");
const v8Flags = arg("v8-flags", "");

const here = new URL(".", import.meta.url).pathname;
const clientGoBin = `${benchCacheDir}/reflector-client-go`;
const kubeRsTarget = `${benchCacheDir}/kube-rs`;
const kubeRsBin = `${kubeRsTarget}/release/kubeno-bench-kube-rs`;

interface Result {
  kind: string;
  objects: number;
  events: number;
  syncMs: number;
  eventsPerSec: number;
  heapPerObject: number;
  peakRssMB: number;
  /** User + system CPU time of the client process, whole run. */
  cpuMs?: number;
}

async function startServer(objects: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      `${here}server.ts`,
      String(objects),
      String(events),
      // Encoding the events as protobuf too takes the server a few seconds: only when asked.
      ...(clients.some((c) => c.includes("-proto")) ? ["proto"] : []),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the benchmark server exited before listening");
    text += value;
  }
  reader.releaseLock();
  const { port, bytesPerObject } = JSON.parse(text.split("\n")[0]);
  return { child, url: `http://127.0.0.1:${port}`, bytesPerObject: bytesPerObject as number };
}

async function runClient(kind: string, url: string, objects: number): Promise<Result> {
  // /usr/bin/time gives the exact peak RSS and the CPU time, which a busy machine disturbs
  // less than wall-clock rates.
  const command = kind.startsWith("client-go")
    ? [
      clientGoBin,
      ...(kind.includes("-strip") ? ["-strip"] : []),
      ...(kind.includes("-proto") ? ["-proto"] : []),
    ]
    : kind.startsWith("kube-rs")
    ? [kubeRsBin]
    : [
      Deno.execPath(),
      "run",
      `--v8-flags=--expose-gc,--max-old-space-size=8192${v8Flags ? `,${v8Flags}` : ""}`,
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      `${here}client.ts`,
    ];
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "TIME %U %S %M", ...command, kind, url, String(objects), String(events)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) throw new Error(`${kind} failed: ${stderr.slice(-2000)}`);
  const r: Result = JSON.parse(stdout.split("\n").at(-1)!);
  const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (t) {
    r.cpuMs = Math.round((Number(t[1]) + Number(t[2])) * 1000);
    r.peakRssMB = Math.round(Number(t[3]) / 1024);
  }
  return r;
}

/** Best of `runs`: fastest sync, highest rate, lowest memory (each figure on its own). */
function best(rs: Result[]): Result {
  return {
    ...rs[0],
    syncMs: Math.min(...rs.map((r) => r.syncMs)),
    eventsPerSec: Math.max(...rs.map((r) => r.eventsPerSec)),
    heapPerObject: Math.min(...rs.map((r) => r.heapPerObject)),
    peakRssMB: Math.min(...rs.map((r) => r.peakRssMB)),
    cpuMs: Math.min(...rs.map((r) => r.cpuMs ?? Infinity)),
  };
}

if (clients.some((c) => c.startsWith("client-go"))) {
  await buildGo("the client-go peer", `${here}client-go`, clientGoBin);
}
if (clients.some((c) => c.startsWith("kube-rs"))) {
  await buildCargo("the kube-rs peer", `${here}kube-rs`, kubeRsTarget);
}

const rows: Result[] = [];
for (const objects of sizes) {
  const server = await startServer(objects);
  console.error(
    `# ${objects} objects (${server.bytesPerObject} bytes each), ${events} events` +
      (v8Flags ? `, Deno clients with --v8-flags ${v8Flags}` : ""),
  );
  try {
    for (const kind of clients) {
      const rs: Result[] = [];
      // Alternate nothing: each run is a fresh process against the same warm server.
      for (let i = 0; i < runs; i++) rs.push(await runClient(kind, server.url, objects));
      const r = best(rs);
      console.error(`  ${JSON.stringify(r)}`);
      rows.push(r);
    }
  } finally {
    server.child.kill();
    await server.child.status;
  }
}

const fmt = (n: number) => n.toLocaleString("en-US");
const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : "-");
console.log(
  "| objects | client | initial sync ms | events/s | heap B/object | peak RSS MB | CPU ms | sync vs raw | events/s vs raw | events/s vs client-node | heap vs raw | RSS vs client-node | sync vs client-go | events/s vs client-go | heap vs client-go | RSS vs client-go | sync vs kube-rs | events/s vs kube-rs | heap vs kube-rs | RSS vs kube-rs |",
);
console.log(
  "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
);
for (const r of rows) {
  const rawRow = rows.find((x) => x.objects === r.objects && x.kind === "raw");
  const cn = rows.find((x) => x.objects === r.objects && x.kind === "client-node");
  const cg = rows.find((x) => x.objects === r.objects && x.kind === "client-go");
  // A stripping client against the stripping kube-rs, the others against plain kube-rs.
  const kr = rows.find((x) =>
    x.objects === r.objects && x.kind === (r.kind.endsWith("-strip") ? "kube-rs-strip" : "kube-rs")
  );
  console.log(
    `| ${fmt(r.objects)} | ${r.kind} | ${fmt(r.syncMs)} | ${fmt(r.eventsPerSec)} | ${
      fmt(r.heapPerObject)
    } | ${r.peakRssMB} | ${fmt(r.cpuMs ?? 0)} | ${ratio(r.syncMs, rawRow?.syncMs)} | ${
      ratio(r.eventsPerSec, rawRow?.eventsPerSec)
    } | ${ratio(r.eventsPerSec, cn?.eventsPerSec)} | ${
      ratio(r.heapPerObject, rawRow?.heapPerObject)
    } | ${ratio(r.peakRssMB, cn?.peakRssMB)} | ${ratio(r.syncMs, cg?.syncMs)} | ${
      ratio(r.eventsPerSec, cg?.eventsPerSec)
    } | ${ratio(r.heapPerObject, cg?.heapPerObject)} | ${ratio(r.peakRssMB, cg?.peakRssMB)} | ${
      ratio(r.syncMs, kr?.syncMs)
    } | ${ratio(r.eventsPerSec, kr?.eventsPerSec)} | ${
      ratio(r.heapPerObject, kr?.heapPerObject)
    } | ${ratio(r.peakRssMB, kr?.peakRssMB)} |`,
  );
}
