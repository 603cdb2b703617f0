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
 * Its RBAC is derived from the code ({@link configMapGenController} declares what the
 * reconcile does; `Controller.rbac()` adds what it watches). Print the whole install bundle —
 * the CRD, a Namespace, the ServiceAccount, the least-privilege Role (a ClusterRole without
 * `--namespace`) with its binding, and a Deployment — with:
 *
 *   deno run examples/configmapgen_controller.ts --print-install [--namespace=NS] \
 *     [--install-namespace=configmapgen-system] [--image=IMAGE] [--leader-elect]
 *
 * The Deployment runs `IMAGE`, meant to hold the operator compiled with its permissions:
 * `deno compile --allow-net --allow-read=/var/run/secrets/kubernetes.io/serviceaccount
 * --allow-env=KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT,KUBECONFIG,HOME
 * examples/configmapgen_controller.ts`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { stringify } from "yaml";
import {
  Action,
  Api,
  backoffDelay,
  Client,
  Controller,
  customResource,
  type DeepReadonly,
  finalizer,
  finalizerPermissions,
  type InferResource,
  leaderElectionPermissions,
  LeaderElector,
  NoAuth,
  ownerReference,
  rbacManifests,
  type ReconcileInfo,
  Recorder,
  recorderPermissions,
  shutdownSignal,
  type WatcherError,
} from "../mod.ts";
import { ConfigMap, type Namespace, type ServiceAccount } from "../core/k8s/core/v1.ts";
import type { Deployment } from "../core/k8s/apps/v1.ts";

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
          ownerReferences: [ownerReference(ConfigMapGenerator, cmg)],
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
  const why = error instanceof Error ? error.message : String(error);
  if (info.signal.aborted) {
    // Shutdown (or a lost lease) cut it off: nothing is retried; the next leader reconciles.
    ctx.log(`${info.key}: reconcile cut off by the shutdown: ${why}`);
    return Action.awaitChange();
  }
  const delay = backoffDelay(info.attempt, 500, 60_000);
  ctx.log(
    `${info.key}: reconcile failed (attempt ${info.attempt}, retry in ${delay} ms): ${why}`,
  );
  void cmg;
  return Action.requeue(delay);
}

/**
 * Options of {@link configMapGenController}.
 *
 * @example
 * ```ts
 * import type { OperatorOptions } from "./configmapgen_controller.ts";
 * const o: OperatorOptions = { namespace: "apps", leaseNamespace: "apps" };
 * ```
 */
export interface OperatorOptions {
  /** Watch only this namespace (a Role); all namespaces otherwise (a ClusterRole). */
  namespace?: string;
  /** With leader election: the Lease's namespace (its permissions go there). */
  leaseNamespace?: string;
  /** Told of each error of its watches (e.g. a Forbidden list); default: logged. */
  onWatchError?: (err: WatcherError) => void;
}

/**
 * The operator's Controller: what it watches, and — for `rbac()` — what {@link reconcile}
 * does: `get`, `create` and `patch` (server-side apply) of ConfigMaps, `patch` of the generators'
 * status, the finalizer's `patch`, the Recorder's Events, and the Lease with leader election.
 *
 * @example
 * ```ts
 * import { Client } from "@kubeno/kube";
 * import { configMapGenController } from "./configmapgen_controller.ts";
 * const controller = configMapGenController(await Client.tryDefault(), { namespace: "default" });
 * console.log(controller.rbac().namespaces.default);
 * ```
 */
export function configMapGenController(
  client: Client,
  options: OperatorOptions = {},
): Controller<ConfigMapGenerator> {
  const { namespace } = options;
  const generators = namespace
    ? Api.namespaced(client, ConfigMapGenerator, namespace)
    : Api.all(client, ConfigMapGenerator);
  const configMaps = namespace
    ? Api.namespaced(client, ConfigMap, namespace)
    : Api.all(client, ConfigMap);
  const onError = options.onWatchError;
  const controller = new Controller(generators, onError ? { onError } : {})
    .owns(configMaps, { labelSelector: `app.kubernetes.io/managed-by=${MANAGER}`, onError })
    // Server-side apply is a `patch`, and a `create` too when the object is new.
    .uses(ConfigMap, ["get", "create", "patch"], { reason: "apply: getOpt, server-side apply" })
    .uses(ConfigMapGenerator, ["patch"], { subresource: "status", reason: "apply: status" })
    .needs(...finalizerPermissions(ConfigMapGenerator), ...recorderPermissions());
  if (options.leaseNamespace !== undefined) {
    controller.needs(
      ...leaderElectionPermissions({ namespace: options.leaseNamespace, name: MANAGER }),
    );
  }
  return controller;
}

/**
 * Options of {@link installBundle}.
 *
 * @example
 * ```ts
 * import type { InstallOptions } from "./configmapgen_controller.ts";
 * const o: InstallOptions = { namespace: "apps", image: "registry.example/configmapgen:1" };
 * ```
 */
export interface InstallOptions {
  /** The namespace the operator watches; all of them when absent. */
  namespace?: string;
  /** Where the ServiceAccount and the Deployment go. @default "configmapgen-system" */
  installNamespace?: string;
  /** The operator's image. @default "configmapgen:latest" */
  image?: string;
  /** Run two replicas with leader election (a Lease in the install namespace). */
  leaderElect?: boolean;
}

