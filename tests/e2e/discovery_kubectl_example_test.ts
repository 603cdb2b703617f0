// examples/kubectl.ts against kubectl itself, byte for byte (ages masked), where the issue
// defines the formats: `-o name`, `-o json` of one object, the default table (the server's Table, CRD
// printer columns included, with the NAMESPACE column for -A) and `api-resources`; plus the
// one-line reports of `apply --server-side` and `delete`.

import assert from "node:assert/strict";
import { z } from "zod";
import { Api, applyCrd, Client, Config, customResource, Discovery } from "../../mod.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";
import {
  containerLogPath,
  cri,
  criTime,
  kubectlOk,
  runPod,
  withKubectlNamespace,
} from "./nodes_kit.ts";

const root = new URL("../../", import.meta.url).pathname;
const cacheDir = await Deno.makeTempDir({ prefix: "kubeno-kubectl-cache-" });

async function run(cmd: string, args: string[], stdin?: string) {
  const p = new Deno.Command(cmd, {
    args,
    cwd: root,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (stdin !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await p.output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr), bytes: o.stdout };
}

function example(client: Client, args: string[], stdin?: string, file = "kubectl") {
  const server = new URL(client.config.clusterUrl);
  const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
  return run(Deno.execPath(), [
    "run",
    "--no-prompt",
    `--allow-net=${server.host}`,
    `--allow-read=${kubeconfig}`,
    "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
    `examples/${file}.ts`,
    ...args,
  ], stdin);
}

// The global flag first: after `exec POD --` everything is the command's.
const kubectl = (args: string[], stdin?: string) =>
  run("kubectl", [`--cache-dir=${cacheDir}`, ...args], stdin);

/**
 * Both outputs for the same arguments, asked at about the same moment. The server renders the
 * AGE cells at request time and the example starts slower than kubectl, so ages (`15s`, `3m2s`)
 * are masked, keeping their width; everything else must be equal byte for byte. A pair whose
 * ages differ in width (`9s` / `10s`) shifts the columns: it is asked again, a few times at most.
 */
async function same(client: Client, args: string[]): Promise<string> {
  const mask = (t: string) => t.replace(/\b\d+[smhdy](\d+[smh])?\b/g, (m) => "#".repeat(m.length));
  for (let i = 0;; i++) {
    const [k, e] = await Promise.all([kubectl(args), example(client, args)]);
    assert.equal(k.code, 0, `kubectl ${args.join(" ")}: ${k.err}`);
    assert.equal(e.code, 0, `kubectl.ts ${args.join(" ")}: ${e.err}`);
    if (mask(k.out) === mask(e.out)) return k.out;
    if (i >= 3) assert.equal(e.out, k.out, `kubectl ${args.join(" ")}`);
  }
}

const token = crypto.randomUUID().slice(0, 6);
const Sprocket = customResource({
  group: `ex-${token}.kubeno.test`,
  version: "v1",
  kind: "Sprocket",
  namespaced: true,
  shortNames: [`spr${token}`],
  categories: ["all"],
  spec: z.object({ teeth: z.int(), color: z.string().optional() }),
  printerColumns: [
    { name: "Teeth", type: "integer", jsonPath: ".spec.teeth" },
    { name: "Color", type: "string", jsonPath: ".spec.color", priority: 1 },
  ],
});

if (requireCluster()) {
  Deno.test("e2e: examples/kubectl.ts prints what kubectl prints", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    await applyCrd(client, Sprocket, { signal: AbortSignal.timeout(60_000) });
    try {
      await withNamespace(client, "kctl", async (ns) => {
        const file = `apiVersion: v1
kind: ConfigMap
metadata: {name: one, namespace: ${ns}}
data: {a: "x<y&z>", b: "2"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: two, namespace: ${ns}, labels: {tier: web}}
---
apiVersion: ${Sprocket.apiVersion}
kind: Sprocket
metadata: {name: big, namespace: ${ns}}
spec: {teeth: 40, color: red}
---
apiVersion: ${Sprocket.apiVersion}
kind: Sprocket
metadata: {name: small, namespace: ${ns}}
spec: {teeth: 8}
`;
        const applied = await example(client, ["apply", "-f", "-", "--server-side"], file);
        assert.equal(applied.code, 0, applied.err);
        // kubectl's report for the same file (now unchanged, same manager): same lines.
        const k = await kubectl(["apply", "--server-side", "-f", "-"], file);
        assert.equal(applied.out, k.out);

        await same(client, ["api-resources"]);
        await same(client, ["api-resources", "-o", "wide"]);
        await same(client, ["api-resources", "-o", "name"]);
        await same(client, ["get", "cm", "-n", ns]);
        await same(client, ["get", "configmaps", "-n", ns, "-l", "tier=web"]);
        await same(client, ["get", "cm", "-n", ns, "-o", "name"]);
        await same(client, ["get", "cm", "one", "-n", ns, "-o", "json"]);
        await same(client, ["get", `spr${token}`, "-n", ns]);
        await same(client, ["get", "sprockets", "-n", ns, "-o", "wide"]);
        await same(client, ["get", `sprockets.${Sprocket.group}`, "-A"]);
        await same(client, ["get", `Sprocket.v1.${Sprocket.group}`, "big", "-n", ns, "-o", "json"]);
        await same(client, ["get", "ns", ns, "-o", "name"]);
        // Categories: each type's table in turn, names prefixed with their type.
        await same(client, ["get", "all", "-n", ns]);

        // The other dynamic examples, with the same narrow permissions.
        const raw = await example(client, [], undefined, "request_raw");
        assert.match(raw.out, /\/apis again: 304 \(not modified\)\n/, raw.err);
        const dyn = await example(client, [ns], undefined, "dynamic_api");
        assert.match(dyn.out, /^configmaps\.v1: (\S+, )*two(, \S+)*$/m, dyn.err);
        assert.match(
          dyn.out,
          new RegExp(
            `^sprockets\\.${Sprocket.apiVersion.replaceAll(".", "\\.")}: big, small$`,
            "m",
          ),
        );

        // --watch: the first table, then one row per change in the same columns.
        const watching = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--no-prompt",
            `--allow-net=${new URL(client.config.clusterUrl).host}`,
            `--allow-read=${Deno.env.get("KUBECONFIG")!.split(":")[0]}`,
            "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
            "examples/kubectl.ts",
            "get",
            "cm",
            "-n",
            ns,
            "--watch",
          ],
          cwd: root,
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        let seen = "";
        const reader = watching.stdout.pipeThrough(new TextDecoderStream()).getReader();
        const until = async (re: RegExp) => {
          while (!re.test(seen)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`watch ended; output so far:\n${seen}`);
            seen += value;
          }
        };
        await until(/^NAME +DATA +AGE\n/);
        await Api.dynamic(client, await (await Discovery.run(client)).resolve("cm"), ns)
          .create({ metadata: { name: "watched" } });
        await until(/\nwatched +0 +\d+s\n/);
        const header = seen.split("\n")[0];
        const row = seen.split("\n").find((l) => l.startsWith("watched "))!;
        assert.equal(row.indexOf("0 "), header.indexOf("DATA"), `columns kept:\n${seen}`);
        watching.kill();
        await reader.cancel().catch(() => {});
        await watching.status;

        const del = await example(client, ["delete", "cm", "one", "-n", ns]);
        const kdel = await kubectl(["delete", `sprockets.${Sprocket.group}`, "big", "-n", ns]);
        assert.equal(del.out, `configmap "one" deleted from ${ns} namespace\n`);
        assert.equal(kdel.out, `sprocket.${Sprocket.group} "big" deleted from ${ns} namespace\n`);
        const edel = await example(client, ["delete", `spr${token}`, "small", "-n", ns]);
        assert.equal(edel.out, `sprocket.${Sprocket.group} "small" deleted from ${ns} namespace\n`);

        const unknown = await example(client, ["get", "nope"]);
        const kunknown = await kubectl(["get", "nope"]);
        assert.equal(unknown.code, kunknown.code);
        assert.ok(
          unknown.err.startsWith(kunknown.err.trimEnd()),
          `${unknown.err} / ${kunknown.err}`,
        );
      });
    } finally {
      await Api.all(client, CustomResourceDefinition).delete(Sprocket.crd().metadata.name!)
        .catch(() => {});
    }
  });
}

