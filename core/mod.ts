/**
 * The pure core of kubeno: object and resource types, request building, watch decoding,
 * errors and selectors. No I/O.
 *
 * @example
 * ```ts
 * import { getRequest, labelSelector } from "@kubeno/kube/core";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const req = getRequest({ resource: Pod, namespace: "default" }, "blog");
 * console.log(req.method, req.path, labelSelector().eq("app", "blog").toString());
 * ```
 *
 * @module
 */

export * from "./resource.ts";
export * from "./params.ts";
export * from "./request.ts";
export * from "./error.ts";
export * from "./watch.ts";
export * from "./selector.ts";
export * from "./dynamic.ts";
export * from "./metadata.ts";
export * from "./admission.ts";
export * from "./channel.ts";
export * from "./conversion.ts";
export * from "./log.ts";
export * from "./backoff.ts";
