/**
 * Serving the webhooks the apiserver calls: {@link admissionHandler} turns an admission function into a
 * `(Request) => Promise<Response>` for `Deno.serve`. The body is read with a size cap and
 * checked before the function sees it; a hostile or broken request gets a 4xx, never a crash.
 * Bound to a schema (a Zod schema or a `customResource()`), the object is parsed too, and one
 * that does not parse is denied with every issue.
 *
 * {@link conversionHandler} does the same for CRD `ConversionReview`s. Serve either with
 * {@link serveTls} (certificate and key from files, rotated without dropping a call) or
 * `Deno.serve({ cert, key }, handler)`, and register admission webhooks with
 * `validatingWebhookConfiguration` / `mutatingWebhookConfiguration` from the core.
 *
 * @module
 */

import { concatBytes, sleep } from "../core/_util.ts";
import { log } from "../core/log.ts";
import {
  type AdmissionRequest,
  admissionReviewResponse,
  type AdmissionVerdict,
  deny,
  parseAdmissionReview,
} from "../core/admission.ts";
import type { KubeObject, ResourceType } from "../core/resource.ts";
import { type Convert, convertReview, parseConversionReview } from "../core/conversion.ts";
import { KubeError } from "../core/error.ts";

/**
 * The apiserver's own limit on a request body (3 MiB); no review it sends is larger.
 *
 * @example
 * ```ts
 * import { ADMISSION_MAX_BODY_BYTES } from "@kubeno/kube";
 * console.log(ADMISSION_MAX_BODY_BYTES); // 3145728
 * ```
 */
export const ADMISSION_MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * An admission function: decides on one request.
 *
 * @example
 * ```ts
 * import { type AdmissionFn, allow, deny } from "@kubeno/kube";
 * const fn: AdmissionFn = (req) => req.object?.metadata?.labels?.team ? allow() : deny("label team is required");
 * ```
 */
export type AdmissionFn<K = KubeObject> = (
  request: AdmissionRequest<K>,
) => AdmissionVerdict | Promise<AdmissionVerdict>;

/**
 * Options of {@link admissionHandler}.
 *
 * @example
 * ```ts
 * import type { AdmissionHandlerOptions } from "@kubeno/kube";
 * const o: AdmissionHandlerOptions = { maxBodyBytes: 1 << 20, onError: (e) => console.error(e) };
 * ```
 */
export interface AdmissionHandlerOptions {
  /** Largest body read; a larger one gets 413. @default ADMISSION_MAX_BODY_BYTES (3 MiB) */
  maxBodyBytes?: number;
  /**
   * Told when the admission function throws (the apiserver then gets a denial with code 500
   * and a generic message, so nothing in the error leaks to the client).
   * @default the log handler (`setLogHandler`)
   */
  onError?: (error: unknown, request: AdmissionRequest<unknown>) => void;
}

/**
 * What a custom resource offers for validation: `safeParse` (and `safeParseUpdate`), as
 * `customResource()` returns.
 *
 * @example
 * ```ts
 * import { customResource, type Validates } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * const v: Validates = Foo;
 * ```
 */
export interface Validates {
  /**
   * Validates an object as on create. A success may list the CEL rules it could not evaluate
   * (`unevaluated`): they become the answer's warnings.
   */
  safeParse(
    obj: unknown,
  ): { success: true; unevaluated?: readonly SchemaIssue[] } | {
    success: false;
    error: { message: string };
  };
  /** Validates an object as on update from `old`. */
  safeParseUpdate?(
    old: unknown,
    obj: unknown,
  ): { success: true; unevaluated?: readonly SchemaIssue[] } | {
    success: false;
    error: { message: string };
  };
}

/**
 * One problem a schema found: where (a dotted path as kubeno's custom resources give it, or
 * the path segments Zod gives) and what.
 *
 * @example
 * ```ts
 * import type { SchemaIssue } from "@kubeno/kube";
 * const i: SchemaIssue = { path: ["spec", "replicas"], message: "Too big: expected number to be <=5" };
 * ```
 */
export interface SchemaIssue {
  /** Where: `"spec.n"` or `["spec", "n"]`; empty for the object itself. */
  readonly path?: string | readonly PropertyKey[];
  /** What is wrong. */
  readonly message: string;
}

