/**
 * The pure request builder: (resource, verb, params) -> method, path, query, headers, body.
 * No I/O; the client sends what this returns.
 *
 * @module
 */

import { ApiError } from "./error.ts";
import { assertResourceType, type KubeObject, type ResourceType } from "./resource.ts";
import {
  type DeleteParams,
  type GetParams,
  type ListParams,
  type Patch,
  patchContentType,
  type PatchParams,
  type PostParams,
  type WatchParams,
} from "./params.ts";

/**
 * The HTTP methods the API uses.
 *
 * @example
 * ```ts
 * import type { HttpMethod } from "@kubeno/kube";
 * const method: HttpMethod = "PATCH";
 * ```
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * A request to send to the API server, without the server's address or credentials.
 *
 * @example
 * ```ts
 * import type { KubeRequest } from "@kubeno/kube";
 * const r: KubeRequest = { method: "GET", path: "/api/v1/namespaces/default/pods", query: new URLSearchParams(), headers: {} };
 * ```
 */
export interface KubeRequest {
  /** HTTP method. */
  method: HttpMethod;
  /** Absolute path on the server, with every segment escaped. */
  path: string;
  /** Query parameters. */
  query: URLSearchParams;
  /** Headers specific to this request (content type, accept). */
  headers: Record<string, string>;
  /** The JSON body, already serialised. */
  body?: string;
}

/**
 * Where a resource lives: its descriptor and, for namespaced resources, the namespace
 * (`undefined` means all namespaces for list and watch).
 *
 * @example
 * ```ts
 * import type { ResourceScope } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const s: ResourceScope = { resource: Pod, namespace: "default" };
 * ```
 */
export interface ResourceScope {
  /** The resource. */
  resource: ResourceType<KubeObject>;
  /** Namespace, or undefined for cluster-scoped resources and all-namespace lists. */
  namespace?: string;
}

/**
 * Escapes one path segment. Kubernetes names are DNS-like, but subresource paths, custom
 * resources and a typo must not be able to break out of their segment.
 *
 * @example
 * ```ts
 * import { escapeSegment } from "@kubeno/kube";
 * escapeSegment("a/b"); // "a%2Fb"
 * ```
 */
export function escapeSegment(segment: string): string {
  if (segment === "" || segment === "." || segment === "..") {
    throw new TypeError(
      `invalid path segment ${JSON.stringify(segment)}: names must not be empty, "." or ".."`,
    );
  }
  if (!segment.isWellFormed()) {
    // encodeURIComponent would throw a bare URIError.
    throw new TypeError(
      `invalid path segment ${
        JSON.stringify(segment)
      }: it has a lone surrogate (not valid Unicode)`,
    );
  }
  return encodeURIComponent(segment);
}

/**
 * {@link resourcePath}, after refusing what no URL can carry (a lone surrogate: not Unicode)
 * with the error the server gives an invalid name, a 422 `Invalid` {@link ApiError} naming the
 * field, so that callers handle it as any rejected request (`isInvalid`), before any I/O.
 */
function pathFor(
  method: HttpMethod,
  scope: ResourceScope,
  name?: string,
  subresource?: string,
): string {
  const fields: [string, string | undefined][] = [
    ["metadata.namespace", scope.namespace],
    ["metadata.name", name],
    ["subresource", subresource],
  ];
  for (const [field, value] of fields) {
    if (value === undefined || value.isWellFormed()) continue;
    const message = `${field}: Invalid value: ${JSON.stringify(value)}: ` +
      "not valid Unicode (a lone surrogate, half of a UTF-16 pair); no URL can carry it";
    const shown = (v: string | undefined) => v?.toWellFormed();
    throw new ApiError(
      {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        code: 422,
        reason: "Invalid",
        message,
        details: {
          kind: scope.resource.plural,
          causes: [{ reason: "FieldValueInvalid", field, message }],
        },
      },
      {
        method,
        path: resourcePath(
          { ...scope, namespace: shown(scope.namespace) },
          shown(name),
          shown(subresource),
        ),
      },
    );
  }
  return resourcePath(scope, name, subresource);
}

/**
 * The URL path of a resource collection, an object, or an object's subresource.
 *
 * @example
 * ```ts
 * import { resourcePath } from "@kubeno/kube";
 * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
 * resourcePath({ resource: Deployment, namespace: "ns" }, "web", "scale");
 * // "/apis/apps/v1/namespaces/ns/deployments/web/scale"
 * ```
 */
