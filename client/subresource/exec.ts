/**
 * Exec and attach: a command in a pod's container (or the container's main process) as one
 * process object with web streams, over a WebSocket speaking `v5.channel.k8s.io` (or
 * `v4.channel.k8s.io` where the server does not agree v5).
 *
 * @module
 */

import {
  Channel,
  CHANNEL_V4,
  CHANNEL_V5,
  closeFrame,
  decodeFrame,
  exitCodeOf,
  resizeFrame,
} from "../../core/channel.ts";
import { concatBytes } from "../../core/_util.ts";
import { apiErrorFromStatus, KubeError, type Status } from "../../core/error.ts";
import { type KubeRequest, resourcePath, type ResourceScope } from "../../core/request.ts";
import type { Client, RequestOptions } from "../client.ts";
import {
  assertPods,
  BYTE_QUEUE,
  emptyFrame,
  openPodStream,
  sendChannel,
  sendFrame,
  unreadLimit,
} from "./_pods.ts";

/**
 * Which streams to connect, and the container.
 *
 * @example
 * ```ts
 * import type { AttachParams } from "@kubeno/kube";
 * const ap: AttachParams = { container: "app", stdin: true };
 * ```
 */
export interface AttachParams {
  /** The container; may be left out when the pod has only one. */
  container?: string;
  /** Connect stdin (the process gets `stdin`). @default false */
  stdin?: boolean;
  /** Connect stdout. @default true */
  stdout?: boolean;
  /** Connect stderr; with a TTY it is merged into stdout. @default true without a TTY */
  stderr?: boolean;
  /** Allocate a TTY (`resize` then works). @default false */
  tty?: boolean;
  /**
   * How many bytes of stdout, or of stderr, may wait unread. A WebSocket cannot pause the
   * server, so a reader that falls further behind ends the session (both streams and `status`
   * fail with a `KubeError` saying so) instead of letting memory grow without bound.
   * Not sent to the server. @default 67108864 (64 MiB)
   */
  maxUnreadBytes?: number;
}

/**
 * How a command ended: its exit code, and the Status the server sent on the error channel.
 *
 * @example
 * ```ts
 * import type { ExecStatus } from "@kubeno/kube";
 * const s: ExecStatus = { exitCode: 0, status: { status: "Success" } };
 * ```
 */
export interface ExecStatus {
  /** 0 for `Success`, the `ExitCode` cause of `NonZeroExitCode`. */
  exitCode: number;
  /** The server's Status. */
  status: Status;
}

/**
 * The request that opens an exec stream (its WebSocket handshake is a GET).
 *
 * @example
 * ```ts
 * import { execRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const req = execRequest({ resource: Pod, namespace: "default" }, "blog", ["ls", "-l"]);
 * req.query.getAll("command"); // ["ls", "-l"]
 * ```
 */
export function execRequest(
  scope: ResourceScope,
  name: string,
  command: readonly string[],
  ap: AttachParams = {},
): KubeRequest {
  if (
    !Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== "string")
  ) {
    throw new TypeError(
      'exec needs a command: a non-empty array of strings, like ["sh", "-c", "date"]',
    );
  }
  const req = streamRequest(scope, name, "exec", ap);
  for (const c of command) req.query.append("command", c);
  return req;
}

/**
 * The request that opens an attach stream.
 *
 * @example
 * ```ts
 * import { attachRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * attachRequest({ resource: Pod, namespace: "default" }, "blog").path; // "/api/v1/namespaces/default/pods/blog/attach"
 * ```
 */
export function attachRequest(
  scope: ResourceScope,
  name: string,
  ap: AttachParams = {},
): KubeRequest {
  return streamRequest(scope, name, "attach", ap);
}

function streamRequest(
  scope: ResourceScope,
  name: string,
  verb: "exec" | "attach",
  ap: AttachParams,
): KubeRequest {
  assertPods(scope, verb);
  if (name === "") throw new TypeError(`${verb} needs a pod name`);
  const tty = ap.tty ?? false;
  const stdin = ap.stdin ?? false;
  const stdout = ap.stdout ?? true;
  const stderr = ap.stderr ?? !tty;
  if (!stdin && !stdout && !stderr) {
    throw new TypeError(`${verb}: connect at least one of stdin, stdout and stderr`);
  }
  if (tty && stderr) {
    throw new TypeError(`${verb}: with a TTY stderr is merged into stdout; leave stderr unset`);
  }
  const q = new URLSearchParams();
  if (ap.container) q.set("container", ap.container);
  q.set("stdin", String(stdin));
  q.set("stdout", String(stdout));
  q.set("stderr", String(stderr));
  q.set("tty", String(tty));
  return { method: "GET", path: resourcePath(scope, name, verb), query: q, headers: {} };
}

