/**
 * Port-forward over WebSocket with `v4.channel.k8s.io`: for the i-th requested port, channel
 * `2i` carries data and `2i+1` errors, and each starts with the port number (two bytes, little
 * endian). The SPDY protocol kubectl speaks cannot be used here: Deno's `WebSocket` refuses the
 * token `SPDY/3.1+portforward.k8s.io`. One socket carries one connection per port, with no
 * half-close: a connection ends for both directions at once.
 *
 * @module
 */

import { CHANNEL_V4, decodeFrame } from "../../core/channel.ts";
import { KubeError } from "../../core/error.ts";
import { type KubeRequest, resourcePath, type ResourceScope } from "../../core/request.ts";
import type { Client, RequestOptions } from "../client.ts";
import { isPermissionDenial, permissionError } from "../permissions.ts";
import { assertPods, BYTE_QUEUE, openPodStream, sendChannel, unreadLimit } from "./_pods.ts";

/**
 * The request that opens a port-forward stream.
 *
 * @example
 * ```ts
 * import { portForwardRequest } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * portForwardRequest({ resource: Pod, namespace: "default" }, "blog", [8080]).query.toString(); // "ports=8080"
 * ```
 */
export function portForwardRequest(
  scope: ResourceScope,
  name: string,
  ports: readonly number[],
): KubeRequest {
  assertPods(scope, "portForward");
  if (name === "") throw new TypeError("portForward needs a pod name");
  if (ports.length === 0) throw new TypeError("portForward needs at least one port");
  const q = new URLSearchParams();
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      throw new RangeError(`portForward: a port is an integer 1-65535, got ${p}`);
    }
    q.append("ports", String(p));
  }
  if (new Set(ports).size !== ports.length) {
    throw new TypeError(
      "portForward: each port once; open another forward for a second connection",
    );
  }
  return { method: "GET", path: resourcePath(scope, name, "portforward"), query: q, headers: {} };
}

/**
 * The port's error channel reported a failure (nothing listens there, the pod went away).
 *
 * @example
 * ```ts
 * import { PortForwardError } from "@kubeno/kube";
 * const e = new PortForwardError(80, "connection refused");
 * e.port; // 80
 * ```
 */
export class PortForwardError extends KubeError {
  /** Always `"PortForwardError"`. */
  override name = "PortForwardError";
  /** The pod port. */
  readonly port: number;
  /** Builds the error from the text of the port's error channel. */
  constructor(port: number, message: string) {
    super(`port-forward to pod port ${port}: ${message}`);
    this.port = port;
  }
}

/**
 * One connection to a pod port: bytes from the pod, bytes to it.
 *
 * @example
 * ```ts
 * import type { PortStream } from "@kubeno/kube";
 * async function send(s: PortStream, text: string) {
 *   const w = s.writable.getWriter();
 *   await w.write(new TextEncoder().encode(text));
 *   w.releaseLock();
 * }
 * ```
 */
export interface PortStream {
  /** What the pod sends; errors with a {@link PortForwardError} from the port's error channel. */
  readable: ReadableStream<Uint8Array>;
  /** What to send to the pod. Closing it does nothing: v4 has no half-close. */
  writable: WritableStream<Uint8Array>;
}

/**
 * Options of `pods.portForward`: the call's options, and how much may wait unread.
 *
 * @example
 * ```ts
 * import type { PortForwardOptions } from "@kubeno/kube";
 * const o: PortForwardOptions = { maxUnreadBytes: 8 * 1024 * 1024, signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface PortForwardOptions extends RequestOptions {
  /**
   * How many bytes from the pod may wait unread on one port. A WebSocket cannot pause the
   * server, so a reader that falls further behind ends the forwarding (every port, as v4 cannot
   * end one: that port's stream fails with a `PortForwardError` saying so, the others end)
   * instead of letting memory grow without bound. @default 67108864 (64 MiB)
   */
  maxUnreadBytes?: number;
}

