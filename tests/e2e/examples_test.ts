/**
 * Runs the examples against the real control plane, each as a `deno run` subprocess with
 * narrow permissions: waits for the lines it should print (after making the changes it
 * reacts to), then SIGTERMs it and expects a clean exit in time. Everything made here is
 * deleted afterwards.
 */

import assert from "node:assert/strict";
import { z } from "zod";
import {
  Api,
  ApiError,
  Client,
  customResource,
  type InferResource,
  type KubeObject,
  watcher,
} from "../../mod.ts";
import { ConfigMap, Node, Pod, Secret, ServiceAccount } from "../../core/k8s/core/v1.ts";
import { Deployment } from "../../core/k8s/apps/v1.ts";
import { Event } from "../../core/k8s/events.k8s.io/v1.ts";
import { Lease } from "../../core/k8s/coordination.k8s.io/v1.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from "../../core/k8s/admissionregistration.k8s.io/v1.ts";
import { webhookPki } from "../unit/_webhook_pki.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";
import { requireRun } from "./_require.ts";
import { clusterEnv, writeClusterKubeconfig } from "./_auth.ts";
import { execStanza, RecordingPlugin } from "../unit/_auth_plugin.ts";
import {
  containerLogPath,
  cri,
  criTime,
  kubectl,
  kubectlJson,
  kubectlOk,
  mapPodPort,
  runPod,
  until,
  withKubectlNamespace,
} from "./nodes_kit.ts";

const root = new URL("../../", import.meta.url);
const canRun = requireRun();
/** How long an example may take to exit after SIGTERM. */
const STOP_MS = 10_000;

/** The same custom resource as examples/crd_reflector.ts (importing it would run it). */
const Foo = customResource({
  group: "clux.dev",
  version: "v1",
  kind: "Foo",
  namespaced: true,
  spec: z.object({ name: z.string(), info: z.string() }),
});
type Foo = InferResource<typeof Foo>;

/** The narrow flags: the API server only, the kubeconfig only, the env vars Client reads. */
function flags(
  client: Client,
  kubeconfig: string = Deno.env.get("KUBECONFIG")!.split(":")[0],
): string[] {
  const server = new URL(client.config.clusterUrl);
  return [
    `--allow-net=${server.host}`,
    `--allow-read=${kubeconfig}`,
    "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
  ];
}

/** A running example, its output collected as it comes. */
class Example {
  readonly proc: Deno.ChildProcess;
  out = "";
  err = "";
  readonly #pumps: Promise<void>[];
  #changed: (() => void)[] = [];

  constructor(
    readonly name: string,
    client: Client,
    args: string[] = [],
    more: { flags?: string[]; env?: Record<string, string> } = {},
  ) {
    this.proc = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        ...flags(client, more.env?.KUBECONFIG),
        ...(more.flags ?? []),
        `examples/${name}.ts`,
        ...args,
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...more.env },
    }).spawn();
    this.#pumps = [
      this.#pump(this.proc.stdout, (s) => (this.out += s)),
      this.#pump(this.proc.stderr, (s) => (this.err += s)),
    ];
  }

  async #pump(stream: ReadableStream<Uint8Array>, add: (s: string) => void): Promise<void> {
    for await (const s of stream.pipeThrough(new TextDecoderStream())) {
      add(s);
      for (const w of this.#changed.splice(0)) w();
    }
    for (const w of this.#changed.splice(0)) w();
  }

  /** What it printed, for assertion messages. */
  get output(): string {
    return `${this.name} stdout:\n${this.out}\n${this.name} stderr:\n${this.err}`;
  }

  /**
   * Waits until stdout matches `re`, calling `poke` (say, to make a change) every second
   * meanwhile; returns the match.
   */
  async waitFor(re: RegExp, ms = 30_000, poke?: () => Promise<void>): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    let exited = false;
    this.proc.status.then(() => (exited = true));
    for (;;) {
      const m = this.out.match(re);
      if (m) return m;
      if (exited) await Promise.all(this.#pumps);
      const m2 = this.out.match(re);
      if (m2) return m2;
      if (exited || Date.now() > end) {
        throw new Error(`${this.name}: no line matching ${re}\n${this.output}`);
      }
      await poke?.();
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1_000);
        this.#changed.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** SIGTERMs it; resolves with its exit status, or throws if it does not exit in time. */
  async stop(ms = STOP_MS): Promise<Deno.CommandStatus> {
    const t0 = performance.now();
    this.proc.kill("SIGTERM");
    return await this.exit(ms, t0);
  }

  /** Waits for it to exit by itself within `ms`. */
  async exit(ms: number, t0: number = performance.now()): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      this.proc.status,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms))),
    ]);
    clearTimeout(timer);
    if (!status) {
      this.kill();
      throw new Error(`${this.name}: still running ${ms} ms after SIGTERM\n${this.output}`);
    }
    await Promise.all(this.#pumps);
    const took = performance.now() - t0;
    console.log(`${this.name}: exited ${status.code} after ${took.toFixed(0)} ms`);
    return status;
  }

  /** Last resort, for the finally blocks. */
  kill(): void {
    try {
      this.proc.kill("SIGKILL");
    } catch {
      // already exited
    }
  }

  /** Lets the pumps finish (after the process is gone), so that no stream stays open. */
  async close(): Promise<void> {
    this.kill();
    await this.proc.status;
    await Promise.all(this.#pumps);
  }
}

