/**
 * Parameters of the API verbs, named as kube-rs names them, in TypeScript casing.
 *
 * @module
 */

/**
 * How `resourceVersion` is interpreted on a list.
 * See the Kubernetes API concepts, "Resource versions".
 *
 * @example
 * ```ts
 * import type { ListParams, ResourceVersionMatch } from "@kubeno/kube";
 * const match: ResourceVersionMatch = "NotOlderThan";
 * const lp: ListParams = { resourceVersion: "12345", resourceVersionMatch: match };
 * ```
 */
export type ResourceVersionMatch = "NotOlderThan" | "Exact";

/**
 * Parameters of `list` and `deleteCollection`.
 *
 * @example
 * ```ts
 * import type { ListParams } from "@kubeno/kube";
 * const lp: ListParams = { labelSelector: "app=blog", limit: 100 };
 * ```
 */
export interface ListParams {
  /** Only objects whose labels match, e.g. `app=blog,tier!=db`. */
  labelSelector?: string;
  /** Only objects whose fields match, e.g. `metadata.name=blog`. */
  fieldSelector?: string;
  /** Page size; the server returns a `continue` token when more remain. */
  limit?: number;
  /** The `continue` token of the previous page. */
  continue?: string;
  /** Read at this resource version (see {@link ResourceVersionMatch}); `"0"` means any cached version. */
  resourceVersion?: string;
  /** How `resourceVersion` is matched. */
  resourceVersionMatch?: ResourceVersionMatch;
  /** Server-side timeout of the call, in seconds. */
  timeoutSeconds?: number;
}

/**
 * Parameters of one watch call.
 *
 * @example
 * ```ts
 * import type { WatchParams } from "@kubeno/kube";
 * const wp: WatchParams = { labelSelector: "app=blog", timeoutSeconds: 290, allowWatchBookmarks: true };
 * ```
 */
export interface WatchParams {
  /** Only objects whose labels match. */
  labelSelector?: string;
  /** Only objects whose fields match. */
  fieldSelector?: string;
  /** Server-side timeout of the watch, in seconds; the server closes the stream after it. */
  timeoutSeconds?: number;
  /** Ask for BOOKMARK events that move the resource version forward. */
  allowWatchBookmarks?: boolean;
  /**
   * Stream the current state first (the streaming list), ending with an annotated bookmark.
   * Implies `allowWatchBookmarks` and, unless given, `resourceVersionMatch: "NotOlderThan"`.
   */
  sendInitialEvents?: boolean;
  /** How `resourceVersion` is matched; only with `sendInitialEvents`, and only `NotOlderThan`. */
  resourceVersionMatch?: ResourceVersionMatch;
}

/**
 * Parameters of `get`.
 *
 * @example
 * ```ts
 * import type { GetParams } from "@kubeno/kube";
 * const gp: GetParams = { resourceVersion: "0" };
 * ```
 */
export interface GetParams {
  /** `"0"` lets the server answer from its cache. */
  resourceVersion?: string;
}

/**
 * How the server treats unknown or duplicate fields in the body.
 *
 * @example
 * ```ts
 * import type { FieldValidation, PostParams } from "@kubeno/kube";
 * const fv: FieldValidation = "Strict"; // reject unknown fields instead of dropping them
 * const pp: PostParams = { fieldValidation: fv };
 * ```
 */
export type FieldValidation = "Ignore" | "Warn" | "Strict";

/**
 * Parameters of `create` and `replace`.
 *
 * @example
 * ```ts
 * import type { PostParams } from "@kubeno/kube";
 * const pp: PostParams = { dryRun: true, fieldManager: "my-operator", fieldValidation: "Strict" };
 * ```
 */
export interface PostParams {
  /** Validate and admit, but persist nothing. */
  dryRun?: boolean;
  /** Name of the actor making the change, recorded in managedFields. */
  fieldManager?: string;
  /** How unknown fields are treated. */
  fieldValidation?: FieldValidation;
}

/**
 * Parameters of `patch`.
 *
 * @example
 * ```ts
 * import type { PatchParams } from "@kubeno/kube";
 * const pp: PatchParams = { fieldManager: "my-operator", force: true };
 * ```
 */
export interface PatchParams {
  /** Name of the actor. Required by the server for server-side apply. */
  fieldManager?: string;
  /** Server-side apply only: take ownership of fields other managers own. */
  force?: boolean;
  /** Validate and admit, but persist nothing. */
  dryRun?: boolean;
  /** How unknown fields are treated. */
  fieldValidation?: FieldValidation;
}

/**
 * What happens to dependents when an object is deleted.
 *
 * @example
 * ```ts
 * import type { DeleteParams, PropagationPolicy } from "@kubeno/kube";
 * const policy: PropagationPolicy = "Orphan"; // keep the dependents
 * const dp: DeleteParams = { propagationPolicy: policy };
 * ```
 */
export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

/**
 * Conditions that must hold for a delete to proceed.
 *
 * @example
 * ```ts
 * import type { DeleteParams, Preconditions } from "@kubeno/kube";
 * const pre: Preconditions = { uid: "0d5c2b4e-9f1a-4c3e-8a57-2f6b1e0c9d21", resourceVersion: "42" };
 * const dp: DeleteParams = { preconditions: pre };
 * ```
 */
export interface Preconditions {
  /** The object's resourceVersion must be this. */
  resourceVersion?: string;
  /** The object's uid must be this. */
  uid?: string;
}

/**
 * Parameters of `delete` and `deleteCollection`.
 *
 * @example
 * ```ts
 * import type { DeleteParams } from "@kubeno/kube";
 * const dp: DeleteParams = { propagationPolicy: "Foreground", gracePeriodSeconds: 0 };
 * ```
 */
export interface DeleteParams {
  /** What happens to dependents. */
  propagationPolicy?: PropagationPolicy;
  /** Seconds before the object is removed; 0 means at once. */
  gracePeriodSeconds?: number;
  /** Delete only if these hold. */
  preconditions?: Preconditions;
  /** Validate and admit, but delete nothing. */
  dryRun?: boolean;
}

/**
 * One RFC 6902 JSON patch operation.
 *
 * @example
 * ```ts
 * import type { JsonPatchOp } from "@kubeno/kube";
 * const ops: JsonPatchOp[] = [{ op: "test", path: "/metadata/resourceVersion", value: "5" }];
 * ```
 */
export type JsonPatchOp =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/**
 * A patch body with its kind; each kind is sent with its own content type.
 *
 * - `apply`: server-side apply (`application/apply-patch+yaml`, sent as JSON)
 * - `merge`: JSON merge patch, RFC 7386 (`application/merge-patch+json`)
 * - `json`: JSON patch, RFC 6902 (`application/json-patch+json`)
 * - `strategic`: strategic merge patch, built-in kinds only (`application/strategic-merge-patch+json`)
 *
 * @example
 * ```ts
 * import type { Patch } from "@kubeno/kube";
 * const p: Patch<{ data: Record<string, string> }> = { type: "merge", body: { data: { a: "1" } } };
 * ```
 */
export type Patch<T = unknown> =
  | { type: "apply"; body: T }
  | { type: "merge"; body: T }
  | { type: "strategic"; body: T }
  | { type: "json"; body: JsonPatchOp[] };

/**
 * The content type each patch kind is sent with.
 *
 * @example
 * ```ts
 * import { patchContentType } from "@kubeno/kube";
 * patchContentType.apply; // "application/apply-patch+yaml"
 * ```
 */
export const patchContentType: Readonly<Record<Patch["type"], string>> = Object.freeze({
  apply: "application/apply-patch+yaml",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
});
