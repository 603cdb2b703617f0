// Exec and attach against a scripted WebSocket server: the handshake (path, query, protocols,
// credentials), v5 and the v4 fallback, the status of the error channel, resize, stdin's end.

import assert from "node:assert/strict";
import { Api, ApiError, attachRequest, execRequest, KubeError } from "../../mod.ts";
import { ConfigMap, Pod } from "../../core/k8s/core/v1.ts";
import { testClient } from "./_client.ts";
import { wsServer } from "./_ws_server.ts";

const enc = new TextEncoder();
const frame = (ch: number, text: string) => new Uint8Array([ch, ...enc.encode(text)]);
const text = async (s: ReadableStream<Uint8Array>) => await new Response(s).text();

Deno.test("execRequest / attachRequest: path and query as kubectl sends them; bad input refused", () => {
  const s = { resource: Pod, namespace: "ns" };
  const req = execRequest(s, "p", ["sh", "-c", "echo hi"], { container: "app", stdin: true });
  assert.equal(req.method, "GET");
  assert.equal(req.path, "/api/v1/namespaces/ns/pods/p/exec");
  assert.equal(
    req.query.toString(),
    "container=app&stdin=true&stdout=true&stderr=true&tty=false&command=sh&command=-c&command=echo+hi",
  );
  const tty = attachRequest(s, "p", { stdin: true, tty: true });
  assert.equal(tty.path, "/api/v1/namespaces/ns/pods/p/attach");
  assert.equal(tty.query.toString(), "stdin=true&stdout=true&stderr=false&tty=true");
  assert.throws(() => execRequest(s, "p", []), /non-empty array of strings/);
  assert.throws(() => execRequest(s, "p", ["x"], { stdout: false, stderr: false }), /at least one/);
  assert.throws(
    () => execRequest(s, "p", ["x"], { tty: true, stderr: true }),
    /merged into stdout/,
  );
  assert.throws(
    () => execRequest({ resource: ConfigMap, namespace: "ns" }, "c", ["x"]),
    (e) => e instanceof KubeError && /subresource of pods/.test(e.message),
  );
});

Deno.test("exec over v5: credentials on the handshake, streams, NonZeroExitCode, stdin close signal", async () => {
  await using server = wsServer((o) => o[0], (ws, s) => {
    ws.send(frame(1, "out"));
    ws.send(frame(2, "err"));
    // Waits for stdin's close signal before ending, as a command reading to end of file does.
    const timer = setInterval(() => {
      // Not necessarily the last frame: empty stdin frames may follow (the nudge, _pods.ts).
      if (s.frames.some((f) => f.length === 2 && f[0] === 255 && f[1] === 0)) {
        clearInterval(timer);
        ws.send(frame(
          3,
          JSON.stringify({
            status: "Failure",
            reason: "NonZeroExitCode",
            details: { causes: [{ reason: "ExitCode", message: "7" }] },
          }),
        ));
        ws.close();
      }
    }, 5);
  });
  using client = testClient(server.url, { token: "secret" });
  const pods = Api.namespaced(client, Pod, "ns");
  await using p = await pods.exec("p", ["cat"], { stdin: true });
  assert.equal(p.protocol, "v5.channel.k8s.io");
  const w = p.stdin!.getWriter();
  await w.write(enc.encode("hello"));
  await w.close();
  const [out, err, status] = await Promise.all([text(p.stdout), text(p.stderr), p.status]);
  assert.deepEqual([out, err, status.exitCode], ["out", "err", 7]);
  const seen = server.seen[0];
  assert.deepEqual(seen.protocols, ["v5.channel.k8s.io", "v4.channel.k8s.io"]);
  assert.equal(seen.headers.get("authorization"), "Bearer secret");
  assert.equal(seen.url.pathname, "/api/v1/namespaces/ns/pods/p/exec");
  assert.deepEqual(seen.frames[0], frame(0, "hello"));
  const close = seen.frames.findIndex((f) => f.length === 2 && f[0] === 255 && f[1] === 0);
  assert.ok(close > 0, "the close signal after the data");
  for (const f of seen.frames.slice(close + 1)) {
    assert.deepEqual(f, new Uint8Array([0]), "only empty stdin frames after it");
  }
});

Deno.test("exec over v4: the fallback is visible, no close signal is sent, Success is exit 0", async () => {
  await using server = wsServer(
    (o) => o.includes("v4.channel.k8s.io") ? "v4.channel.k8s.io" : undefined,
    (ws) => {
      ws.send(frame(1, "done"));
      setTimeout(() => {
        ws.send(frame(3, '{"metadata":{},"status":"Success"}'));
        ws.close();
      }, 50);
    },
  );
  using client = testClient(server.url);
  await using p = await Api.namespaced(client, Pod, "ns").exec("p", ["x"], { stdin: true });
  assert.equal(p.protocol, "v4.channel.k8s.io");
  await p.stdin!.close();
  assert.equal(await text(p.stdout), "done");
  assert.equal((await p.status).exitCode, 0);
  assert.ok(server.seen[0].frames.every((f) => f[0] !== 255), "no v5 close signal on v4");
});

