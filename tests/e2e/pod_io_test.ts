// Pod I/O through the real kube-apiserver to the test nodes (node-streams), with kubectl of the
// same release as the oracle on the same pod: logs, exec, attach, port-forward, eviction, and
// an apiserver restart mid-stream.

import assert from "node:assert/strict";
import {
  Api,
  ApiError,
  Client,
  Config,
  ConnectionError,
  isTooManyRequests,
  KubeError,
  logLines,
  PortForwardError,
} from "../../mod.ts";
import { Pod } from "../../core/k8s/core/v1.ts";
import { requireCluster } from "./_cluster.ts";
import {
  containerLogPath,
  cri,
  criTime,
  kubectl,
  kubectlOk,
  KubectlProcess,
  mapPodPort,
  runPod,
  sha256,
  until,
  withKubectlNamespace,
} from "./nodes_kit.ts";

if (requireCluster()) {
  Deno.test("e2e pod io: logs equal kubectl's bytes: plain, tail, since, timestamps, limit", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-logs", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      const now = Date.now();
      const old = criTime(new Date(now - 3600_000));
      const recent = criTime(new Date(now - 5_000));
      Deno.writeTextFileSync(
        containerLogPath(ns, "p", "app"),
        cri(old, "stdout", "F", "an hour ago") +
          cri(recent, "stdout", "P", "joined ütf-8 ✓ ") +
          cri(recent, "stdout", "F", "line") +
          cri(recent, "stderr", "F", "to stderr") +
          cri(recent, "stdout", "P", "no newline at the end"),
      );
      const cases: [string[], Parameters<typeof pods.logs>[1]][] = [
        [[], {}],
        [["-c", "app"], { container: "app" }],
        [["--tail=2"], { tailLines: 2 }],
        [["--tail=0"], { tailLines: 0 }],
        [["--since=10m"], { sinceSeconds: 600 }],
        [[`--since-time=${new Date(now - 60_000).toISOString()}`], {
          sinceTime: new Date(now - 60_000),
        }],
        [["--timestamps"], { timestamps: true }],
        [["--limit-bytes=7"], { limitBytes: 7 }],
      ];
      for (const [args, lp] of cases) {
        const want = await kubectl(["logs", "-n", ns, "p", ...args]);
        assert.equal(want.code, 0, want.stderr);
        const got = await pods.logs("p", lp);
        assert.deepEqual(new TextEncoder().encode(got), want.stdout, `kubectl logs ${args}`);
        // The stream gives the same bytes.
        const bytes = new Uint8Array(
          await new Response(await pods.logStream("p", lp)).arrayBuffer(),
        );
        assert.deepEqual(bytes, want.stdout, `logStream ${args}`);
      }
      // Errors are the server's Status, as kubectl shows it.
      const missing = await kubectl(["logs", "-n", ns, "p", "-c", "nope"]);
      assert.notEqual(missing.code, 0);
      await assert.rejects(pods.logs("p", { container: "nope" }), (e) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 400);
        assert.ok(missing.stderr.includes(e.status.message!), missing.stderr);
        return true;
      });
      await assert.rejects(pods.logs("absent"), (e) => e instanceof ApiError && e.code === 404);
      await assert.rejects(
        pods.logs("p", { previous: true }),
        (e) => e instanceof ApiError && e.code >= 400,
      );
    });
  });

  Deno.test("e2e pod io: a followed log streams appended lines, and ends on abort", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-follow", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      const path = containerLogPath(ns, "p", "app");
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "before"));
      const ac = new AbortController();
      const stream = await pods.logStream("p", { follow: true }, { signal: ac.signal });
      const lines: string[] = [];
      const reading = (async () => {
        for await (const l of logLines(stream)) lines.push(l);
      })();
      await until("the existing line", () => Promise.resolve(lines.length >= 1 || undefined));
      for (const text of ["after 1", "after ✓ 2"]) {
        Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", text), {
          append: true,
        });
      }
      await until("the appended lines", () => Promise.resolve(lines.length >= 3 || undefined));
      assert.deepEqual(lines, ["before", "after 1", "after ✓ 2"]);
      // kubectl's bytes for the same log are those lines.
      assert.equal(await kubectlOk(["logs", "-n", ns, "p"]), lines.join("\n") + "\n");
      ac.abort(new Error("enough"));
      await assert.rejects(reading, /enough/);
    });
  });
}

