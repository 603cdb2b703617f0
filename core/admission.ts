/**
 * Admission webhooks, the pure part: the `AdmissionReview` the apiserver sends (v1, and
 * v1beta1 which has the same shape), the verdicts a webhook answers with ({@link allow},
 * {@link deny}, {@link patch}), and {@link admissionReviewResponse} which wraps a verdict into
 * the review the apiserver expects back (same `apiVersion`, `kind` and request `uid`), and
 * the webhook configurations that register a webhook ({@link validatingWebhookConfiguration},
 * {@link mutatingWebhookConfiguration}). Serving over HTTP is `admissionHandler` in the runtime.
 *
 * @module
 */

import { KubeError, reasonForCode, type Status } from "./error.ts";
import type { KubeObject } from "./resource.ts";
import type {
  MatchCondition,
  MutatingWebhook,
  MutatingWebhookConfiguration,
  RuleWithOperations,
  ServiceReference,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
  WebhookClientConfig,
} from "./k8s/admissionregistration.k8s.io/v1.ts";
import type { LabelSelector } from "./k8s/meta/v1.ts";

/**
 * A review, a verdict or a patch that is not what the admission API allows; the message says
 * which field and what to send instead.
 *
 * @example
 * ```ts
 * import { AdmissionError, parseAdmissionReview } from "@kubeno/kube";
 * try {
 *   parseAdmissionReview({ kind: "Pod" });
 * } catch (e) {
 *   if (e instanceof AdmissionError) console.log(e.message);
 * }
 * ```
 */
export class AdmissionError extends KubeError {
  /** Class name. */
  override name: string = "AdmissionError";
}

/**
 * Whether a value is an {@link AdmissionError}.
 *
 * @example
 * ```ts
 * import { isAdmissionError } from "@kubeno/kube";
 * console.log(isAdmissionError(new Error("x"))); // false
 * ```
 */
export function isAdmissionError(e: unknown): e is AdmissionError {
  return e instanceof AdmissionError;
}

/**
 * The operation under review.
 *
 * @example
 * ```ts
 * import type { AdmissionOperation } from "@kubeno/kube";
 * const op: AdmissionOperation = "CREATE";
 * ```
 */
export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

/**
 * A group, version and kind as the review names them (`group` is `""` for the core group).
 *
 * @example
 * ```ts
 * import type { AdmissionKind } from "@kubeno/kube";
 * const k: AdmissionKind = { group: "", version: "v1", kind: "ConfigMap" };
 * ```
 */
export interface AdmissionKind {
  /** API group, `""` for the core group. */
  group: string;
  /** Version. */
  version: string;
  /** Kind. */
  kind: string;
}

/**
 * A group, version and resource (plural) as the review names them.
 *
 * @example
 * ```ts
 * import type { AdmissionResource } from "@kubeno/kube";
 * const r: AdmissionResource = { group: "", version: "v1", resource: "configmaps" };
 * ```
 */
export interface AdmissionResource {
  /** API group, `""` for the core group. */
  group: string;
  /** Version. */
  version: string;
  /** Resource (plural), e.g. `configmaps`. */
  resource: string;
}

/**
 * Who sent the request under review.
 *
 * @example
 * ```ts
 * import type { AdmissionUserInfo } from "@kubeno/kube";
 * const u: AdmissionUserInfo = { username: "alice", groups: ["system:authenticated"] };
 * ```
 */
export interface AdmissionUserInfo {
  /** User name. */
  username?: string;
  /** User uid. */
  uid?: string;
  /** Groups. */
  groups?: string[];
  /** Extra attributes from the authenticator. */
  extra?: Record<string, string[]>;
}

/**
 * The request inside an {@link AdmissionReview}: what is being done, to which object, by whom.
 *
 * @example
 * ```ts
 * import type { AdmissionRequest } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const r: AdmissionRequest<ConfigMap> = {
 *   uid: "705ab4f5", operation: "CREATE", userInfo: { username: "alice" },
 *   kind: { group: "", version: "v1", kind: "ConfigMap" },
 *   resource: { group: "", version: "v1", resource: "configmaps" },
 *   namespace: "default", object: { metadata: { name: "a" } },
 * };
 * ```
 */
