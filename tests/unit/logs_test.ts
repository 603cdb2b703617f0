// Pod logs: the request shape, the lines helper, errors and abort, against a scripted server.

import assert from "node:assert/strict";
import { Api, ApiError, isNotFound, KubeError, logLines, logRequest } from "../../mod.ts";
import { ConfigMap, Pod } from "../../core/k8s/core/v1.ts";
import { json, scriptedServer } from "./_scripted.ts";
import { testClient } from "./_client.ts";

const enc = new TextEncoder();

async function collect(chunks: Uint8Array[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of logLines(ReadableStream.from(chunks))) out.push(line);
  return out;
}

Deno.test("logLines: UTF-8 split across chunks, CRLF kept, last line without newline", async () => {
  const bytes = enc.encode("ä✓\r\n\nlast €");
  // Every split point, including inside the multi-byte characters.
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j++) {
      const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
      assert.deepEqual(await collect(chunks), ["ä✓\r", "", "last €"], `split ${i},${j}`);
    }
  }
});

Deno.test("logLines: a trailing newline gives no empty last line; empty stream no lines", async () => {
  assert.deepEqual(await collect([enc.encode("a\nb\n")]), ["a", "b"]);
  assert.deepEqual(await collect([]), []);
  assert.deepEqual(await collect([enc.encode("\n")]), [""]);
  // A cut character at the very end becomes U+FFFD rather than vanishing.
  assert.deepEqual(await collect([enc.encode("x€").subarray(0, 3)]), ["x\uFFFD"]);
});

Deno.test("logLines: leaving the loop early cancels the stream", async () => {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(enc.encode("line\n")),
    cancel: () => {
      cancelled = true;
    },
  });
  for await (const line of logLines(stream)) {
    assert.equal(line, "line");
    break;
  }
  assert.equal(cancelled, true);
});

Deno.test("logRequest: every option in the query, as the API names them", () => {
  const req = logRequest({ resource: Pod, namespace: "ns" }, "p", {
    container: "app",
    follow: true,
    previous: true,
    sinceTime: new Date("2026-01-02T03:04:05.678Z"),
    tailLines: 0,
    timestamps: true,
    limitBytes: 10,
    insecureSkipTLSVerifyBackend: true,
  });
  assert.equal(req.method, "GET");
  assert.equal(req.path, "/api/v1/namespaces/ns/pods/p/log");
  assert.deepEqual(Object.fromEntries(req.query), {
    container: "app",
    follow: "true",
    previous: "true",
    sinceTime: "2026-01-02T03:04:05Z",
    tailLines: "0",
    timestamps: "true",
    limitBytes: "10",
    insecureSkipTLSVerifyBackend: "true",
  });
  const since = logRequest({ resource: Pod, namespace: "ns" }, "p", { sinceSeconds: 60 });
  assert.deepEqual(Object.fromEntries(since.query), { sinceSeconds: "60" });
  assert.deepEqual(
    Object.fromEntries(logRequest({ resource: Pod, namespace: "n" }, "p").query),
    {},
  );
});

Deno.test("logRequest: bad options are refused with the field named", () => {
  const s = { resource: Pod, namespace: "ns" };
  assert.throws(() => logRequest(s, "p", { tailLines: -1 }), /tailLines must be an integer ≥ 0/);
  assert.throws(() => logRequest(s, "p", { sinceSeconds: 0 }), /sinceSeconds must be/);
  assert.throws(() => logRequest(s, "p", { limitBytes: 1.5 }), /limitBytes must be/);
  assert.throws(() => logRequest(s, "p", { sinceSeconds: 5, sinceTime: new Date() }), /not both/);
  assert.throws(() => logRequest(s, "p", { sinceTime: "yesterday" }), /RFC 3339/);
  assert.throws(() => logRequest(s, "", {}), /pod name/);
  assert.throws(
    () => logRequest({ resource: ConfigMap, namespace: "ns" }, "c"),
    (e) =>
      e instanceof KubeError && /subresource of pods; this Api is over configmaps/.test(e.message),
  );
});