/**
 * What checks and types the object of an admission request: a Zod schema (`z.object(...)`)
 * or a custom resource from `customResource()` (whose `safeParse` runs the CRD's own checks,
 * and `safeParseUpdate` its transition rules on UPDATE). See {@link admissionHandler}.
 *
 * @example
 * ```ts
 * import type { AdmissionSchema } from "@kubeno/kube";
 * import { z } from "zod";
 * const s: AdmissionSchema<{ metadata: { name: string } }> = z.object({ metadata: z.object({ name: z.string() }) });
 * ```
 */
export interface AdmissionSchema<K> {
  /**
   * Parses an object; the issues of a failure become the denial's message. A success may list
   * the CEL rules it could not evaluate (`unevaluated`, as a `customResource()` does): they
   * become warnings of the answer.
   */
  safeParse(
    value: unknown,
  ): { success: true; data: K; unevaluated?: readonly SchemaIssue[] } | {
    success: false;
    error: { readonly issues: readonly SchemaIssue[] };
  };
  /** Parses an object as an update from `old` (UPDATE requests use it when present). */
  safeParseUpdate?(
    old: unknown,
    value: unknown,
  ): { success: true; data: K; unevaluated?: readonly SchemaIssue[] } | {
    success: false;
    error: { readonly issues: readonly SchemaIssue[] };
  };
}

/**
 * The request an admission function bound to a schema gets: `object` is the schema's parsed
 * output (defaults filled, typed `K`). `oldObject` is the stored object as received, not
 * checked: a schema made stricter must not block the updates that fix old objects, nor their
 * deletion; parse it yourself when you need it typed.
 *
 * @example
 * ```ts
 * import type { CheckedAdmissionRequest } from "@kubeno/kube";
 * const replicas = (r: CheckedAdmissionRequest<{ spec: { replicas: number } }>) => r.object?.spec.replicas;
 * ```
 */
export type CheckedAdmissionRequest<K> = Omit<AdmissionRequest<KubeObject>, "object"> & {
  /** The new object as the schema parsed it (CREATE, UPDATE); `null` or absent on DELETE. */
  object?: K | null;
};

/**
 * An admission function bound to a schema (see {@link admissionHandler}): it only sees
 * objects the schema accepted.
 *
 * @example
 * ```ts
 * import { allow, type CheckedAdmissionFn, deny } from "@kubeno/kube";
 * const fn: CheckedAdmissionFn<{ spec: { replicas: number } }> = (req) =>
 *   (req.object?.spec.replicas ?? 0) > 10 ? deny("at most 10 replicas", 422) : allow();
 * ```
 */
export type CheckedAdmissionFn<K> = (
  request: CheckedAdmissionRequest<K>,
) => AdmissionVerdict | Promise<AdmissionVerdict>;

/**
 * Options of {@link admissionHandler} bound to a schema.
 *
 * @example
 * ```ts
 * import type { SchemaAdmissionHandlerOptions } from "@kubeno/kube";
 * import { z } from "zod";
 * const o: SchemaAdmissionHandlerOptions<{ data?: Record<string, string> }> = {
 *   schema: z.object({ data: z.record(z.string(), z.string()).optional() }),
 * };
 * ```
 */
export interface SchemaAdmissionHandlerOptions<K> extends AdmissionHandlerOptions {
  /** Checks and types `request.object`; a failure is denied with 422 and every issue. */
  schema: AdmissionSchema<K>;
}

/** `path: message; ...` as kubeno's custom resources word their issues. */
const where = (p: SchemaIssue["path"]) =>
  typeof p === "string" ? p : (p ?? []).map((s) => String(s)).join(".");

/** The warnings for CEL rules a schema passed without evaluating them (the apiserver runs them). */
function unevaluatedWarnings(issues: readonly SchemaIssue[] | undefined): string[] {
  return (issues ?? []).map((i) =>
    `${
      where(i.path) || "<root>"
    }: not checked by this webhook, the apiserver checks it (${i.message})`
  );
}

/** `verdict` with `warnings` added (an allowed verdict only: a denial says why already). */
function withWarnings(verdict: AdmissionVerdict, warnings: string[]): AdmissionVerdict {
  if (!warnings.length || !verdict.allowed) return verdict;
  return { ...verdict, warnings: [...(verdict.warnings ?? []), ...warnings] };
}