export interface AdmissionRequest<K = KubeObject> {
  /** Identifies this call; the response must carry it back. */
  uid: string;
  /** Kind of the object as sent to the webhook (after conversion to the version it asked for). */
  kind: AdmissionKind;
  /** Resource being accessed. */
  resource: AdmissionResource;
  /** Subresource, e.g. `status` or `scale`. */
  subResource?: string;
  /** Kind of the object in the original API request. */
  requestKind?: AdmissionKind;
  /** Resource of the original API request. */
  requestResource?: AdmissionResource;
  /** Subresource of the original API request. */
  requestSubResource?: string;
  /** Object name; may be empty on a CREATE with `generateName`. */
  name?: string;
  /** Namespace, for a namespaced resource. */
  namespace?: string;
  /** The operation. */
  operation: AdmissionOperation;
  /** Who made the request. */
  userInfo: AdmissionUserInfo;
  /** The new object (CREATE, UPDATE, CONNECT); absent or `null` on DELETE. */
  object?: K | null;
  /** The existing object (UPDATE, DELETE); absent or `null` on CREATE. */
  oldObject?: K | null;
  /** True for a dry run: a webhook with side effects must not perform them. */
  dryRun?: boolean;
  /** The operation's options (CreateOptions, UpdateOptions, DeleteOptions). */
  options?: Record<string, unknown> | null;
}

/**
 * The webhook's answer inside an {@link AdmissionReview}.
 *
 * @example
 * ```ts
 * import type { AdmissionResponse } from "@kubeno/kube";
 * const r: AdmissionResponse = { uid: "705ab4f5", allowed: false, status: { code: 403, message: "no" } };
 * ```
 */
export interface AdmissionResponse {
  /** The request's uid. */
  uid: string;
  /** Whether the request may go on. */
  allowed: boolean;
  /** On a denial: code (4xx/5xx) and message, returned to the client. */
  status?: Status;
  /** Base64 of a JSONPatch (RFC 6902) array; mutating webhooks only. */
  patch?: string;
  /** `JSONPatch`, the only type the apiserver takes, when `patch` is set. */
  patchType?: "JSONPatch";
  /** Annotations added to the audit record (keys are prefixed by the apiserver). */
  auditAnnotations?: Record<string, string>;
  /** Warnings returned to the client as `Warning` headers. */
  warnings?: string[];
}

/**
 * An `AdmissionReview` as sent (with `request`) and answered (with `response`).
 *
 * @example
 * ```ts
 * import type { AdmissionReview } from "@kubeno/kube";
 * const r: AdmissionReview = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "1", allowed: true } };
 * ```
 */
export interface AdmissionReview<K = KubeObject> {
  /** `admission.k8s.io/v1` (or `admission.k8s.io/v1beta1`); answers use the request's. */
  apiVersion: "admission.k8s.io/v1" | "admission.k8s.io/v1beta1";
  /** Always `AdmissionReview`. */
  kind: "AdmissionReview";
  /** The request, in what the apiserver sends. */
  request?: AdmissionRequest<K>;
  /** The response, in what the webhook answers. */
  response?: AdmissionResponse;
}

/**
 * One RFC 6902 JSONPatch operation. Paths are JSON pointers: build them with
 * {@link jsonPointer} so `/` and `~` in label keys are escaped.
 *
 * @example
 * ```ts
 * import type { JsonPatchOperation } from "@kubeno/kube";
 * const op: JsonPatchOperation = { op: "add", path: "/metadata/labels/team", value: "blue" };
 * ```
 */
export type JsonPatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/**
 * A webhook's decision, without the uid: what {@link allow}, {@link deny} and {@link patch}
 * return, and what an admission function gives to `admissionHandler`.
 *
 * @example
 * ```ts
 * import { type AdmissionVerdict, allow } from "@kubeno/kube";
 * const v: AdmissionVerdict = allow({ warnings: ["deprecated label"] });
 * ```
 */
export type AdmissionVerdict = Omit<AdmissionResponse, "uid">;

/**
 * Options common to every verdict.
 *
 * @example
 * ```ts
 * import type { VerdictOptions } from "@kubeno/kube";
 * const o: VerdictOptions = { warnings: ["spec.replicas above 10 is slow"] };
 * ```
 */
export interface VerdictOptions {
  /** Warnings for the client (`Warning` headers; kubectl prints them). @default [] */
  warnings?: string[];
  /** Audit annotations. @default {} */
  auditAnnotations?: Record<string, string>;
}