/** Reads a stream whole. */
async function bytesOf(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

if (requireCluster()) {
  Deno.test("e2e pod io: exec stdout, stderr and exit code equal kubectl's", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-exec", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      const commands = [
        ["sh", "-c", "echo $((6*7)); echo err >&2; exit 3"],
        ["sh", "-c", "echo ok"],
        ["sh", "-c", "exit 0"],
        ["sh", "-c", "printf '\\000\\001\\377\\376binary'; exit 255"],
        ["sh", "-c", "head -c 10000000 /dev/zero | tr '\\0' 'x'; echo done >&2"],
      ];
      for (const command of commands) {
        const want = await kubectl(["exec", "-n", ns, "p", "--", ...command]);
        await using p = await pods.exec("p", command);
        assert.equal(p.protocol, "v5.channel.k8s.io");
        const [stdout, stderr, status] = await Promise.all([
          bytesOf(p.stdout),
          bytesOf(p.stderr),
          p.status,
        ]);
        assert.equal(status.exitCode, want.code, `exit code of ${command}`);
        assert.equal(await sha256(stdout), await sha256(want.stdout), `stdout of ${command}`);
        // kubectl adds its own line for a non-zero exit; the command's stderr comes before it.
        const wantStderr = want.stderr.replace(/command terminated with exit code \d+\n$/, "");
        assert.equal(new TextDecoder().decode(stderr), wantStderr, `stderr of ${command}`);
      }
    });
  });

  Deno.test("e2e pod io: exec stdin of 10 MB arrives whole (same SHA-256), and its end reaches the command", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-stdin", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      const input = new Uint8Array(10 * 1024 * 1024);
      for (let i = 0; i < input.length; i += 65536) {
        crypto.getRandomValues(input.subarray(i, i + 65536));
      }
      // Ten times: over HTTP/2 about 3% of these stalled for good (the last frames never reached
      // the command), which is why WebSockets go over HTTP/1.1 (Client, #streams). A stall fails
      // at the bound instead of hanging the suite.
      for (let i = 0; i < 10; i++) {
        const signal = AbortSignal.timeout(20_000);
        await using p = await pods.exec("p", ["sha256sum"], { stdin: true }, { signal });
        const writing = (async () => {
          const w = p.stdin!.getWriter();
          await w.write(input);
          await w.close();
        })();
        const [out, status] = await Promise.all([bytesOf(p.stdout), p.status, writing]);
        assert.equal(status.exitCode, 0);
        assert.equal(new TextDecoder().decode(out).split(" ")[0], await sha256(input), `run ${i}`);
      }
    });
  });

  Deno.test("e2e pod io: exec errors: no such pod, no such container, abort", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-execerr", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      await assert.rejects(
        pods.exec("absent", ["true"]),
        (e) => e instanceof ApiError && e.code === 404,
      );
      await assert.rejects(
        pods.exec("p", ["true"], { container: "nope" }),
        (e) => e instanceof ApiError && e.code === 400,
      );
      // An abort mid-command ends the streams and the status with its reason, and closes the socket.
      const ac = new AbortController();
      const p = await pods.exec("p", ["sh", "-c", "echo started; sleep 60"], {}, {
        signal: ac.signal,
      });
      const reader = p.stdout.getReader();
      const first = await reader.read();
      assert.equal(new TextDecoder().decode(first.value), "started\n");
      ac.abort(new Error("stop"));
      await assert.rejects(p.status, /stop/);
      await assert.rejects(reader.read(), /stop/);
      await p.close();
    });
  });

  Deno.test("e2e pod io: attach sees lines appended to the container's output", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-attach", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      const path = containerLogPath(ns, "p", "app");
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "before"));
      await using p = await pods.attach("p");
      const lines: string[] = [];
      const reading = (async () => {
        for await (const l of logLines(p.stdout)) lines.push(l);
      })();
      // Appended until seen: attaching follows from the file's end at some moment after the open.
      await until("an appended line through attach", async () => {
        Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "after"), {
          append: true,
        });
        await new Promise((r) => setTimeout(r, 200));
        return lines.includes("after") || undefined;
      });
      assert.ok(!lines.includes("before"), lines.join("|"));
      await p.close();
      await reading;
    });
  });
}

/** A TCP echo server on 127.0.0.1:0; closing it ends its connections. */
function echoServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.TcpConn>();
  const serving = (async () => {
    const done: Promise<void>[] = [];
    for await (const c of listener) {
      conns.add(c);
      done.push(c.readable.pipeTo(c.writable).catch(() => {}).finally(() => conns.delete(c)));
    }
    await Promise.all(done);
  })().catch(() => {});
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serving;
    },
  };
}