export function resourcePath(scope: ResourceScope, name?: string, subresource?: string): string {
  const rt = scope.resource;
  assertResourceType(rt); // a hand-written descriptor must not reach outside its resource either
  let path = rt.group === "" ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
  if (rt.namespaced && scope.namespace !== undefined) {
    path += `/namespaces/${escapeSegment(scope.namespace)}`;
  }
  path += `/${rt.plural}`;
  if (name !== undefined) path += `/${escapeSegment(name)}`;
  if (subresource !== undefined) {
    if (name === undefined) throw new TypeError(`subresource ${subresource} needs an object name`);
    path += `/${subresource.split("/").map(escapeSegment).join("/")}`;
  }
  return path;
}

const JSON_TYPE = "application/json";

function query(entries: Record<string, string | number | boolean | undefined>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(entries)) {
    if (v !== undefined && v !== "") q.set(k, String(v));
  }
  return q;
}

function needsName(verb: string, name: string): void {
  if (name === "") throw new TypeError(`${verb} needs an object name`);
}

/** Query of a list or deleteCollection. */
function listQuery(lp: ListParams): URLSearchParams {
  return query({
    labelSelector: lp.labelSelector,
    fieldSelector: lp.fieldSelector,
    limit: lp.limit,
    continue: lp.continue,
    resourceVersion: lp.resourceVersion,
    resourceVersionMatch: lp.resourceVersionMatch,
    timeoutSeconds: lp.timeoutSeconds,
  });
}

function writeQuery(p: { dryRun?: boolean; fieldManager?: string; fieldValidation?: string }) {
  return query({
    dryRun: p.dryRun ? "All" : undefined,
    fieldManager: p.fieldManager,
    fieldValidation: p.fieldValidation,
  });
}

/**
 * A `get` of one object.
 *
 * @example
 * ```ts
 * import { getRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * getRequest({ resource: Pod, namespace: "default" }, "blog").path; // "/api/v1/namespaces/default/pods/blog"
 * ```
 */
export function getRequest(
  scope: ResourceScope,
  name: string,
  gp: GetParams = {},
  subresource?: string,
): KubeRequest {
  needsName("get", name);
  return {
    method: "GET",
    path: pathFor("GET", scope, name, subresource),
    query: query({ resourceVersion: gp.resourceVersion }),
    headers: { accept: JSON_TYPE },
  };
}

/**
 * A `list` of a collection.
 *
 * @example
 * ```ts
 * import { listRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * listRequest({ resource: Pod }, { limit: 2 }).query.get("limit"); // "2"
 * ```
 */
export function listRequest(scope: ResourceScope, lp: ListParams = {}): KubeRequest {
  return {
    method: "GET",
    path: pathFor("GET", scope),
    query: listQuery(lp),
    headers: { accept: JSON_TYPE },
  };
}

/**
 * A `watch` from a resource version: a long-lived GET with `watch=true`.
 * `resourceVersion` `"0"` or undefined starts from "any" state, as the server defines it.
 * With `sendInitialEvents`, `resourceVersionMatch` defaults to `NotOlderThan` and bookmarks
 * are turned on, as the server requires.
 *
 * @example
 * ```ts
 * import { watchRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * watchRequest({ resource: Pod }, "42", { allowWatchBookmarks: true }).query.get("watch"); // "true"
 * ```
 */
export function watchRequest(
  scope: ResourceScope,
  resourceVersion: string | undefined,
  wp: WatchParams = {},
): KubeRequest {
  // The server rejects `sendInitialEvents` without `resourceVersionMatch=NotOlderThan`, and
  // `sendInitialEvents=true` without bookmarks (the initial events end with one): fill them in.
  if (wp.sendInitialEvents === true && wp.allowWatchBookmarks === false) {
    throw new TypeError(
      "WatchParams.sendInitialEvents needs bookmarks: drop allowWatchBookmarks: false",
    );
  }
  const q = query({
    watch: "true",
    resourceVersion,
    labelSelector: wp.labelSelector,
    fieldSelector: wp.fieldSelector,
    timeoutSeconds: wp.timeoutSeconds,
    allowWatchBookmarks: wp.allowWatchBookmarks || wp.sendInitialEvents ? "true" : undefined,
    sendInitialEvents: wp.sendInitialEvents === undefined
      ? undefined
      : String(wp.sendInitialEvents),
    resourceVersionMatch: wp.resourceVersionMatch ??
      (wp.sendInitialEvents === undefined ? undefined : "NotOlderThan"),
  });
  return { method: "GET", path: pathFor("GET", scope), query: q, headers: { accept: JSON_TYPE } };
}

/**
 * A `create` (POST) of an object into a collection.
 *
 * @example
 * ```ts
 * import { createRequest } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * createRequest({ resource: ConfigMap, namespace: "default" }, { metadata: { name: "a" } }).method; // "POST"
 * ```
 */