function extras(opts: VerdictOptions): Pick<AdmissionVerdict, "warnings" | "auditAnnotations"> {
  const out: Pick<AdmissionVerdict, "warnings" | "auditAnnotations"> = {};
  if (opts.warnings !== undefined) {
    if (!Array.isArray(opts.warnings) || opts.warnings.some((w) => typeof w !== "string")) {
      throw new AdmissionError("warnings must be an array of strings");
    }
    if (opts.warnings.length) out.warnings = [...opts.warnings];
  }
  if (opts.auditAnnotations !== undefined) {
    out.auditAnnotations = { ...opts.auditAnnotations };
  }
  return out;
}

/**
 * Lets the request through unchanged.
 *
 * @example
 * ```ts
 * import { allow } from "@kubeno/kube";
 * console.log(allow()); // { allowed: true }
 * ```
 */
export function allow(opts: VerdictOptions = {}): AdmissionVerdict {
  return { allowed: true, ...extras(opts) };
}

/**
 * Rejects the request. The client sees an error with `code` and the message
 * `admission webhook "<name>" denied the request: <reason>`.
 *
 * @param reason What is wrong and how to fix it; shown to the user.
 * @param code HTTP status for the client, 400 to 599. @default 403
 * @example
 * ```ts
 * import { deny } from "@kubeno/kube";
 * const v = deny("label team is required", 422);
 * console.log(v.status?.code, v.status?.reason); // 422 "Invalid"
 * ```
 */
export function deny(reason: string, code = 403, opts: VerdictOptions = {}): AdmissionVerdict {
  if (typeof reason !== "string" || reason === "") {
    throw new AdmissionError("deny(reason): give a non-empty reason, shown to the user");
  }
  if (!Number.isInteger(code) || code < 400 || code > 599) {
    // The apiserver turns a code below 400 into 400 anyway; say so rather than send nonsense.
    throw new AdmissionError(`deny code ${code} is not an HTTP error: use 400 to 599`);
  }
  return {
    allowed: false,
    status: { status: "Failure", code, reason: reasonForCode(code, "POST"), message: reason },
    ...extras(opts),
  };
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/**
 * Allows the request with changes: a JSONPatch (RFC 6902) applied by the apiserver, sent
 * base64-encoded with `patchType: "JSONPatch"` as the API requires. Only mutating webhooks
 * may patch: the apiserver fails the call of a validating webhook that answers with a patch
 * ("validating webhook may not return response.patch"; `failurePolicy` then decides). An
 * `add` needs the parent to exist: add `/metadata/labels` whole when the object has no labels.
 * An empty list is a plain {@link allow}.
 *
 * @example
 * ```ts
 * import { jsonPointer, patch } from "@kubeno/kube";
 * const v = patch([{ op: "add", path: jsonPointer("metadata", "labels", "app.kubernetes.io/team"), value: "blue" }]);
 * console.log(v.patchType, atob(v.patch!)); // JSONPatch [{"op":"add","path":"/metadata/labels/app.kubernetes.io~1team","value":"blue"}]
 * ```
 */
export function patch(ops: JsonPatchOperation[], opts: VerdictOptions = {}): AdmissionVerdict {
  if (!Array.isArray(ops)) throw new AdmissionError("patch(ops): ops must be a JSONPatch array");
  ops.forEach((o, i) => {
    const bad = patchOpProblem(o);
    if (bad) throw new AdmissionError(`patch operation ${i}: ${bad}`);
  });
  if (ops.length === 0) return allow(opts);
  return {
    allowed: true,
    patchType: "JSONPatch",
    patch: base64(JSON.stringify(ops)),
    ...extras(opts),
  };
}

function patchOpProblem(o: unknown): string | undefined {
  if (typeof o !== "object" || o === null) return "not an object";
  const r = o as Record<string, unknown>;
  if (typeof r.op !== "string" || !OPS.has(r.op)) {
    return `op ${JSON.stringify(r.op)} is not one of ${[...OPS].join(", ")}`;
  }
  for (const k of r.op === "move" || r.op === "copy" ? ["path", "from"] : ["path"]) {
    const p = r[k];
    if (typeof p !== "string" || (p !== "" && !p.startsWith("/"))) {
      return `${k} ${
        JSON.stringify(p)
      } is not a JSON pointer: start it with "/" (use jsonPointer())`;
    }
  }
  if ((r.op === "add" || r.op === "replace" || r.op === "test") && !("value" in r)) {
    return `op ${r.op} needs a value`;
  }
  return undefined;
}

/**
 * The JSONPatch (RFC 6902) that turns `original` into `modified`, member by member: dropped
 * keys `remove`, added keys `add`, changed values `replace` (an array that changed is replaced
 * whole, which stays correct when items move or are inserted). Properties
 * whose value is `undefined` count as absent, as in JSON. Throws {@link AdmissionError} for a
 * value JSON cannot carry (a function, a BigInt, NaN, a cycle).
 *
 * @example
 * ```ts
 * import { jsonPatchDiff } from "@kubeno/kube";
 * const ops = jsonPatchDiff(
 *   { metadata: { name: "a" }, data: { x: "1" } },
 *   { metadata: { name: "a", labels: { team: "blue" } }, data: {} },
 * );
 * console.log(ops);
 * // [{ op: "add", path: "/metadata/labels", value: { team: "blue" } }, { op: "remove", path: "/data/x" }]
 * ```
 */
export function jsonPatchDiff(original: unknown, modified: unknown): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  diffInto(ops, "", jsonValue(original), jsonValue(modified));
  return ops;
}

