/**
 * The Kubernetes WebSocket channel protocols (`v4.channel.k8s.io`, `v5.channel.k8s.io`) as pure
 * framing: every binary message is one byte of channel number followed by the data. Exec and
 * attach use channels 0 (stdin), 1 (stdout), 2 (stderr), 3 (error: a `Status` as JSON), 4
 * (resize: `{"Width":w,"Height":h}`); `v5` adds the close signal, channel 255 with the number
 * of the channel to close. No I/O.
 *
 * @module
 */

import { KubeError, type Status } from "./error.ts";

/**
 * The channel numbers of exec and attach.
 *
 * @example
 * ```ts
 * import { Channel } from "@kubeno/kube";
 * Channel.stderr; // 2
 * ```
 */
export const Channel: Readonly<{
  stdin: 0;
  stdout: 1;
  stderr: 2;
  error: 3;
  resize: 4;
  /** v5 only: `[255, n]` closes channel `n` (stdin's end of file). */
  close: 255;
}> = Object.freeze({ stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 });

/**
 * The protocol that adds the close signal (Kubernetes 1.30+), offered first.
 *
 * @example
 * ```ts
 * import { CHANNEL_V5 } from "@kubeno/kube";
 * CHANNEL_V5; // "v5.channel.k8s.io"
 * ```
 */
export const CHANNEL_V5 = "v5.channel.k8s.io";
/**
 * The protocol before v5, without the close signal; also the one port-forward over WebSocket
 * speaks.
 *
 * @example
 * ```ts
 * import { CHANNEL_V4 } from "@kubeno/kube";
 * CHANNEL_V4; // "v4.channel.k8s.io"
 * ```
 */
export const CHANNEL_V4 = "v4.channel.k8s.io";

/**
 * One message: channel number, then the data.
 *
 * @example
 * ```ts
 * import { encodeFrame } from "@kubeno/kube";
 * encodeFrame(0, new Uint8Array([104, 105])); // Uint8Array [0, 104, 105]
 * ```
 */
export function encodeFrame(channel: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(channel) || channel < 0 || channel > 255) {
    throw new RangeError(`a channel number is one byte (0-255), got ${channel}`);
  }
  const out = new Uint8Array(data.length + 1);
  out[0] = channel;
  out.set(data, 1);
  return out;
}

/**
 * Splits a message into its channel and data (a view, not a copy). An empty message is refused.
 *
 * @example
 * ```ts
 * import { decodeFrame } from "@kubeno/kube";
 * const { channel, data } = decodeFrame(new Uint8Array([1, 104, 105]));
 * channel; // 1
 * ```
 */
export function decodeFrame(message: Uint8Array): { channel: number; data: Uint8Array } {
  if (message.length === 0) {
    throw new KubeError("an empty WebSocket message: each one starts with its channel number");
  }
  return { channel: message[0], data: message.subarray(1) };
}

/**
 * The message that resizes a TTY.
 *
 * @example
 * ```ts
 * import { resizeFrame } from "@kubeno/kube";
 * new TextDecoder().decode(resizeFrame(80, 24).subarray(1)); // '{"Width":80,"Height":24}'
 * ```
 */
export function resizeFrame(cols: number, rows: number): Uint8Array<ArrayBuffer> {
  for (const [name, v] of [["cols", cols], ["rows", rows]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
      throw new RangeError(`resize: ${name} must be an integer 0-65535, got ${v}`);
    }
  }
  return encodeFrame(
    Channel.resize,
    new TextEncoder().encode(JSON.stringify({ Width: cols, Height: rows })),
  );
}

/**
 * The `v5` message that closes a channel (stdin: the command reads end of file).
 *
 * @example
 * ```ts
 * import { closeFrame } from "@kubeno/kube";
 * closeFrame(0); // Uint8Array [255, 0]
 * ```
 */
export function closeFrame(channel: number): Uint8Array<ArrayBuffer> {
  return encodeFrame(Channel.close, new Uint8Array([channel]));
}

/**
 * What the error channel says about how a command ended: `Success` → exit code 0,
 * `NonZeroExitCode` → the code in its `ExitCode` cause; any other Status (or a text that is not
 * a Status) is not an exit and gives `undefined` with the Status to report.
 *
 * @example
 * ```ts
 * import { exitCodeOf } from "@kubeno/kube";
 * exitCodeOf('{"metadata":{},"status":"Success"}').exitCode; // 0
 * exitCodeOf(JSON.stringify({
 *   status: "Failure", reason: "NonZeroExitCode",
 *   details: { causes: [{ reason: "ExitCode", message: "3" }] },
 * })).exitCode; // 3
 * ```
 */
export function exitCodeOf(text: string): { exitCode: number | undefined; status: Status } {
  let status: Status;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) throw new TypeError("not an object");
    status = parsed as Status;
  } catch {
    // Old servers wrote plain text on the error channel.
    status = { kind: "Status", status: "Failure", reason: "InternalError", message: text };
  }
  if (status.status === "Success") return { exitCode: 0, status };
  if (status.reason === "NonZeroExitCode") {
    const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
    const code = Number(cause?.message);
    if (cause && Number.isInteger(code)) return { exitCode: code, status };
  }
  return { exitCode: undefined, status };
}
