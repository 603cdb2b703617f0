/**
 * The kubeno error family, and the `Status` object the API server answers failures with.
 *
 * Every error kubeno throws is a {@link KubeError}. An error the server reported is an
 * {@link ApiError}, which keeps the server's {@link Status} (code, reason, message, details)
 * and the method and path of the request, never its headers or credentials.
 *
 * @module
 */

import type { ListMeta } from "./resource.ts";

/**
 * Why a call failed, as the server says it (`Status.reason`). The well-known values are listed;
 * servers and aggregated APIs may send others, hence the open `string`.
 *
 * @example
 * ```ts
 * import type { StatusReason } from "@kubeno/kube";
 * const r: StatusReason = "NotFound";
 * ```
 */
export type StatusReason =
  | "Unknown"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Invalid"
  | "ServerTimeout"
  | "StoreReadError"
  | "Timeout"
  | "TooManyRequests"
  | "BadRequest"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "InternalError"
  | "Expired"
  | "ServiceUnavailable"
  // deno-lint-ignore ban-types
  | (string & {});

/**
 * One cause of a failure, often a field that failed validation.
 *
 * @example
 * ```ts
 * import type { StatusCause } from "@kubeno/kube";
 * const c: StatusCause = { reason: "FieldValueRequired", message: "Required value", field: "spec.containers" };
 * ```
 */
export interface StatusCause {
  /** Machine-readable cause, e.g. `FieldValueInvalid`. */
  reason?: string;
  /** Human-readable description. */
  message?: string;
  /** The field at fault, as a JSON-path-like string, e.g. `spec.containers[0].image`. */
  field?: string;
}

/**
 * Extra data about a failure: which object, and its causes.
 *
 * @example
 * ```ts
 * import type { StatusDetails } from "@kubeno/kube";
 * const d: StatusDetails = { name: "blog", kind: "pods" };
 * ```
 */
export interface StatusDetails {
  /** Name of the object concerned, when there is one. */
  name?: string;
  /** API group of the object. */
  group?: string;
  /** Kind (or resource) of the object. */
  kind?: string;
  /** UID of the object, when known. */
  uid?: string;
  /** The causes; several when validation rejects several fields. */
  causes?: StatusCause[];
  /** Seconds the client should wait before retrying, when the server says so. */
  retryAfterSeconds?: number;
}

/**
 * The server's answer to a failed call (and to a few successful ones, such as a delete that
 * went through at once): `kind: Status` in the `v1` core group.
 *
 * @example
 * ```ts
 * import type { Status } from "@kubeno/kube";
 * const s: Status = {
 *   apiVersion: "v1", kind: "Status", status: "Failure", code: 404, reason: "NotFound",
 *   message: 'pods "blog" not found', details: { name: "blog", kind: "pods" },
 * };
 * ```
 */
export interface Status {
  /** Always `v1`. */
  apiVersion?: "v1";
  /** Always `Status`. */
  kind?: "Status";
  /** List metadata; rarely set. */
  metadata?: ListMeta;
  /** `Success` or `Failure`. */
  status?: "Success" | "Failure";
  /** Human-readable description. */
  message?: string;
  /** Machine-readable reason; see {@link StatusReason}. */
  reason?: StatusReason;
  /** Extra data; see {@link StatusDetails}. */
  details?: StatusDetails;
  /** The HTTP status code the failure corresponds to. */
  code?: number;
}

/**
 * Base class of every error kubeno throws. Supports `cause`, as `Error` does.
 *
 * @example
 * ```ts
 * import { KubeError } from "@kubeno/kube";
 * try {
 *   JSON.parse("{");
 * } catch (e) {
 *   const err = new KubeError("could not read the manifest", { cause: e });
 *   console.log(err.cause instanceof SyntaxError); // true
 * }
 * ```
 */
export class KubeError extends Error {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "KubeError";