/** A JSON copy (via JSON.stringify's rules), refusing what JSON cannot carry. */
function jsonValue(v: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(v, (_k, x) => {
      if (typeof x === "number" && !Number.isFinite(x)) throw new TypeError(`${x} is not JSON`);
      if (typeof x === "function" || typeof x === "symbol") {
        throw new TypeError(`a ${typeof x} is not JSON`);
      }
      return x;
    });
  } catch (e) {
    throw new AdmissionError(
      `jsonPatchDiff: the value cannot be sent as JSON: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return text === undefined ? undefined : JSON.parse(text);
}

function diffInto(ops: JsonPatchOperation[], path: string, a: unknown, b: unknown): void {
  if (isRecord(a) && isRecord(b)) {
    for (const k of Object.keys(a)) {
      if (!Object.hasOwn(b, k)) ops.push({ op: "remove", path: path + jsonPointer(k) });
    }
    for (const [k, v] of Object.entries(b)) {
      if (!Object.hasOwn(a, k)) ops.push({ op: "add", path: path + jsonPointer(k), value: v });
      else diffInto(ops, path + jsonPointer(k), a[k], v);
    }
    return;
  }
  if (sameJson(a, b)) return;
  if (b === undefined) ops.push({ op: "remove", path });
  else if (a === undefined) ops.push({ op: "add", path, value: b });
  else ops.push({ op: "replace", path, value: b });
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

/**
 * Allows the request with the changes from `original` (the request's object) to `modified`
 * (your changed copy), sent as the JSONPatch {@link jsonPatchDiff} computes: as
 * controller-runtime's `PatchResponseFromRaw`. No change is a plain {@link allow}. Mutating
 * webhooks only (see {@link patch}).
 *
 * @example
 * ```ts
 * import { patchFrom } from "@kubeno/kube";
 * const obj = { metadata: { name: "a" } };
 * const v = patchFrom(obj, { ...obj, metadata: { ...obj.metadata, labels: { team: "none" } } });
 * console.log(atob(v.patch!)); // [{"op":"add","path":"/metadata/labels","value":{"team":"none"}}]
 * ```
 */
export function patchFrom(
  original: unknown,
  modified: unknown,
  opts: VerdictOptions = {},
): AdmissionVerdict {
  if (!isRecord(original) || !isRecord(modified)) {
    throw new AdmissionError("patchFrom(original, modified): both must be objects");
  }
  return patch(jsonPatchDiff(original, modified), opts);
}

/**
 * A JSON pointer (RFC 6901) from path segments, escaping `~` and `/` (as in the label key
 * `app.kubernetes.io/name`).
 *
 * @example
 * ```ts
 * import { jsonPointer } from "@kubeno/kube";
 * console.log(jsonPointer("metadata", "labels", "a/b")); // "/metadata/labels/a~1b"
 * ```
 */
export function jsonPointer(...segments: (string | number)[]): string {
  return segments.map((s) => "/" + String(s).replaceAll("~", "~0").replaceAll("/", "~1")).join(
    "",
  );
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

const OPERATIONS = new Set(["CREATE", "UPDATE", "DELETE", "CONNECT"]);
const VERSIONS = new Set(["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function kindProblem(v: unknown, field: string, last: "kind" | "resource"): string | undefined {
  if (!isRecord(v)) return `request.${field} must be an object`;
  for (const k of ["group", "version", last]) {
    if (typeof v[k] !== "string") return `request.${field}.${k} must be a string`;
  }
  return undefined;
}

/**
 * Checks that a decoded JSON value is an `AdmissionReview` with a request the webhook can
 * answer, and returns it typed. Throws {@link AdmissionError} naming the first bad field.
 * The objects inside are not validated: that is the webhook's job.
 *
 * @example
 * ```ts
 * import { parseAdmissionReview } from "@kubeno/kube";
 * const review = parseAdmissionReview({
 *   apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
 *   request: {
 *     uid: "1", operation: "DELETE", userInfo: {}, name: "a", namespace: "default",
 *     kind: { group: "", version: "v1", kind: "ConfigMap" },
 *     resource: { group: "", version: "v1", resource: "configmaps" },
 *   },
 * });
 * console.log(review.request?.operation); // "DELETE"
 * ```
 */
export function parseAdmissionReview(value: unknown): AdmissionReview {
  const bad = (m: string) => new AdmissionError(`not an AdmissionReview request: ${m}`);
  if (!isRecord(value)) throw bad("the body must be a JSON object");
  if (value.kind !== "AdmissionReview") throw bad(`kind is ${JSON.stringify(value.kind)}`);
  if (typeof value.apiVersion !== "string" || !VERSIONS.has(value.apiVersion)) {
    throw bad(
      `apiVersion ${
        JSON.stringify(value.apiVersion)
      } is not admission.k8s.io/v1: list "v1" in the configuration's admissionReviewVersions`,
    );
  }
  const r = value.request;
  if (!isRecord(r)) throw bad("request is missing");
  if (typeof r.uid !== "string" || r.uid === "") {
    throw bad("request.uid must be a non-empty string");
  }
  if (typeof r.operation !== "string" || !OPERATIONS.has(r.operation)) {
    throw bad(
      `request.operation ${JSON.stringify(r.operation)} is not CREATE/UPDATE/DELETE/CONNECT`,
    );
  }
  const problem = kindProblem(r.kind, "kind", "kind") ??
    kindProblem(r.resource, "resource", "resource");
  if (problem) throw bad(problem);
  if (r.userInfo !== undefined && !isRecord(r.userInfo)) {
    throw bad("request.userInfo must be an object");
  }
  for (const k of ["object", "oldObject"]) {
    if (r[k] !== undefined && r[k] !== null && !isRecord(r[k])) {
      throw bad(`request.${k} must be an object or null`);
    }
  }
  for (const k of ["name", "namespace", "subResource"]) {
    if (r[k] !== undefined && typeof r[k] !== "string") throw bad(`request.${k} must be a string`);
  }
  if (r.dryRun !== undefined && typeof r.dryRun !== "boolean") {
    throw bad("request.dryRun must be a boolean");
  }
  return {
    ...(value as unknown as AdmissionReview),
    request: { userInfo: {}, ...r } as AdmissionRequest,
  };
}