export function createRequest(
  scope: ResourceScope,
  body: unknown,
  pp: PostParams = {},
  name?: string,
  subresource?: string,
): KubeRequest {
  return {
    method: "POST",
    path: pathFor("POST", scope, name, subresource),
    query: writeQuery(pp),
    headers: { accept: JSON_TYPE, "content-type": JSON_TYPE },
    body: JSON.stringify(body),
  };
}

/**
 * A `replace` (PUT) of an object or a subresource.
 *
 * @example
 * ```ts
 * import { replaceRequest } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * replaceRequest({ resource: ConfigMap, namespace: "default" }, "a", { metadata: { name: "a" } }).method; // "PUT"
 * ```
 */
export function replaceRequest(
  scope: ResourceScope,
  name: string,
  body: unknown,
  pp: PostParams = {},
  subresource?: string,
): KubeRequest {
  needsName("replace", name);
  return {
    method: "PUT",
    path: pathFor("PUT", scope, name, subresource),
    query: writeQuery(pp),
    headers: { accept: JSON_TYPE, "content-type": JSON_TYPE },
    body: JSON.stringify(body),
  };
}

/**
 * A `patch` of an object or a subresource, sent with the content type of its kind.
 * Server-side apply needs a field manager; the server would reject it without one, so this
 * fails early with the fix.
 *
 * @example
 * ```ts
 * import { patchRequest } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const r = patchRequest({ resource: ConfigMap, namespace: "default" }, "a",
 *   { type: "merge", body: { data: { k: "v" } } });
 * r.headers["content-type"]; // "application/merge-patch+json"
 * ```
 */
export function patchRequest(
  scope: ResourceScope,
  name: string,
  patch: Patch,
  pp: PatchParams = {},
  subresource?: string,
): KubeRequest {
  needsName("patch", name);
  if (patch.type === "apply" && !pp.fieldManager) {
    throw new TypeError(
      'server-side apply needs a field manager: pass { fieldManager: "my-controller" } as PatchParams',
    );
  }
  if (patch.type !== "apply" && pp.force) {
    throw new TypeError('PatchParams.force is only valid for server-side apply (type: "apply")');
  }
  const q = writeQuery(pp);
  if (pp.force) q.set("force", "true");
  return {
    method: "PATCH",
    path: pathFor("PATCH", scope, name, subresource),
    query: q,
    headers: { accept: JSON_TYPE, "content-type": patchContentType[patch.type] },
    body: JSON.stringify(patch.body),
  };
}

/** The DeleteOptions body, or undefined when there is nothing to say. */
function deleteBody(dp: DeleteParams): string | undefined {
  const opts: Record<string, unknown> = {};
  if (dp.propagationPolicy) opts.propagationPolicy = dp.propagationPolicy;
  if (dp.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = dp.gracePeriodSeconds;
  if (dp.preconditions) opts.preconditions = dp.preconditions;
  if (dp.dryRun) opts.dryRun = ["All"];
  if (Object.keys(opts).length === 0) return undefined;
  return JSON.stringify({ apiVersion: "v1", kind: "DeleteOptions", ...opts });
}

/**
 * A `delete` of one object. Options travel in a `DeleteOptions` body, as client-go sends them.
 *
 * @example
 * ```ts
 * import { deleteRequest } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * deleteRequest({ resource: ConfigMap, namespace: "default" }, "a", { gracePeriodSeconds: 0 }).body;
 * ```
 */
export function deleteRequest(
  scope: ResourceScope,
  name: string,
  dp: DeleteParams = {},
): KubeRequest {
  needsName("delete", name);
  const body = deleteBody(dp);
  const headers: Record<string, string> = { accept: JSON_TYPE };
  if (body) headers["content-type"] = JSON_TYPE;
  return {
    method: "DELETE",
    path: pathFor("DELETE", scope, name),
    query: new URLSearchParams(),
    headers,
    body,
  };
}

/**
 * A `deletecollection`: every object the list parameters select.
 *
 * @example
 * ```ts
 * import { deleteCollectionRequest } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * deleteCollectionRequest({ resource: ConfigMap, namespace: "t" }, {}, { labelSelector: "x=y" }).path;
 * ```
 */
export function deleteCollectionRequest(
  scope: ResourceScope,
  dp: DeleteParams = {},
  lp: ListParams = {},
): KubeRequest {
  const body = deleteBody(dp);
  const headers: Record<string, string> = { accept: JSON_TYPE };
  if (body) headers["content-type"] = JSON_TYPE;
  return { method: "DELETE", path: pathFor("DELETE", scope), query: listQuery(lp), headers, body };
}
