/**
 * kubeno: the Kubernetes toolkit for Deno.
 *
 * - a generic client in the style of client-go: {@link Client} and {@link Api} over any resource;
 * - a runtime in the style of controller-runtime: watchers, reflectors and stores, controllers;
 * - custom resources declared as Zod schemas that become CustomResourceDefinitions.
 *
 * @example
 * ```ts
 * import { Api, Client } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 *
 * const client = await Client.tryDefault();
 * const pods = Api.namespaced(client, Pod, "default");
 * for (const p of (await pods.list()).items) console.log(p.metadata.name);
 * ```
 *
 * @module
 */

export * from "./core/mod.ts";
export * from "./client/mod.ts";
export * from "./runtime/mod.ts";
export * from "./crd/mod.ts";