/**
 * The review to answer with: the request's `apiVersion` and `kind`, and the verdict with the
 * request's `uid`, as the apiserver requires.
 *
 * @example
 * ```ts
 * import { admissionReviewResponse, allow, type AdmissionReview } from "@kubeno/kube";
 * const req: AdmissionReview = {
 *   apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
 *   request: {
 *     uid: "42", operation: "CREATE", userInfo: {},
 *     kind: { group: "", version: "v1", kind: "ConfigMap" },
 *     resource: { group: "", version: "v1", resource: "configmaps" },
 *   },
 * };
 * console.log(admissionReviewResponse(req, allow()).response); // { uid: "42", allowed: true }
 * ```
 */
export function admissionReviewResponse<K>(
  review: AdmissionReview<K>,
  verdict: AdmissionVerdict,
): AdmissionReview<never> {
  if (!review.request) throw new AdmissionError("the review has no request to answer");
  if (!isRecord(verdict) || typeof verdict.allowed !== "boolean") {
    throw new AdmissionError(
      "a verdict needs allowed: true or false; build it with allow(), deny() or patch()",
    );
  }
  return {
    apiVersion: review.apiVersion,
    kind: "AdmissionReview",
    response: { ...verdict, uid: review.request.uid },
  };
}

/**
 * One webhook of a generated configuration; see {@link validatingWebhookConfiguration}.
 * Give `url` (https) or `service`, not both.
 *
 * @example
 * ```ts
 * import type { WebhookOptions } from "@kubeno/kube";
 * const w: WebhookOptions = {
 *   name: "deny.example.com", url: "https://127.0.0.1:8443/validate", caBundle: "-----BEGIN CERTIFICATE-----\n...",
 *   rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
 * };
 * ```
 */