function issuesText(kind: string, issues: readonly SchemaIssue[]): string {
  const list = issues.length ? issues : [{ path: "", message: "rejected by the schema" }];
  return `invalid ${kind}: ` + list.map((i) => `${where(i.path) || "<root>"}: ${i.message}`)
    .join("; ");
}

/**
 * The request with its object parsed by `schema` (and the warnings for rules the schema could
 * not evaluate), or the denial to answer instead. CONNECT carries options (PodExecOptions ...),
 * not the object, so a schema cannot check it.
 */
function checkWith<K>(
  schema: AdmissionSchema<K>,
  request: AdmissionRequest,
): { request: CheckedAdmissionRequest<K>; warnings: string[] } | AdmissionVerdict {
  const op = request.operation;
  if (op === "CONNECT") {
    return deny(
      "this webhook checks objects with a schema, and CONNECT sends options, not the object: " +
        "remove CONNECT from its webhook configuration's rules",
      400,
    );
  }
  if (op === "DELETE") return { request: request as CheckedAdmissionRequest<K>, warnings: [] };
  if (!isObject(request.object)) return deny(`a ${op} review carries the object: none sent`, 400);
  const r = op === "UPDATE" && schema.safeParseUpdate
    ? schema.safeParseUpdate(request.oldObject, request.object)
    : schema.safeParse(request.object);
  if (!r.success) {
    const issues = Array.isArray(r.error?.issues) ? r.error.issues : [];
    return deny(issuesText(request.kind.kind, issues), 422);
  }
  return { request: { ...request, object: r.data }, warnings: unevaluatedWarnings(r.unevaluated) };
}

const isObject = (v: unknown): v is KubeObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const problem = (status: number, message: string) =>
  new Response(message + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });

/** The JSON body of a webhook call, or the 4xx to answer instead. */
async function readJson(
  req: Request,
  max: number,
  what: string,
): Promise<{ value: unknown } | Response> {
  if (req.method !== "POST") {
    await req.body?.cancel().catch(() => {});
    return new Response("webhooks take POST\n", { status: 405, headers: { allow: "POST" } });
  }
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    await req.body?.cancel().catch(() => {});
    return problem(415, `send the ${what} as Content-Type: application/json`);
  }
  let bytes: Uint8Array | "too large";
  try {
    bytes = await readCapped(req, max);
  } catch {
    return problem(400, "the request body could not be read");
  }
  if (bytes === "too large") return problem(413, `the body is larger than ${max} bytes`);
  try {
    return { value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch {
    return problem(400, "the body is not JSON (UTF-8)");
  }
}

async function readCapped(req: Request, max: number): Promise<Uint8Array | "too large"> {
  const declared = Number(req.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await req.body?.cancel().catch(() => {});
    return "too large";
  }
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return "too large";
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

/**
 * Serves an admission webhook: a `(Request) => Promise<Response>` for `Deno.serve`.
 * Only `POST` with a JSON `AdmissionReview` body is answered with a review (405, 415, 413 or
 * 400 otherwise, which the apiserver treats as a failed call: `failurePolicy` decides). The
 * answer carries the request's uid and apiVersion. A function that throws or returns no verdict
 * becomes a denial with code 500 and a generic message (the error goes to `onError`): a denial
 * whatever the configuration's `failurePolicy`, as controller-runtime's `Errored`; to fail open,
 * catch in the function and `allow()`.
 *
 * Bound to a descriptor (`admissionHandler(ConfigMap, fn)`), the request is typed and a review
 * for any other kind is denied with 400 (the configuration's rules send the wrong objects); the
 * object is typed, not checked. Bound to a schema (`admissionHandler(fn, { schema })`, below),
 * the object is parsed before the function sees it.
 *
 * @example
 * ```ts
 * import { admissionHandler, allow, deny, jsonPointer, patch } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 *
 * const handler = admissionHandler(ConfigMap, (req) => {
 *   const labels = req.object?.metadata.labels ?? {};
 *   if (labels.forbidden) return deny("configmaps labelled forbidden are not allowed");
 *   if (!labels.team) return patch([{ op: "add", path: jsonPointer("metadata", "labels"), value: { ...labels, team: "none" } }]);
 *   return allow();
 * });
 * // Deno.serve({ port: 8443, cert, key }, handler);
 * ```
 */
export function admissionHandler<K extends KubeObject>(
  resource: ResourceType<K>,
  fn: AdmissionFn<K>,
  options?: AdmissionHandlerOptions,
): (req: Request) => Promise<Response>;
/**
 * Bound to a schema (`{ schema }`: a Zod schema, or a custom resource from `customResource()`):
 * on CREATE and UPDATE the object is parsed first, and one that does not parse is denied with
 * 422 and every issue (`invalid Foo: spec.n: Too big ...; metadata.name: ...`) without calling
 * the function; the function gets the parsed, typed object (defaults filled). A custom
 * resource's `safeParse` is the CRD's own checks (schema and CEL), and `safeParseUpdate` runs
 * its transition rules on UPDATE; a review for another kind than the custom resource's is
 * denied with 400, as with a descriptor. DELETE reaches the function unchecked; CONNECT is
 * denied with 400 (it carries options, not the object). A schema that throws is a failed
 * function.
 *
 * @example
 * ```ts
 * import { admissionHandler, allow, customResource, deny } from "@kubeno/kube";
 * import { z } from "zod";
 *
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ replicas: z.int().max(5) }) });
 * // Foo.safeParse as a validating webhook: the same verdict as the CRD's own checks.
 * const validate = admissionHandler(() => allow(), { schema: Foo });
 * // A typed object: spec.replicas is a number here.
 * const policy = admissionHandler(
 *   (req) => req.object?.spec.replicas === 0 ? deny("scale to zero with a Job instead", 422) : allow(),
 *   { schema: Foo },
 * );
 * ```
 */
export function admissionHandler<K>(
  fn: CheckedAdmissionFn<K>,
  options: SchemaAdmissionHandlerOptions<K>,
): (req: Request) => Promise<Response>;
/**
 * As above, for any kind: the request's objects are untyped {@link KubeObject}s.
 *
 * @example
 * ```ts
 * import { admissionHandler, allow } from "@kubeno/kube";
 * const handler = admissionHandler((req) => allow({ warnings: [`seen ${req.kind.kind}`] }));
 * ```
 */
export function admissionHandler(
  fn: AdmissionFn<KubeObject>,
  options?: AdmissionHandlerOptions,
): (req: Request) => Promise<Response>;
export function admissionHandler<K extends KubeObject>(
  a: ResourceType<K> | AdmissionFn<KubeObject> | CheckedAdmissionFn<unknown>,
  b?: AdmissionFn<K> | AdmissionHandlerOptions | SchemaAdmissionHandlerOptions<unknown>,
  c?: AdmissionHandlerOptions,
): (req: Request) => Promise<Response> {
  let resource: ResourceType | undefined = typeof a === "function" ? undefined : a;
  const fn = (typeof a === "function" ? a : b) as (r: unknown) => ReturnType<AdmissionFn>;
  const options = (typeof a === "function" ? b : c) as
    | Partial<SchemaAdmissionHandlerOptions<unknown>>
    | undefined ?? {};
  if (typeof fn !== "function") {
    throw new TypeError("admissionHandler needs an admission function: (request) => verdict");
  }
  const schema = options.schema;
  if (schema !== undefined && typeof schema?.safeParse !== "function") {
    throw new TypeError(
      "admissionHandler's schema needs safeParse: give a Zod schema or a customResource()",
    );
  }
  // A customResource() as the schema is a descriptor too: other kinds are refused as above.
  if (!resource && isResourceType(schema)) resource = schema;
  const max = options.maxBodyBytes ?? ADMISSION_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(max) || max <= 0) {
    throw new RangeError(`maxBodyBytes ${max} must be a positive integer`);
  }
  const onError = options.onError ??
    ((e: unknown) =>
      log({ level: "error", source: "webhook", message: "admission function failed:", error: e }));

  return async (req) => {
    const body = await readJson(req, max, "AdmissionReview");
    if (body instanceof Response) return body;
    let review;
    try {
      review = parseAdmissionReview(body.value);
    } catch (e) {
      return problem(400, (e as Error).message);
    }
    const request = review.request!;
    let verdict: AdmissionVerdict;
    if (resource && !sameKind(resource, request.kind)) {
      const k = request.kind;
      verdict = deny(
        `this webhook serves ${resource.apiVersion} ${resource.kind}, not ${
          k.group ? k.group + "/" : ""
        }${k.version} ${k.kind}: fix the rules of its webhook configuration`,
        400,
      );
    } else {
      try {
        const checked = schema ? checkWith(schema, request) : { request, warnings: [] };
        verdict = "allowed" in checked
          ? checked
          : withWarnings(await fn(checked.request), checked.warnings);
        admissionReviewResponse(review, verdict); // checks the verdict's shape
      } catch (e) {
        onError(e, request);
        verdict = deny("the admission webhook failed; see its logs", 500);
      }
    }
    return Response.json(admissionReviewResponse(review, verdict));
  };
}

function isResourceType(v: unknown): v is ResourceType {
  const r = v as Partial<ResourceType> | undefined;
  return typeof r?.kind === "string" && typeof r.version === "string" &&
    typeof r.group === "string" && typeof r.plural === "string";
}

function sameKind(r: ResourceType, k: { group: string; version: string; kind: string }): boolean {
  return r.group === k.group && r.version === k.version && r.kind === k.kind;
}

/**
 * An admission function that validates with a custom resource's own checks (`Foo.safeParse`,
 * and `Foo.safeParseUpdate` on UPDATE): the same verdict as the CRD's schema and CEL rules,
 * denied with 422 and every issue in the message. DELETE and CONNECT are allowed.
 *
 * @example
 * ```ts
 * import { admissionHandler, customResource, validateWith } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * const handler = admissionHandler(Foo, validateWith(Foo));
 * ```
 */
export function validateWith<K = KubeObject>(resource: Validates): AdmissionFn<K> {
  return (req) => {
    if (req.operation !== "CREATE" && req.operation !== "UPDATE") return { allowed: true };
    const r = req.operation === "UPDATE" && resource.safeParseUpdate
      ? resource.safeParseUpdate(req.oldObject, req.object)
      : resource.safeParse(req.object);
    if (!r.success) return deny(r.error.message, 422);
    const warnings = unevaluatedWarnings(r.unevaluated);
    return warnings.length ? { allowed: true, warnings } : { allowed: true };
  };
}

/**
 * Options of {@link serveTls}.
 *
 * @example
 * ```ts
 * import type { ServeTlsOptions } from "@kubeno/kube";
 * const o: ServeTlsOptions = { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key", port: 8443 };
 * ```
 */
export interface ServeTlsOptions {
  /** PEM certificate chain, re-read when it changes (a mounted Secret is swapped atomically). */
  certFile: string;
  /** PEM private key of the certificate. */
  keyFile: string;
  /** Address to listen on. @default "0.0.0.0" */
  hostname?: string;
  /** Port; `0` picks a free one (see {@link TlsServer.addr}). @default 8443 */
  port?: number;
  /** Stops the server (in-flight requests finish). */
  signal?: AbortSignal;
  /** How often the files are compared with what is served. @default 1000 */
  reloadIntervalMs?: number;
  /**
   * A connection whose client has not completed its TLS ClientHello after this long is closed
   * (otherwise it would hold the server, its shutdown and the drain of a rotated-out
   * certificate's server forever). @default 10000
   */
  handshakeTimeoutMs?: number;
  /**
   * On shutdown, how long requests in flight may take; then their connections are closed and
   * the server counts as stopped without waiting for those handlers (the apiserver gives up
   * on a webhook after at most 30 s anyway). Connections still in their TLS handshake are
   * closed at once, idle ones as Deno.serve does. @default 30000
   */
  shutdownGraceMs?: number;
  /**
   * Told after each attempt to serve changed files. A failed one (a key that does not match
   * the certificate, a half-written file) keeps the previous certificate in service.
   * @default failures go to the log handler (`setLogHandler`)
   */
  onReload?: (result: { ok: true } | { ok: false; error: unknown }) => void;
}

/**
 * A server from {@link serveTls}.
 *
 * @example
 * ```ts
 * import type { TlsServer } from "@kubeno/kube";
 * const stop = async (s: TlsServer) => { await s.shutdown(); await s.finished; };
 * ```
 */
export interface TlsServer extends AsyncDisposable {
  /** The address clients connect to. */
  readonly addr: Deno.NetAddr;
  /** Resolves once the server has stopped. */
  readonly finished: Promise<void>;
  /** Re-reads the files now; true if a new certificate is being served. */
  reload(): Promise<boolean>;
  /** Stops accepting, lets in-flight requests finish. */
  shutdown(): Promise<void>;
}

/**
 * Serves `handler` over TLS with the certificate and key read from files, and serves a new
 * certificate without dropping a connection when the files change (certificate rotation,
 * e.g. by cert-manager). Deno cannot swap the certificate of a running `Deno.serve`, and
 * `reusePort` for TLS is unstable, so the public port is a plain TCP listener that passes
 * each connection to the TLS server of the current certificate on 127.0.0.1; after a change,
 * new connections go to a new TLS server and the old one drains. Needs `--allow-net` and
 * `--allow-read` for the two files. (`remoteAddr` as the handler sees it is that relay's.)
 *
 * @example
 * ```ts
 * // doc:no-run: serves a webhook with your certificate until stopped
 * import { admissionHandler, allow, serveTls } from "@kubeno/kube";
 * const server = await serveTls(admissionHandler(() => allow()), {
 *   certFile: "/tls/tls.crt", keyFile: "/tls/tls.key", port: 8443,
 * });
 * await server.finished;
 * ```
 */
export async function serveTls(
  handler: (req: Request) => Response | Promise<Response>,
  options: ServeTlsOptions,
): Promise<TlsServer> {
  const interval = options.reloadIntervalMs ?? 1000;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const shutdownGraceMs = options.shutdownGraceMs ?? 30_000;
  for (
    const [name, v] of [
      ["reloadIntervalMs", interval],
      ["handshakeTimeoutMs", handshakeTimeoutMs],
      ["shutdownGraceMs", shutdownGraceMs],
    ] as const
  ) {
    if (!Number.isFinite(v) || v <= 0) {
      throw new RangeError(`${name} ${v} must be a positive number`);
    }
  }
  const onReload = options.onReload ?? ((r) => {
    if (!r.ok) {
      log({
        level: "error",
        source: "webhook",
        message: "serveTls: keeping the previous certificate:",
        error: r.error,
      });
    }
  });
  const read = async () => ({
    cert: await Deno.readTextFile(options.certFile),
    key: await Deno.readTextFile(options.keyFile),
  });
  const start = (pem: { cert: string; key: string }) =>
    Deno.serve({ hostname: "127.0.0.1", port: 0, ...pem, onListen: () => {} }, handler);

  let pem: { cert: string; key: string };
  let inner: Deno.HttpServer<Deno.NetAddr>;
  try {
    pem = await read();
    inner = start(pem);
  } catch (e) {
    throw new KubeError(
      `cannot serve TLS from ${options.certFile} and ${options.keyFile}: ${(e as Error).message}` +
        " (PEM certificate and its matching private key; --allow-read for both files)",
      { cause: e },
    );
  }
  const listener = Deno.listen({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 8443,
  });
  const draining = new Set<Promise<void>>();
  let stopped = false;
  /** Open relays; `answered` once the TLS server sent a byte (its ServerHello). */
  const relays = new Set<{ answered: boolean; close: () => void }>();

  const relay = async (conn: Deno.Conn) => {
    let up: Deno.Conn;
    try {
      up = await Deno.connect({ hostname: "127.0.0.1", port: inner.addr.port });
    } catch {
      conn.close();
      return;
    }
    // Small writes both ways: Nagle's algorithm against delayed ACKs would add 40 ms stalls.
    for (const c of [conn, up] as Deno.TcpConn[]) {
      try {
        c.setNoDelay(true);
      } catch { /* closed already */ }
    }
    const r = {
      answered: false,
      close: () => {
        for (const c of [conn, up]) {
          try {
            c.close();
          } catch { /* already closed */ }
        }
      },
    };
    relays.add(r);
    // A client that never completes its ClientHello would hold the TLS server (and so its
    // shutdown and a rotated-out server's drain) forever: Deno's TLS accept has no timeout.
    const hello = setTimeout(r.close, handshakeTimeoutMs);
    const seen = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        if (!r.answered) {
          r.answered = true;
          clearTimeout(hello);
        }
        c.enqueue(chunk);
      },
    });
    await Promise.all([
      conn.readable.pipeTo(up.writable).catch(() => {}),
      up.readable.pipeThrough(seen).pipeTo(conn.writable).catch(() => {}),
    ]);
    clearTimeout(hello);
    relays.delete(r);
    r.close();
  };
  const accepting = (async () => {
    while (!stopped) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (stopped || error instanceof Deno.errors.BadResource) return;
        // EMFILE and the like: transient; stopping to accept would leave a dead webhook.
        log({ level: "warn", source: "webhook", message: "serveTls: accept failed:", error });
        await sleep(100);
        continue;
      }
      relay(conn);
    }
  })();

  let chain: Promise<unknown> = Promise.resolve();
  const reload = (): Promise<boolean> => {
    const next = chain.then(async () => {
      if (stopped) return false;
      let fresh: { cert: string; key: string };
      try {
        fresh = await read();
      } catch (error) {
        onReload({ ok: false, error });
        return false;
      }
      if (fresh.cert === pem.cert && fresh.key === pem.key) return false;
      let started: Deno.HttpServer<Deno.NetAddr>;
      try {
        started = start(fresh);
      } catch (error) {
        pem = fresh; // not retried until the files change again
        onReload({ ok: false, error });
        return false;
      }
      const old = inner;
      inner = started;
      pem = fresh;
      const d = old.shutdown().finally(() => draining.delete(d));
      draining.add(d);
      onReload({ ok: true });
      return true;
    });
    chain = next;
    return next;
  };
  const timer = setInterval(() => void reload(), interval);

  let done!: () => void;
  const finished = new Promise<void>((r) => done = r);
  const shutdown = async () => {
    if (!stopped) {
      stopped = true;
      clearInterval(timer);
      options.signal?.removeEventListener("abort", onAbort);
      await chain.catch(() => {});
      try {
        listener.close();
      } catch { /* closed */ }
      await accepting;
      // No request can be in flight on a connection the server has not answered yet.
      for (const r of relays) if (!r.answered) r.close();
      const servers = Promise.all([inner.shutdown(), ...draining]);
      let grace: ReturnType<typeof setTimeout> | undefined;
      const late = await Promise.race([
        servers.then(() => false),
        new Promise<boolean>((r) => grace = setTimeout(() => r(true), shutdownGraceMs)),
      ]);
      clearTimeout(grace);
      // Past the grace, connections are cut; a handler that still runs is not waited for (its
      // answer has nowhere to go), as Deno.serve's shutdown would.
      if (late) { for (const r of relays) r.close(); }
      else await servers;
      done();
    }
    await finished;
  };
  const onAbort = () => void shutdown();
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  return {
    addr: listener.addr as Deno.NetAddr,
    finished,
    reload,
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}

