/**
 * Pod I/O against kubectl on the same pod of tests/cluster (kwok node, node-streams): port-forward
 * throughput (an echo of N MB through the tunnel), exec stdout throughput (N MB of output) and
 * exec round-trip latency (`true`, median of R runs). Not a test: it prints a table.
 *
 *   deno task cluster up; eval "$(deno task -q cluster env)"
 *   deno run -A tests/bench/pod_io/main.ts [--mb=64] [--runs=7]
 */

import { parseArgs } from "node:util";
import { Api, Client } from "../../../mod.ts";
import { Pod } from "../../../core/k8s/core/v1.ts";
import {
  kubectl,
  KubectlProcess,
  mapPodPort,
  runPod,
  withKubectlNamespace,
} from "../../e2e/nodes_kit.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { mb: { type: "string", default: "64" }, runs: { type: "string", default: "7" } },
});
const MB = Number(values.mb);
const RUNS = Number(values.runs);
const bytes = MB * 1024 * 1024;

/** Writes `n` bytes and reads as many back; resolves with the seconds taken. */
async function echo(
  readable: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
  n: number,
): Promise<number> {
  const t0 = performance.now();
  const chunk = new Uint8Array(64 * 1024).fill(120);
  const writing = (async () => {
    const w = writable.getWriter();
    for (let sent = 0; sent < n; sent += chunk.length) await w.write(chunk);
    w.releaseLock();
  })();
  let got = 0;
  const r = readable.getReader();
  while (got < n) {
    const { done, value } = await r.read();
    if (done) throw new Error(`echo ended after ${got} bytes`);
    got += value.length;
  }
  r.releaseLock();
  await writing;
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

using client = await Client.tryDefault();
await withKubectlNamespace("bench-podio", async (ns) => {
  await runPod(ns, "p");
  const pods = Api.namespaced(client, Pod, ns);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const c of listener) c.readable.pipeTo(c.writable).catch(() => {});
  })().catch(() => {});
  mapPodPort(ns, "p", 7000, `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);

  // Port-forward: kubeno's tunnel, then kubectl port-forward's local port.
  const pfK: number[] = [];
  for (let i = 0; i < 3; i++) {
    await using pf = await pods.portForward("p", [7000]);
    const s = pf.stream(7000);
    pfK.push(await echo(s.readable, s.writable, bytes));
  }
  const pfC: number[] = [];
  {
    await using kc = new KubectlProcess(["port-forward", "-n", ns, "pod/p", "0:7000"]);
    const port = Number((await kc.waitFor(/127\.0\.0\.1:(\d+)/, "the local port"))[1]);
    for (let i = 0; i < 3; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        pfC.push(await echo(conn.readable, conn.writable, bytes));
      } finally {
        try {
          conn.close();
        } catch { /* closed */ }
      }
    }
  }

  // Exec stdout: MB of output.
  const cmd = ["sh", "-c", `head -c ${bytes} /dev/zero`];
  const exK: number[] = [];
  const exC: number[] = [];
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    {
      await using p = await pods.exec("p", cmd);
      let n = 0;
      for await (const c of p.stdout) n += c.length;
      await p.status;
      if (n !== bytes) throw new Error(`exec gave ${n} bytes`);
    }
    exK.push((performance.now() - t0) / 1000);
    t0 = performance.now();
    const r = await kubectl(["exec", "-n", ns, "p", "--", ...cmd]);
    if (r.stdout.length !== bytes) throw new Error(`kubectl exec gave ${r.stdout.length} bytes`);
    exC.push((performance.now() - t0) / 1000);
  }

  // Exec round trip: `true`.
  const rtK: number[] = [];
  const rtC: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    {
      await using p = await pods.exec("p", ["true"]);
      await p.status;
    }
    rtK.push(performance.now() - t0);
    t0 = performance.now();
    await kubectl(["exec", "-n", ns, "p", "--", "true"]);
    rtC.push(performance.now() - t0);
  }

  listener.close();
  await serving;
  const rate = (s: number[]) => (MB / median(s)).toFixed(1);
  console.log(`| measure | kubeno | kubectl | kubeno / kubectl |`);
  console.log(`|---|---|---|---|`);
  console.log(
    `| port-forward echo ${MB} MB, MB/s (median of 3) | ${rate(pfK)} | ${rate(pfC)} | ${
      (median(pfC) / median(pfK)).toFixed(2)
    }× |`,
  );
  console.log(
    `| exec stdout ${MB} MB, MB/s (median of 3) | ${rate(exK)} | ${rate(exC)} | ${
      (median(exC) / median(exK)).toFixed(2)
    }× |`,
  );
  console.log(
    `| exec \`true\` round trip, ms (median of ${RUNS}) | ${median(rtK).toFixed(0)} | ${
      median(rtC).toFixed(0)
    } | ${(median(rtK) / median(rtC)).toFixed(2)}× the time |`,
  );
});