  /**
   * Creates the error.
   *
   * @param message What went wrong and, when kubeno knows it, what to do about it.
   * @param options `cause`: the underlying error.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Where a failed request went: no headers, no body, no credentials.
 *
 * @example
 * ```ts
 * import type { RequestContext } from "@kubeno/kube";
 * const ctx: RequestContext = { method: "GET", path: "/api/v1/namespaces/default/pods/blog" };
 * ```
 */
export interface RequestContext {
  /** HTTP method, e.g. `GET`. */
  method: string;
  /** Request path without host, e.g. `/api/v1/namespaces/default/pods/blog`. */
  path: string;
}

/**
 * An error the API server reported. Keeps the server's {@link Status} and where the request
 * went. Test for kinds of failure with {@link isNotFound}, {@link isConflict} and friends rather
 * than comparing codes by hand.
 *
 * @example
 * ```ts
 * import { ApiError, isNotFound } from "@kubeno/kube";
 * const err = new ApiError(
 *   { kind: "Status", status: "Failure", code: 404, reason: "NotFound", message: 'pods "x" not found' },
 *   { method: "GET", path: "/api/v1/namespaces/default/pods/x" },
 * );
 * console.log(err.code, err.reason, isNotFound(err)); // 404 NotFound true
 * console.log(err.message); // GET /api/v1/namespaces/default/pods/x: 404 NotFound: pods "x" not found
 * ```
 */
export class ApiError extends KubeError {
  /** Class name. */
  override name: string = "ApiError";
  /** The server's Status, as received (or synthesised when the body was not a Status). */
  readonly status: Status;
  /** HTTP status code: `status.code`, else the code of the response. */
  readonly code: number;
  /** Machine-readable reason (`NotFound`, `Conflict`, ...), `Unknown` when the server gave none. */
  readonly reason: StatusReason;
  /** Extra data the server sent: object name, kind, causes. */
  readonly details?: StatusDetails;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Path of the failed request. */
  readonly path: string;

  /**
   * Wraps the server's Status.
   *
   * @param status The server's Status.
   * @param context Method and path of the request.
   * @param options `httpStatus`: the response code, used when the Status has no `code`;
   *   `cause`: an underlying error.
   */
  constructor(
    status: Status,
    context: RequestContext,
    options: { httpStatus?: number; cause?: unknown } = {},
  ) {
    const code = typeof status.code === "number" && status.code > 0
      ? status.code
      : options.httpStatus ?? 0;
    const reason = status.reason || reasonForCode(code, context.method);
    const what = status.message ? `: ${status.message}` : "";
    const hint = code === 403 ? rbacHint(status.message) : "";
    super(`${context.method} ${context.path}: ${code} ${reason}${what}${hint}`, {
      cause: options.cause,
    });
    this.status = status;
    this.code = code;
    this.reason = reason;
    if (status.details) this.details = status.details;
    this.method = context.method;
    this.path = context.path;
  }

  /** Seconds the server asked to wait before a retry (`details.retryAfterSeconds`), if any. */
  get retryAfterSeconds(): number | undefined {
    const s = this.details?.retryAfterSeconds;
    return typeof s === "number" && s >= 0 ? s : undefined;
  }
}

/**
 * What to do about a 403 the authorizer gave: the server's message names the user, verb,
 * resource, group and namespace; the hint turns them into the `kubectl auth can-i` line that
 * checks the fix (as the watcher's hint does).
 */
function rbacHint(message: string | undefined): string {
  const m =
    /User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/
      .exec(message ?? "");
  if (!m) return "";
  const [, user, verb, resource, group, namespace] = m;
  const [plural, sub] = resource.split("/");
  const what = group ? `${plural}.${group}` : plural;
  const args = [verb, what, sub ? `--subresource=${sub}` : "", namespace ? `-n ${namespace}` : ""]
    .filter(Boolean).join(" ");
  return `. The credentials (user "${user}") may not ${verb} ${resource}` +
    `${namespace ? ` in namespace ${namespace}` : ""}: grant it in RBAC ` +
    `(check with kubectl auth can-i ${args} --as ${user}).`;
}

/**
 * A line of a watch stream that is not a watch event (not JSON, or JSON without a `type` and an
 * `object`). Names the offending bytes, shortened to about 200 characters.
 *
 * @example
 * ```ts
 * import { WatchDecodeError } from "@kubeno/kube";
 * const err = new WatchDecodeError("not JSON", "<html>oops");
 * console.log(err.line); // "<html>oops"
 * ```
 */
export class WatchDecodeError extends KubeError {
  /** Class name. */
  override name: string = "WatchDecodeError";
  /** A printable excerpt of the offending line (at most about 200 characters). */
  readonly line: string;