/**
 * Connections to some ports of a pod over one WebSocket (`v4.channel.k8s.io`). Take each
 * port's stream with {@link PortForward.stream}; close (or `await using`) to end them all.
 * Data from the pod is buffered as it arrives (a browser-style WebSocket cannot pause its
 * sender), up to `maxUnreadBytes` per port.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet)
 * import { Api, Client } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * await using pf = await pods.portForward("web", [80]);
 * const s = pf.stream(80);
 * const w = s.writable.getWriter();
 * await w.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
 * for await (const chunk of s.readable) console.log(new TextDecoder().decode(chunk));
 * ```
 */
export class PortForward implements AsyncDisposable {
  /** The pod ports, in the order asked. */
  readonly ports: readonly number[];
  readonly #ws: WebSocket;
  readonly #streams = new Map<number, PortStream>();
  readonly #closed: Promise<void>;

  /** Takes over a socket from `Client.webSocket`; use `pods.portForward` instead. */
  constructor(
    ws: WebSocket,
    ports: readonly number[],
    signal?: AbortSignal,
    maxUnread?: number,
  ) {
    const maxUnreadBytes = unreadLimit(maxUnread);
    this.#ws = ws;
    this.ports = Object.freeze([...ports]);
    let overflowed = false;
    const controllers: ReadableStreamDefaultController<Uint8Array>[] = [];
    const prefix = ports.map(() => [2, 2]); // bytes of the port number still to skip, per channel
    const errors = ports.map(() => "");
    const decoder = new TextDecoder();
    ports.forEach((port, i) => {
      this.#streams.set(port, {
        readable: new ReadableStream({ start: (c) => void (controllers[i] = c) }, BYTE_QUEUE),
        writable: new WritableStream<Uint8Array>({
          write: (chunk) => sendChannel(ws, 2 * i, chunk, `port-forward to pod port ${port}`),
        }),
      });
    });
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) return;
      const { channel, data: raw } = decodeFrame(new Uint8Array(e.data));
      const i = channel >> 1, isError = channel & 1;
      if (i >= ports.length) return;
      const skip = Math.min(prefix[i][isError], raw.length);
      prefix[i][isError] -= skip;
      const data = raw.subarray(skip);
      if (data.length === 0) return;
      if (isError) errors[i] += decoder.decode(data);
      else if (!overflowed) {
        try {
          controllers[i].enqueue(data);
        } catch { /* the reader cancelled */ }
        if (-(controllers[i].desiredSize ?? 0) > maxUnreadBytes) {
          overflowed = true;
          errors[i] = `more than ${maxUnreadBytes} bytes from the pod were left unread, so the ` +
            "forwarding was ended (a WebSocket cannot pause the server): read as it comes, or " +
            "raise maxUnreadBytes";
          ws.close();
        }
      }
    };
    const onAbort = () => ws.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) ws.close();
    this.#closed = new Promise((resolve) => {
      ws.onclose = () => {
        signal?.removeEventListener("abort", onAbort);
        ports.forEach((port, i) => {
          try {
            if (errors[i]) controllers[i].error(new PortForwardError(port, errors[i]));
            else if (signal?.aborted) controllers[i].error(signal.reason);
            else controllers[i].close();
          } catch { /* cancelled */ }
        });
        resolve();
      };
    });
  }

  /**
   * The connection to one of the ports.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet)
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await using pf = await pods.portForward("web", [80, 443]);
   * const https = pf.stream(443);
   * ```
   */
  stream(port: number): PortStream {
    const s = this.#streams.get(port);
    if (!s) throw new TypeError(`port ${port} was not asked for; ports: ${this.ports.join(", ")}`);
    return s;
  }

  /**
   * Closes the socket (every port's connection) and waits until it is closed.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet)
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pf = await Api.namespaced(await Client.tryDefault(), Pod, "default").portForward("web", [80]);
   * await pf.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#ws.readyState < WebSocket.CLOSING) this.#ws.close(1000);
    await this.#closed;
  }

  /** {@link PortForward.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Opens connections to some ports of a pod. See {@link PortForward}.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet)
 * import { Client, podPortForward } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * await using pf = await podPortForward(client, { resource: Pod, namespace: "default" }, "web", [80]);
 * ```
 */
