// The WebSocket channel framing and the exit status of the error channel (core/channel.ts).

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Channel,
  closeFrame,
  decodeFrame,
  encodeFrame,
  exitCodeOf,
  KubeError,
  resizeFrame,
} from "../../mod.ts";

Deno.test("channel frames: encode then decode gives the channel and the same bytes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array(), (channel, data) => {
      const frame = encodeFrame(channel, data);
      assert.equal(frame.length, data.length + 1);
      const back = decodeFrame(frame);
      assert.equal(back.channel, channel);
      assert.deepEqual(back.data, data);
    }),
  );
  assert.throws(() => encodeFrame(256, new Uint8Array()), RangeError);
  assert.throws(() => decodeFrame(new Uint8Array()), KubeError);
});

Deno.test("channel frames: resize and close", () => {
  const r = resizeFrame(120, 40);
  assert.equal(r[0], Channel.resize);
  assert.equal(new TextDecoder().decode(r.subarray(1)), '{"Width":120,"Height":40}');
  assert.throws(() => resizeFrame(-1, 2), /cols must be an integer/);
  assert.throws(() => resizeFrame(1, 70000), /rows must be an integer/);
  assert.deepEqual(closeFrame(Channel.stdin), new Uint8Array([255, 0]));
});

Deno.test("exitCodeOf: Success is 0, NonZeroExitCode its ExitCode cause, anything else no exit", () => {
  assert.equal(exitCodeOf('{"metadata":{},"status":"Success"}').exitCode, 0);
  const nonZero = {
    metadata: {},
    status: "Failure",
    message: "command terminated with non-zero exit code: exit status 3",
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: "3" }] },
  };
  const r = exitCodeOf(JSON.stringify(nonZero));
  assert.equal(r.exitCode, 3);
  assert.equal(r.status.reason, "NonZeroExitCode");
  // A NonZeroExitCode without a usable cause is not an exit code.
  assert.equal(
    exitCodeOf(
      JSON.stringify({ ...nonZero, details: { causes: [{ reason: "ExitCode", message: "x" }] } }),
    )
      .exitCode,
    undefined,
  );
  const internal = exitCodeOf(
    '{"status":"Failure","reason":"InternalError","code":500,"message":"boom"}',
  );
  assert.equal(internal.exitCode, undefined);
  assert.equal(internal.status.message, "boom");
  // Plain text (old servers) is kept as the message.
  const text = exitCodeOf("something broke");
  assert.equal(text.exitCode, undefined);
  assert.equal(text.status.message, "something broke");
});
