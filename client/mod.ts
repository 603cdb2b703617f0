/**
 * I/O towards the API server: configuration, the `Client`, and `Api<K>`.
 *
 * @module
 */

export * from "./config/mod.ts";
export * from "./client.ts";
export { defaultRetryPolicy, type RetryNotice, type RetryPolicy } from "./retry.ts";
export * from "./api.ts";
export * from "./permissions.ts";
export * from "./crd_apply.ts";
export * from "./discovery.ts";
export * from "./entry.ts";
export * from "./manifests.ts";
export * from "./subresource/mod.ts";