  /**
   * Creates the error; the line is shortened for the message.
   *
   * @param problem What is wrong with the line.
   * @param line The line (any length; it is shortened for the message).
   * @param options `cause`: e.g. the `SyntaxError` of `JSON.parse`.
   */
  constructor(problem: string, line: string, options?: { cause?: unknown }) {
    const shown = excerpt(line);
    super(`bad line in watch stream (${problem}): ${JSON.stringify(shown)}`, options);
    this.line = shown;
  }
}

const KNOWN_REASONS = new Set<string>([
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "AlreadyExists",
  "Conflict",
  "Gone",
  "Invalid",
  "ServerTimeout",
  "StoreReadError",
  "Timeout",
  "TooManyRequests",
  "BadRequest",
  "MethodNotAllowed",
  "NotAcceptable",
  "RequestEntityTooLarge",
  "UnsupportedMediaType",
  "InternalError",
  "Expired",
  "ServiceUnavailable",
]);

/**
 * The reason the server would give for an HTTP code, for responses that carry no Status
 * (the same mapping client-go applies to such responses). A 409 to a POST is `AlreadyExists`.
 *
 * @example
 * ```ts
 * import { reasonForCode } from "@kubeno/kube";
 * console.log(reasonForCode(422, "POST")); // "Invalid"
 * ```
 */
export function reasonForCode(code: number, method: string): StatusReason {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return method.toUpperCase() === "POST" ? "AlreadyExists" : "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return code >= 500 ? "InternalError" : "Unknown";
  }
}

const EXCERPT_MAX = 200;

/**
 * A short, printable, single-line excerpt of untrusted text for an error message: runs of
 * white space become one space, control characters are escaped as `\uXXXX`, and text longer
 * than `max` characters is cut with `…`. Never splits a surrogate pair.
 *
 * @example
 * ```ts
 * import { excerpt } from "@kubeno/kube";
 * excerpt("<html>\n  <body>Bad Gateway</body>\n</html>"); // "<html> <body>Bad Gateway</body> </html>"
 * excerpt("x".repeat(500)).length; // 201
 * ```
 */
export function excerpt(text: string, max: number = EXCERPT_MAX): string {
  // Only look at a bounded prefix: the text may be a multi-megabyte body.
  const clipped = text.length > max * 4;
  let s = clipped ? text.slice(0, max * 4) : text;
  s = s.replace(/\s+/g, " ").trim();
  // deno-lint-ignore no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  });
  if (s.length <= max) return clipped ? s + "…" : s;
  let cut = max;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // keep a surrogate pair whole
  return s.slice(0, cut) + "…";
}

function isStatusLike(v: unknown): v is Status {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (o.kind === "Status") return true;
  // Some aggregated APIs and proxies omit kind but keep the shape.
  return o.kind === undefined && (typeof o.code === "number" || typeof o.reason === "string") &&
    (o.status === "Failure" || o.status === "Success");
}

