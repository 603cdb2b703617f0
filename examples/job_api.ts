/**
 * job_api: a Job's life, as kube-rs' example of the same name: create it, wait until it
 * completes, read the log of the pod it ran, and delete it with `Foreground` propagation (the
 * garbage collector deletes its pods first; the Job is gone only once they are).
 *
 *   deno run --allow-net=<apiserver host:port> --allow-read=<kubeconfig> --allow-env examples/job_api.ts [NAMESPACE]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Api, awaitCondition, Client, conditions } from "../mod.ts";
import { Pod } from "../core/k8s/core/v1.ts";
import { Job } from "../core/k8s/batch/v1.ts";

const { positionals: [namespace = "default"] } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
});
using client = await Client.tryDefault();
const jobs = Api.namespaced(client, Job, namespace);
const pods = Api.namespaced(client, Pod, namespace);
const name = "countdown";
// A bound for each wait, so that a stuck controller or node fails the program instead of hanging it.
const bound = () => ({ signal: AbortSignal.timeout(120_000) });

// Start clean, so the example can run twice.
const leftover = await jobs.getOpt(name);
if (leftover) {
  await jobs.delete(name, { propagationPolicy: "Foreground" });
  await awaitCondition(jobs, name, conditions.isDeleted(leftover.metadata.uid!), bound());
  console.log(`deleted a leftover ${name}`);
}

const job = await jobs.create({
  metadata: { name },
  spec: {
    backoffLimit: 0,
    template: {
      spec: {
        restartPolicy: "Never",
        containers: [{
          name: "countdown",
          image: "busybox:1.37",
          command: ["sh", "-c", "for i in 3 2 1; do echo $i; done"],
        }],
      },
    },
  },
});
const uid = job.metadata.uid!;
console.log(`created job ${namespace}/${name}`);

const done = await awaitCondition(jobs, name, conditions.isJobCompleted, bound());
console.log(`job ${name} completed: ${done?.status?.succeeded ?? 0} pod(s) succeeded`);

// The Job controller labels its pods with the Job's uid (names could be reused).
const selector = { labelSelector: `batch.kubernetes.io/controller-uid=${uid}` };
const ran = (await pods.list(selector)).items;
for (const pod of ran) {
  const log = await pods.logs(pod.metadata.name!);
  console.log(`log of pod ${pod.metadata.name} (${pod.status?.phase}):`);
  await Deno.stdout.write(new TextEncoder().encode(log));
}

await jobs.delete(name, { propagationPolicy: "Foreground" });
await awaitCondition(jobs, name, conditions.isDeleted(uid), bound());
const left = (await pods.list(selector)).items.length;
console.log(`deleted job ${name} (Foreground): ${ran.length} pod(s) before, ${left} left`);
