/**
 * Eviction: the `eviction` subresource of pods (policy/v1 `Eviction`), a delete that respects
 * PodDisruptionBudgets.
 *
 * @module
 */

import type { Status } from "../../core/error.ts";
import type { DeleteParams } from "../../core/params.ts";
import {
  createRequest,
  deleteRequest,
  type KubeRequest,
  type ResourceScope,
} from "../../core/request.ts";
import type { Client, RequestOptions } from "../client.ts";
import { assertPods } from "./_pods.ts";

/**
 * The request that evicts a pod; `dp` becomes the Eviction's `deleteOptions`.
 *
 * @example
 * ```ts
 * import { evictRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const req = evictRequest({ resource: Pod, namespace: "default" }, "blog", { gracePeriodSeconds: 0 });
 * req.path; // "/api/v1/namespaces/default/pods/blog/eviction"
 * ```
 */
export function evictRequest(
  scope: ResourceScope,
  name: string,
  dp: DeleteParams = {},
): KubeRequest {
  assertPods(scope, "evict");
  if (name === "") throw new TypeError("evict needs a pod name");
  // The same DeleteOptions a delete sends, checked and built in one place.
  const options = deleteRequest(scope, name, dp).body;
  const body = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace: scope.namespace },
    ...(options ? { deleteOptions: JSON.parse(options) } : {}),
  };
  return createRequest(scope, body, {}, name, "eviction");
}

/**
 * Evicts a pod. The answer is the server's `Success` Status. A PodDisruptionBudget that does
 * not allow it answers 429: an `ApiError` that `isTooManyRequests` recognises, for the caller to
 * try again later (the client's retry policy retries 429s first, as for every call; a client
 * with `retry: { maxRetries: 0 }` hands the first one back).
 *
 * @example
 * ```ts
 * import { Api, Client, isTooManyRequests } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * try {
 *   await pods.evict("blog");
 * } catch (e) {
 *   if (isTooManyRequests(e)) console.log("a disruption budget says not now");
 *   else throw e;
 * }
 * ```
 */
export async function podEvict(
  client: Client,
  scope: ResourceScope,
  name: string,
  dp: DeleteParams = {},
  opts: RequestOptions = {},
): Promise<Status> {
  return await client.request<Status>(evictRequest(scope, name, dp), opts);
}