/** Runs `fn` with a started example, which is killed (if still running) afterwards. */
async function withExample(
  name: string,
  client: Client,
  args: string[],
  fn: (ex: Example) => Promise<void>,
  more?: { flags?: string[]; env?: Record<string, string> },
): Promise<void> {
  const ex = new Example(name, client, args, more);
  try {
    await fn(ex);
  } finally {
    await ex.close();
  }
}

function assertClean(ex: Example, status: Deno.CommandStatus): void {
  assert.equal(status.code, 0, ex.output);
  assert.equal(status.signal, null, ex.output);
}

/** Pods need the namespace's default ServiceAccount, which kube-controller-manager creates. */
async function defaultServiceAccount(client: Client, ns: string): Promise<void> {
  const sas = Api.namespaced(client, ServiceAccount, ns);
  const end = Date.now() + 30_000;
  while (!(await sas.getOpt("default"))) {
    if (Date.now() > end) throw new Error(`no default ServiceAccount in ${ns} after 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A Deployment of one container running `image` (kwok or no node: it is only read). */
function deployment(name: string, image: string): Deployment {
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image }] },
      },
    },
  };
}

/** Polls `get` until its body is `want` as JSON (the example's store follows the watch). */
async function untilJson(
  get: () => Promise<{ status: number; body: string }>,
  want: unknown,
): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    const { status, body } = await get();
    try {
      assert.equal(status, 200, body);
      assert.deepEqual(JSON.parse(body), want);
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const opts = { ignore: !canRun, sanitizeResources: false, sanitizeOps: false };

if (requireCluster()) {
  Deno.test(
    { name: "e2e examples: secret_syncer syncs and cleans up a Secret", ...opts },
    async () => {
      using client = await Client.tryDefault();
      await withNamespace(client, "e2e-ex-secret", async (ns) => {
        const cms = Api.namespaced(client, ConfigMap, ns);
        await withExample("secret_syncer", client, [ns], async (ex) => {
          await cms.create({
            metadata: { name: "cfg", labels: { "kubeno.dev/sync-to-secret": "true" } },
            data: { password: "hunter2" },
          });
          await ex.waitFor(new RegExp(`^synced Secret ${ns}/cfg$`, "m"));
          // The finalizer was added before the Secret was made.
          assert.deepEqual((await cms.get("cfg")).metadata.finalizers, [
            "kubeno.dev/secret-syncer",
          ]);
          await cms.delete("cfg");
          await ex.waitFor(new RegExp(`^deleted Secret ${ns}/cfg$`, "m"));
          const end = Date.now() + 10_000;
          while (await cms.getOpt("cfg")) {
            assert.ok(Date.now() < end, "the ConfigMap is still there: finalizer not removed");
            await new Promise((r) => setTimeout(r, 100));
          }
          assertClean(ex, await ex.stop());
        });
      });
    },
  );

  Deno.test({ name: "e2e examples: pod_reflector lists and follows Pods", ...opts }, async () => {
    using client = await Client.tryDefault();
    await withNamespace(client, "e2e-ex-podrefl", async (ns) => {
      await defaultServiceAccount(client, ns);
      await withExample("pod_reflector", client, [ns], async (ex) => {
        await ex.waitFor(/^synced: 0 pods$/m);
        await Api.namespaced(client, Pod, ns).create({
          metadata: { name: "p1" },
          spec: { containers: [{ name: "c", image: "example.invalid/none:1" }] },
        });
        await ex.waitFor(new RegExp(`^Apply p1; store: ${ns}/p1$`, "m"));
        assertClean(ex, await ex.stop());
      });
      // Pods are not deleted without a kubelet unless forced: the namespace goes with them.
      await Api.namespaced(client, Pod, ns).delete("p1", { gracePeriodSeconds: 0 }).catch(() => {});
    });
  });

  Deno.test(
    { name: "e2e examples: node_watcher reports a Node and its deletion", ...opts },
    async () => {
      using client = await Client.tryDefault();
      const nodes = Api.all(client, Node);
      const name = `kubeno-e2e-ex-${crypto.randomUUID().slice(0, 6)}`;
      try {
        await withExample("node_watcher", client, [], async (ex) => {
          await ex.waitFor(/^listed every node; watching$/m);
          await nodes.create({ metadata: { name } });
          await ex.waitFor(new RegExp(`^node ${name} is NOT Ready \\(no Ready condition\\)$`, "m"));
          await nodes.delete(name);
          await ex.waitFor(new RegExp(`^node ${name} deleted$`, "m"));
          assertClean(ex, await ex.stop());
        });
      } finally {
        await nodes.delete(name).catch(() => {});
      }
    },
  );

  Deno.test(
    { name: "e2e examples: json_logs writes every line as JSON, a failed reconcile too", ...opts },
    async () => {
      using client = await Client.tryDefault();
      await withNamespace(client, "e2e-ex-jsonlogs", async (ns) => {
        const cms = Api.namespaced(client, ConfigMap, ns);
        await withExample("json_logs", client, [ns], async (ex) => {
          await ex.waitFor(/"msg":"synced"/);
          await cms.create({ metadata: { name: "good" } });
          await cms.create({ metadata: { name: "bad", labels: { broken: "true" } } });
          await ex.waitFor(/"msg":"reconcile failed"/);
          await ex.waitFor(new RegExp(`"msg":"reconciled","key":"${ns}/good"`));
          assertClean(ex, await ex.stop());
          const lines = ex.out.trimEnd().split("\n");
          const records = lines.map((l) => {
            try {
              return JSON.parse(l);
            } catch {
              assert.fail(`not a JSON line: ${l}\n${ex.output}`);
            }
          });
          const failed = records.find((r) => r.msg === "reconcile failed");
          assert.equal(failed.level, "error", ex.output);
          assert.equal(failed.source, "json-logs");
          assert.equal(failed.key, `${ns}/bad`);
          assert.equal(failed.attempt, 1); // the error policy counts this failure
          assert.deepEqual(failed.error, { name: "Error", message: "bad is labelled broken=true" });
          assert.ok(!Number.isNaN(Date.parse(failed.time)), failed.time);
          assert.equal(records.at(-1).msg, "stopped", ex.output);
        });
      });
    },
  );

  Deno.test({ name: "e2e examples: event_watcher prints a new Event", ...opts }, async () => {
    using client = await Client.tryDefault();
    await withNamespace(client, "e2e-ex-events", async (ns) => {
      const events = Api.namespaced(client, Event, ns);
      const reason = `KubenoExample${crypto.randomUUID().slice(0, 6)}`;
      let n = 0;
      // It prints only events made after its initial list, and says nothing when it is
      // synced: make one a second until one shows.
      const publish = async () => {
        await events.create({
          metadata: { name: `ev-${++n}` },
          eventTime: new Date().toISOString().replace("Z", "000Z"),
          reportingController: "kubeno.dev/e2e",
          reportingInstance: "e2e",
          action: "Test",
          reason,
          type: "Normal",
          note: "hello from the e2e test",
          regarding: { kind: "ConfigMap", namespace: ns, name: "x", apiVersion: "v1" },
        });
      };
      await withExample("event_watcher", client, [], async (ex) => {
        await ex.waitFor(
          new RegExp(
            `^Normal ${reason} ConfigMap/${ns}/x \\(kubeno.dev/e2e\\): hello from the e2e test$`,
            "m",
          ),
          30_000,
          publish,
        );
        assertClean(ex, await ex.stop());
      });
    });
  });

  Deno.test(
    { name: "e2e examples: crd_reflector applies its CRD and caches Foos", ...opts },
    async () => {
      using client = await Client.tryDefault();
      const crds = Api.all(client, CustomResourceDefinition);
      const hadCrd = (await crds.getOpt("foos.clux.dev")) !== undefined;
      try {
        await withNamespace(client, "e2e-ex-crdrefl", async (ns) => {
          await withExample("crd_reflector", client, [], async (ex) => {
            await ex.waitFor(/^\d+ Foo\(s\): /m); // applied the CRD, listed
            const info = `info-${crypto.randomUUID().slice(0, 6)}`;
            await Api.namespaced(client, Foo, ns).create({
              metadata: { name: "f1" },
              spec: { name: "f1", info },
            } as Foo);
            await ex.waitFor(new RegExp(`^\\d+ Foo\\(s\\): .*\\bf1: ${info}`, "m"));
            assertClean(ex, await ex.stop());
          });
        });
      } finally {
        // Leave a CRD that was there before (someone may use it); remove the one the example made.
        if (!hadCrd) await crds.delete("foos.clux.dev").catch(() => {});
      }
    },
  );

  Deno.test(
    { name: "e2e examples: leader_election leads, then releases on SIGTERM", ...opts },
    async () => {
      using client = await Client.tryDefault();
      const identity = `e2e-${crypto.randomUUID().slice(0, 6)}`;
      const leases = Api.namespaced(client, Lease, client.defaultNamespace);
      try {
        await withExample("leader_election", client, [identity], async (ex) => {
          // Another holder (a copy someone runs) could make this wait one lease duration (15 s).
          await ex.waitFor(new RegExp(`^${identity}: working \\(1\\)$`, "m"), 45_000);
          assert.equal(
            (await leases.get("leader-election-demo")).spec?.holderIdentity,
            identity,
          );
          assertClean(ex, await ex.stop());
          assert.match(ex.out, new RegExp(`^${identity}: stopped leading$`, "m"));
          assert.match(ex.out, new RegExp(`^${identity}: done; lease released$`, "m"));
          const lease = await leases.get("leader-election-demo");
          assert.notEqual(lease.spec?.holderIdentity, identity, "the lease was not released");
        });
      } finally {
        // Delete it only if nobody else holds it.
        const lease = await leases.getOpt("leader-election-demo");
        if (lease && [undefined, "", identity].includes(lease.spec?.holderIdentity)) {
          await leases.delete("leader-election-demo").catch(() => {});
        }
      }
    },
  );

  Deno.test(
    { name: "e2e examples: shared_stream_controllers runs two controllers on one watch", ...opts },
    async () => {
      using client = await Client.tryDefault();
      await withNamespace(client, "e2e-ex-shared", async (ns) => {
        const cms = Api.namespaced(client, ConfigMap, ns);
        await withExample("shared_stream_controllers", client, [ns], async (ex) => {
          await ex.waitFor(/^synced: \d+ configmaps, one watch$/m);
          await cms.create({ metadata: { name: "cfg" }, data: { a: "1", b: "2" } });
          // annotate writes the annotation; report sees the data, then the annotation.
          await ex.waitFor(new RegExp(`^annotate: ${ns}/cfg kubeno.dev/data-keys=2$`, "m"));
          await ex.waitFor(new RegExp(`^report: ${ns}/cfg data keys: a,b; annotated 2$`, "m"));
          assert.equal((await cms.get("cfg")).metadata.annotations?.["kubeno.dev/data-keys"], "2");
          await cms.patch("cfg", { type: "merge", body: { data: { c: "3" } } });
          await ex.waitFor(new RegExp(`^annotate: ${ns}/cfg kubeno.dev/data-keys=3$`, "m"));
          await ex.waitFor(new RegExp(`^report: ${ns}/cfg data keys: a,b,c; annotated 3$`, "m"));
          assertClean(ex, await ex.stop());
          assert.match(ex.out, /^stopped$/m, ex.output);
        });
      });
    },
  );

  Deno.test(
    {
      name: "e2e examples: multi_watcher merges Deployment, ConfigMap and Secret watchers",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      await withNamespace(client, "e2e-ex-multi", async (ns) => {
        await withExample("multi_watcher", client, [ns], async (ex) => {
          await ex.waitFor(/^listed all three; watching$/m);
          await Api.namespaced(client, ConfigMap, ns).create({ metadata: { name: "c1" } });
          await Api.namespaced(client, Secret, ns).create({ metadata: { name: "s1" } });
          await Api.namespaced(client, Deployment, ns).create(deployment("d1", "nginx:1.27"));
          await ex.waitFor(new RegExp(`^Apply ConfigMap ${ns}/c1$`, "m"));
          await ex.waitFor(new RegExp(`^Apply Secret ${ns}/s1$`, "m"));
          await ex.waitFor(new RegExp(`^Apply Deployment ${ns}/d1$`, "m"));
          await Api.namespaced(client, Secret, ns).delete("s1");
          await ex.waitFor(new RegExp(`^Delete Secret ${ns}/s1$`, "m"));
          assertClean(ex, await ex.stop());
        });
      });
    },
  );

  Deno.test(
    { name: "e2e examples: version_rs answers the Deployments' versions from its store", ...opts },
    async () => {
      using client = await Client.tryDefault();
      await withNamespace(client, "e2e-ex-version", async (ns) => {
        const deployments = Api.namespaced(client, Deployment, ns);
        const host = new URL(client.config.clusterUrl).host;
        await withExample("version_rs", client, ["--port", "0", ns], async (ex) => {
          const [, port] = await ex.waitFor(/^listening on http:\/\/127\.0\.0\.1:(\d+)$/m);
          await ex.waitFor(/^synced: 0 deployments in /m);
          const get = async (path: string, init?: RequestInit) => {
            const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
            return { status: res.status, body: await res.text() };
          };
          assert.equal((await get("/readyz")).status, 200);
          assert.deepEqual(await get("/versions"), { status: 200, body: "[]" });
          await deployments.create(deployment("web", "registry.example:5000/team/web:1.2.3"));
          await deployments.create(deployment("db", "postgres"));
          const want = [
            { container: "postgres", name: "db", namespace: ns, version: "latest" },
            {
              container: "registry.example:5000/team/web",
              name: "web",
              namespace: ns,
              version: "1.2.3",
            },
          ];
          await untilJson(() => get("/versions"), want);
          assert.deepEqual(JSON.parse((await get(`/versions/${ns}/web`)).body), want[1]);
          // A change and a delete reach the store through the watch.
          await deployments.patch("web", {
            type: "json",
            body: [{
              op: "replace",
              path: "/spec/template/spec/containers/0/image",
              value: "web:2",
            }],
          });
          await deployments.delete("db");
          await untilJson(() => get("/versions"), [
            { container: "web", name: "web", namespace: ns, version: "2" },
          ]);
          // Hostile or unknown requests: a plain 404 or 405, nothing else.
          assert.equal((await get(`/versions/${ns}/db`)).status, 404);
          for (const path of ["/versions/a/b/c", "/versions/%2e%2e/x/y", "/x".repeat(2_000), "/"]) {
            assert.equal((await get(path)).status, 404, path.slice(0, 40));
          }
          assert.equal((await get("/versions", { method: "POST", body: "{}" })).status, 405);
          const metrics = (await get("/metrics")).body;
          const versions = metrics.match(
            /^api_http_requests_total\{method="GET",path="\/versions",status="200"\} (\d+)$/m,
          );
          assert.ok(versions && Number(versions[1]) >= 3, metrics);
          assert.match(
            metrics,
            /^api_http_requests_total\{method="GET",path="other",status="404"\} 4$/m,
          );
          assert.match(
            metrics,
            /^api_http_requests_duration_seconds_count\{.*path="\/versions".*\} \d+$/m,
          );
          assertClean(ex, await ex.stop());
          assert.match(ex.out, /^stopped$/m, ex.output);
        }, { flags: [`--allow-net=${host},127.0.0.1`] });
      });
    },
  );

  Deno.test({ name: "e2e examples: pod_api runs every verb and exits 0", ...opts }, async () => {
    using client = await Client.tryDefault();
    await withNamespace(client, "e2e-ex-podapi", async (ns) => {
      await defaultServiceAccount(client, ns);
      await withExample("pod_api", client, [ns], async (ex) => {
        // It ends by itself.
        assertClean(ex, await ex.exit(30_000));
        for (
          const line of [
            new RegExp(`^created ${ns}/blog uid=\\S+$`, "m"),
            /^got blog, phase /m,
            /^applied activeDeadlineSeconds=5$/m,
            /^labels now \{"app":"blog","tier":"web"\}$/m,
            /^listed blog$/m,
            /^(deleted|deleting blog)$/m,
          ]
        ) assert.match(ex.out, line, ex.output);
      });
    });
  });

  Deno.test(
    {
      name:
        "e2e examples: exec_auth reaches the cluster through a plugin with --allow-run=<plugin>",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      const dir = await Deno.makeTempDir({ prefix: "kubeno-ex-exec-" });
      try {
        const e = clusterEnv();
        const plugin = new RecordingPlugin(dir);
        const out = `${dir}/out`;
        await Deno.writeTextFile(
          out,
          JSON.stringify({
            apiVersion: "client.authentication.k8s.io/v1",
            kind: "ExecCredential",
            status: { token: e.tokens.admin },
          }),
        );
        const kubeconfig = writeClusterKubeconfig(`${dir}/kubeconfig`, {
          exec: execStanza(plugin, {}, { PLUGIN_OUT: out }),
        });
        const env = { KUBECONFIG: kubeconfig };
        // Without --allow-run: the error names the flag, the plugin never runs.
        const denied = new Example("exec_auth", client, [], { env });
        try {
          assert.notEqual((await denied.exit(30_000)).code, 0, denied.output);
          assert.ok(denied.err.includes(`--allow-run=${plugin.path}`), denied.output);
          assert.equal(plugin.runs().length, 0);
        } finally {
          await denied.close();
        }
        await withExample("exec_auth", client, [], async (ex) => {
          assertClean(ex, await ex.exit(30_000));
          assert.match(ex.out, new RegExp(`^credentials from exec plugin ${plugin.path} `, "m"));
          assert.match(ex.out, /^authenticated as kubeno-admin \(groups: system:masters, /m);
          assert.match(ex.out, /^the plugin ran 1 time\(s\)$/m);
        }, { flags: [`--allow-run=${plugin.path}`], env });
        assert.equal(plugin.runs().length, 1);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}

if (requireCluster()) {
  Deno.test(
    { name: "e2e examples: log_stream prints a pod's log and follows it (kwok node)", ...opts },
    async () => {
      using client = await Client.tryDefault();
      await withKubectlNamespace("e2e-ex-logs", async (ns) => {
        await runPod(ns, "p");
        const path = containerLogPath(ns, "p", "app");
        Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "first ✓"));
        await withExample("log_stream", client, ["p", "-n", ns, "-f"], async (ex) => {
          await ex.waitFor(/^first ✓\n/);
          Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "second"), {
            append: true,
          });
          await ex.waitFor(/^first ✓\nsecond\n$/);
          assertClean(ex, await ex.stop());
        });
      });
    },
  );

  Deno.test(
    {
      name: "e2e examples: pod_exec passes stdout, stderr, stdin and the exit code (kwok node)",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      await withKubectlNamespace("e2e-ex-exec", async (ns) => {
        await runPod(ns, "p");
        const run = async (args: string[], stdin?: string) => {
          const child = new Deno.Command(Deno.execPath(), {
            args: ["run", "--no-prompt", ...flags(client), "examples/pod_exec.ts", ...args],
            cwd: root,
            stdin: stdin === undefined ? "null" : "piped",
            stdout: "piped",
            stderr: "piped",
            env: { NO_COLOR: "1" },
          }).spawn();
          if (stdin !== undefined) {
            const w = child.stdin.getWriter();
            await w.write(new TextEncoder().encode(stdin));
            await w.close();
          }
          const out = await child.output();
          const dec = new TextDecoder();
          return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
        };
        const r = await run([
          "p",
          "-n",
          ns,
          "--",
          "sh",
          "-c",
          "echo $((6*7)); echo err >&2; exit 3",
        ]);
        assert.deepEqual(r, { code: 3, stdout: "42\n", stderr: "err\n" });
        const cat = await run(["p", "-n", ns, "-i", "--", "tr", "a-z", "A-Z"], "piped in\n");
        assert.deepEqual(cat, { code: 0, stdout: "PIPED IN\n", stderr: "" });
      });
    },
  );
}

if (requireCluster()) {
  Deno.test(
    {
      name: "e2e examples: pod_portforward forwards a local port to a pod port (kwok node)",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      await withKubectlNamespace("e2e-ex-pf", async (ns) => {
        await runPod(ns, "p");
        const echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const serving = (async () => {
          for await (const c of echo) c.readable.pipeTo(c.writable).catch(() => {});
        })().catch(() => {});
        try {
          mapPodPort(ns, "p", 7000, `127.0.0.1:${(echo.addr as Deno.NetAddr).port}`);
          await withExample("pod_portforward", client, ["p", "0:7000", "-n", ns], async (ex) => {
            const port = Number(
              (await ex.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 7000/))[1],
            );
            const conn = await Deno.connect({ hostname: "127.0.0.1", port });
            try {
              await conn.write(new TextEncoder().encode("ping"));
              const buf = new Uint8Array(16);
              const n = await conn.read(buf);
              assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), "ping");
            } finally {
              conn.close();
            }
            assertClean(ex, await ex.stop());
          }, { flags: [`--allow-net=${new URL(client.config.clusterUrl).host},127.0.0.1`] });
        } finally {
          echo.close();
          await serving;
        }
      });
    },
  );
}

/** Runs an example to its end with the narrow flags; stdin is written and closed (or null). */
async function runExample(
  client: Client,
  name: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags(client), `examples/${name}.ts`, ...args],
    cwd: root,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

if (requireCluster()) {
  Deno.test(
    {
      name: "e2e examples: pod_attach prints what the container prints from now on (kwok node)",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      await withKubectlNamespace("e2e-ex-attach", async (ns) => {
        await runPod(ns, "p");
        const path = containerLogPath(ns, "p", "app");
        Deno.writeTextFileSync(path, cri(criTime(new Date()), "stdout", "F", "before"));
        await withExample("pod_attach", client, ["p", "-n", ns], async (ex) => {
          // Attaching follows from the output's end at some moment after the start: append
          // until a line shows.
          let n = 0;
          await ex.waitFor(/^after \d+ ✓$/m, 60_000, async () => {
            Deno.writeTextFileSync(
              path,
              cri(criTime(new Date()), "stdout", "F", `after ${++n} ✓`),
              {
                append: true,
              },
            );
            await Promise.resolve();
          });
          Deno.writeTextFileSync(path, cri(criTime(new Date()), "stderr", "F", "to stderr"), {
            append: true,
          });
          const end = Date.now() + 30_000;
          while (!ex.err.includes("to stderr\n")) {
            assert.ok(Date.now() < end, `stderr line not passed on\n${ex.output}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          assert.ok(!ex.out.includes("before"), ex.output);
          assert.match(ex.err, new RegExp(`^attached to ${ns}/p \\(v5\\.channel\\.k8s\\.io\\)`));
          assertClean(ex, await ex.stop());
        });
        // The container goes on: a detach is not a stop.
        assert.equal(
          (await Api.namespaced(client, Pod, ns).get("p")).status?.phase,
          "Running",
        );
      });
    },
  );

  Deno.test(
    {
      name:
        "e2e examples: pod_evict reports a PodDisruptionBudget's 429 clearly (exit 75), then evicts (kwok node)",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      await withKubectlNamespace("e2e-ex-evict", async (ns) => {
        await runPod(ns, "p");
        await kubectlOk(["label", "-n", ns, "pod/p", "app=guarded"]);
        await kubectlOk([
          "create",
          "-n",
          ns,
          "pdb",
          "keep",
          "--selector=app=guarded",
          "--min-available=1",
        ]);
        await until("the budget to count the pod", async () => {
          const s = (await kubectlJson<
            { status?: { currentHealthy?: number; observedGeneration?: number } }
          >(
            ["get", "-n", ns, "pdb/keep"],
          )).status;
          return s?.observedGeneration === 1 && s.currentHealthy === 1 || undefined;
        });
        const pods = Api.namespaced(client, Pod, ns);
        const refused = await runExample(client, "pod_evict", ["p", "-n", ns]);
        assert.deepEqual(refused, {
          code: 75,
          stdout: "",
          stderr: `cannot evict ${ns}/p now: 429 TooManyRequests: ` +
            "Cannot evict pod as it would violate the pod's disruption budget.\n" +
            "a PodDisruptionBudget protects it; try again later\n",
        });
        assert.equal((await pods.get("p")).metadata.deletionTimestamp, undefined);
        const missing = await runExample(client, "pod_evict", ["absent", "-n", ns]);
        assert.equal(missing.code, 1, missing.stderr);
        assert.equal(
          missing.stderr,
          `pod_evict: POST /api/v1/namespaces/${ns}/pods/absent/eviction: 404 NotFound: pods "absent" not found\n`,
        );
        await kubectlOk(["delete", "-n", ns, "pdb/keep"]);
        const dry = await runExample(client, "pod_evict", ["p", "-n", ns, "--dry-run"]);
        assert.deepEqual(dry, {
          code: 0,
          stdout: `evicted ${ns}/p (server dry run)\n`,
          stderr: "",
        });
        assert.equal((await pods.get("p")).metadata.deletionTimestamp, undefined);
        const done = await runExample(client, "pod_evict", ["p", "-n", ns]);
        assert.deepEqual(done, { code: 0, stdout: `evicted ${ns}/p\n`, stderr: "" });
        await until("the evicted pod to go", async () => {
          const got = await pods.getOpt("p");
          return got === undefined || got.metadata.deletionTimestamp !== undefined || undefined;
        });
      });
    },
  );

  Deno.test(
    {
      name:
        "e2e examples: job_api runs a Job to completion, reads its pod's log, deletes it in the foreground (kwok node)",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      await withKubectlNamespace("e2e-ex-job", async (ns) => {
        await defaultServiceAccount(client, ns);
        // kwok only pretends to run the pod: its log is what this test writes, as soon as the
        // pod exists (long before the Job can complete: scheduling, two kwok status updates and
        // the Job controller's sync come between).
        const stop = new AbortController();
        const written = new Set<string>();
        const writing = (async () => {
          for await (
            const ev of watcher(Api.namespaced(client, Pod, ns), { signal: stop.signal })
          ) {
            if (ev.type !== "Apply" && ev.type !== "InitApply") continue;
            const name = ev.object.metadata.name!;
            if (written.has(name)) continue;
            written.add(name);
            Deno.writeTextFileSync(
              containerLogPath(ns, name, "countdown"),
              ["3", "2", "1"].map((t) => cri(criTime(new Date()), "stdout", "F", t)).join(""),
            );
          }
        })().catch(() => {});
        try {
          await withExample("job_api", client, [ns], async (ex) => {
            assertClean(ex, await ex.exit(150_000));
            const pod = [...written][0];
            assert.equal(written.size, 1, `${[...written]}\n${ex.output}`);
            assert.equal(
              ex.out,
              `created job ${ns}/countdown\n` +
                "job countdown completed: 1 pod(s) succeeded\n" +
                `log of pod ${pod} (Succeeded):\n3\n2\n1\n` +
                "deleted job countdown (Foreground): 1 pod(s) before, 0 left\n",
              ex.output,
            );
          });
        } finally {
          stop.abort();
          await writing;
        }
        const left = await kubectl(["get", "-n", ns, "jobs,pods", "-o", "name"]);
        assert.deepEqual([left.code, left.out], [0, ""], left.stderr);
      });
    },
  );

  Deno.test(
    {
      name:
        "e2e examples: pod_shell on a real pty: raw mode, remote echo, resize on SIGWINCH, exit code, terminal restored (kwok node)",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      await withKubectlNamespace("e2e-ex-shell", async (ns) => {
        await runPod(ns, "p");
        type Steps = Record<string, unknown>[];
        const onPty = async (args: string[], steps: Steps) => {
          const out = await new Deno.Command("python3", {
            args: [
              new URL("./_pty.py", import.meta.url).pathname,
              JSON.stringify(steps),
              "--",
              Deno.execPath(),
              "run",
              "--no-prompt",
              ...flags(client),
              "examples/pod_shell.ts",
              ...args,
            ],
            cwd: root,
            stdin: "null",
            stdout: "piped",
            stderr: "piped",
            env: { NO_COLOR: "1" },
          }).output();
          assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
          const r = JSON.parse(new TextDecoder().decode(out.stdout)) as {
            code: number | null;
            signal: number | null;
            output: string;
            modes: boolean[];
            restored: boolean;
            error: string | null;
          };
          // Deno's own progress-line clearing, before the program runs.
          r.output = r.output.replaceAll("\x1b[0G\x1b[2K\x1b[J", "");
          return r;
        };
        // The typed line: the remote terminal echoes it; a local terminal not in raw mode would
        // echo it a second time. Its output (`mark-42`) is not in the line itself.
        const typed = 'echo "ma""rk-$((6*7))"';
        const shell = await onPty(["p", "-n", ns], [
          { expect: "[$#] $", timeout: 60 },
          { mode: "raw" },
          { send: `${typed}\r` },
          { expect: "mark-42" },
          { resize: [101, 31] },
          // SIGWINCH -> resize frame and the typed command travel apart: type until seen.
          { until: "\\b31 101\\b", send: "stty size\r", tries: 10, every: 1 },
          { send: "exit 3\r" },
        ]);
        assert.equal(shell.error, null, shell.output);
        assert.equal(shell.code, 3, shell.output);
        assert.deepEqual(shell.modes, [true], "raw mode while the shell runs");
        assert.ok(shell.restored, `terminal attributes restored\n${shell.output}`);
        assert.equal(shell.output.split(typed).length - 1, 1, `echoed once\n${shell.output}`);
        assert.match(shell.output, /\r\nmark-42\r\r?\n/);
        assert.match(shell.output, /exit 3\r\r?\n$/);

        const stopped = await onPty(["p", "-n", ns], [
          { expect: "[$#] $", timeout: 60 },
          { mode: "raw" },
          { signal: "SIGTERM" },
        ]);
        assert.equal(stopped.error, null, stopped.output);
        assert.deepEqual([stopped.code, stopped.modes, stopped.restored], [143, [true], true]);

        const absent = await onPty(["absent", "-n", ns], []);
        assert.equal(absent.code, 1, absent.output);
        assert.ok(absent.restored);
        assert.equal(
          absent.output,
          `pod_shell: GET /api/v1/namespaces/${ns}/pods/absent/exec: 404 NotFound: pods "absent" not found\r\n`,
        );

        const piped = await runExample(client, "pod_shell", ["p", "-n", ns], "ls\n");
        assert.deepEqual(piped, {
          code: 2,
          stdout: "",
          stderr: "pod_shell.ts needs a terminal on stdin; for pipes use pod_exec.ts -i\n",
        });
      });
    },
  );
}