/**
 * Builds the {@link ApiError} for a failed HTTP response. A body that is a Kubernetes `Status`
 * is kept as is. Any other body (HTML from a proxy, empty, truncated JSON) still gives a clear
 * error: the HTTP code, the reason the code implies, and a printable excerpt of the body of at
 * most about 200 characters.
 *
 * @param status HTTP status code of the response.
 * @param statusText HTTP status text (may be empty, as with HTTP/2).
 * @param bodyText The response body as text.
 * @param context Method and path of the request.
 *
 * @example
 * ```ts
 * import { apiErrorFromResponse, isNotFound } from "@kubeno/kube";
 * const body = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 404, reason: "NotFound", message: 'pods "x" not found' });
 * const err = apiErrorFromResponse(404, "Not Found", body, { method: "GET", path: "/api/v1/namespaces/d/pods/x" });
 * isNotFound(err); // true
 * const bad = apiErrorFromResponse(502, "Bad Gateway", "<html>upstream down</html>", { method: "GET", path: "/api" });
 * bad.message; // 'GET /api: 502 InternalError: HTTP 502 Bad Gateway, and the body is not a Kubernetes Status: "<html>upstream down</html>"'
 * ```
 */
export function apiErrorFromResponse(
  status: number,
  statusText: string,
  bodyText: string,
  context: RequestContext,
): ApiError {
  let parsed: unknown = undefined;
  let parseError: unknown = undefined;
  const trimmed = bodyText.trim();
  if (trimmed.startsWith("{")) {
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      parseError = e;
    }
  }
  if (isStatusLike(parsed)) {
    return new ApiError(parsed, context, { httpStatus: status });
  }
  const http = `HTTP ${status}${statusText ? " " + statusText : ""}`;
  let message: string;
  if (trimmed === "") {
    message = `${http} with an empty body`;
  } else if (parseError !== undefined) {
    message = `${http}, and the body is truncated or invalid JSON: ${
      JSON.stringify(excerpt(bodyText))
    }`;
  } else {
    message = `${http}, and the body is not a Kubernetes Status: ${
      JSON.stringify(excerpt(bodyText))
    }`;
  }
  const synthesized: Status = {
    apiVersion: "v1",
    kind: "Status",
    status: "Failure",
    code: status,
    reason: reasonForCode(status, context.method),
    message,
  };
  return new ApiError(synthesized, context, { httpStatus: status, cause: parseError });
}

/**
 * Builds the {@link ApiError} for a `Status` the server sent in-band, as the object of a watch
 * `ERROR` event.
 *
 * @example
 * ```ts
 * import { apiErrorFromStatus, isGone } from "@kubeno/kube";
 * const err = apiErrorFromStatus(
 *   { kind: "Status", status: "Failure", code: 410, reason: "Expired", message: "too old resource version: 1 (42)" },
 *   { method: "GET", path: "/api/v1/pods" },
 * );
 * isGone(err); // true
 * ```
 */
export function apiErrorFromStatus(status: Status, context: RequestContext): ApiError {
  return new ApiError(status, context);
}

