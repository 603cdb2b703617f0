/**
 * `deno task demo`: the configmapgen operator, end to end, against a real control plane.
 *
 * 1. Uses `$KUBECONFIG` if it reaches a cluster; otherwise starts the local control plane of
 *    tests/cluster (`deno task cluster up`) and stops it again at the end.
 * 2. Applies the `ConfigMapGenerator` CRD and waits until it is established.
 * 3. Starts the operator as a separate `deno run` with only the Deno permissions it needs, as a
 *    ServiceAccount bound to exactly the RBAC rules derived from its code
 *    (`configMapGenController(...).rbac()`), with a TokenRequest token: not as admin. (The
 *    demo itself writes that token's kubeconfig to a temporary file, mode 0600, deleted at
 *    the end: hence its `--allow-write`.)
 * 4. Creates, changes and deletes generators, edits and deletes their ConfigMaps by hand, and
 *    checks on the server that the operator did each expected thing: live output of the
 *    operator, the ConfigMaps and the Events as it goes.
 * 5. Prints a summary. On a terminal it then leaves the operator running until Ctrl-C so you
 *    can try kubectl yourself; otherwise it exits: 0 only if every step was observed.
 *
 * Ctrl-C at any point stops the operator, deletes the demo namespace and stops a cluster it
 * started.
 *
 * @module
 */

import { Api, applyCrd, Client, Config, shutdownSignal, watcher } from "../../mod.ts";
import { SelfSubjectAccessReview } from "../../core/k8s/authorization.k8s.io/v1.ts";
import { ConfigMap, Namespace } from "../../core/k8s/core/v1.ts";
import { Event } from "../../core/k8s/events.k8s.io/v1.ts";
import { ConfigMapGenerator, FINALIZER, REPORTER } from "../configmapgen_controller.ts";
import {
  operatorFlags,
  operatorIdentity,
  type OperatorProcess,
  startOperator,
} from "./operator.ts";

const tty = Deno.stdout.isTerminal();
const t0 = performance.now();
const color = (code: number) => (s: string) => tty ? `\x1b[${code}m${s}\x1b[0m` : s;
const dim = color(2), green = color(32), red = color(31), cyan = color(36), yellow = color(33);
const stamp = () => dim(`+${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s`);
const say = (who: string, line: string) => {
  // After SIGHUP the terminal may be gone; the cleanup must go on regardless.
  try {
    console.log(`${stamp()} ${who} ${line}`);
  } catch { /* no terminal */ }
};

// SIGHUP too: closing the terminal must clean up as Ctrl-C does.
const signal = shutdownSignal(["SIGINT", "SIGTERM", "SIGHUP"]);
const cleanups: (() => Promise<unknown>)[] = [];

interface StepResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}
const results: StepResult[] = [];
/** Who the operator ran as, for the summary. */
let ranAs = "";

/** Runs `action`, then polls `check` until it returns true (or a string: why not yet). */
/** How often a step that is still waiting says what for. */
const WAITING_EVERY_MS = 5_000;

