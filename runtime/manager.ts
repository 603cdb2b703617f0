/**
 * The {@link Manager}: several {@link Controller}s run as one program, as controller-runtime's
 * Manager runs its controllers. One client, one metrics and health server, one Lease for all
 * (with leader election the controllers run only while this replica leads), one shutdown, one
 * readiness, and the RBAC of all of them.
 *
 * @module
 */

import { log } from "../core/log.ts";
import type { Client } from "../client/client.ts";
import { withPermissionHint } from "../client/permissions.ts";
import type { KubeObject } from "../core/resource.ts";
import type {
  Controller,
  ErrorPolicy,
  Reconcile,
  ReconcileResult,
  RunOptions,
} from "./controller.ts";
import { type LeaderElectionConfig, LeaderElector, LeadershipLostError } from "./lease.ts";
import { ControllerMetrics, Gauge, metricsHandler, Registry } from "./metrics.ts";
import {
  leaderElectionPermissions,
  type Permission,
  type RbacRules,
  rbacRules,
  type RbacRulesOptions,
  type RbacSource,
} from "./rbac.ts";

/**
 * Where a {@link Manager} serves `/metrics`, `/healthz` and `/readyz` while it runs.
 *
 * @example
 * ```ts
 * import type { ManagerServeOptions } from "@kubeno/kube";
 * const serve: ManagerServeOptions = { port: 8080 }; // needs --allow-net=0.0.0.0:8080
 * ```
 */
export interface ManagerServeOptions {
  /** The port; 0 picks a free one ({@link Manager.metricsAddress} says which). */
  port: number;
  /** The address to listen on. @default "0.0.0.0" */
  hostname?: string;
}

/**
 * Options of a {@link Manager}.
 *
 * @example
 * ```ts
 * import { Registry, shutdownSignal, type ManagerOptions } from "@kubeno/kube";
 * const options: ManagerOptions = {
 *   signal: shutdownSignal(),
 *   leaderElection: { namespace: "operators", name: "my-operator", identity: "pod-0" },
 *   metrics: { port: 8080 },
 *   registry: new Registry(),
 * };
 * ```
 */
export interface ManagerOptions {
  /** Stops every controller gracefully (each drains its reconciles within its `graceMs`). */
  signal?: AbortSignal;
  /**
   * One Lease for all controllers: they start once this replica holds it, drain and release
   * it on `signal`, and stop at once if it is lost; then {@link Manager.run} rejects with the
   * {@link LeadershipLostError} (as controller-runtime's manager, the process should exit and
   * be restarted: a controller runs once).
   */
  leaderElection?: LeaderElectionConfig;
  /** Serve `/metrics`, `/healthz` and `/readyz` on this port while running (see {@link Manager.handler}). */
  metrics?: ManagerServeOptions;
  /** Where every controller's metrics go (one family, told apart by the `controller` label). */
  registry?: Registry;
}

/**
 * How the {@link Manager} runs one controller: {@link Controller.run}'s options (the manager
 * gives `signal`, `stopNow` and `metrics`), a name and a callback for each result.
 *
 * @example
 * ```ts
 * import type { ManagedOptions } from "@kubeno/kube";
 * const o: ManagedOptions = { name: "secrets", concurrency: 4, onResult: (r) => console.log(r.key) };
 * ```
 */
export interface ManagedOptions extends Omit<RunOptions, "signal" | "stopNow" | "metrics"> {
  /**
   * The controller's name: its `controller` metrics label and what logs call it. Unique in
   * a manager. @default the main resource's kind, lower case
   */
  name?: string;
  /** Told of every finished reconcile (what iterating {@link Controller.run} would yield). */
  onResult?: (result: ReconcileResult) => void;
}

interface Entry {
  readonly name: string;
  readonly controller: Controller<KubeObject>;
  readonly metrics: ControllerMetrics;
  readonly onResult: ((r: ReconcileResult) => void) | undefined;
  readonly run: (
    options: RunOptions,
  ) => AsyncGenerator<ReconcileResult, void, undefined>;
}

type Phase = "idle" | "campaigning" | "running" | "stopping" | "stopped";