Deno.test("pods.logs: sends the request and returns the body; a Status becomes an ApiError", async () => {
  await using server = scriptedServer((req) => {
    if (req.query.get("container") === "missing") {
      return json({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        code: 400,
        reason: "BadRequest",
        message: "container missing is not valid for pod p",
      }, 400);
    }
    if (req.path.endsWith("/gone/log")) {
      return json({ kind: "Status", status: "Failure", code: 404, reason: "NotFound" }, 404);
    }
    return new Response("one\ntwo ✓\n");
  });
  using client = testClient(server.url);
  const pods = Api.namespaced(client, Pod, "ns");
  assert.equal(await pods.logs("p", { container: "app", tailLines: 2 }), "one\ntwo ✓\n");
  assert.equal(server.requests[0].path, "/api/v1/namespaces/ns/pods/p/log");
  assert.equal(server.requests[0].query.toString(), "container=app&tailLines=2");
  await assert.rejects(
    pods.logs("p", { container: "missing" }),
    (e) => e instanceof ApiError && e.code === 400 && /not valid for pod p/.test(e.message),
  );
  await assert.rejects(pods.logs("gone"), (e) => isNotFound(e));
  await assert.rejects(pods.logs("p", { follow: true }), /follow needs logStream/);
  await assert.rejects(
    Api.all(client, Pod).logs("p"),
    /namespaced; an Api.all\(...\) can only list and watch/,
  );
});

Deno.test("pods.logStream: follows until the server ends, and an abort ends a pending read", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  await using server = scriptedServer((req) => {
    const follow = req.query.get("follow") === "true";
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(enc.encode("first\nsec"));
        if (follow) await held;
        c.enqueue(enc.encode("ond\nno newline"));
        c.close();
      },
    });
    return new Response(body);
  });
  using client = testClient(server.url);
  const pods = Api.namespaced(client, Pod, "ns");

  // The server ends the stream (the container ended): all lines, the last without a newline.
  const lines: string[] = [];
  const ended = await pods.logStream("p", { follow: true });
  setTimeout(release, 0);
  for await (const l of logLines(ended)) lines.push(l);
  assert.deepEqual(lines, ["first", "second", "no newline"]);

  // An abort while the server holds the stream open ends the read with the signal's reason.
  const ac = new AbortController();
  const open = new ReadableStream<Uint8Array>({ start: () => {} });
  let hold!: () => void;
  const holding = new Promise<void>((r) => hold = r);
  await using server2 = scriptedServer(() => {
    hold();
    return new Response(open);
  });
  using client2 = testClient(server2.url);
  const stream = await Api.namespaced(client2, Pod, "ns").logStream("p", { follow: true }, {
    signal: ac.signal,
  });
  await holding;
  const reader = stream.getReader();
  const pending = reader.read();
  ac.abort(new KubeError("stop"));
  await assert.rejects(pending, /stop/);
  reader.releaseLock();
});

Deno.test("pods.logStream: a followed log waits for its headers past the client's timeout (a quiet container)", async () => {
  // A kubelet sends the headers of a followed log with its first line; until then there is no
  // answer. Only the caller's own timeoutMs (or signal) may end that wait.
  let answer!: () => void;
  const answered = new Promise<void>((r) => answer = r);
  await using server = scriptedServer(async () => {
    await answered;
    return new Response("late line\n");
  });
  using client = testClient(server.url, { timeoutMs: 50, retry: { maxRetries: 0 } });
  const pods = Api.namespaced(client, Pod, "ns");
  // Not followed: the client's 50 ms timeout applies.
  await assert.rejects(
    pods.logStream("p"),
    (e) => e instanceof KubeError && /no answer/.test(e.message),
  );
  // Followed: still waiting well past it, then the line arrives.
  const followed = pods.logStream("p", { follow: true });
  let settled = false;
  followed.then(() => settled = true, () => settled = true);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(settled, false);
  answer();
  const lines: string[] = [];
  for await (const l of logLines(await followed)) lines.push(l);
  assert.deepEqual(lines, ["late line"]);
});
