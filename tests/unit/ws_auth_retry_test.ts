// A 401 on the WebSocket handshake (exec, attach, port-forward) with a credential that can be
// renewed: the exec plugin (a real process, counted by its log) runs once more and the
// handshake is tried once more, as a request is after a 401. Against a scripted server that
// refuses the first token.

import assert from "node:assert/strict";
import { Api, ApiError, Client, configFromKubeconfig, isUnauthorized } from "../../mod.ts";
import { Pod } from "../../core/k8s/core/v1.ts";
import { execStanza, kubeconfigYaml, RecordingPlugin } from "./_auth_plugin.ts";

const ROOT = Deno.makeTempDirSync({ prefix: "kubeno-ws-auth-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));
const enc = new TextEncoder();

interface Handshake {
  authorization: string | null;
  upgrade: boolean;
}

/**
 * An apiserver stand-in: an upgrade with an accepted token gets an exec that prints "hi" and
 * exits 0 (or a port-forward that sends "pong"); any other token a 401 Status.
 */
function server(accept: (auth: string | null) => boolean) {
  const seen: Handshake[] = [];
  const ac = new AbortController();
  const srv = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    (req) => {
      const authorization = req.headers.get("authorization");
      const upgrade = req.headers.get("upgrade") === "websocket";
      seen.push({ authorization, upgrade });
      if (!accept(authorization) || !upgrade) {
        return Response.json({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          code: accept(authorization) ? 400 : 401,
          reason: accept(authorization) ? "BadRequest" : "Unauthorized",
          message: accept(authorization) ? "Upgrade request required" : "Unauthorized",
        }, { status: accept(authorization) ? 400 : 401 });
      }
      const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(/,\s*/);
      const portForward = new URL(req.url).pathname.endsWith("/portforward");
      const { socket, response } = Deno.upgradeWebSocket(req, { protocol: offered[0] });
      socket.binaryType = "arraybuffer";
      socket.onopen = () => {
        if (portForward) {
          socket.send(new Uint8Array([0, 0x50, 0x00]));
          socket.send(new Uint8Array([1, 0x50, 0x00]));
          socket.send(new Uint8Array([0, ...enc.encode("pong")]));
          setTimeout(() => socket.close(), 50);
          return;
        }
        socket.send(new Uint8Array([1, ...enc.encode("hi")]));
        socket.send(new Uint8Array([3, ...enc.encode(JSON.stringify({ status: "Success" }))]));
        socket.close();
      };
      return response;
    },
  );
  return {
    url: `http://127.0.0.1:${(srv.addr as Deno.NetAddr).port}`,
    seen,
    async [Symbol.asyncDispose]() {
      ac.abort();
      await srv.finished;
    },
  };
}

async function clientWith(url: string, user: Record<string, unknown>): Promise<Client> {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const path = `${dir}/kubeconfig`;
  await Deno.writeTextFile(path, kubeconfigYaml({ server: url, user }));
  return new Client(await configFromKubeconfig({ path }), { retry: { maxRetries: 0 } });
}

async function pluginIn(): Promise<RecordingPlugin> {
  return new RecordingPlugin(await Deno.makeTempDir({ dir: ROOT }));
}

Deno.test("ws 401: exec re-runs the exec plugin once and retries the handshake once", async () => {
  const plugin = await pluginIn();
  await using api = server((a) => a === "Bearer tok-2");
  using client = await clientWith(api.url, { exec: execStanza(plugin) });
  const pods = Api.namespaced(client, Pod, "ns");
  await using p = await pods.exec("p", ["echo", "hi"]);
  assert.equal(await new Response(p.stdout).text(), "hi");
  assert.deepEqual(await p.status, { exitCode: 0, status: { status: "Success" } });
  assert.equal(plugin.runs().length, 2);
  // Two handshakes, no plain GET in between (it would have renewed the token itself).
  assert.deepEqual(api.seen, [
    { authorization: "Bearer tok-1", upgrade: true },
    { authorization: "Bearer tok-2", upgrade: true },
  ]);
  // The renewed token serves the next stream without another run.
  await using again = await pods.exec("p", ["echo", "hi"]);
  assert.equal(await new Response(again.stdout).text(), "hi");
  assert.equal(plugin.runs().length, 2);
  assert.equal(api.seen.length, 3);
});

Deno.test("ws 401: refused again, the 401 is the error after exactly one re-run and one retry", async () => {
  const plugin = await pluginIn();
  await using api = server(() => false);
  using client = await clientWith(api.url, { exec: execStanza(plugin) });
  const err = await Api.namespaced(client, Pod, "ns").exec("p", ["true"]).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(err instanceof ApiError && isUnauthorized(err), String(err));
  assert.equal(err.code, 401);
  assert.match(err.message, /WebSocket handshake with http:\/\/127\.0\.0\.1:\d+ was refused/);
  assert.doesNotMatch(err.message, /tok-/);
  assert.equal(plugin.runs().length, 2);
  assert.deepEqual(api.seen.map((s) => s.authorization), ["Bearer tok-1", "Bearer tok-2"]);
  assert.ok(api.seen.every((s) => s.upgrade));
});

Deno.test("ws 401: attach and port-forward retry alike", async () => {
  const plugin = await pluginIn();
  await using api = server((a) => a === "Bearer tok-2");
  using client = await clientWith(api.url, { exec: execStanza(plugin) });
  const pods = Api.namespaced(client, Pod, "ns");
  await using pf = await pods.portForward("p", [80]);
  assert.equal(await new Response(pf.stream(80).readable).text(), "pong");
  assert.equal(plugin.runs().length, 2);
  await using a = await pods.attach("p");
  assert.equal(await new Response(a.stdout).text(), "hi");
  assert.equal(plugin.runs().length, 2);
  assert.deepEqual(api.seen.map((s) => s.authorization), [
    "Bearer tok-1",
    "Bearer tok-2",
    "Bearer tok-2",
  ]);
});

Deno.test("ws 401: a static token cannot be renewed, so there is one handshake and the 401", async () => {
  await using api = server(() => false);
  using client = await clientWith(api.url, { token: "fixed-secret" });
  const err = await Api.namespaced(client, Pod, "ns").exec("p", ["true"]).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(isUnauthorized(err), String(err));
  assert.doesNotMatch(String(err), /fixed-secret/);
  assert.equal(api.seen.length, 1);
});

Deno.test("ws 401: Client.webSocket rejects with the 401 and the next call has a fresh token", async () => {
  const plugin = await pluginIn();
  await using api = server((a) => a === "Bearer tok-2");
  using client = await clientWith(api.url, { exec: execStanza(plugin) });
  const req = {
    method: "GET" as const,
    path: "/api/v1/namespaces/ns/pods/p/exec",
    query: new URLSearchParams([["command", "x"], ["stdout", "true"]]),
    headers: {},
  };
  const first = await client.webSocket(req, ["v5.channel.k8s.io"]);
  await assert.rejects(first.opened, (e) => isUnauthorized(e));
  assert.equal(first.socket.readyState, WebSocket.CLOSED);
  assert.equal(plugin.runs().length, 1);
  const second = await client.webSocket(req, ["v5.channel.k8s.io"]);
  const closed = new Promise((r) => second.socket.addEventListener("close", r));
  await second.opened;
  assert.equal(plugin.runs().length, 2);
  second.socket.close();
  await closed;
});