/**
 * Everything to install the operator, in order: the CRD, the install Namespace, the
 * ServiceAccount, the Role or ClusterRole derived from {@link configMapGenController} with its
 * binding, and the Deployment. No request is made.
 *
 * @example
 * ```ts
 * import { installBundle } from "./configmapgen_controller.ts";
 * for (const o of installBundle({ namespace: "apps" })) console.log(o.kind, o.metadata.name);
 * ```
 */
export function installBundle(
  options: InstallOptions = {},
): { kind?: string; metadata: { name?: string; namespace?: string } }[] {
  const installNs = options.installNamespace ?? "configmapgen-system";
  const labels = { "app.kubernetes.io/name": MANAGER };
  // The rules depend only on the controller's shape: a client that never connects.
  using offline = new Client({
    clusterUrl: new URL("https://kubernetes.default.svc"),
    defaultNamespace: installNs,
    auth: new NoAuth(),
    source: "the install bundle (no requests)",
  });
  const rules = configMapGenController(offline, {
    namespace: options.namespace,
    leaseNamespace: options.leaderElect ? installNs : undefined,
  }).rbac();
  const namespace: Namespace = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: installNs, labels },
  };
  const sa: ServiceAccount = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: MANAGER, namespace: installNs, labels },
  };
  const args = [
    ...(options.namespace ? [`--namespace=${options.namespace}`] : []),
    ...(options.leaderElect
      ? ["--leader-elect", `--lease-namespace=${installNs}`, "--identity=$(POD_NAME)"]
      : []),
  ];
  const deployment: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: MANAGER, namespace: installNs, labels },
    spec: {
      replicas: options.leaderElect ? 2 : 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: MANAGER,
          containers: [{
            name: MANAGER,
            image: options.image ?? "configmapgen:latest",
            args,
            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ["ALL"] },
            },
          }],
        },
      },
    },
  };
  return [
    ConfigMapGenerator.crd(),
    namespace,
    sa,
    ...rbacManifests(rules, {
      name: MANAGER,
      serviceAccount: { name: MANAGER, namespace: installNs },
      labels,
    }),
    deployment,
  ];
}

/** The command line; an unknown flag or a missing value is an error that names it. */
function args() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "print-crd": { type: "boolean" },
      "print-install": { type: "boolean" },
      namespace: { type: "string" },
      "install-namespace": { type: "string" },
      image: { type: "string" },
      "leader-elect": { type: "boolean" },
      identity: { type: "string" },
      "lease-namespace": { type: "string" },
      "lease-duration-ms": { type: "string", default: "15000" },
      "renew-deadline-ms": { type: "string", default: "10000" },
      "retry-period-ms": { type: "string", default: "2000" },
    },
  });
  const ms = (name: "lease-duration-ms" | "renew-deadline-ms" | "retry-period-ms") => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n <= 0) throw new TypeError(`--${name} wants milliseconds > 0`);
    return n;
  };
  return {
    ...values,
    leaseDurationMs: ms("lease-duration-ms"),
    renewDeadlineMs: ms("renew-deadline-ms"),
    retryPeriodMs: ms("retry-period-ms"),
  };
}

async function main(): Promise<void> {
  const opts = args();
  if (opts["print-crd"]) {
    console.log(JSON.stringify(ConfigMapGenerator.crd(), null, 2));
    return;
  }
  if (opts["print-install"]) {
    const objects = installBundle({
      namespace: opts.namespace,
      installNamespace: opts["install-namespace"],
      image: opts.image,
      leaderElect: opts["leader-elect"] === true,
    });
    console.log(objects.map((o) => stringify(o)).join("---\n").trimEnd());
    return;
  }
  // SIGHUP as well: a terminal that closes stops it cleanly (lease released) too.
  const signal = shutdownSignal(
    Deno.build.os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP"],
  );
  const namespace = opts.namespace;
  const identity = opts.identity ?? `${MANAGER}-${crypto.randomUUID().slice(0, 8)}`;
  const client = await Client.tryDefault();
  const log = (line: string) => console.log(`[${identity}] ${line}`);
  signal.addEventListener("abort", () => log(`stopping: ${signal.reason?.message ?? "signal"}`));
  const ctx: Context = {
    client,
    recorder: new Recorder(client, { controller: REPORTER, instance: identity }),
    log,
  };

  // `stop` drains (normal shutdown); `lost` (leadership lost) aborts running reconciles at once.
  const runController = async (stop: AbortSignal, lost?: AbortSignal) => {
    log(
      `started: watching ConfigMapGenerators in ${
        namespace ? `namespace ${namespace}` : "all namespaces"
      }`,
    );
    const controller = configMapGenController(client, { namespace });
    for await (
      const r of controller.run(reconcile, errorPolicy, ctx, { signal: stop, stopNow: lost })
    ) {
      log(
        `reconciled ${r.key}: ${r.outcome} in ${r.durationMs.toFixed(1)} ms, next: ${r.action}`,
      );
    }
    log("stopped: reconciles finished, watches closed");
  };

  if (opts["leader-elect"]) {
    const elector = new LeaderElector(client, {
      namespace: opts["lease-namespace"] ?? namespace ?? "default",
      name: MANAGER,
      identity,
      leaseDurationMs: opts.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      onNewLeader: (id) => log(`leader is now ${id || "(none)"}`),
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
