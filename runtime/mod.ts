/**
 * The runtime: long-running machinery on top of {@link Api}. A {@link watcher} that never
 * loses an event, {@link reflector}s filling a {@link Store}, and stream utilities.
 *
 * @example
 * ```ts
 * import { Api, Client } from "@kubeno/kube";
 * import { indexers, reflector, watcher } from "@kubeno/kube/runtime";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 *
 * const pods = Api.all(await Client.tryDefault(), Pod);
 * const r = reflector(watcher(pods), { indexers: { namespace: indexers.namespace } });
 * r.run();
 * await r.ready();
 * console.log(r.store.byIndex("namespace", "kube-system").length);
 * ```
 *
 * @module
 */

export * from "./backoff.ts";
export * from "./watcher.ts";
export * from "./store.ts";
export * from "./reflector.ts";
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
