/**
 * configmapgen_controller: an operator, as kube-rs' example of the same name. Each
 * `ConfigMapGenerator` (group `kubeno.dev`) declares content; the operator keeps a ConfigMap of
 * the same name with that content, owned by the generator (so garbage collection removes it
 * with the generator), reverts hand edits of it, reports status conditions through the status
 * subresource, publishes Events, and runs a cleanup step on deletion through a finalizer.
 *
 * Install the CRD, then run the operator with only what it needs:
 *
 *   deno run examples/configmapgen_controller.ts --print-crd | kubectl apply -f -
 *   deno run --allow-net=127.0.0.1:6443 --allow-read=$KUBECONFIG \
 *     --allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT \
 *     examples/configmapgen_controller.ts [--namespace=NS] [--leader-elect] [--identity=ID]
 *
 * (`--allow-net` takes the apiserver's `host:port` from the kubeconfig.) Stop it with Ctrl-C:
 * it finishes the reconciles in flight, closes its watches and releases its lease.
 *
 * @module
 */

import { z } from "zod";
import {
  Action,
  Api,
  backoffDelay,
  Client,
  Controller,
  customResource,
  type DeepReadonly,
  finalizer,
  type InferResource,
  LeaderElector,
  type ReconcileInfo,
  Recorder,
  shutdownSignal,
} from "../mod.ts";
import { ConfigMap } from "../core/k8s/core/v1.ts";

/** A status condition, as the API conventions define it. */
const condition = z.object({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
  observedGeneration: z.int().optional(),
});

