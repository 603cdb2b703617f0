/**
 * kubeno: the Kubernetes toolkit for Deno — what kube-rs is for Rust.
 *
 * This entry point re-exports the four layers; each is also its own entry point.
 *
 * | Entry point | What is in it |
 * | --- | --- |
 * | `@kubeno/kube` | everything below, in one import |
 * | [`@kubeno/kube/client`](https://jsr.io/@kubeno/kube/doc/client/~) | {@link Client} (kubeconfig, in-cluster, TLS, retries) and {@link Api}, the typed verbs over any resource |
 * | [`@kubeno/kube/runtime`](https://jsr.io/@kubeno/kube/doc/runtime/~) | {@link watcher}, {@link reflector} and {@link Store}, {@link Controller} with {@link Action}, {@link Manager} (several controllers, one Lease and metrics server), {@link finalizer}, {@link Recorder} (Events), {@link LeaderElector}, {@link shutdownSignal}, metrics |
 * | [`@kubeno/kube/crd`](https://jsr.io/@kubeno/kube/doc/crd/~) | {@link customResource}: a Zod schema becomes a descriptor, a CustomResourceDefinition and a validator; {@link celRules}, {@link mergeCrds}; `applyCrd` (client) installs it |
 * | [`@kubeno/kube/core`](https://jsr.io/@kubeno/kube/doc/core/~) | the pure layer: object and resource types ({@link ownerReference}), request building, errors ({@link ApiError}, {@link isNotFound}), selectors |
 * | [`@kubeno/kube/k8s/<group>/<version>`](https://jsr.io/@kubeno/kube/doc/k8s/core/v1/~) | the built-in API: an interface and a descriptor per kind, e.g. `Pod` from `k8s/core/v1`, `Deployment` from `k8s/apps/v1` |
 * | [`@kubeno/kube/codegen`](https://jsr.io/@kubeno/kube/doc/codegen/~) | CRD YAML to TypeScript, as a program: `deno run jsr:@kubeno/kube/codegen crd.yaml --zod` |
 * | [`@kubeno/kube/crd/print`](https://jsr.io/@kubeno/kube/doc/crd/print/~) | the CRDs a module exports, as YAML: `deno run jsr:@kubeno/kube/crd/print ./crds.ts` |
 *
 * The README walks through a first operator (a custom resource, a Controller that owns
 * ConfigMaps, server-side apply with `force`, Events, shutdown on signals).
 *
 * @example
 * ```ts
 * import { Api, Client } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 *
 * const client = await Client.tryDefault();
 * const pods = Api.namespaced(client, Pod, "default");
 * for (const p of (await pods.list()).items) console.log(p.metadata.name);
 * client.close();
 * ```
 *
 * @module
 */

export * from "./core/mod.ts";
export * from "./client/mod.ts";
export * from "./runtime/mod.ts";
export * from "./crd/mod.ts";