if (requireCluster()) {
  Deno.test(
    {
      name:
        "e2e examples: admission_controller denies, patches, serves a rotated certificate, removes its configurations on SIGTERM",
      ...opts,
    },
    async () => {
      using client = await Client.tryDefault();
      // One CA, two serving certificates: the second replaces the first while it runs.
      const [{ ca, servings: [first, second] }] = await webhookPki(1, 2);
      const dir = await Deno.makeTempDir({ prefix: "kubeno-admission-example-" });
      const files = { cert: `${dir}/tls.crt`, key: `${dir}/tls.key`, ca: `${dir}/ca.crt` };
      const install = async (p: { cert: string; key: string }) => {
        await Deno.writeTextFile(files.cert, p.cert);
        await Deno.writeTextFile(files.key, p.key);
      };
      await install(first);
      await Deno.writeTextFile(files.ca, ca);
      try {
        await withNamespace(client, "e2e-ex-admission", async (ns) => {
          const cms = Api.namespaced(client, ConfigMap, ns);
          const args = [
            `--cert-file=${files.cert}`,
            `--key-file=${files.key}`,
            `--ca-file=${files.ca}`,
            "--port=0",
            `--namespace=${ns}`,
            `--name=${ns}`,
          ];
          // The header's permissions: 127.0.0.1 to listen, the three PEM files to read.
          const more = { flags: ["--allow-net=127.0.0.1", `--allow-read=${dir}`] };
          const configs = [
            Api.all(client, ValidatingWebhookConfiguration),
            Api.all(client, MutatingWebhookConfiguration),
          ] as Api<KubeObject>[];
          try {
            await withExample("admission_controller", client, args, async (ex) => {
              await ex.waitFor(/webhooks registered/);
              // The apiserver picks the configurations up shortly after: retry until denied.
              let denied: ApiError | undefined;
              for (let i = 0; !denied && i < 240; i++) {
                try {
                  await cms.create({
                    metadata: { name: `forbidden-${i}`, labels: { forbidden: "" } },
                  });
                  await new Promise((r) => setTimeout(r, 250));
                } catch (e) {
                  if (!(e instanceof ApiError) || e.code !== 422) throw e;
                  denied = e;
                }
              }
              assert.match(
                denied?.status.message ?? "",
                /denied the request: configmaps labelled forbidden are not allowed/,
                ex.output,
              );
              await cms.create({ metadata: { name: "plain" } });
              assert.deepEqual((await cms.get("plain")).metadata.labels, { team: "none" });
              await ex.waitFor(new RegExp(`CREATE ${ns}/plain: patched`));

              // Rotation: new files, picked up by polling; the apiserver's calls keep working.
              await install(second);
              await ex.waitFor(/serving a new certificate/);
              await cms.create({ metadata: { name: "after-rotation", labels: { team: "x" } } });
              await ex.waitFor(new RegExp(`CREATE ${ns}/after-rotation: allowed`));

              assertClean(ex, await ex.stop());
              assert.match(ex.out, /webhooks removed, stopped/);
              assert.doesNotMatch(ex.err, /keeping the previous certificate/);
            }, more);
            for (const api of configs) {
              await assert.rejects(
                api.get(ns),
                (e: ApiError) => e.code === 404,
                `${api.resource.kind} ${ns} left behind`,
              );
            }
          } finally {
            // Left behind (the example failed), they would fail ConfigMap writes in ns.
            for (const api of configs) await api.delete(ns).catch(() => {});
          }
        });
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}

Deno.test({
  name: "e2e examples: the operator's command line refuses an unknown flag and a bad duration",
  ignore: !canRun,
  async fn() {
    // Parsed before any permission or cluster is needed: no flags at all.
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", "examples/configmapgen_controller.ts", ...args],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    };
    const unknown = await run("--namespace=x", "--bogus");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^configmapgen: .*'--bogus'/m);
    const bad = await run("--leader-elect", "--lease-duration-ms=soon");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^configmapgen: --lease-duration-ms wants milliseconds > 0/m);
    const crd = await run("--print-crd");
    assert.equal(crd.code, 0);
  },
});
