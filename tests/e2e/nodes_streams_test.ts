// Pod streams through the real kube-apiserver to the test nodes' kubelet port (node-streams):
// logs, attach, port-forward and exec, with kubectl of the same release as the oracle.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { requireCluster } from "./_cluster.ts";
import {
  containerLogPath,
  cri,
  criTime,
  kubectl,
  kubectlOk,
  KubectlProcess,
  mapPodPort,
  nodesEnv,
  runPod,
  until,
  withKubectlNamespace,
} from "./nodes_kit.ts";

if (requireCluster()) {
  Deno.test("e2e nodes: kubectl logs returns the log file's content; --tail, --since, --timestamps", async () => {
    await withKubectlNamespace("nodes-logs", async (ns) => {
      await runPod(ns, "p");
      const now = Date.now();
      const old = criTime(new Date(now - 3600_000));
      const recent = criTime(new Date(now - 5_000));
      const latest = criTime(new Date(now - 1_000));
      Deno.writeTextFileSync(
        containerLogPath(ns, "p", "app"),
        cri(old, "stdout", "F", "first line, an hour ago") +
          // A partial line (P) is joined with the next by the reader, as a runtime writes them.
          cri(recent, "stdout", "P", "tab\there, ütf-8 ✓, ") +
          cri(recent, "stdout", "F", "trailing spaces   ") +
          cri(latest, "stdout", "F", "fourth") +
          cri(latest, "stderr", "F", "to stderr"),
      );
      const sinceRecent = "tab\there, ütf-8 ✓, trailing spaces   \nfourth\nto stderr\n";
      assert.equal(
        await kubectlOk(["logs", "-n", ns, "p"]),
        `first line, an hour ago\n${sinceRecent}`,
      );
      // --tail counts the file's lines, as the kubelet's reader does.
      assert.equal(await kubectlOk(["logs", "-n", ns, "p", "--tail=1"]), "to stderr\n");
      assert.equal(await kubectlOk(["logs", "-n", ns, "p", "--tail=2"]), "fourth\nto stderr\n");
      assert.equal(await kubectlOk(["logs", "-n", ns, "p", "--since=10m"]), sinceRecent);
      assert.equal(
        await kubectlOk(["logs", "-n", ns, "p", "--timestamps", "--tail=2"]),
        `${latest} fourth\n${latest} to stderr\n`,
      );
      assert.equal(await kubectlOk(["logs", "-n", ns, "p", "--limit-bytes=5"]), "first");
      // A container that has written nothing has an empty log.
      await runPod(ns, "quiet");
      assert.equal(await kubectlOk(["logs", "-n", ns, "quiet"]), "");
    });
  });

  Deno.test("e2e nodes: kubectl logs -f shows lines appended afterwards", async () => {
    await withKubectlNamespace("nodes-follow", async (ns) => {
      await runPod(ns, "p");
      const path = containerLogPath(ns, "p", "app");
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "before"));
      await using follow = new KubectlProcess(["logs", "-f", "-n", ns, "p"]);
      await follow.waitFor(/^before\n/, "the existing line");
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "after 1"), {
        append: true,
      });
      await follow.waitFor(/^before\nafter 1\n/, "the first appended line");
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stderr", "F", "after 2"), {
        append: true,
      });
      await follow.waitFor(/^before\nafter 1\nafter 2\n$/, "the second appended line");
    });
  });

  Deno.test("e2e nodes: kubectl attach shows what the container prints from then on", async () => {
    await withKubectlNamespace("nodes-attach", async (ns) => {
      await runPod(ns, "p");
      const path = containerLogPath(ns, "p", "app");
      Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "before attach"));
      await using attach = new KubectlProcess(["attach", "-n", ns, "p", "-c", "app"]);
      // Attach starts at the log's end whenever the stream is set up: print until it is seen.
      let n = 0;
      const ticker = setInterval(() => {
        n++;
        Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", `tick ${n}`), {
          append: true,
        });
      }, 300);
      try {
        const m = await attach.waitFor(/tick (\d+)\ntick (\d+)\n/, "two printed lines");
        assert.equal(Number(m[2]), Number(m[1]) + 1);
      } finally {
        clearInterval(ticker);
      }
      assert.doesNotMatch(attach.stdout, /before attach/);
    });
  });

  Deno.test("e2e nodes: kubectl port-forward reaches the pod port's local target (100 MB echoed)", async () => {
    const echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const serving = (async () => {
      for await (const conn of echo) {
        conn.readable.pipeTo(conn.writable).catch(() => {});
      }
    })();
    try {
      await withKubectlNamespace("nodes-pf", async (ns) => {
        await runPod(ns, "p");
        mapPodPort(ns, "p", 8080, `127.0.0.1:${echo.addr.port}`);
        await using pf = new KubectlProcess(["port-forward", "-n", ns, "pod/p", "0:8080"]);
        const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, "the local port");
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(m[1]) });
        const total = 100 * 1024 * 1024;
        const sent = createHash("sha256");
        const received = createHash("sha256");
        // Pseudo-random chunks generated as they go: memory stays bounded.
        let x = 0x9e3779b9;
        const writing = (async () => {
          const w = conn.writable.getWriter();
          for (let off = 0; off < total; off += 1 << 20) {
            const chunk = new Uint8Array(Math.min(1 << 20, total - off));
            const words = new Uint32Array(chunk.buffer, 0, chunk.length >> 2);
            for (let i = 0; i < words.length; i++) {
              x ^= x << 13;
              x ^= x >>> 17;
              x ^= x << 5;
              words[i] = x >>> 0;
            }
            sent.update(chunk);
            await w.write(chunk);
          }
          w.releaseLock();
        })();
        let got = 0;
        for await (const chunk of conn.readable) {
          received.update(chunk);
          got += chunk.length;
          if (got >= total) break;
        }
        await writing;
        assert.equal(got, total);
        assert.equal(received.digest("hex"), sent.digest("hex"));
        try {
          conn.close();
        } catch { /* closed by breaking out of the reader */ }
      });
    } finally {
      echo.close();
      await serving.catch(() => {});
    }
  });

  Deno.test("e2e nodes: kubectl port-forward to an unmapped port says how to map it", async () => {
    await withKubectlNamespace("nodes-pf-none", async (ns) => {
      await runPod(ns, "p");
      await using pf = new KubectlProcess(["port-forward", "-n", ns, "pod/p", "0:9999"]);
      const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 9999/, "the local port");
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(m[1]) });
      // The node refuses the stream: the connection ends without data.
      const chunks = await Array.fromAsync(conn.readable).catch(() => []);
      assert.equal(chunks.length, 0);
      const file = `${nodesEnv().podsDir}/${ns}/p/ports/9999`;
      await until(
        "kubectl's error",
        () => Promise.resolve(pf.stderr.includes(`write host:port to ${file}`) ? true : undefined),
      );
    });
  });

  Deno.test("e2e nodes: kubectl exec prints stdout and stderr and exits with the command's code", async () => {
    await withKubectlNamespace("nodes-exec", async (ns) => {
      await runPod(ns, "p");
      const r = await kubectl([
        "exec",
        "-n",
        ns,
        "p",
        "--",
        "sh",
        "-c",
        "echo $((6*7)); echo err >&2; exit 3",
      ]);
      assert.equal(r.out, "42\n");
      assert.match(r.stderr, /^err\n/);
      assert.equal(r.code, 3, r.stderr);
      const ok = await kubectl(["exec", "-n", ns, "p", "--", "true"]);
      assert.equal(ok.code, 0, ok.stderr);
      // Commands run on this machine, in the cluster's sandbox directory.
      assert.equal(
        await kubectlOk(["exec", "-n", ns, "p", "--", "pwd"]),
        `${nodesEnv().sandboxDir}\n`,
      );
    });
  });

  Deno.test("e2e nodes: kubectl exec -it runs on a terminal of the client's size", async () => {
    await withKubectlNamespace("nodes-exec-t", async (ns) => {
      await runPod(ns, "p");
      const env = nodesEnv();
      // kubectl wants a terminal for -t: `script` gives it one, 30 rows by 100 columns. The
      // remote size arrives on the resize stream, possibly just after the command starts.
      const remote = "test -t 0 && test -t 1 && echo on-a-tty; " +
        'for i in $(seq 50); do s=$(stty size); [ "$s" = "30 100" ] && break; sleep 0.1; done; ' +
        'echo "size $s"; exit 4';
      const inner =
        `stty rows 30 cols 100; exec '${env.kubectl}' --kubeconfig='${env.kubeconfig}' ` +
        `exec -it -n ${ns} p -- sh -c '${remote.replaceAll("'", "'\\''")}'`;
      const child = new Deno.Command("script", {
        args: ["-q", "-e", "-c", inner, "/dev/null"],
        stdin: "piped", // kept open: an ended input would end the session
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = await child.output();
      const text = new TextDecoder().decode(out.stdout);
      assert.match(text, /on-a-tty\r\n/);
      assert.match(text, /size 30 100\r\n/);
      assert.equal(out.code, 4, text + new TextDecoder().decode(out.stderr));
    });
  });

  Deno.test("e2e nodes: kubectl exec -i passes stdin through to its end (10 MB, same SHA-256)", async () => {
    await withKubectlNamespace("nodes-exec-i", async (ns) => {
      await runPod(ns, "p");
      const input = new Uint8Array(10 * 1024 * 1024);
      for (let off = 0; off < input.length; off += 65536) {
        crypto.getRandomValues(input.subarray(off, off + 65536));
      }
      const r = await kubectl(["exec", "-i", "-n", ns, "p", "--", "cat"], { stdin: input });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, input.length);
      assert.equal(
        createHash("sha256").update(r.stdout).digest("hex"),
        createHash("sha256").update(input).digest("hex"),
      );
      // `wc -c` only answers once its input has ended.
      const wc = await kubectlOk(["exec", "-i", "-n", ns, "p", "--", "wc", "-c"], {
        stdin: "12345",
      });
      assert.equal(wc.trim(), "5");
    });
  });

  Deno.test("e2e nodes: the nodes' kubelet port serves the apiserver's client certificate only", async () => {
    const env = nodesEnv();
    const read = (p: string) => Deno.readTextFileSync(p);
    const url = (path: string) => `https://127.0.0.1:${env.nodePort}${path}`;
    const status = async (client: Deno.HttpClient, path: string) => {
      const res = await fetch(url(path), { client });
      await res.body?.cancel();
      return res.status;
    };
    using anonymous = Deno.createHttpClient({ caCerts: [read(env.pki.ca)] });
    using admin = Deno.createHttpClient({
      caCerts: [read(env.pki.ca)],
      cert: read(env.pki.adminCert),
      key: read(env.pki.adminKey),
    });
    const exec = "/exec/default/p/app?command=true&output=1";
    assert.equal(await status(anonymous, "/healthz"), 200);
    assert.equal(await status(anonymous, exec), 401);
    assert.equal(await status(anonymous, "/containerLogs/default/p/app"), 401);
    // Even cluster-admin goes through the apiserver, which authorizes the request.
    assert.equal(await status(admin, exec), 403);
    assert.equal(await status(admin, "/portForward/default/p"), 403);
  });

  /** Opens a WebSocket to a pod subresource with the admin certificate; collects the frames. */
  const podSocket = async (
    path: string,
    protocol: string,
    onOpen: (ws: WebSocket) => void = () => {},
    until: (frames: Uint8Array[]) => boolean = () => false,
  ): Promise<{ protocol: string; frames: Uint8Array[] }> => {
    const env = nodesEnv();
    const read = (p: string) => Deno.readTextFileSync(p);
    using client = Deno.createHttpClient({
      caCerts: [read(env.pki.ca)],
      cert: read(env.pki.adminCert),
      key: read(env.pki.adminKey),
    });
    const ws = new WebSocket(`${env.server.replace("https", "wss")}${path}`, {
      protocols: [protocol],
      client,
    });
    ws.binaryType = "arraybuffer";
    const frames: Uint8Array[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => onOpen(ws);
      ws.onmessage = (e) => {
        frames.push(new Uint8Array(e.data as ArrayBuffer));
        if (until(frames)) ws.close();
      };
      ws.onclose = () => resolve();
      ws.onerror = (e) => reject(new Error(`WebSocket ${path}: ${(e as ErrorEvent).message}`));
    });
    return { protocol: ws.protocol, frames };
  };

  Deno.test("e2e nodes: exec and port-forward over a raw WebSocket from Deno (channel protocols v5, v4)", async () => {
    await withKubectlNamespace("nodes-ws", async (ns) => {
      await runPod(ns, "p");
      const decode = (b: Uint8Array) => new TextDecoder().decode(b);
      const command = ["sh", "-c", "echo $((6*7)); echo err >&2; exit 3"];
      const q = new URLSearchParams([...command.map((c) => ["command", c]), ["stdout", "true"], [
        "stderr",
        "true",
      ]]);
      for (const protocol of ["v5.channel.k8s.io", "v4.channel.k8s.io"]) {
        const r = await podSocket(`/api/v1/namespaces/${ns}/pods/p/exec?${q}`, protocol);
        assert.equal(r.protocol, protocol);
        const channel = (c: number) =>
          r.frames.filter((f) => f[0] === c).map((f) => decode(f.subarray(1))).join("");
        assert.equal(channel(1), "42\n");
        assert.equal(channel(2), "err\n");
        const status = JSON.parse(channel(3));
        assert.equal(status.reason, "NonZeroExitCode");
        assert.deepEqual(status.details.causes, [{ reason: "ExitCode", message: "3" }]);
      }

      // Port-forward: the first frame of the data (0) and error (1) channels is the port,
      // little-endian; then data frames on channel 0 both ways.
      const echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const serving = (async () => {
        for await (const conn of echo) conn.readable.pipeTo(conn.writable).catch(() => {});
      })();
      try {
        mapPodPort(ns, "p", 8080, `127.0.0.1:${echo.addr.port}`);
        const payload = new TextEncoder().encode("ping through the pod port");
        const data = (frames: Uint8Array[]) =>
          frames.filter((f) => f[0] === 0).slice(1).map((f) => decode(f.subarray(1))).join("");
        const r = await podSocket(
          `/api/v1/namespaces/${ns}/pods/p/portforward?ports=8080`,
          "v4.channel.k8s.io",
          (ws) => ws.send(new Uint8Array([0, ...payload])),
          (frames) => data(frames).length >= payload.length,
        );
        const first = (c: number) => r.frames.find((f) => f[0] === c);
        assert.deepEqual(first(0), new Uint8Array([0, 8080 & 0xff, 8080 >> 8]));
        assert.deepEqual(first(1), new Uint8Array([1, 8080 & 0xff, 8080 >> 8]));
        assert.equal(data(r.frames), decode(payload));
      } finally {
        echo.close();
        await serving.catch(() => {});
      }
    });
  });
}
