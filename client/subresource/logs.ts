/**
 * Pod logs: the `log` subresource of pods, read whole or as a stream, and a lines helper.
 *
 * @module
 */

import { type KubeRequest, resourcePath, type ResourceScope } from "../../core/request.ts";
import type { Client, RequestOptions } from "../client.ts";
import { assertPods } from "./_pods.ts";

/**
 * Options of a log read, as the API defines them (`PodLogOptions`).
 *
 * @example
 * ```ts
 * import type { LogParams } from "@kubeno/kube";
 * const lp: LogParams = { container: "app", tailLines: 10, timestamps: true };
 * ```
 */
export interface LogParams {
  /** The container; may be left out when the pod has only one. */
  container?: string;
  /** Keep the stream open and send new lines as they are written (`kubectl logs -f`). */
  follow?: boolean;
  /** The previous, terminated instance of the container. */
  previous?: boolean;
  /** Only lines from the last this many seconds (≥ 1). Exclusive with `sinceTime`. */
  sinceSeconds?: number;
  /** Only lines written at or after this time (RFC 3339, or a `Date`). Exclusive with `sinceSeconds`. */
  sinceTime?: string | Date;
  /** Only this many lines from the end (≥ 0). */
  tailLines?: number;
  /** Prefix each line with its RFC 3339 timestamp and a space. */
  timestamps?: boolean;
  /** Stop after this many bytes (≥ 1); the last line may be cut. */
  limitBytes?: number;
  /** Let the apiserver skip verifying the kubelet's serving certificate. */
  insecureSkipTLSVerifyBackend?: boolean;
}

/**
 * The request that reads a pod's log. Checks the options first: a bad value throws a
 * `RangeError` or `TypeError` that names the field.
 *
 * @example
 * ```ts
 * import { logRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const req = logRequest({ resource: Pod, namespace: "default" }, "blog", { tailLines: 5 });
 * req.path; // "/api/v1/namespaces/default/pods/blog/log"
 * req.query.get("tailLines"); // "5"
 * ```
 */
export function logRequest(scope: ResourceScope, name: string, lp: LogParams = {}): KubeRequest {
  assertPods(scope, "logs");
  if (name === "") throw new TypeError("logs needs a pod name");
  const q = new URLSearchParams();
  if (lp.container !== undefined && lp.container !== "") q.set("container", lp.container);
  if (lp.follow) q.set("follow", "true");
  if (lp.previous) q.set("previous", "true");
  if (lp.sinceSeconds !== undefined && lp.sinceTime !== undefined) {
    throw new TypeError("logs: give sinceSeconds or sinceTime, not both");
  }
  if (lp.sinceSeconds !== undefined) {
    q.set("sinceSeconds", String(positiveInt("sinceSeconds", lp.sinceSeconds, 1)));
  }
  if (lp.sinceTime !== undefined) q.set("sinceTime", rfc3339(lp.sinceTime));
  if (lp.timestamps) q.set("timestamps", "true");
  if (lp.tailLines !== undefined) {
    q.set("tailLines", String(positiveInt("tailLines", lp.tailLines, 0)));
  }
  if (lp.limitBytes !== undefined) {
    q.set("limitBytes", String(positiveInt("limitBytes", lp.limitBytes, 1)));
  }
  if (lp.insecureSkipTLSVerifyBackend) q.set("insecureSkipTLSVerifyBackend", "true");
  return {
    method: "GET",
    path: resourcePath(scope, name, "log"),
    query: q,
    headers: { accept: "*/*" },
  };
}

/**
 * Reads a pod's log to its end (or until `limitBytes`) as text. Prefer {@link podLogStream}
 * with `follow`. A pod or container that does not exist answers with the server's Status as an
 * `ApiError`.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
 * import { Api, Client } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * console.log(await pods.logs("blog", { tailLines: 20 }));
 * ```
 */
export async function podLogs(
  client: Client,
  scope: ResourceScope,
  name: string,
  lp: LogParams = {},
  opts: RequestOptions = {},
): Promise<string> {
  if (lp.follow) {
    // A followed log has no end to wait for in one string: a stream is the shape for it.
    throw new TypeError("logs: follow needs logStream(), which hands out the lines as they come");
  }
  return await client.requestText(logRequest(scope, name, lp), opts);
}

/**
 * A pod's log as a byte stream. With `follow` it stays open until the container ends, the pod
 * goes away, or `opts.signal` aborts (then a pending read rejects with the signal's reason);
 * cancelling the stream closes the connection. Read it line by line with {@link logLines}.
 * A followed log waits for its first line without a timeout unless `opts.timeoutMs` is set (a
 * kubelet answers only with the first line, and a quiet container may print none for long).
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
 * import { Api, Client, logLines } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * const stream = await pods.logStream("blog", { follow: true }, { signal: AbortSignal.timeout(10_000) });
 * for await (const line of logLines(stream)) console.log(line);
 * ```
 */
export async function podLogStream(
  client: Client,
  scope: ResourceScope,
  name: string,
  lp: LogParams = {},
  opts: RequestOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  // A kubelet answers a followed log with its first line, which a quiet container may never
  // print: like `kubectl logs -f`, wait without a timeout unless the caller set one.
  const waitForever = lp.follow && opts.timeoutMs === undefined;
  return await client.requestStream(
    logRequest(scope, name, lp),
    waitForever ? { ...opts, timeoutMs: Infinity } : opts,
  );
}

/**
 * The lines of a byte stream, decoded as UTF-8 (a character split across chunks is joined,
 * invalid bytes become U+FFFD). Lines are split at `\n`, which is not included; a last line
 * without `\n` is still given; a stream that ends with `\n` gives no empty last line. Leaving the
 * loop early cancels the stream.
 *
 * @example
 * ```ts
 * import { logLines } from "@kubeno/kube";
 * const bytes = new TextEncoder().encode("one\ntwo");
 * const stream = ReadableStream.from([bytes.subarray(0, 5), bytes.subarray(5)]);
 * for await (const line of logLines(stream)) console.log(line); // "one", "two"
 * ```
 */
export async function* logLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let rest = "";
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        rest += decoder.decode();
        break;
      }
      rest += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        yield line;
      }
    }
    if (rest !== "") yield rest;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function positiveInt(field: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new RangeError(`logs: ${field} must be an integer ≥ ${min}, got ${v}`);
  }
  return v;
}

function rfc3339(t: string | Date): string {
  if (t instanceof Date) {
    if (Number.isNaN(t.getTime())) throw new RangeError("logs: sinceTime is an invalid Date");
    // The apiserver parses RFC 3339 with seconds precision.
    return t.toISOString().replace(/\.\d+Z$/, "Z");
  }
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(t)) {
    throw new RangeError(
      `logs: sinceTime must be RFC 3339 (like 2026-01-02T15:04:05Z), got ${JSON.stringify(t)}`,
    );
  }
  return t;
}