Deno.test("exec: another Status is an ApiError; a close without status a KubeError; resize frames", async () => {
  let n = 0;
  await using server = wsServer((o) => o[0], (ws) => {
    if (n++ === 0) {
      ws.send(
        frame(3, '{"status":"Failure","reason":"InternalError","code":500,"message":"boom"}'),
      );
      ws.close();
    } else {
      setTimeout(() => ws.close(), 100);
    }
  });
  using client = testClient(server.url);
  const pods = Api.namespaced(client, Pod, "ns");
  await using a = await pods.exec("p", ["x"]);
  await assert.rejects(
    a.status,
    (e) => e instanceof ApiError && e.code === 500 && /boom/.test(e.message),
  );
  await using b = await pods.attach("p", { stdin: true, tty: true });
  b.resize(100, 30);
  await assert.rejects(
    b.status,
    (e) => e instanceof KubeError && /closed .* before the server said/.test(e.message),
  );
  assert.deepEqual(
    server.seen[1].frames[0],
    new Uint8Array([4, ...enc.encode('{"Width":100,"Height":30}')]),
  );
  assert.throws(() => a.resize(1, 1), /needs a TTY/);
});

Deno.test("exec: a refused handshake gives the server's Status from a plain GET", async () => {
  await using server = wsServer((o) => o[0], () => {});
  using client = testClient(server.url);
  await assert.rejects(
    Api.namespaced(client, Pod, "ns").exec("absent", ["x"]),
    (e) => e instanceof ApiError && e.code === 404 && /pods "absent" not found/.test(e.message),
  );
});

Deno.test("exec: an abort before or during the handshake rejects with its reason, leaving nothing open", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  let arrived!: () => void;
  const arriving = new Promise<void>((r) => arrived = r);
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    async () => {
      arrived();
      await held;
      return new Response("gone", { status: 503 });
    },
  );
  try {
    using client = testClient(new URL(`http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`));
    const pods = Api.namespaced(client, Pod, "ns");
    await assert.rejects(
      pods.exec("p", ["x"], {}, { signal: AbortSignal.abort(new Error("early")) }),
      /early/,
    );
    const stop = new AbortController();
    const pending = pods.exec("p", ["x"], {}, { signal: stop.signal });
    await arriving;
    stop.abort(new Error("during the handshake"));
    await assert.rejects(pending, /during the handshake/);
    const slow = pods.exec("p", ["x"], {}, { timeoutMs: 50 });
    await assert.rejects(
      slow,
      (e) => e instanceof KubeError && /no WebSocket handshake within 50 ms/.test(e.message),
    );
  } finally {
    release();
    ac.abort();
    await server.finished;
  }
});

Deno.test("exec: output left unread beyond maxUnreadBytes ends the session with a KubeError; a reader that keeps up gets it all", async () => {
  const piece = new Uint8Array(64 * 1024 + 1).fill(120);
  piece[0] = 1; // stdout
  const PIECES = 48; // 3 MiB
  await using server = wsServer((o) => o[0], (ws) => {
    for (let i = 0; i < PIECES; i++) ws.send(piece);
    ws.send(frame(3, '{"metadata":{},"status":"Success"}'));
    ws.close();
  });
  using client = testClient(server.url);
  const pods = Api.namespaced(client, Pod, "ns");
  const max = 1024 * 1024;
  // Nobody reads: past 1 MiB unread the session ends, and says why.
  {
    await using p = await pods.exec("p", ["yes"], { maxUnreadBytes: max });
    await assert.rejects(p.status, (e) => {
      assert.ok(e instanceof KubeError, String(e));
      assert.match(e.message, /more than 1048576 bytes of stdout were left unread/);
      assert.match(e.message, /raise maxUnreadBytes/);
      return true;
    });
    await assert.rejects(text(p.stdout), /more than 1048576 bytes of stdout were left unread/);
  }
  // The same output read as it comes: all of it, and the exit status.
  {
    await using p = await pods.exec("p", ["yes"], { maxUnreadBytes: max });
    const [out, status] = await Promise.all([new Response(p.stdout).arrayBuffer(), p.status]);
    assert.equal(out.byteLength, PIECES * 64 * 1024);
    assert.equal(status.exitCode, 0);
  }
  await assert.rejects(pods.exec("p", ["yes"], { maxUnreadBytes: 0 }), RangeError);
});