/** Finds the Status-bearing error in `err` or its `cause` chain. */
function statusOf(err: unknown): { code: number; reason: string } | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e !== undefined && e !== null; depth++) {
    if (e instanceof ApiError) return { code: e.code, reason: e.reason };
    if (isStatusLike(e)) return { code: e.code ?? 0, reason: e.reason ?? "" };
    if (typeof e !== "object") return undefined;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * True if the error has this reason, or has an unknown reason and this code: the rule
 * apimachinery's `IsNotFound` and friends follow.
 */
function hasReason(err: unknown, reason: string, code: number): boolean {
  const s = statusOf(err);
  if (!s) return false;
  if (s.reason === reason) return true;
  return !KNOWN_REASONS.has(s.reason) && s.code === code;
}

/**
 * True if `err` (an {@link ApiError}, a `Status`, or an error whose `cause` chain holds one)
 * says the object does not exist (404 `NotFound`).
 *
 * @example
 * ```ts
 * import { isNotFound } from "@kubeno/kube";
 * isNotFound({ kind: "Status", status: "Failure", code: 404, reason: "NotFound" }); // true
 * isNotFound(new Error("x")); // false
 * ```
 */
export function isNotFound(err: unknown): boolean {
  return hasReason(err, "NotFound", 404);
}

/**
 * True if `err` is a write conflict (409 `Conflict`): the object changed since it was read.
 * Re-read and retry. A 409 `AlreadyExists` is not a conflict; see {@link isAlreadyExists}.
 *
 * @example
 * ```ts
 * import { isConflict } from "@kubeno/kube";
 * isConflict({ kind: "Status", status: "Failure", code: 409, reason: "Conflict" }); // true
 * ```
 */
export function isConflict(err: unknown): boolean {
  return hasReason(err, "Conflict", 409);
}

/**
 * True if `err` says the object already exists (409 `AlreadyExists`), as a create can.
 *
 * @example
 * ```ts
 * import { isAlreadyExists } from "@kubeno/kube";
 * isAlreadyExists({ kind: "Status", status: "Failure", code: 409, reason: "AlreadyExists" }); // true
 * ```
 */
export function isAlreadyExists(err: unknown): boolean {
  return hasReason(err, "AlreadyExists", 409);
}

/**
 * True if `err` says the caller is authenticated but not allowed (403 `Forbidden`).
 *
 * @example
 * ```ts
 * import { isForbidden } from "@kubeno/kube";
 * isForbidden({ kind: "Status", status: "Failure", code: 403, reason: "Forbidden" }); // true
 * ```
 */
export function isForbidden(err: unknown): boolean {
  return hasReason(err, "Forbidden", 403);
}

/**
 * True if `err` says the caller is not authenticated (401 `Unauthorized`): a missing,
 * expired or wrong credential.
 *
 * @example
 * ```ts
 * import { isUnauthorized } from "@kubeno/kube";
 * isUnauthorized({ kind: "Status", status: "Failure", code: 401, reason: "Unauthorized" }); // true
 * ```
 */
export function isUnauthorized(err: unknown): boolean {
  return hasReason(err, "Unauthorized", 401);
}

/**
 * True if `err` says the resource version asked for is too old (HTTP 410): reason `Gone`, or
 * `Expired` (what the server sends on a watch and on an expired `continue` token), or any
 * unknown reason with code 410. Either way the fix is the same: list again.
 * Note this is broader than apimachinery's `IsGone`, which leaves `Expired` to `IsResourceExpired`.
 *
 * @example
 * ```ts
 * import { isGone } from "@kubeno/kube";
 * isGone({ kind: "Status", status: "Failure", code: 410, reason: "Expired" }); // true
 * ```
 */
export function isGone(err: unknown): boolean {
  const s = statusOf(err);
  if (!s) return false;
  return s.reason === "Gone" || s.reason === "Expired" ||
    (!KNOWN_REASONS.has(s.reason) && s.code === 410);
}

/**
 * True if `err` says the server is throttling (429 `TooManyRequests`); wait and retry, for as
 * long as `Retry-After` or `details.retryAfterSeconds` says.
 *
 * @example
 * ```ts
 * import { isTooManyRequests } from "@kubeno/kube";
 * isTooManyRequests({ kind: "Status", status: "Failure", code: 429, reason: "TooManyRequests" }); // true
 * ```
 */
export function isTooManyRequests(err: unknown): boolean {
  // An eviction blocked by a PodDisruptionBudget is a 429 with this reason too.
  return hasReason(err, "TooManyRequests", 429);
}

/**
 * True if `err` says the object failed validation (422 `Invalid`); `details.causes` names
 * the fields.
 *
 * @example
 * ```ts
 * import { isInvalid } from "@kubeno/kube";
 * isInvalid({ kind: "Status", status: "Failure", code: 422, reason: "Invalid" }); // true
 * ```
 */
export function isInvalid(err: unknown): boolean {
  return hasReason(err, "Invalid", 422);
}