export interface WebhookOptions extends WebhookTarget {
  /** The webhook's name: a qualified name with at least three segments, e.g. `deny.example.com`. */
  name: string;
  /** Which operations on which resources are sent. */
  rules: RuleWithOperations[];
  /** What the apiserver does when the call fails. @default "Fail" */
  failurePolicy?: "Fail" | "Ignore";
  /** Whether the webhook changes anything besides its answer. @default "None" */
  sideEffects?: "None" | "NoneOnDryRun";
  /** How long the apiserver waits, 1 to 30 seconds. @default 10 */
  timeoutSeconds?: number;
  /** Only objects in namespaces whose labels match. @default everything */
  namespaceSelector?: LabelSelector;
  /** Only objects whose labels match. @default everything */
  objectSelector?: LabelSelector;
  /** `Equivalent` also sends the same resource through other groups/versions. @default "Equivalent" */
  matchPolicy?: "Exact" | "Equivalent";
  /** CEL conditions that must all hold for the call to be made. */
  matchConditions?: MatchCondition[];
  /** Mutating only: call again when a later webhook changed the object. @default "Never" */
  reinvocationPolicy?: "Never" | "IfNeeded";
  /**
   * The AdmissionReview versions the webhook understands, preferred first (the apiserver
   * sends the first it supports). `admissionHandler` answers both. @default ["v1"]
   */
  admissionReviewVersions?: ("v1" | "v1beta1")[];
}

/**
 * Where the apiserver calls a webhook: an https `url` or an in-cluster `service`, and the CA
 * (PEM) of its serving certificate.
 *
 * @example
 * ```ts
 * import type { WebhookTarget } from "@kubeno/kube";
 * const t: WebhookTarget = { service: { namespace: "ops", name: "webhook", path: "/convert" } };
 * ```
 */
export interface WebhookTarget {
  /** `https://host:port/path` the apiserver calls (outside the cluster, or on its own host). */
  url?: string;
  /** The in-cluster Service the apiserver calls instead of a URL. */
  service?: ServiceReference;
  /** The CA (PEM) that signed the webhook's serving certificate; base64-encoded for you. */
  caBundle?: string;
}

/**
 * The `clientConfig` of a webhook (admission or CRD conversion: the same shape), checked:
 * `url` or `service` but not both, https, no credentials in the URL, a PEM caBundle
 * (base64-encoded here, as the API wants it).
 *
 * @example
 * ```ts
 * import { webhookClientConfig } from "@kubeno/kube";
 * console.log(webhookClientConfig({ url: "https://127.0.0.1:8443/convert" })); // { url: "https://127.0.0.1:8443/convert" }
 * ```
 */
export function webhookClientConfig(
  t: WebhookTarget,
  bad: (message: string) => Error = (m) => new AdmissionError(`webhook clientConfig: ${m}`),
): WebhookClientConfig {
  if ((t.url === undefined) === (t.service === undefined)) {
    throw bad("give url or service, not both");
  }
  if (t.url !== undefined) {
    let u: URL;
    try {
      u = new URL(t.url);
    } catch {
      throw bad(`url ${JSON.stringify(t.url)} is not a URL`);
    }
    if (u.protocol !== "https:") {
      throw bad("url must be https://: the apiserver only calls webhooks over TLS");
    }
    if (u.username || u.password || u.search || u.hash) {
      throw bad("url must carry no user, query or fragment");
    }
  }
  if (t.service !== undefined) {
    const { namespace, name, path, port } = t.service ?? {};
    if (typeof namespace !== "string" || !namespace || typeof name !== "string" || !name) {
      throw bad("service needs namespace and name");
    }
    if (path !== undefined && (typeof path !== "string" || !path.startsWith("/"))) {
      throw bad(`service.path ${JSON.stringify(path)} must start with "/"`);
    }
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw bad(`service.port ${port} must be an integer from 1 to 65535 (default 443)`);
    }
  }
  if (t.caBundle !== undefined && !t.caBundle.includes("-----BEGIN CERTIFICATE-----")) {
    throw bad("caBundle must be PEM (-----BEGIN CERTIFICATE-----); it is base64-encoded for you");
  }
  return {
    ...(t.url !== undefined ? { url: t.url } : { service: { ...t.service! } }),
    ...(t.caBundle !== undefined ? { caBundle: base64(t.caBundle) } : {}),
  };
}