if (requireCluster()) {
  Deno.test("e2e: examples/kubectl.ts logs and exec give kubectl's bytes, stderr and exit codes", async () => {
    using client = new Client(await Config.fromKubeconfig({}));
    await withKubectlNamespace("kctl-pods", async (ns) => {
      await runPod(ns, "p");
      const now = Date.now();
      const recent = criTime(new Date(now - 5_000));
      Deno.writeTextFileSync(
        containerLogPath(ns, "p", "app"),
        cri(criTime(new Date(now - 3600_000)), "stdout", "F", "an hour ago") +
          cri(recent, "stdout", "P", "joined ütf-8 ✓ ") +
          cri(recent, "stdout", "F", "line") +
          cri(recent, "stderr", "F", "to stderr") +
          cri(recent, "stdout", "P", "no newline at the end"),
      );
      const both = async (args: string[]) => {
        const [k, e] = await Promise.all([kubectl(args), example(client, args)]);
        const what = `kubectl ${args.join(" ")}`;
        assert.equal(e.code, k.code, `${what}: exit code (${e.err} / ${k.err})`);
        assert.deepEqual(e.bytes, k.bytes, `${what}: stdout`);
        assert.equal(e.err, k.err, `${what}: stderr`);
        return k;
      };
      for (
        const flags of [
          [],
          ["-c", "app"],
          ["--tail=2"],
          ["--tail", "0"],
          ["--tail=-1"],
          ["--since=10m"],
          ["--since=1h30m"],
          ["--timestamps"],
          ["--limit-bytes=7"],
          ["--tail=1", "--timestamps"],
        ]
      ) {
        const k = await both(["logs", "-n", ns, "p", ...flags]);
        assert.equal(k.code, 0, k.err);
      }
      // -f: both see a line appended later; Ctrl-C ends both the same way (status 1, silent).
      const server = new URL(client.config.clusterUrl).host;
      const follow = (cmd: string, args: string[]) => {
        const p = new Deno.Command(cmd, {
          args,
          cwd: root,
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
        }).spawn();
        const dec = new TextDecoder();
        let out = "";
        const reading = p.stdout.pipeTo(
          new WritableStream({ write: (b) => void (out += dec.decode(b, { stream: true })) }),
        );
        return {
          async until(text: string) {
            for (let i = 0; !out.includes(text); i++) {
              if (i > 300) throw new Error(`${cmd}: no ${JSON.stringify(text)} in ${out}`);
              await new Promise((r) => setTimeout(r, 100));
            }
          },
          async stop() {
            p.kill("SIGINT");
            const [status, err] = await Promise.all([p.status, new Response(p.stderr).text()]);
            await reading;
            return { code: status.code, signal: status.signal, out, err };
          },
        };
      };
      const logArgs = ["logs", "-f", "-n", ns, "p", "--tail=3"];
      const kf = follow("kubectl", [`--cache-dir=${cacheDir}`, ...logArgs]);
      const ef = follow(Deno.execPath(), [
        "run",
        "--no-prompt",
        `--allow-net=${server}`,
        `--allow-read=${Deno.env.get("KUBECONFIG")!.split(":")[0]}`,
        "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
        "examples/kubectl.ts",
        ...logArgs,
      ]);
      await Promise.all([kf.until("to stderr"), ef.until("to stderr")]);
      Deno.writeTextFileSync(
        containerLogPath(ns, "p", "app"),
        cri(criTime(new Date()), "stdout", "F", "appended later"),
        { append: true },
      );
      await Promise.all([kf.until("appended later"), ef.until("appended later")]);
      const [kEnd, eEnd] = await Promise.all([kf.stop(), ef.stop()]);
      assert.deepEqual(eEnd, kEnd);
      assert.equal(kEnd.code, 1);

      // Errors from the server read as kubectl's, with its exit code.
      assert.notEqual((await both(["logs", "-n", ns, "absent"])).code, 0);
      assert.notEqual((await both(["logs", "-n", ns, "p", "-c", "nope"])).code, 0);

      for (
        const command of [
          ["sh", "-c", "echo $((6*7)); echo err >&2; exit 3"],
          ["sh", "-c", "echo ok"],
          ["sh", "-c", "printf '\\000\\001\\377\\376binary'; exit 255"],
          ["sh", "-c", "echo only-err >&2; exit 1"],
        ]
      ) {
        await both(["exec", "-n", ns, "p", "--", ...command]);
      }
      await both(["exec", "-n", ns, "p", "-c", "app", "--", "sh", "-c", "echo in app"]);
      // stdin: what is piped in reaches the command, and its end ends it.
      const args = ["exec", "-i", "-n", ns, "p", "--", "sh", "-c", "wc -c; tr a-z A-Z"];
      const input = "hello stdin\n";
      const [k, e] = await Promise.all([kubectl(args, input), example(client, args, input)]);
      assert.equal(k.code, 0, k.err);
      assert.equal(e.code, 0, e.err);
      assert.equal(e.out, k.out);
      assert.match(e.out, /^12\n$/);
      // -t: without -i no terminal is asked for, silently; with -i and piped input kubectl's
      // warning and none either; on a terminal (script(1) gives one, 30x100) the command runs on
      // a remote terminal of that size.
      const onTty = "test -t 1 && echo tty || echo no-tty";
      assert.equal(
        (await both(["exec", "-t", "-n", ns, "p", "--", "sh", "-c", onTty])).out,
        "no-tty\n",
      );
      const itArgs = ["exec", "-it", "-n", ns, "p", "--", "sh", "-c", onTty];
      const [kIt, eIt] = await Promise.all([kubectl(itArgs, ""), example(client, itArgs, "")]);
      assert.deepEqual([eIt.code, eIt.out, eIt.err], [kIt.code, kIt.out, kIt.err]);
      assert.match(kIt.err, /^Unable to use a TTY - input is not a terminal/);
      const remote = "test -t 0 && test -t 1 && echo on-a-tty; " +
        'for i in $(seq 50); do s=$(stty size); [ "$s" = "30 100" ] && break; sleep 0.1; done; ' +
        'echo "size $s"; exit 4';
      const quoted = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
      const onTerminal = async (argv: string[]) => {
        const inner = `stty rows 30 cols 100; exec ${argv.map(quoted).join(" ")} ` +
          `exec -it -n ${ns} p -- sh -c ${quoted(remote)}`;
        const child = new Deno.Command("script", {
          args: ["-q", "-e", "-c", inner, "/dev/null"],
          cwd: root,
          stdin: "piped", // kept open: an ended input would end the session
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const out = await child.output();
        return { code: out.code, out: new TextDecoder().decode(out.stdout) };
      };
      const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
      const [kTerm, eTerm] = await Promise.all([
        onTerminal(["kubectl", `--cache-dir=${cacheDir}`]),
        onTerminal([
          Deno.execPath(),
          "run",
          "-q", // no progress line on the terminal
          "--no-prompt",
          `--allow-net=${new URL(client.config.clusterUrl).host}`,
          `--allow-read=${kubeconfig}`,
          "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
          "examples/kubectl.ts",
        ]),
      ]);
      assert.match(kTerm.out, /on-a-tty\r\nsize 30 100\r\n/);
      // Deno's raw mode keeps the terminal's output processing (opost, onlcr), which kubectl's
      // turns off: the remote terminal's \r\n reaches the screen as \r\r\n, which shows the same.
      assert.match(eTerm.out, /on-a-tty\r\r\n/);
      assert.deepEqual({ ...eTerm, out: eTerm.out.replaceAll("\r\r\n", "\r\n") }, kTerm);
      assert.notEqual((await both(["exec", "-n", ns, "absent", "--", "true"])).code, 0);
      assert.notEqual((await both(["exec", "-n", ns, "p", "-c", "nope", "--", "true"])).code, 0);

      // A pod of several containers: which one is meant, and what is said about it.
      const two = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "two", namespace: ns },
        spec: {
          initContainers: [{ name: "setup", image: "kubeno.invalid/setup:1" }],
          containers: [
            { name: "a", image: "kubeno.invalid/a:1" },
            { name: "b", image: "kubeno.invalid/b:1" },
          ],
        },
      };
      await kubectlOk(["create", "-f", "-"], { stdin: JSON.stringify(two) });
      await kubectlOk(["wait", "-n", ns, "--for=condition=Ready", "pod/two", "--timeout=90s"]);
      for (const c of ["a", "b"]) {
        Deno.writeTextFileSync(
          containerLogPath(ns, "two", c),
          cri(recent, "stdout", "F", `${c} here`),
        );
      }
      const cases = () => [
        ["logs", "-n", ns, "two"],
        ["logs", "-n", ns, "two", "-c", "b"],
        ["logs", "-n", ns, "two", "-c", "setup"],
        ["logs", "-n", ns, "two", "-c", "nope"],
        ["exec", "-n", ns, "two", "--", "echo", "hi"],
        ["exec", "-n", ns, "two", "-c", "nope", "--", "true"],
      ];
      const seen = [];
      for (const args of cases()) seen.push(await both(args));
      assert.match(seen[0].err, /^Defaulted container "a" out of: a, b, setup \(init\)\n$/);
      assert.equal(seen[0].out, "a here\n");
      assert.match(seen[3].err, /container nope is not valid for pod two out of: a, b, setup/);
      // The annotation names the default, and nothing is said about it.
      await kubectlOk([
        "annotate",
        "-n",
        ns,
        "pod/two",
        "kubectl.kubernetes.io/default-container=b",
      ]);
      assert.equal((await both(["logs", "-n", ns, "two"])).out, "b here\n");
      assert.equal((await both(["exec", "-n", ns, "two", "--", "echo", "hi"])).err, "");
    });
  });
}