/**
 * Options of {@link conversionHandler}.
 *
 * @example
 * ```ts
 * import type { ConversionHandlerOptions } from "@kubeno/kube";
 * const o: ConversionHandlerOptions = { onError: (e) => console.error(e) };
 * ```
 */
export interface ConversionHandlerOptions {
  /** Largest body read; a larger one gets 413. @default ADMISSION_MAX_BODY_BYTES (3 MiB) */
  maxBodyBytes?: number;
  /** Told when converting an object throws (the review then fails). @default the log handler */
  onError?: (error: unknown, obj: KubeObject) => void;
}

/**
 * Serves a CRD conversion webhook: a `(Request) => Promise<Response>` for `Deno.serve` or
 * {@link serveTls} that answers `ConversionReview`s with `convert` (see `hubAndSpoke`). Bad
 * requests get 405, 415, 413 or 400, as in {@link admissionHandler}.
 *
 * @example
 * ```ts
 * import { conversionHandler, hubAndSpoke } from "@kubeno/kube";
 * const handler = conversionHandler(hubAndSpoke({
 *   hub: "clux.dev/v1",
 *   spokes: { "clux.dev/v1alpha1": { toHub: (o) => o, fromHub: (o) => o } },
 * }));
 * // Deno.serve({ port: 8443, cert, key }, handler);
 * ```
 */
export function conversionHandler(
  convert: Convert,
  options: ConversionHandlerOptions = {},
): (req: Request) => Promise<Response> {
  if (typeof convert !== "function") {
    throw new TypeError(
      "conversionHandler needs a converter: (object, desiredAPIVersion) => object",
    );
  }
  const max = options.maxBodyBytes ?? ADMISSION_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(max) || max <= 0) {
    throw new RangeError(`maxBodyBytes ${max} must be a positive integer`);
  }
  const onError = options.onError ??
    ((e: unknown) =>
      log({ level: "error", source: "webhook", message: "conversion failed:", error: e }));
  return async (req) => {
    const body = await readJson(req, max, "ConversionReview");
    if (body instanceof Response) return body;
    try {
      return Response.json(convertReview(parseConversionReview(body.value), convert, onError));
    } catch (e) {
      return problem(400, (e as Error).message);
    }
  };
}
