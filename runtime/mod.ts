/**
 * The runtime: long-running machinery on top of {@link Api}. A {@link watcher} that never
 * loses an event, {@link reflector}s filling a {@link Store}, and the {@link Controller} that
 * runs a reconcile per object (returning an {@link Action}), with owned and watched objects as
 * triggers, and the {@link Manager} that runs several as one program; {@link finalizer},
 * {@link Recorder} (Events), {@link awaitCondition},
 * {@link LeaderElector}, metrics, and {@link shutdownSignal} for a clean stop on SIGTERM.
 *
 * @example
 * ```ts
 * import { Api, Client } from "@kubeno/kube";
 * import { indexers, reflector, watcher } from "@kubeno/kube/runtime";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 *
 * const client = await Client.tryDefault();
 * const stop = new AbortController(); // or shutdownSignal(): until Ctrl-C / SIGTERM
 * const pods = Api.all(client, Pod);
 * const r = reflector(watcher(pods, { signal: stop.signal }), {
 *   indexers: { namespace: indexers.namespace },
 * });
 * const running = r.run();
 * await r.ready();
 * console.log(r.store.byIndex("namespace", "kube-system").length);
 * stop.abort();
 * await running;
 * client.close();
 * ```
 *
 * @module
 */

export * from "./backoff.ts";
export * from "./watcher.ts";
export * from "./store.ts";
export * from "./reflector.ts";
export * from "./predicate.ts";
export * from "./stream.ts";
export * from "./wait.ts";
export * from "./scheduler.ts";
export * from "./action.ts";
export * from "./finalizer.ts";
export * from "./events.ts";
export * from "./lease.ts";
export * from "./metrics.ts";
export * from "./shutdown.ts";
export * from "./controller.ts";
export * from "./manager.ts";
export * from "./rbac.ts";
export * from "./webhook.ts";