function webhookEntry(w: WebhookOptions, mutating: boolean): ValidatingWebhook & MutatingWebhook {
  const bad = (m: string) => new AdmissionError(`webhook ${JSON.stringify(w?.name)}: ${m}`);
  if (typeof w?.name !== "string" || w.name.split(".").length < 3) {
    throw bad("name must be a qualified name with at least three segments, e.g. deny.example.com");
  }
  const clientConfig = webhookClientConfig(w, bad);
  const timeout = w.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 30) {
    throw bad(`timeoutSeconds ${timeout} must be an integer from 1 to 30`);
  }
  if (!Array.isArray(w.rules) || w.rules.length === 0) throw bad("give at least one rule");
  const versions = w.admissionReviewVersions ?? ["v1"];
  if (
    !Array.isArray(versions) || versions.length === 0 ||
    versions.some((v) => v !== "v1" && v !== "v1beta1")
  ) {
    throw bad(
      `admissionReviewVersions ${JSON.stringify(versions)}: give "v1" (and "v1beta1" if wanted)`,
    );
  }
  if (!mutating && w.reinvocationPolicy !== undefined) {
    throw bad("reinvocationPolicy is for mutating webhooks only");
  }
  const out: ValidatingWebhook & MutatingWebhook = {
    name: w.name,
    admissionReviewVersions: [...versions],
    clientConfig,
    rules: w.rules.map((r) => ({ ...r })),
    failurePolicy: w.failurePolicy ?? "Fail",
    sideEffects: w.sideEffects ?? "None",
    timeoutSeconds: timeout,
    matchPolicy: w.matchPolicy ?? "Equivalent",
  };
  if (w.namespaceSelector) out.namespaceSelector = w.namespaceSelector;
  if (w.objectSelector) out.objectSelector = w.objectSelector;
  if (w.matchConditions) out.matchConditions = w.matchConditions;
  if (mutating) out.reinvocationPolicy = w.reinvocationPolicy ?? "Never";
  return out;
}

/**
 * A `ValidatingWebhookConfiguration` for the given webhooks, with kubeno's defaults
 * (`admissionReviewVersions: ["v1"]`, `failurePolicy: Fail`, `sideEffects: None`,
 * `timeoutSeconds: 10`) and the caBundle base64-encoded. Create or apply it with `Api`.
 *
 * @example
 * ```ts
 * import { validatingWebhookConfiguration } from "@kubeno/kube";
 * const cfg = validatingWebhookConfiguration("deny-forbidden", [{
 *   name: "deny.example.com", url: "https://127.0.0.1:8443/validate",
 *   rules: [{ operations: ["CREATE", "UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
 *   objectSelector: { matchLabels: { checked: "yes" } },
 * }]);
 * console.log(cfg.webhooks?.[0].failurePolicy); // "Fail"
 * ```
 */
export function validatingWebhookConfiguration(
  name: string,
  webhooks: WebhookOptions[],
): ValidatingWebhookConfiguration {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name },
    webhooks: webhooks.map((w) => {
      const { reinvocationPolicy: _, ...v } = webhookEntry(w, false);
      return v;
    }),
  };
}

/**
 * A `MutatingWebhookConfiguration`, as {@link validatingWebhookConfiguration} (plus
 * `reinvocationPolicy`, default `Never`).
 *
 * @example
 * ```ts
 * import { mutatingWebhookConfiguration } from "@kubeno/kube";
 * const cfg = mutatingWebhookConfiguration("add-team", [{
 *   name: "team.example.com", url: "https://127.0.0.1:8443/mutate", failurePolicy: "Ignore",
 *   rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
 * }]);
 * console.log(cfg.webhooks?.[0].reinvocationPolicy); // "Never"
 * ```
 */
export function mutatingWebhookConfiguration(
  name: string,
  webhooks: WebhookOptions[],
): MutatingWebhookConfiguration {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name },
    webhooks: webhooks.map((w) => webhookEntry(w, true)),
  };
}