/**
 * A running command (exec) or an attached container, over one WebSocket. `stdin` (when asked
 * for) takes bytes, closing it ends the command's input (with `v5.channel.k8s.io`; the older
 * `v4` cannot say so, and the command sees end of file only when the stream closes);
 * `stdout` and `stderr` give bytes (empty when not connected); `status` settles once the server
 * reports how the command ended. Close it (or `await using`) to end the stream early.
 *
 * Output is buffered as it arrives (a browser-style WebSocket cannot pause its sender), so read
 * `stdout` and `stderr` as they come.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
 * import { Api, Client } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * await using p = await pods.exec("blog", ["sh", "-c", "echo hi; exit 3"]);
 * const out = await new Response(p.stdout).text();
 * console.log(out, (await p.status).exitCode); // "hi\n" 3
 * ```
 */
export class AttachedProcess implements AsyncDisposable {
  /** The protocol the server chose: `v5.channel.k8s.io` or `v4.channel.k8s.io`. */
  get protocol(): string {
    return this.#ws.protocol;
  }
  /** The command's input, when `stdin: true` was asked for. */
  readonly stdin: WritableStream<Uint8Array> | undefined;
  /** The command's output (with a TTY, stderr's too). */
  readonly stdout: ReadableStream<Uint8Array>;
  /** The command's error output; empty with a TTY or when not connected. */
  readonly stderr: ReadableStream<Uint8Array>;
  /**
   * How the command ended. Rejects with an `ApiError` carrying the Status when the server
   * reports a failure that is not an exit code, with the abort reason on abort, and with a
   * `KubeError` when the stream closes without a status.
   */
  readonly status: Promise<ExecStatus>;

  readonly #ws: WebSocket;
  readonly #closed: Promise<void>;
  readonly #tty: boolean;