async function step(
  name: string,
  action: () => Promise<unknown>,
  check: () => Promise<true | string>,
  opts: { timeoutMs?: number; why?: string } = {},
): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  signal.throwIfAborted();
  say(cyan("demo    "), `${name}`);
  const start = performance.now();
  let last = "";
  let said = start;
  try {
    await action();
    const end = Date.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      const r = await check().catch((e) => `error: ${e instanceof Error ? e.message : e}`);
      if (r === true) break;
      last = r;
      if (Date.now() > end) throw new Error(`not observed within ${timeoutMs} ms: ${last}`);
      // Never silent: a long wait says what it waits for (and why it may take a while).
      const now = performance.now();
      if (now - said >= WAITING_EVERY_MS) {
        said = now;
        const why = opts.why ? dim(` — ${opts.why}`) : "";
        say(dim("demo  … "), `waiting ${((now - start) / 1000).toFixed(0)} s: ${last}${why}`);
      }
      await sleep(150);
    }
    const ms = performance.now() - start;
    results.push({ name, ok: true, ms });
    say(green("demo  ✓ "), `${name} ${dim(`(${ms.toFixed(0)} ms)`)}`);
    if (tty) await sleep(1_200);
    return true;
  } catch (err) {
    if (signal.aborted) throw err;
    const ms = performance.now() - start;
    const detail = err instanceof Error ? err.message : String(err);
    results.push({ name, ok: false, ms, detail });
    say(red("demo  ✗ "), `${name}: ${detail}`);
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

async function run(cmd: string[], quiet = false): Promise<string> {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: quiet ? "piped" : "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")} failed (exit ${out.code})`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** A client for $KUBECONFIG if it reaches a cluster; else the local control plane, started. */
async function connect(): Promise<{ client: Client; kubeconfig: string; started: boolean }> {
  const env = Deno.env.get("KUBECONFIG");
  if (env) {
    try {
      const client = await Client.tryDefault({ retry: { maxRetries: 0 }, timeoutMs: 5_000 });
      await client.requestText({
        method: "GET",
        path: "/version",
        query: new URLSearchParams(),
        headers: {},
      });
      say(
        cyan("demo    "),
        `using the cluster of KUBECONFIG=${env} (${client.config.clusterUrl.origin})`,
      );
      client.close();
      // The probe fails fast; the demo's own client retries (an apiserver restart is brief).
      return { client: await Client.tryDefault(), kubeconfig: env.split(":")[0], started: false };
    } catch (err) {
      say(yellow("demo    "), `KUBECONFIG=${env} does not answer (${(err as Error).message})`);
    }
  }
  say(
    cyan("demo    "),
    "starting the local control plane: deno task cluster up (first time: a few minutes)",
  );
  const deno = Deno.execPath();
  await run([deno, "task", "-q", "cluster", "up"]);
  const started = true;
  cleanups.push(async () => {
    say(cyan("demo    "), "stopping the local control plane");
    await run([deno, "task", "-q", "cluster", "down"], true).catch(() => {});
  });
  const envText = await run([deno, "task", "-q", "cluster", "env"], true);
  const m = /KUBECONFIG='([^']+)'/.exec(envText);
  if (!m) throw new Error(`deno task cluster env printed no KUBECONFIG: ${envText}`);
  Deno.env.set("KUBECONFIG", m[1]);
  return { client: await Client.tryDefault(), kubeconfig: m[1], started };
}

async function main(): Promise<number> {
  const { client, kubeconfig } = await connect();
  const ns = `kubeno-demo-${crypto.randomUUID().slice(0, 6)}`;

  // The CRD, applied server-side and waited for.
  const crd = await applyCrd(client, ConfigMapGenerator, {
    fieldManager: "kubeno-demo",
    force: true,
    timeoutMs: 30_000,
    signal,
  });
  say(cyan("demo    "), `CRD ${crd.metadata.name} established`);

  const namespaces = Api.all(client, Namespace);
  await namespaces.create({ metadata: { name: ns } });
  cleanups.push(async () => {
    say(cyan("demo    "), `deleting namespace ${ns}`);
    await namespaces.delete(ns).catch(() => {});
  });

  // The operator's identity: a ServiceAccount bound to exactly the rules derived from its code.
  const identity = await operatorIdentity(client, ns, ns, signal);
  cleanups.push(() => identity.dispose());
  const nsRules = identity.rules.namespaces[ns] ?? [];
  const ruleCount = nsRules.length + identity.rules.cluster.length;
  say(
    cyan("demo    "),
    `the operator runs as ${identity.user}, with only the RBAC derived from its code: ${
      identity.objects.join(", ")
    }`,
  );
  for (const r of [...identity.rules.cluster, ...nsRules]) {
    const group = r.apiGroups?.[0] ? `.${r.apiGroups[0]}` : "";
    say(dim("rbac    "), `${r.resources!.map((x) => x + group).join(", ")}: ${r.verbs.join(", ")}`);
  }
  ranAs = `The operator ran as ${identity.user}, bound only to the ${ruleCount} rules ` +
    `derived from its code (controller.rbac(): ${identity.objects.slice(1).join(", ")}), ` +
    "not as admin.";

  // Live view: the ConfigMaps and Events of the namespace.
  const live = new AbortController();
  cleanups.push(() => Promise.resolve(live.abort()));
  const cms = Api.namespaced(client, ConfigMap, ns);
  (async () => {
    for await (const ev of watcher(cms, { signal: live.signal, onError: () => {} })) {
      if (ev.type !== "Apply" && ev.type !== "Delete") continue;
      const cm = ev.object;
      if (cm.metadata.name === "kube-root-ca.crt") continue;
      say(
        yellow("cluster "),
        `ConfigMap ${cm.metadata.name} ${
          ev.type === "Delete" ? "deleted" : `content=${JSON.stringify(cm.data?.content)}`
        }`,
      );
    }
  })();
  const events = Api.namespaced(client, Event, ns);
  (async () => {
    for await (const ev of watcher(events, { signal: live.signal, onError: () => {} })) {
      if (ev.type !== "Apply") continue;
      const e = ev.object;
      const n = e.series?.count ? ` (x${e.series.count})` : "";
      say(
        yellow("event   "),
        `${e.type} ${e.reason} ${e.regarding?.kind}/${e.regarding?.name}: ${e.note}${n}`,
      );
    }
  })();

  // The operator, as its own process with narrow permissions and its own identity.
  const server = client.config.clusterUrl;
  say(
    cyan("demo    "),
    `starting the operator: deno run ${
      operatorFlags(server, identity.kubeconfig).join(" ")
    } examples/configmapgen_controller.ts --namespace=${ns}`,
  );
  const op: OperatorProcess = startOperator({
    server,
    kubeconfig: identity.kubeconfig,
    args: [`--namespace=${ns}`, "--identity=demo-operator"],
    onLine: (l) => say(dim("operator"), l.replace(/^\[demo-operator\] /, "")),
  });
  let operatorStopped = false;
  const gens = Api.namespaced(client, ConfigMapGenerator, ns);
  cleanups.push(async () => {
    if (!operatorStopped) {
      // While the operator runs, it finalizes what we delete; a Ctrl-C in the terminal reaches
      // it too, though, and then it is already on its way out.
      if (!op.stopping) await deleteGenerators(gens, 10_000);
      await op.stop();
    }
    // Our finalizer on a generator the operator never finalized would hold the namespace in
    // Terminating forever: take it off.
    await releaseGenerators(gens);
  });
  const content = async (name: string) => (await cms.getOpt(name))?.data?.content;

  await step("the operator starts and watches", () => Promise.resolve(), async () => {
    const exited = await Promise.race([op.done, sleep(0).then(() => undefined)]);
    if (exited) throw new Error(`the operator exited (code ${exited.code})`);
    return op.lines.some((l) => l.includes("started: watching")) || "no start line yet";
  });

  await step(
    "the operator's ServiceAccount may do what its code needs and nothing more",
    () => Promise.resolve(),
    async () => {
      using sa = new Client(await Config.fromKubeconfig({ path: identity.kubeconfig }));
      const reviews = Api.all(sa, SelfSubjectAccessReview);
      const may = async (verb: string, resource: string, group = "", subresource?: string) =>
        (await reviews.create({
          metadata: {},
          spec: { resourceAttributes: { verb, resource, group, subresource, namespace: ns } },
        })).status?.allowed === true;
      if (!(await may("patch", "configmapgenerators", "kubeno.dev", "status"))) {
        return "it may not patch configmapgenerators/status";
      }
      if (await may("list", "secrets")) return "it may list Secrets";
      if (await may("delete", "configmaps")) return "it may delete ConfigMaps";
      return true;
    },
  );

  let greetingUid = "";
  await step(
    "create ConfigMapGenerator greeting -> ConfigMap greeting, owned by it",
    async () => {
      const g = await gens.create(ConfigMapGenerator.new("greeting", { content: "hello" }));
      greetingUid = g.metadata.uid!;
    },
    async () => {
      const cm = await cms.getOpt("greeting");
      if (!cm) return "no ConfigMap yet";
      const ref = cm.metadata.ownerReferences?.find((r) => r.controller);
      if (ref?.uid !== greetingUid || ref.kind !== "ConfigMapGenerator") {
        return "no owner reference";
      }
      return cm.data?.content === "hello" || `content is ${cm.data?.content}`;
    },
  );

  await step("its status says Ready (status subresource)", () => Promise.resolve(), async () => {
    const g = await gens.getStatus("greeting");
    const ready = g.status?.conditions?.find((c) => c.type === "Ready");
    return (ready?.status === "True" && g.status?.observedGeneration === g.metadata.generation) ||
      "not Ready yet";
  });

  await step(
    "create ConfigMapGenerator farewell -> ConfigMap farewell",
    () => gens.create(ConfigMapGenerator.new("farewell", { content: "goodbye" })),
    async () => (await content("farewell")) === "goodbye" || "not there yet",
  );

  await step(
    "change greeting's spec -> its ConfigMap follows",
    () => gens.patch("greeting", { type: "merge", body: { spec: { content: "hello, world" } } }),
    async () => (await content("greeting")) === "hello, world" || "old content",
  );

  await step(
    "edit ConfigMap greeting by hand -> the operator reverts it",
    () =>
      cms.patch("greeting", { type: "merge", body: { data: { content: "tampered" } } }, {
        fieldManager: "kubectl-edit",
      }),
    async () => (await content("greeting")) === "hello, world" || "still tampered",
  );

  let farewellCmUid = "";
  await step(
    "delete ConfigMap farewell by hand -> the operator recreates it",
    async () => {
      farewellCmUid = (await cms.get("farewell")).metadata.uid!;
      await cms.delete("farewell");
    },
    async () => {
      const cm = await cms.getOpt("farewell");
      return (cm !== undefined && cm.metadata.uid !== farewellCmUid &&
        cm.data?.content === "goodbye") || "not recreated yet";
    },
  );

  await step("the operator's Events are on the server", () => Promise.resolve(), async () => {
    const list = await events.list();
    const ours = list.items.filter((e) =>
      e.reportingController === REPORTER && e.regarding?.name === "greeting"
    );
    const reasons = new Set(ours.map((e) => e.reason));
    return (reasons.has("ConfigMapCreated") && reasons.has("DriftReverted")) ||
      `reasons so far: ${[...reasons].join(", ") || "none"}`;
  });

  await step(
    "delete greeting -> finalizer cleanup, then it and its ConfigMap are gone (GC)",
    () => gens.delete("greeting"),
    async () => {
      if (await gens.getOpt("greeting")) return "the generator still exists";
      if (await cms.getOpt("greeting")) return "the ConfigMap is still there (garbage collector)";
      return true;
    },
    {
      timeoutMs: 60_000,
      why: "on a fresh cluster the garbage collector finds a new CRD on its periodic resync, " +
        "up to about 30 s after it was created",
    },
  );

  await step("the cleanup ran exactly once", () => sleep(tty ? 0 : 500), async () => {
    const list = await events.list();
    const cleaned = list.items.filter((e) =>
      e.reason === "CleanedUp" && e.regarding?.uid === greetingUid
    );
    const count = cleaned.reduce((n, e) => n + (e.series?.count ?? 1), 0);
    const logged = op.lines.filter((l) => /greeting: cleanup/.test(l)).length;
    return (count === 1 && logged === 1) ||
      `CleanedUp events ${count}, cleanup log lines ${logged}`;
  });

  await step(
    "delete farewell -> cleanup, nothing of ours is left in the namespace",
    () => gens.delete("farewell"),
    async () => {
      const left = (await gens.list()).items.map((g) => g.metadata.name);
      if (left.length > 0) return `generators left: ${left.join(", ")}`;
      const cmsLeft = (await cms.list({ labelSelector: "app.kubernetes.io/managed-by" })).items;
      return cmsLeft.length === 0 || `ConfigMaps left: ${cmsLeft.length} (garbage collector)`;
    },
    {
      timeoutMs: 60_000,
      why: "on a fresh cluster the garbage collector finds a new CRD on its periodic resync, " +
        "up to about 30 s after it was created",
    },
  );

  if (tty && results.every((r) => r.ok)) {
    summary();
    console.log(
      `\nThe operator keeps running. Try it, in another terminal:\n` +
        `  export KUBECONFIG=${kubeconfig}\n` +
        `  kubectl -n ${ns} apply -f - <<< '{"apiVersion":"kubeno.dev/v1","kind":"ConfigMapGenerator","metadata":{"name":"mine"},"spec":{"content":"hi"}}'\n` +
        `  kubectl -n ${ns} get cmg,cm\n` +
        `Press Ctrl-C to stop (the operator, the namespace${""} and what the demo started).\n`,
    );
    await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
    console.log();
  }

  operatorStopped = true;
  const stopping = performance.now();
  const status = await op.stop();
  const stopMs = performance.now() - stopping;
  const clean = status.code === 0 &&
    op.lines.some((l) => l.includes("stopped: reconciles finished"));
  results.push({
    name: "the operator stops cleanly on SIGTERM",
    ok: clean,
    ms: stopMs,
    detail: clean ? undefined : `exit code ${status.code}`,
  });
  say(
    clean ? green("demo  ✓ ") : red("demo  ✗ "),
    `the operator stopped (exit ${status.code}, ${stopMs.toFixed(0)} ms)`,
  );
  return results.every((r) => r.ok) ? 0 : 1;
}

/** Deletes every generator of the namespace and waits (up to `ms`) until they are gone. */
async function deleteGenerators(gens: Api<ConfigMapGenerator>, ms: number): Promise<void> {
  try {
    const items = (await gens.list()).items;
    if (items.length === 0) return;
    say(
      cyan("demo    "),
      `deleting ${items.length} ConfigMapGenerator(s); the operator finalizes them`,
    );
    await Promise.all(items.map((g) => gens.delete(g.metadata.name!).catch(() => {})));
    const end = Date.now() + ms;
    while (Date.now() < end && (await gens.list()).items.length > 0) {
      await new Promise((r) => setTimeout(r, 150));
    }
  } catch { /* best effort: releaseGenerators is the net */ }
}

/** Removes our finalizer from any generator left, so that the namespace can be deleted. */
async function releaseGenerators(gens: Api<ConfigMapGenerator>): Promise<void> {
  const items = await gens.list().then((l) => l.items, () => []);
  for (const g of items) {
    const i = g.metadata.finalizers?.indexOf(FINALIZER) ?? -1;
    if (i < 0) continue;
    say(
      cyan("demo    "),
      `removing finalizer ${FINALIZER} from ${g.metadata.name} (the operator is gone)`,
    );
    await gens.patch(g.metadata.name!, {
      type: "json",
      body: [
        { op: "test", path: `/metadata/finalizers/${i}`, value: FINALIZER },
        { op: "remove", path: `/metadata/finalizers/${i}` },
      ],
    }).catch((err) => say(red("demo    "), `could not: ${err.message}`));
  }
}

function summary(): void {
  const ok = results.filter((r) => r.ok).length;
  console.log(`\nSummary: ${ok}/${results.length} steps observed on the server`);
  if (ranAs) console.log(ranAs);
  for (const r of results) {
    const mark = r.ok ? green("✓") : red("✗");
    console.log(
      `  ${mark} ${r.name.padEnd(78)} ${String(r.ms.toFixed(0)).padStart(6)} ms${
        r.detail ? `  ${red(r.detail)}` : ""
      }`,
    );
  }
}

let code = 1;
try {
  code = await main();
} catch (err) {
  if (signal.aborted) {
    console.log("\ninterrupted: cleaning up");
    code = 130;
  } else {
    console.error(`demo failed: ${err instanceof Error ? err.stack ?? err.message : err}`);
    code = 1;
  }
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => {});
}
try {
  if (!(tty && code === 0)) summary();
  else console.log(`\n${green("all steps observed")}; stopped cleanly.`);
} catch { /* no terminal (SIGHUP) */ }
Deno.exit(code);
