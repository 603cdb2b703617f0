// Pod I/O through the real kube-apiserver to the test nodes (node-streams), with kubectl of the
// same release as the oracle on the same pod: logs (and exec, attach below).

import assert from "node:assert/strict";
import { Api, ApiError, Client, logLines } from "../../mod.ts";
import { Pod } from "../../core/k8s/core/v1.ts";
import { requireCluster } from "./_cluster.ts";
import {
  containerLogPath,
  cri,
  criTime,
  kubectl,
  kubectlOk,
  runPod,
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
