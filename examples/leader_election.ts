/**
 * leader_election: run several copies; only the one holding the Lease `leader-election-demo`
 * works, and another takes over when it stops (at once) or dies (after the lease duration).
 *
 *   deno run --allow-net=127.0.0.1 --allow-read --allow-env examples/leader_election.ts [identity]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client, LeaderElector, shutdownSignal } from "../mod.ts";

const signal = shutdownSignal();
using client = await Client.tryDefault();
const { positionals } = parseArgs({ args: Deno.args, allowPositionals: true });
const identity = positionals[0] ?? `candidate-${crypto.randomUUID().slice(0, 6)}`;
const elector = new LeaderElector(client, {
  namespace: client.defaultNamespace,
  name: "leader-election-demo",
  identity,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  onNewLeader: (id) => console.log(`${identity}: the leader is ${id || "nobody"}`),
});
console.log(`${identity}: campaigning`);
await elector.run(async (leading) => {
  console.log(`${identity}: leading`);
  let n = 0;
  while (!leading.aborted) {
    console.log(`${identity}: working (${++n})`);
    await new Promise((r) => {
      const t = setTimeout(r, 1_000);
      leading.addEventListener("abort", () => (clearTimeout(t), r(undefined)), { once: true });
    });
  }
  console.log(`${identity}: stopped leading`);
}, { signal });
console.log(`${identity}: done; lease released`);