/** The custom resource: content to keep in a ConfigMap. */
export const ConfigMapGenerator = customResource({
  group: "kubeno.dev",
  version: "v1",
  kind: "ConfigMapGenerator",
  namespaced: true,
  shortNames: ["cmg"],
  spec: z.object({
    /** The value of the ConfigMap's `content` key. */
    content: z.string(),
  }),
  status: z.object({
    observedGeneration: z.int().optional(),
    configMap: z.string().optional(),
    conditions: z.array(condition).optional(),
  }),
  printerColumns: [
    { name: "Content", type: "string", jsonPath: ".spec.content" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  ],
});
/** A ConfigMapGenerator object. */
export type ConfigMapGenerator = InferResource<typeof ConfigMapGenerator>;

/** The field manager and controller name this operator writes as. */
export const MANAGER = "configmapgen";
/** Our finalizer: runs {@link cleanup} before a generator disappears. */
export const FINALIZER = "kubeno.dev/configmapgen-cleanup";
/** `reportingController` of our Events. */
export const REPORTER = "kubeno.dev/configmapgen";

/** What every reconcile shares. */
export interface Context {
  client: Client;
  recorder: Recorder;
  log: (line: string) => void;
}

type Condition = z.infer<typeof condition>;

function readyCondition(
  old: readonly DeepReadonly<Condition>[] | undefined,
  generation: number | undefined,
  message: string,
): Condition {
  const prev = old?.find((c) => c.type === "Ready");
  // The transition time changes only with the status, so that a status write is idempotent.
  const lastTransitionTime = prev?.status === "True"
    ? prev.lastTransitionTime
    : new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const c: Condition = {
    type: "Ready",
    status: "True",
    reason: "ConfigMapSynced",
    message,
    lastTransitionTime,
  };
  if (generation !== undefined) c.observedGeneration = generation;
  return c;
}

async function apply(
  cmg: DeepReadonly<ConfigMapGenerator>,
  ctx: Context,
  signal: AbortSignal,
): Promise<Action> {
  const { name, namespace } = cmg.metadata as { name: string; namespace: string };
  const cms = Api.namespaced(ctx.client, ConfigMap, namespace);
  // Every call takes the reconcile's signal: a leader that lost its lease stops writing at once.
  const before = await cms.getOpt(name, {}, { signal });
  const desired = cmg.spec.content;
  // Server-side apply with force: the fields we own return to our values, whoever changed them.
  const cm = await cms.patch(
    name,
    {
      type: "apply",
      body: {
        metadata: {
          name,
          labels: { "app.kubernetes.io/managed-by": MANAGER },
          ownerReferences: [{
            apiVersion: ConfigMapGenerator.apiVersion,
            kind: ConfigMapGenerator.kind,
            name,
            uid: cmg.metadata.uid!,
            controller: true,
            blockOwnerDeletion: true,
          }],
        },
        data: { content: desired },
      },
    },
    { fieldManager: MANAGER, force: true },
    { signal },
  );
  const related = { apiVersion: "v1", kind: "ConfigMap", name, namespace, uid: cm.metadata.uid };
  const specChanged = cmg.status?.observedGeneration !== cmg.metadata.generation;
  let what: [reason: string, note: string] | undefined;
  if (!before) what = ["ConfigMapCreated", `created ConfigMap ${name}`];
  else if (before.data?.content !== desired) {
    what = specChanged
      ? ["ConfigMapUpdated", `updated ConfigMap ${name}`]
      : ["DriftReverted", `ConfigMap ${name} was changed by hand; restored its content`];
  }
  if (what) {
    signal.throwIfAborted();
    ctx.log(`${namespace}/${name}: ${what[1]}`);
    await ctx.recorder.publishFor(ConfigMapGenerator, cmg, {
      type: what[0] === "DriftReverted" ? "Warning" : "Normal",
      reason: what[0],
      action: "ApplyConfigMap",
      note: what[1],
      related,
    }, { signal }).catch((err) => ctx.log(`event not published: ${err.message}`));
  }
  const status = {
    observedGeneration: cmg.metadata.generation,
    configMap: name,
    conditions: [
      readyCondition(
        cmg.status?.conditions,
        cmg.metadata.generation,
        `ConfigMap ${name} has the content`,
      ),
    ],
  };
  if (JSON.stringify(status) !== JSON.stringify(cmg.status)) {
    await Api.namespaced(ctx.client, ConfigMapGenerator, namespace).patchStatus(
      name,
      {
        type: "apply",
        body: { status },
      },
      { fieldManager: MANAGER, force: true },
      { signal },
    );
  }
  // Check again later even without changes (kube-rs' example does the same).
  return Action.requeue(5 * 60_000);
}

async function cleanup(
  cmg: DeepReadonly<ConfigMapGenerator>,
  ctx: Context,
  signal: AbortSignal,
): Promise<Action> {
  const { name, namespace } = cmg.metadata as { name: string; namespace: string };
  // The ConfigMap goes with garbage collection (it is owned); what is left to do is ours.
  ctx.log(`${namespace}/${name}: cleanup (finalizer ${FINALIZER})`);
  await ctx.recorder.publishFor(ConfigMapGenerator, cmg, {
    type: "Normal",
    reason: "CleanedUp",
    action: "Finalize",
    note: `cleanup ran for ${name}; its ConfigMap is left to garbage collection`,
  }, { signal });
  return Action.awaitChange();
}

/**
 * The reconcile: the finalizer decides between `apply` and `cleanup`.
 *
 * @example
 * ```ts
 * import { Client, Recorder, Store } from "@kubeno/kube";
 * import { ConfigMapGenerator, reconcile } from "./configmapgen_controller.ts";
 * const client = await Client.tryDefault();
 * const ctx = { client, recorder: new Recorder(client, { controller: "demo" }), log: console.log };
 * const info = { key: "default/a", store: new Store<ConfigMapGenerator>(), attempt: 0, signal: AbortSignal.timeout(10_000) };
 * await reconcile(ConfigMapGenerator.new("a", { content: "x" }), ctx, info);
 * ```
 */
export async function reconcile(
  cmg: DeepReadonly<ConfigMapGenerator>,
  ctx: Context,
  info: ReconcileInfo<ConfigMapGenerator>,
): Promise<Action> {
  const api = Api.namespaced(ctx.client, ConfigMapGenerator, cmg.metadata.namespace!);
  return await finalizer(api, FINALIZER, cmg, {
    apply: (obj) => apply(obj, ctx, info.signal),
    cleanup: (obj) => cleanup(obj, ctx, info.signal),
  }, { signal: info.signal });
}

/**
 * After a failure: log it and retry with per-key exponential backoff.
 *
 * @example
 * ```ts
 * import { errorPolicy } from "./configmapgen_controller.ts";
 * ```
 */
export function errorPolicy(
  cmg: DeepReadonly<ConfigMapGenerator>,
  error: unknown,
  ctx: Context,
  info: ReconcileInfo<ConfigMapGenerator>,
): Action {
  const delay = backoffDelay(info.attempt, 500, 60_000);
  ctx.log(
    `${info.key}: reconcile failed (attempt ${info.attempt}, retry in ${delay} ms): ${
      error instanceof Error ? error.message : String(error)
    }`,
  );
  void cmg;
  return Action.requeue(delay);
}

function flag(name: string): string | boolean | undefined {
  for (const a of Deno.args) {
    if (a === `--${name}`) return true;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

async function main(): Promise<void> {
  if (flag("print-crd")) {
    console.log(JSON.stringify(ConfigMapGenerator.crd(), null, 2));
    return;
  }
  // SIGHUP as well: a terminal that closes stops it cleanly (lease released) too.
  const signal = shutdownSignal(
    Deno.build.os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP"],
  );
  const namespace = typeof flag("namespace") === "string" ? flag("namespace") as string : undefined;
  const identity = typeof flag("identity") === "string"
    ? flag("identity") as string
    : `${MANAGER}-${crypto.randomUUID().slice(0, 8)}`;
  const client = await Client.tryDefault();
  const log = (line: string) => console.log(`[${identity}] ${line}`);
  signal.addEventListener("abort", () => log(`stopping: ${signal.reason?.message ?? "signal"}`));
  const ctx: Context = {
    client,
    recorder: new Recorder(client, { controller: REPORTER, instance: identity }),
    log,
  };
  const generators = namespace
    ? Api.namespaced(client, ConfigMapGenerator, namespace)
    : Api.all(client, ConfigMapGenerator);
  const configMaps = namespace
    ? Api.namespaced(client, ConfigMap, namespace)
    : Api.all(client, ConfigMap);

  // `stop` drains (normal shutdown); `lost` (leadership lost) aborts running reconciles at once.
  const runController = async (stop: AbortSignal, lost?: AbortSignal) => {
    log(
      `started: watching ConfigMapGenerators in ${
        namespace ? `namespace ${namespace}` : "all namespaces"
      }`,
    );
    const controller = new Controller(generators).owns(configMaps, {
      labelSelector: `app.kubernetes.io/managed-by=${MANAGER}`,
    });
    for await (
      const r of controller.run(reconcile, errorPolicy, ctx, { signal: stop, stopNow: lost })
    ) {
      log(
        `reconciled ${r.key}: ${r.outcome} in ${r.durationMs.toFixed(1)} ms, next: ${r.action}`,
      );
    }
    log("stopped: reconciles finished, watches closed");
  };

  if (flag("leader-elect")) {
    const elector = new LeaderElector(client, {
      namespace: (typeof flag("lease-namespace") === "string"
        ? flag("lease-namespace") as string
        : namespace) ??
        "default",
      name: MANAGER,
      identity,
      leaseDurationMs: Number(flag("lease-duration-ms") || 15_000),
      renewDeadlineMs: Number(flag("renew-deadline-ms") || 10_000),
      retryPeriodMs: Number(flag("retry-period-ms") || 2_000),
      onNewLeader: (id) =>
        log(`leader is now ${id || "(none)"}`),
    });
    log("waiting for leadership");
    await elector.run(async (leading, lost) => {
      log("leading");
      await runController(leading, lost);
      if (lost.aborted) log("lost the lease: reconciles aborted");
    }, { signal });
    log("lease released");
  } else {
    await runController(signal);
  }
  client.close();
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    // One line that says what to do (a PermissionError names the flag), not a stack.
    console.error(`configmapgen: ${err instanceof Error ? err.message : String(err)}`);
    Deno.exit(1);
  }
}