/** Deterministic pseudo-random bytes (fast; crypto.getRandomValues caps at 64 KiB a call). */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes `input` and reads until as many bytes came back. */
async function echoThrough(
  readable: ReadableStream<Uint8Array>,
  writable: WritableStream<Uint8Array>,
  input: Uint8Array,
): Promise<Uint8Array> {
  const w = writable.getWriter();
  const writing = w.write(input).then(() => w.releaseLock());
  const out = new Uint8Array(input.length);
  let got = 0;
  const reader = readable.getReader();
  while (got < input.length) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, got);
    got += value.length;
  }
  reader.releaseLock();
  await writing;
  assert.equal(got, input.length, "bytes echoed back");
  return out;
}

if (requireCluster()) {
  Deno.test("e2e pod io: port-forward echoes 100 MB unchanged (same SHA-256), and an unmapped port is a PortForwardError", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-pf", async (ns) => {
      await runPod(ns, "p");
      await using echo = echoServer();
      mapPodPort(ns, "p", 7000, echo.address);
      const pods = Api.namespaced(client, Pod, ns);
      const input = bytes(100 * 1024 * 1024, 7);
      {
        await using pf = await pods.portForward("p", [7000]);
        const s = pf.stream(7000);
        const out = await echoThrough(s.readable, s.writable, input);
        assert.equal(await sha256(out), await sha256(input));
      }
      await using bad = await pods.portForward("p", [7001]);
      const r = bad.stream(7001).readable.getReader();
      const w = bad.stream(7001).writable.getWriter();
      await w.write(new TextEncoder().encode("x")).catch(() => {});
      await assert.rejects(
        (async () => {
          while (!(await r.read()).done) { /* until the error */ }
        })(),
        (e) => e instanceof PortForwardError && e.port === 7001 && /ports\/7001/.test(e.message),
      );
    });
  });

  Deno.test("e2e pod io: forward(0, port) serves 20 concurrent connections, each echoed unchanged", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-fwd", async (ns) => {
      await runPod(ns, "p");
      await using echo = echoServer();
      mapPodPort(ns, "p", 7000, echo.address);
      const pods = Api.namespaced(client, Pod, ns);
      await using fwd = await pods.forward("p", 0, 7000);
      assert.ok(fwd.port > 0);
      const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: fwd.port });
        try {
          const input = bytes(256 * 1024 + i, i + 1);
          const out = await echoThrough(conn.readable, conn.writable, input);
          return (await sha256(out)) === (await sha256(input));
        } finally {
          conn.close();
        }
      }));
      assert.deepEqual(results, Array(20).fill(true));
    });
  });
}

if (requireCluster()) {
  Deno.test("e2e pod io: evict is refused with a typed 429 while a PodDisruptionBudget forbids it, then evicts", async () => {
    using client = new Client(await Config.infer(), { retry: { maxRetries: 0 } });
    await withKubectlNamespace("podio-evict", async (ns) => {
      await runPod(ns, "p");
      await kubectlOk(["label", "-n", ns, "pod/p", "app=guarded"]);
      const pdb = {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "keep", namespace: ns },
        spec: { minAvailable: 1, selector: { matchLabels: { app: "guarded" } } },
      };
      await kubectlOk(["create", "-f", "-"], { stdin: JSON.stringify(pdb) });
      const pods = Api.namespaced(client, Pod, ns);
      // Once the disruption controller has counted the pod, the budget allows no disruption.
      await until("the budget to be observed", async () => {
        const status = JSON.parse(await kubectlOk(["get", "-n", ns, "pdb/keep", "-o", "json"]))
          .status;
        return status?.observedGeneration === 1 && status.currentHealthy === 1 || undefined;
      });
      await assert.rejects(pods.evict("p"), (e) => {
        assert.ok(isTooManyRequests(e), String(e));
        assert.ok(e instanceof ApiError && /disruption budget/.test(e.message), String(e));
        return true;
      });
      assert.equal((await pods.get("p")).metadata.deletionTimestamp, undefined);
      // A dry run of a permitted eviction leaves the pod; the real one deletes it.
      await kubectlOk(["delete", "-n", ns, "pdb/keep"]);
      const dry = await pods.evict("p", { dryRun: true });
      assert.equal(dry.status, "Success");
      assert.equal((await pods.get("p")).metadata.deletionTimestamp, undefined);
      assert.equal((await pods.evict("p")).status, "Success");
      await until("the pod to be deleted", async () => {
        const got = await pods.getOpt("p");
        return got === undefined || got.metadata.deletionTimestamp !== undefined || undefined;
      });
    });
  });
}

