/**
 * Configuration: kubeconfig files (load, merge, contexts), in-cluster service accounts,
 * authentication providers, and the mapping to a `Deno.HttpClient`.
 *
 * @example
 * ```ts
 * import { Config, createHttpClient } from "@kubeno/kube/client";
 * const config = await Config.infer();
 * const http = createHttpClient(config);
 * ```
 *
 * @module
 */

export * from "./config.ts";
export * from "./kubeconfig.ts";
export * from "./auth.ts";
export * from "./exec.ts";
export * from "./oidc.ts";
export * from "./tls.ts";
export * from "./error.ts";