/**
 * Runs several controllers as one program (controller-runtime's Manager):
 *
 * - **One shutdown**: `signal` stops every controller gracefully; each lets its reconciles in
 *   flight finish within its `graceMs`, as {@link Controller.run} does.
 * - **One failure stops all**: when a controller's run throws (a missing Deno permission, a
 *   main stream that failed), the others are stopped gracefully and {@link Manager.run}
 *   rejects with that error. A controller that ends by itself (its stream ended) stops the
 *   others too, and `run` resolves.
 * - **One Lease** (`leaderElection`): the controllers start only once this replica leads, and
 *   stop at once, without grace, when the Lease is lost; `run` then rejects with the
 *   {@link LeadershipLostError}.
 * - **One readiness**: {@link Manager.isReady} is true only while every controller has synced
 *   all its watches. One metrics {@link Registry} for all, served with `/healthz` and
 *   `/readyz` on `metrics.port`.
 * - **One RBAC**: {@link Manager.permissions} / {@link Manager.rbac} are the union of the
 *   controllers', and the Lease's with leader election.
 * - {@link Manager.signal} aborts once every controller has stopped: give it to the watchers
 *   of the {@link sharedReflector}s the controllers share, so that they close last.
 *
 * @example
 * ```ts
 * import { Action, Api, Client, Controller, Manager, sharedReflector, shutdownSignal, watcher } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * const manager = new Manager(client, { signal: shutdownSignal() }); // until Ctrl-C or SIGTERM
 * // Two controllers on one watch of the ConfigMaps of "default".
 * const api = Api.namespaced(client, ConfigMap, "default");
 * const shared = sharedReflector(watcher(api, { signal: manager.signal }));
 * const idle = async () => Action.awaitChange();
 * const retry = () => Action.requeue(5_000);
 * manager
 *   .add(Controller.forStream(ConfigMap, shared.subscribe(), { streamOf: api }), idle, retry, {}, {
 *     name: "audit",
 *     onResult: (r) => console.log("audit", r.key),
 *   })
 *   .add(Controller.forStream(ConfigMap, shared.subscribe(), { streamOf: false }), idle, retry, {}, {
 *     name: "sync",
 *   });
 * await manager.run();
 * client.close();
 * ```
 */
export class Manager implements RbacSource {
  /** The client: the Lease is read and written with it, and the controllers' Apis should use it. */
  readonly client: Client;
  /** Every controller's metrics, and the manager's (`kubeno_leader_election_leading`). */
  readonly registry: Registry;
  readonly #entries: Entry[] = [];
  readonly #signal: AbortSignal | undefined;
  readonly #election: LeaderElectionConfig | undefined;
  readonly #serve: ManagerServeOptions | undefined;
  readonly #leading: Gauge;
  readonly #done = new AbortController();
  #phase: Phase = "idle";
  #addr: Deno.NetAddr | undefined;