if (requireCluster()) {
  // Last in the file: it restarts this cluster's kube-apiserver (etcd and the nodes stay).
  Deno.test("e2e pod io: an apiserver restart mid-stream ends a follow and an exec with clear errors", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-restart", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      Deno.writeTextFileSync(
        containerLogPath(ns, "p", "app"),
        cri(criTime(new Date()), "stdout", "F", "line"),
      );
      const bound = AbortSignal.timeout(120_000); // a hang fails the test instead of stalling it
      const stream = await pods.logStream("p", { follow: true }, { signal: bound });
      await using p = await pods.exec("p", ["sleep", "100"], {}, { signal: bound });
      const lines: string[] = [];
      const follow = (async () => {
        for await (const l of logLines(stream)) lines.push(l);
      })().then(() => "ended", (e) => e);
      const status = p.status.then(() => "exited", (e) => e);
      await until("the follow's first line", () => Promise.resolve(lines.length > 0 || undefined));
      const restart = await new Deno.Command(Deno.execPath(), {
        args: ["task", "-q", "cluster", "restart"],
        cwd: new URL("../../", import.meta.url).pathname,
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(restart.code, 0, new TextDecoder().decode(restart.stderr));
      const followEnd = await follow;
      assert.ok(followEnd instanceof ConnectionError, String(followEnd));
      assert.match(followEnd.message, /pods\/p\/log: the stream from .* broke off/);
      const execEnd = await status;
      assert.ok(execEnd instanceof KubeError, String(execEnd));
      assert.match(
        execEnd.message,
        /pods\/p\/exec: the connection was lost before the server said/,
      );
      assert.ok(!bound.aborted, "ended by the restart, not by the bound");
    });
  });

  Deno.test("e2e pod io: deleting the pod ends a follow, an attach and an exec, as for kubectl", async () => {
    using client = await Client.tryDefault();
    await withKubectlNamespace("podio-delete", async (ns) => {
      await runPod(ns, "p");
      const pods = Api.namespaced(client, Pod, ns);
      const path = containerLogPath(ns, "p", "app");
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "line"));
      const bound = AbortSignal.timeout(60_000); // a hang fails the test instead of stalling it
      const stream = await pods.logStream("p", { follow: true }, { signal: bound });
      await using exec = await pods.exec("p", ["sleep", "100"], {}, { signal: bound });
      await using attach = await pods.attach("p", {}, { signal: bound });
      await using kFollow = new KubectlProcess(["logs", "-f", "-n", ns, "p"]);
      await using kExec = new KubectlProcess(["exec", "-n", ns, "p", "--", "sleep", "100"]);
      const lines: string[] = [];
      const follow = (async () => {
        for await (const l of logLines(stream)) lines.push(l);
      })().then(() => "ended", (e) => e);
      const attached = bytesOf(attach.stdout).then(() => "ended", (e) => e);
      const status = exec.status.then((s) => s, (e) => e);
      await until("the follow's line", () => Promise.resolve(lines.length > 0 || undefined));
      await kFollow.waitFor(/^line\n/, "kubectl's follow");
      // Written last before the deletion: the follow still gets it before it ends.
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "last words"), {
        append: true,
      });
      await kubectlOk(["delete", "pod", "-n", ns, "p", "--wait=false"]);
      assert.equal(await follow, "ended");
      assert.deepEqual(lines, ["line", "last words"]);
      assert.equal(await attached, "ended");
      // The command was killed with its container: kubectl's exit code and its words for it.
      const s = await status;
      assert.equal(s?.exitCode, 137, String(s));
      const [kFollowEnd, kExecEnd] = await Promise.all([kFollow.status, kExec.status]);
      assert.equal(kFollowEnd.code, 0, kFollow.stderr);
      assert.equal(kFollow.stdout, "line\nlast words\n");
      assert.equal(kExecEnd.code, s.exitCode, kExec.stderr);
      assert.match(kExec.stderr, /command terminated with exit code 137\n$/);
      assert.ok(!bound.aborted, "ended by the deletion, not by the bound");
    });
  });
}
