/**
 * The kubeno peer of the controller benchmark: examples/configmapgen_controller.ts's own
 * controller, reconcile and error policy, run for one namespace with the bench's concurrency and
 * quiet (the example logs every reconcile; the other peers log nothing per reconcile).
 *
 * Usage: deno run --allow-net --allow-read --allow-env tests/bench/controller/kubeno.ts
 *   <namespace> <concurrency>   (0: unbounded)
 *
 * @module
 */

import { Client, Recorder, shutdownSignal } from "../../../mod.ts";
import {
  configMapGenController,
  type Context,
  errorPolicy,
  MANAGER,
  reconcile,
  REPORTER,
} from "../../../examples/configmapgen_controller.ts";

const [namespace = "default", concurrency = "0"] = Deno.args;
const signal = shutdownSignal(["SIGINT", "SIGTERM"]);
const client = await Client.tryDefault();
const ctx: Context = {
  client,
  recorder: new Recorder(client, { controller: REPORTER, instance: `${MANAGER}-kubeno` }),
  log: () => {},
};
console.error(`started: watching ConfigMapGenerators in namespace ${namespace}`);
const controller = configMapGenController(client, { namespace, onWatchError: console.error });
const run = controller.run(reconcile, errorPolicy, ctx, {
  signal,
  concurrency: Number(concurrency),
});
// The harness reads the count of reconciles from stdout, once a second.
let reconciles = 0;
const tick = setInterval(() => console.log(`reconciles ${reconciles}`), 1000);
for await (const r of run) {
  reconciles++;
  if (r.outcome === "error") console.error(`${r.key}: ${r.outcome}`);
}
clearInterval(tick);
client.close();