  /**
   * A manager with no controllers yet: {@link Manager.add} them, then {@link Manager.run}.
   *
   * @param client the client of the Lease (and, by convention, of the controllers' Apis)
   * @param options shutdown signal, leader election, metrics
   */
  constructor(client: Client, options: ManagerOptions = {}) {
    this.client = client;
    this.registry = options.registry ?? new Registry();
    this.#signal = options.signal;
    this.#election = options.leaderElection;
    this.#serve = options.metrics;
    if (this.#serve && !(Number.isInteger(this.#serve.port) && this.#serve.port >= 0)) {
      throw new RangeError(
        `Manager: metrics.port must be an integer >= 0, not ${this.#serve.port}`,
      );
    }
    this.#leading = this.registry.register(
      new Gauge(
        "kubeno_leader_election_leading",
        "1 while this replica holds the Lease of its manager (always 1 without leader election).",
      ),
    );
    this.handler = metricsHandler(this.registry, {
      ready: () => this.isReady || this.isStandby,
    });
  }

  /**
   * The handler of `/metrics` (the {@link Manager.registry}), `/healthz` and `/readyz`, as
   * the metrics server serves it; for a program that serves it itself. `/readyz` answers 200
   * when {@link Manager.isReady}, and also on a standby replica waiting for the Lease
   * ({@link Manager.isStandby}): it is ready to take over, and a Deployment's rolling update
   * waits for the new pod to be ready before it stops the old leader.
   *
   * @example
   * ```ts
   * import { Client, Manager } from "@kubeno/kube";
   * const manager = new Manager(await Client.tryDefault());
   * const res = manager.handler(new Request("http://localhost/readyz"));
   * console.log(res.status); // 503: not running
   * ```
   */
  readonly handler: (req: Request) => Response;

  /**
   * Adds a controller, run with `reconcile`, `errorPolicy` and `context` as
   * {@link Controller.run} would run it. Before {@link Manager.run} only.
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller, Manager } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const manager = new Manager(client).add(
   *   new Controller(Api.namespaced(client, Secret, "default")),
   *   async (s, ctx) => (ctx.seen.add(s.metadata.name!), Action.awaitChange()),
   *   () => Action.requeue(5_000),
   *   { seen: new Set<string>() },
   *   { concurrency: 2 },
   * );
   * console.log(manager.names); // ["secret"]
   * ```
   */
  add<K extends KubeObject, C>(
    controller: Controller<K>,
    reconcile: Reconcile<K, C>,
    errorPolicy: ErrorPolicy<K, C>,
    context: C,
    options: ManagedOptions = {},
  ): this {
    if (this.#phase !== "idle") throw new Error("Manager.add: the manager runs already");
    const { name: given, onResult, ...runOptions } = options;
    const name = given ?? controller.resource?.kind.toLowerCase() ??
      `controller-${this.#entries.length}`;
    if (this.#entries.some((e) => e.name === name)) {
      throw new TypeError(
        `Manager.add: a controller named ${JSON.stringify(name)} was added already; ` +
          "give each a different { name }",
      );
    }
    if (this.#entries.some((e) => e.controller === (controller as unknown))) {
      throw new TypeError(`Manager.add: controller ${JSON.stringify(name)} was added twice`);
    }
    this.#entries.push({
      name,
      controller: controller as unknown as Controller<KubeObject>,
      metrics: new ControllerMetrics(name, this.registry),
      onResult,
      run: (o) => controller.run(reconcile, errorPolicy, context, { ...runOptions, ...o }),
    });
    return this;
  }

  /**
   * The names of the controllers, in the order they were added.
   *
   * @example
   * ```ts
   * import { Client, Manager } from "@kubeno/kube";
   * console.log(new Manager(await Client.tryDefault()).names); // []
   * ```
   */
  get names(): string[] {
    return this.#entries.map((e) => e.name);
  }

  /**
   * True while every controller runs with all its watches synced; false before, on a standby
   * replica (leader election: not leading), and from the start of shutdown.
   *
   * @example
   * ```ts
   * import { Client, Manager } from "@kubeno/kube";
   * console.log(new Manager(await Client.tryDefault()).isReady); // false: not running
   * ```
   */
  get isReady(): boolean {
    return this.#phase === "running" && this.#entries.every((e) => e.controller.isReady);
  }

  /**
   * True while this replica runs but waits for the Lease (leader election only).
   *
   * @example
   * ```ts
   * import { Client, Manager } from "@kubeno/kube";
   * console.log(new Manager(await Client.tryDefault()).isStandby); // false
   * ```
   */
  get isStandby(): boolean {
    return this.#phase === "campaigning";
  }

  /**
   * Resolves once every controller added so far has synced (see {@link Manager.isReady});
   * rejects if one stops before that, or the manager stops first (a standby that never led).
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller, Manager } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const stop = new AbortController();
   * const manager = new Manager(client, { signal: stop.signal }).add(
   *   new Controller(Api.namespaced(client, Secret, "default")),
   *   async () => Action.awaitChange(),
   *   () => Action.awaitChange(),
   *   {},
   * );
   * const running = manager.run();
   * await manager.ready();
   * console.log(manager.isReady); // true
   * stop.abort();
   * await running;
   * client.close();
   * ```
   */
  async ready(): Promise<void> {
    const stopped = new Promise<never>((_, reject) => {
      const fail = () => reject(new Error("the manager stopped before every controller synced"));
      if (this.#done.signal.aborted) fail();
      else this.#done.signal.addEventListener("abort", fail, { once: true });
    });
    stopped.catch(() => {}); // only the race below reports it
    // A controller that never ran (a standby that stopped) would leave its ready() pending.
    await Promise.race([Promise.all(this.#entries.map((e) => e.controller.ready())), stopped]);
  }

  /**
   * Aborts when {@link Manager.run} has stopped every controller (for any reason). Give it to
   * the watchers behind shared streams, so that they close after the controllers using them.
   *
   * @example
   * ```ts
   * import { Api, Client, Manager, sharedReflector, watcher } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const manager = new Manager(client);
   * const pods = sharedReflector(watcher(Api.all(client, Pod), { signal: manager.signal }));
   * ```
   */
  get signal(): AbortSignal {
    return this.#done.signal;
  }

  /**
   * The address the metrics server listens on, while it does (for `metrics: { port: 0 }`).
   *
   * @example
   * ```ts
   * import { Client, Manager } from "@kubeno/kube";
   * const manager = new Manager(await Client.tryDefault(), { metrics: { port: 0 } });
   * console.log(manager.metricsAddress); // undefined until run() listens
   * ```
   */
  get metricsAddress(): Deno.NetAddr | undefined {
    return this.#addr;
  }

  /**
   * Everything the controllers use ({@link Controller.permissions} of each), and with leader
   * election what the {@link LeaderElector} needs ({@link leaderElectionPermissions}).
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller, Manager } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const idle = () => Promise.resolve(Action.awaitChange());
   * const manager = new Manager(client, {
   *   leaderElection: { namespace: "default", name: "op", identity: "pod-0" },
   * })
   *   .add(new Controller(Api.namespaced(client, Secret, "default")), idle, () => Action.awaitChange(), {})
   *   .add(new Controller(Api.namespaced(client, ConfigMap, "default")), idle, () => Action.awaitChange(), {});
   * console.log(manager.permissions().length); // 4: two watches, the Lease's get+update and create
   * ```
   */
  permissions(): Permission[] {
    const out = this.#entries.flatMap((e) => e.controller.permissions());
    if (this.#election) out.push(...leaderElectionPermissions(this.#election));
    return out;
  }

  /**
   * The least-privilege rules of the whole program: {@link rbacRules} of
   * {@link Manager.permissions}. Give them to {@link rbacManifests}.
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller, Manager } from "@kubeno/kube";
   * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const idle = () => Promise.resolve(Action.awaitChange());
   * const manager = new Manager(client)
   *   .add(new Controller(Api.all(client, Secret)), idle, () => Action.awaitChange(), {})
   *   .add(new Controller(Api.namespaced(client, ConfigMap, "default")), idle, () => Action.awaitChange(), {});
   * const rules = manager.rbac();
   * console.log(rules.cluster, rules.namespaces.default); // secrets: list+watch; configmaps in default
   * ```
   */
  rbac(options?: RbacRulesOptions): RbacRules {
    return rbacRules([this], options);
  }

  /**
   * Runs every controller until `signal` aborts, one fails, one ends by itself, or (with
   * leader election) the Lease is lost; serves metrics meanwhile. Resolves after all have
   * stopped (and the Lease is released); rejects with the first failure, or with the
   * {@link LeadershipLostError}. A manager runs once.
   *
   * @example
   * ```ts
   * import { Action, Api, Client, Controller, Manager } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const client = await Client.tryDefault();
   * const manager = new Manager(client, {
   *   signal: AbortSignal.timeout(5_000),
   *   leaderElection: { namespace: "default", name: "manager-doc", identity: crypto.randomUUID() },
   * }).add(
   *   new Controller(Api.namespaced(client, ConfigMap, "default")),
   *   async (cm) => (console.log("reconciled", cm.metadata.name), Action.awaitChange()),
   *   () => Action.requeue(5_000),
   *   {},
   * );
   * await manager.run(); // leads, reconciles, then releases the Lease after 5 s
   * client.close();
   * ```
   */
  async run(): Promise<void> {
    if (this.#phase !== "idle") {
      throw new Error("Manager.run: this manager ran already; build a new one");
    }
    if (this.#entries.length === 0) {
      throw new TypeError("Manager.run: no controllers; add(...) at least one first");
    }
    this.#phase = this.#election ? "campaigning" : "running";
    // Aborted on a failure, a loss of the Lease, or a controller that ended by itself.
    const stop = new AbortController();
    const outer = this.#signal ? AbortSignal.any([this.#signal, stop.signal]) : stop.signal;
    const failure: { error?: unknown; failed: boolean } = { failed: false };
    const fail = (error: unknown) => {
      if (failure.failed) return;
      failure.failed = true;
      failure.error = error;
      stop.abort(error);
    };
    let server: Deno.HttpServer<Deno.NetAddr> | undefined;
    try {
      server = this.#listen();
      if (!this.#election) {
        this.#leading.set(1);
        await this.#runAll(outer, undefined, fail, stop);
      } else {
        const elector = new LeaderElector(this.client, this.#election);
        await elector.run(async (leading, lost) => {
          this.#phase = "running";
          this.#leading.set(1);
          const onLost = () => fail(lost.reason);
          lost.addEventListener("abort", onLost, { once: true });
          try {
            await this.#runAll(leading, lost, fail, stop);
          } finally {
            lost.removeEventListener("abort", onLost);
            this.#leading.set(0);
            // The controllers ran once: never campaign for them again.
            stop.abort();
          }
        }, { signal: outer });
      }
    } finally {
      this.#phase = "stopped";
      this.#leading.set(0);
      this.#done.abort();
      await server?.shutdown();
      this.#addr = undefined;
    }
    if (failure.failed) throw failure.error;
  }

  /** Starts the metrics server, if asked for. */
  #listen(): Deno.HttpServer<Deno.NetAddr> | undefined {
    const serve = this.#serve;
    if (!serve) return undefined;
    const hostname = serve.hostname ?? "0.0.0.0";
    const where = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${serve.port}`;
    const server = withPermissionHint(
      () => Deno.serve({ hostname, port: serve.port, onListen: () => {} }, this.handler),
      { net: where },
      `Manager: serving metrics on ${where}`,
    );
    this.#addr = server.addr;
    return server;
  }

  /** Runs every controller until all have stopped; reports the first failure to `fail`. */
  async #runAll(
    signal: AbortSignal,
    stopNow: AbortSignal | undefined,
    fail: (error: unknown) => void,
    stop: AbortController,
  ): Promise<void> {
    const onStopping = () => {
      if (this.#phase === "running") this.#phase = "stopping";
    };
    signal.addEventListener("abort", onStopping, { once: true });
    if (signal.aborted) onStopping();
    try {
      await Promise.all(this.#entries.map(async (e) => {
        try {
          for await (const r of e.run({ signal, stopNow, metrics: e.metrics })) {
            try {
              e.onResult?.(r);
            } catch (err) {
              log({
                level: "error",
                source: "manager",
                message: `manager: onResult of controller ${e.name} threw:`,
                error: err,
                fields: { controller: e.name },
              });
            }
          }
        } catch (error) {
          log({
            level: "error",
            source: "manager",
            message: stop.signal.aborted
              ? `manager: controller ${e.name} failed while stopping:`
              : `manager: controller ${e.name} failed; stopping the others:`,
            error,
            fields: { controller: e.name },
          });
          fail(error);
          return;
        }
        if (!signal.aborted && !stop.signal.aborted) {
          log({
            level: "warn",
            source: "manager",
            message: `manager: controller ${e.name} stopped by itself; stopping the others`,
            fields: { controller: e.name },
          });
          stop.abort();
        }
      }));
    } finally {
      signal.removeEventListener("abort", onStopping);
    }
    if (stopNow?.aborted && stopNow.reason instanceof LeadershipLostError) fail(stopNow.reason);
  }
}