export async function podPortForward(
  client: Client,
  scope: ResourceScope,
  name: string,
  ports: readonly number[],
  opts: PortForwardOptions = {},
): Promise<PortForward> {
  const req = portForwardRequest(scope, name, ports);
  unreadLimit(opts.maxUnreadBytes); // a bad value opens no socket
  const { stream: pf, socket } = await openPodStream(
    client,
    req,
    [CHANNEL_V4],
    opts,
    (socket) => new PortForward(socket, ports, opts.signal, opts.maxUnreadBytes),
  );
  if (socket.protocol !== CHANNEL_V4) {
    await pf.close();
    throw new KubeError(`${req.path}: the server did not agree ${CHANNEL_V4}`);
  }
  return pf;
}

/**
 * A local listener on 127.0.0.1 whose connections each reach a pod port. From `pods.forward`.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet)
 * import { Api, Client } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
 * await using fwd = await pods.forward("web", 0, 80);
 * console.log(await (await fetch(`http://127.0.0.1:${fwd.port}/`)).text());
 * ```
 */
export interface LocalForward extends AsyncDisposable {
  /** The local port bound (useful after asking for 0). */
  readonly port: number;
  /** Stops listening, ends every forwarded connection and waits for them. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`localPort` (0 picks a free one) and forwards each accepted connection
 * to `podPort` over its own WebSocket. A connection ends for both directions when either side
 * ends (v4 has no half-close). Needs `--allow-net=127.0.0.1` besides the apiserver.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a running Pod (a node with a kubelet)
 * import { Client, podForward } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * await using fwd = await podForward(client, { resource: Pod, namespace: "default" }, "web", 0, 80);
 * console.log(fwd.port);
 * ```
 */
export async function podForward(
  client: Client,
  scope: ResourceScope,
  name: string,
  localPort: number,
  podPort: number,
  opts: RequestOptions = {},
): Promise<LocalForward> {
  portForwardRequest(scope, name, [podPort]); // bad input fails before listening
  if (!Number.isInteger(localPort) || localPort < 0 || localPort > 65535) {
    throw new RangeError(
      `forward: localPort is an integer 0-65535 (0: any free one), got ${localPort}`,
    );
  }
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: "127.0.0.1", port: localPort });
  } catch (err) {
    if (isPermissionDenial(err)) {
      throw permissionError(err, { net: "127.0.0.1" }, `listening on 127.0.0.1:${localPort}`);
    }
    throw new KubeError(`forward: cannot listen on 127.0.0.1:${localPort}: ${err}`, { cause: err });
  }
  const live = new Set<Promise<void>>();
  const stop = new AbortController();
  const serveOne = async (conn: Deno.TcpConn) => {
    let pf: PortForward | undefined;
    try {
      pf = await podPortForward(client, scope, name, [podPort], { ...opts, signal: stop.signal });
      const s = pf.stream(podPort);
      const up = conn.readable.pipeTo(s.writable, { preventClose: true }).catch(() => {});
      const down = s.readable.pipeTo(conn.writable).catch(() => {});
      // Either side's end ends the connection.
      await Promise.race([up, down]);
    } catch {
      /* the pod side refused: the local connection is closed below */
    } finally {
      await pf?.close();
      try {
        conn.close();
      } catch { /* already closed by pipeTo */ }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      const p = serveOne(conn).finally(() => live.delete(p));
      live.add(p);
    }
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  const close = async () => {
    stop.abort(new KubeError(`forward 127.0.0.1:${port}: closed`));
    try {
      listener.close();
    } catch { /* closed already */ }
    await accepting;
    await Promise.all([...live]);
  };
  await Promise.resolve(); // an async function, so bad input rejects rather than throws
  return { port, close, [Symbol.asyncDispose]: close };
}
