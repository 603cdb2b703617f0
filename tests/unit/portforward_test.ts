// Port-forward over v4.channel.k8s.io against a scripted WebSocket server: the request, the
// port prefix of each channel (also when split across messages), data both ways, the error
// channel as a PortForwardError, and forward()'s local listener.

import assert from "node:assert/strict";
import { Api, PortForwardError, portForwardRequest } from "../../mod.ts";
import { Pod } from "../../core/k8s/core/v1.ts";
import { testClient } from "./_client.ts";
import { wsServer } from "./_ws_server.ts";

const enc = new TextEncoder();

Deno.test("portForwardRequest: ports in the query; bad ports refused", () => {
  const s = { resource: Pod, namespace: "ns" };
  const req = portForwardRequest(s, "p", [80, 443]);
  assert.equal(req.path, "/api/v1/namespaces/ns/pods/p/portforward");
  assert.equal(req.query.toString(), "ports=80&ports=443");
  assert.throws(() => portForwardRequest(s, "p", []), /at least one port/);
  assert.throws(() => portForwardRequest(s, "p", [0]), /1-65535/);
  assert.throws(() => portForwardRequest(s, "p", [80, 80]), /each port once/);
});

Deno.test("portForward: the port prefix is skipped even when split, data flows both ways, errors are typed", async () => {
  await using server = wsServer(
    (o) => o.includes("v4.channel.k8s.io") ? "v4.channel.k8s.io" : undefined,
    (ws, seen) => {
      // Port 80 (index 0): prefix 0x50 0x00 split across two messages, then data.
      ws.send(new Uint8Array([0, 0x50]));
      ws.send(new Uint8Array([0, 0x00, ...enc.encode("hel")]));
      ws.send(new Uint8Array([0, ...enc.encode("lo")]));
      ws.send(new Uint8Array([1, 0x50, 0x00]));
      // Port 443 (index 1): its prefix, then a failure on its error channel.
      ws.send(new Uint8Array([2, 0xbb, 0x01]));
      ws.send(new Uint8Array([3, 0xbb, 0x01, ...enc.encode("connection refused")]));
      const timer = setInterval(() => {
        if (seen.frames.length > 0) {
          clearInterval(timer);
          ws.close();
        }
      }, 5);
    },
  );
  using client = testClient(server.url);
  await using pf = await Api.namespaced(client, Pod, "ns").portForward("p", [80, 443]);
  assert.deepEqual(pf.ports, [80, 443]);
  const w = pf.stream(80).writable.getWriter();
  await w.write(enc.encode("ping"));
  w.releaseLock();
  assert.equal(await new Response(pf.stream(80).readable).text(), "hello");
  await assert.rejects(
    new Response(pf.stream(443).readable).text(),
    (e) => e instanceof PortForwardError && e.port === 443 && /connection refused/.test(e.message),
  );
  assert.deepEqual(server.seen[0].frames[0], new Uint8Array([0, ...enc.encode("ping")]));
  assert.deepEqual(server.seen[0].protocols, ["v4.channel.k8s.io"]);
  assert.throws(() => pf.stream(22), /port 22 was not asked for/);
});

Deno.test("forward: a local connection reaches the pod port; close ends the listener", async () => {
  await using server = wsServer((o) => o[0], (ws) => {
    ws.send(new Uint8Array([0, 0x1f, 0x90]));
    ws.onmessage = (e) => {
      const f = new Uint8Array(e.data as ArrayBuffer);
      ws.send(f); // echo on the data channel
    };
  });
  using client = testClient(server.url);
  const fwd = await Api.namespaced(client, Pod, "ns").forward("p", 0, 8080);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: fwd.port });
  await conn.write(enc.encode("echo me"));
  const buf = new Uint8Array(64);
  const n = await conn.read(buf);
  assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), "echo me");
  conn.close();
  await fwd.close();
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: fwd.port }));
  assert.equal(server.seen[0].url.searchParams.get("ports"), "8080");
});

Deno.test("forward without --allow-net=127.0.0.1 says which flag to add", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const script = `
    import { Api } from "${root}mod.ts";
    import { Pod } from "${root}core/k8s/core/v1.ts";
    import { testClient } from "${root}tests/unit/_client.ts";
    using client = testClient(new URL("http://192.0.2.1:9"));
    try {
      await Api.namespaced(client, Pod, "ns").forward("p", 0, 80);
      console.log("listened");
    } catch (e) {
      console.log(e.name + ": " + e.message);
    }
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-lock", "--allow-net=192.0.2.1:9", "-"],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(enc.encode(script));
  await w.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(text, /PermissionError: .*--allow-net=127\.0\.0\.1/);
});

Deno.test("portForward: data left unread beyond maxUnreadBytes ends the forwarding with a PortForwardError on that port", async () => {
  const piece = new Uint8Array(64 * 1024 + 1).fill(7);
  piece[0] = 0; // port index 0's data channel
  await using server = wsServer((o) => o[0], (ws) => {
    ws.send(new Uint8Array([0, 0x50, 0x00]));
    ws.send(new Uint8Array([2, 0xbb, 0x01]));
    for (let i = 0; i < 40; i++) ws.send(piece); // 2.5 MiB on port 80, nobody reads
  });
  using client = testClient(server.url);
  const pods = Api.namespaced(client, Pod, "ns");
  await using pf = await pods.portForward("p", [80, 443], { maxUnreadBytes: 1024 * 1024 });
  // Nobody reads while it arrives (a reader that keeps up would get it all).
  await new Promise((r) => setTimeout(r, 300));
  await assert.rejects(
    new Response(pf.stream(80).readable).arrayBuffer(),
    (e) =>
      e instanceof PortForwardError && e.port === 80 &&
      /more than 1048576 bytes from the pod were left unread/.test(e.message),
  );
  // The other port ends too (v4 cannot end one port), without an error of its own.
  assert.equal((await new Response(pf.stream(443).readable).arrayBuffer()).byteLength, 0);
  await assert.rejects(pods.portForward("p", [80], { maxUnreadBytes: -1 }), RangeError);
});