  /** Takes over a WebSocket from `Client.webSocket`; use `pods.exec` / `pods.attach` instead. */
  constructor(ws: WebSocket, ap: AttachParams, what: string, signal?: AbortSignal) {
    this.#ws = ws;
    this.#tty = ap.tty ?? false;
    let out!: ReadableStreamDefaultController<Uint8Array>;
    let err!: ReadableStreamDefaultController<Uint8Array>;
    const maxUnread = unreadLimit(ap.maxUnreadBytes);
    this.stdout = new ReadableStream({ start: (c) => void (out = c) }, BYTE_QUEUE);
    this.stderr = new ReadableStream({ start: (c) => void (err = c) }, BYTE_QUEUE);
    let overflow: KubeError | undefined;
    let settle!: { resolve: (s: ExecStatus) => void; reject: (e: unknown) => void };
    this.status = new Promise((resolve, reject) => settle = { resolve, reject });
    // Nobody may ask for the status; a failure is still reported through the streams' end.
    this.status.catch(() => {});
    const errorText: Uint8Array[] = [];
    const push = (c: ReadableStreamDefaultController<Uint8Array>, data: Uint8Array) => {
      if (overflow) return;
      try {
        c.enqueue(data);
      } catch { /* the reader cancelled: drop */ }
      if (-(c.desiredSize ?? 0) > maxUnread) {
        const which = c === out ? "stdout" : "stderr";
        overflow = new KubeError(
          `${what}: more than ${maxUnread} bytes of ${which} were left unread, so the session ` +
            "was ended (a WebSocket cannot pause the server): read the output as it comes, or " +
            "raise maxUnreadBytes",
        );
        ws.close();
      }
    };
    const end = (c: ReadableStreamDefaultController<Uint8Array>, reason?: unknown) => {
      try {
        if (reason === undefined) c.close();
        else c.error(reason);
      } catch { /* already cancelled */ }
    };
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) return; // the channel protocols send binary only
      const { channel, data } = decodeFrame(new Uint8Array(e.data));
      if (data.length === 0) return;
      if (channel === Channel.stdout) push(out, data);
      else if (channel === Channel.stderr) push(err, data);
      else if (channel === Channel.error) errorText.push(data);
    };
    // Closing a socket still connecting is allowed; its close event then ends all.
    const onAbort = () => ws.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) ws.close();
    this.#closed = new Promise((resolve) => {
      ws.onclose = (e) => {
        signal?.removeEventListener("abort", onAbort);
        let failure: unknown;
        if (overflow) {
          failure = overflow;
          settle.reject(failure);
        } else if (errorText.length > 0) {
          const text = new TextDecoder().decode(concatBytes(errorText));
          const { exitCode, status } = exitCodeOf(text);
          if (exitCode !== undefined) settle.resolve({ exitCode, status });
          else {
            failure = apiErrorFromStatus({ code: 500, ...status }, { method: "GET", path: what });
            settle.reject(failure);
          }
        } else {
          // Deno reports a lost connection as code 0 (or 1006) without a close frame.
          const how = e.code === 0 || e.code === 1006
            ? "the connection was lost"
            : `the stream closed (${e.code}${e.reason ? " " + e.reason : ""})`;
          failure = signal?.aborted
            ? signal.reason
            : new KubeError(`${what}: ${how} before the server said how the command ended`);
          settle.reject(failure);
        }
        // Output already received is kept; an abort errors what is left unread, as does an
        // overflow (what was kept is already more than allowed).
        const reason = overflow ?? (signal?.aborted ? signal.reason : undefined);
        end(out, reason);
        end(err, reason);
        resolve();
      };
    });
    this.stdin = ap.stdin
      ? new WritableStream<Uint8Array>({
        write: (chunk) => sendChannel(ws, Channel.stdin, chunk, `${what} stdin`),
        close: () => {
          // v4 has no way to say so: the command sees end of file when the stream closes.
          if (ws.protocol === CHANNEL_V5 && ws.readyState === WebSocket.OPEN) {
            sendFrame(ws, closeFrame(Channel.stdin), emptyFrame(Channel.stdin));
          }
        },
        abort: () => ws.close(),
      })
      : undefined;
  }

  /**
   * Resizes the TTY (columns, rows). Needs `tty: true`.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await using sh = await pods.exec("blog", ["sh"], { stdin: true, tty: true });
   * sh.resize(120, 40);
   * ```
   */
  resize(cols: number, rows: number): void {
    if (!this.#tty) throw new TypeError("resize needs a TTY: exec or attach with { tty: true }");
    if (this.#ws.readyState === WebSocket.OPEN) {
      const frame = resizeFrame(cols, rows);
      sendFrame(this.#ws, frame, frame); // the same size again changes nothing
    }
  }

  /**
   * Closes the stream (the server then ends the session) and waits until it is closed.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * const p = await pods.attach("blog");
   * await p.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#ws.readyState < WebSocket.CLOSING) this.#ws.close(1000);
    await this.#closed;
  }

  /** {@link AttachedProcess.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Runs a command in a pod's container. See {@link AttachedProcess}.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
 * import { Api, Client, podExec } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * await using p = await podExec(client, { resource: Pod, namespace: "default" }, "blog", ["date"]);
 * console.log(await new Response(p.stdout).text());
 * ```
 */
export async function podExec(
  client: Client,
  scope: ResourceScope,
  name: string,
  command: readonly string[],
  ap: AttachParams = {},
  opts: RequestOptions = {},
): Promise<AttachedProcess> {
  return await open(client, execRequest(scope, name, command, ap), ap, opts);
}

/**
 * Attaches to a pod's running container. See {@link AttachedProcess}.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
 * import { Client, podAttach } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * await using p = await podAttach(client, { resource: Pod, namespace: "default" }, "blog");
 * for await (const chunk of p.stdout) console.log(new TextDecoder().decode(chunk));
 * ```
 */
export async function podAttach(
  client: Client,
  scope: ResourceScope,
  name: string,
  ap: AttachParams = {},
  opts: RequestOptions = {},
): Promise<AttachedProcess> {
  return await open(client, attachRequest(scope, name, ap), ap, opts);
}

async function open(
  client: Client,
  req: KubeRequest,
  ap: AttachParams,
  opts: RequestOptions,
): Promise<AttachedProcess> {
  unreadLimit(ap.maxUnreadBytes); // a bad value opens no socket
  const { stream: process, socket } = await openPodStream(
    client,
    req,
    [CHANNEL_V5, CHANNEL_V4],
    opts,
    // Before the handshake ends, so that no early message or close is missed.
    (socket) => new AttachedProcess(socket, ap, req.path, opts.signal),
  );
  if (socket.protocol !== CHANNEL_V5 && socket.protocol !== CHANNEL_V4) {
    await process.close();
    throw new KubeError(
      `${req.path}: the server agreed to none of ${CHANNEL_V5}, ${CHANNEL_V4} ` +
        `(it chose ${JSON.stringify(socket.protocol)}); kubeno needs a Kubernetes 1.30+ apiserver`,
    );
  }
  return process;
}
