// The Manager against the real apiserver: two controllers on ONE sharedReflector watch, under
// one Lease and one metrics server. The number of watch connections is read on the server side,
// from kube-apiserver's own /metrics:
//
// - `apiserver_longrunning_requests{verb="WATCH",group,resource,scope}` is a gauge of the WATCH
//   requests open right now. Built-in resources are watched by the apiserver's and the
//   controller-manager's own informers (configmaps has several, scope "namespace" included),
//   whose watches come and go on their own timeouts; so the test watches a custom resource
//   whose group exists only in this file: its gauge is 0 before, and exactly what the test
//   opens while it runs.
// - `apiserver_request_total{verb="WATCH",group,resource}` counts WATCH requests once they end,
//   so its increase over a whole run is the number of watch connections the run made in total.
//
// A control run with two controllers that each watch through their own Api shows 2 on the same
// gauge: the measurement tells one connection from two.
//
// The shared run is not admin: it uses a ServiceAccount token bound to exactly manager.rbac()
// (the list and watch of the one stream, the patch `stamp` declares with uses(), the Lease's
// get/update/create), so the union the Manager derives is what the real authorizer needs;
// and each of those six verbs removed in turn fails the step that uses it with a Forbidden
// naming that verb and resource (the Lease never acquired, the list never synced, the watch
// refused, the patch refused).

import assert from "node:assert/strict";
import { z } from "zod";
import {
  Action,
  Api,
  ApiError,
  applyCrd,
  Client,
  Config,
  Controller,
  customResource,
  type InferResource,
  type KubeRequest,
  Manager,
  predicates,
  rbacManifests,
  type RbacRules,
  sharedReflector,
  watcher,
} from "../../mod.ts";
import { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { Lease } from "../../core/k8s/coordination.k8s.io/v1.ts";
import { ServiceAccount } from "../../core/k8s/core/v1.ts";
import type { TokenRequest } from "../../core/k8s/authentication.k8s.io/v1.ts";
import { SelfSubjectAccessReview } from "../../core/k8s/authorization.k8s.io/v1.ts";
import { Role, RoleBinding } from "../../core/k8s/rbac.authorization.k8s.io/v1.ts";
import { type LogRecord, setLogHandler } from "../../core/log.ts";
import { writeClusterKubeconfig } from "./_auth.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";

const GROUP = "manager.e2e.kubeno.dev";
const Widget = customResource({
  group: GROUP,
  version: "v1",
  kind: "Widget",
  namespaced: true,
  spec: z.object({ n: z.int() }),
});
type Widget = InferResource<typeof Widget>;

/** The samples of `metric` whose labels include `labels`, summed. */
async function apiserverMetric(
  client: Client,
  metric: string,
  labels: Record<string, string>,
): Promise<number> {
  const req: KubeRequest = {
    method: "GET",
    path: "/metrics",
    query: new URLSearchParams(),
    headers: { accept: "text/plain" },
  };
  const text = await client.requestText(req);
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== metric) continue;
    const got = Object.fromEntries(
      [...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

const WATCH = { verb: "WATCH", group: GROUP, resource: "widgets" };
const openWatches = (c: Client) =>
  apiserverMetric(c, "apiserver_longrunning_requests", { ...WATCH, scope: "namespace" });
const watchRequests = (c: Client) => apiserverMetric(c, "apiserver_request_total", WATCH);

/** Polls `read` until it gives `want` (the apiserver records a request's end a moment after it). */
async function settlesAt(read: () => Promise<number>, want: number, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  let got = await read();
  while (got !== want && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    got = await read();
  }
  assert.equal(got, want, what);
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    assert.ok(Date.now() < end, `timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The shared run: one watcher, two controllers (audit reads; stamp annotates), one Lease. */
function sharedManager(client: Client, ns: string, identity: string, signal: AbortSignal) {
  const widgets = Api.namespaced(client, Widget, ns);
  const manager = new Manager(client, {
    signal,
    leaderElection: { namespace: ns, name: "manager-e2e", identity },
    metrics: { port: 0, hostname: "127.0.0.1" },
  });
  const shared = sharedReflector(watcher(widgets, { signal: manager.signal }));
  const seen = { audit: new Set<string>(), stamp: new Set<string>(), errors: [] as unknown[] };
  const retry = (_w: unknown, err: unknown) => (seen.errors.push(err), Action.requeue(1_000));
  // Metadata writes do not change a custom resource's generation: stamp's own patch does not
  // trigger either controller again.
  const config = { predicate: predicates.generation };
  manager
    .add(
      Controller.forStream(Widget, shared.subscribe(), { ...config, streamOf: widgets }),
      (w) => {
        seen.audit.add(w.metadata.name!);
        return Promise.resolve(Action.awaitChange());
      },
      retry,
      {},
      { name: "audit" },
    )
    .add(
      Controller.forStream(Widget, shared.subscribe(), { ...config, streamOf: false })
        .uses(widgets, ["patch"], { reason: "stamp: annotate" }),
      async (w, _ctx, info) => {
        await widgets.patch(
          w.metadata.name!,
          {
            type: "merge",
            body: { metadata: { annotations: { "e2e.kubeno.dev/stamped": "yes" } } },
          },
          {},
          { signal: info.signal },
        );
        seen.stamp.add(w.metadata.name!);
        return Action.awaitChange();
      },
      retry,
      {},
      { name: "stamp" },
    );
  return { manager, shared, seen, widgets };
}

/** A client with a token of a new ServiceAccount bound to exactly `rules` (a Role in `ns`). */
async function boundClient(admin: Client, ns: string, rules: RbacRules): Promise<Client> {
  const name = "manager-e2e";
  const sas = Api.namespaced(admin, ServiceAccount, ns);
  await sas.create({ metadata: { name } });
  assert.deepEqual(rules.cluster, [], "a namespaced program needs no ClusterRole");
  for (const obj of rbacManifests(rules, { name, serviceAccount: { name, namespace: ns } })) {
    if (obj.kind === "Role") await Api.namespaced(admin, Role, ns).create(obj as Role);
    else await Api.namespaced(admin, RoleBinding, ns).create(obj as RoleBinding);
  }
  const tr = await sas.createSubresource<TokenRequest>("token", name, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 900 },
  });
  const dir = await Deno.makeTempDir({ prefix: "kubeno-manager-e2e-" });
  const path = writeClusterKubeconfig(`${dir}/sa.kubeconfig`, { token: tr.status!.token });
  const client = new Client(await Config.fromKubeconfig({ path }), { retry: { maxRetries: 0 } });
  await Deno.remove(dir, { recursive: true });
  // The authorizer follows Roles through a watch: wait until it grants every rule.
  const reviews = Api.all(client, SelfSubjectAccessReview);
  const end = Date.now() + 10_000;
  for (const rule of rules.namespaces[ns]) {
    for (const verb of rule.verbs) {
      const [resource, subresource] = rule.resources![0].split("/");
      const attrs = { group: rule.apiGroups![0], resource, subresource, verb, namespace: ns };
      const name = rule.resourceNames?.[0];
      while (
        !(await reviews.create({
          metadata: {},
          spec: { resourceAttributes: name ? { ...attrs, name } : attrs },
        })).status?.allowed
      ) {
        assert.ok(Date.now() < end, `never allowed: ${verb} ${resource}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return client;
}

if (requireCluster()) {
  Deno.test({
    name:
      "e2e manager: two controllers on one sharedReflector make ONE watch connection (apiserver metrics), both reconcile, under one Lease and a ServiceAccount bound to exactly manager.rbac(); each verb removed is a Forbidden",
    sanitizeResources: false,
    sanitizeOps: false,
  }, async () => {
    using client = await Client.tryDefault();
    const crds = Api.all(client, CustomResourceDefinition);
    await applyCrd(client, Widget, { signal: AbortSignal.timeout(60_000) });
    try {
      await withNamespace(client, "e2e-manager", async (ns) => {
        const widgets = Api.namespaced(client, Widget, ns);
        for (const name of ["w1", "w2"]) {
          await widgets.create({ metadata: { name }, spec: { n: 1 } } as Widget);
        }
        assert.equal(await openWatches(client), 0, "nobody else watches this resource");
        const requestsBefore = await watchRequests(client);

        // The shared run, under a ServiceAccount bound to exactly what the manager derives.
        const stop = new AbortController();
        const identity = `e2e-${crypto.randomUUID().slice(0, 8)}`;
        const rules = sharedManager(client, ns, identity, stop.signal).manager.rbac();
        console.log(`derived rules in ${ns}: ${JSON.stringify(rules.namespaces[ns])}`);
        using sa = await boundClient(client, ns, rules);
        await assert.rejects(
          Api.namespaced(sa, Widget, ns).delete("w1"),
          (e: unknown) => e instanceof ApiError && e.code === 403,
          "not admin: what the rules do not grant is refused",
        );
        const { manager, shared, seen } = sharedManager(sa, ns, identity, stop.signal);
        const running = manager.run();
        await manager.ready();
        await until(() => seen.audit.size === 2 && seen.stamp.size === 2, "both reconcile w1, w2");
        await widgets.create({ metadata: { name: "w3" }, spec: { n: 3 } } as Widget);
        await until(
          () => seen.audit.has("w3") && seen.stamp.has("w3"),
          "both reconcile w3, created while they run",
        );
        const open = await openWatches(client);
        console.log(`shared: open WATCH requests for widgets while running: ${open}`);
        assert.equal(open, 1, "one watch connection for both controllers");
        assert.equal(shared.subscriberCount, 2);

        // One Lease and one metrics server for both.
        const leases = Api.namespaced(client, Lease, ns);
        assert.equal((await leases.get("manager-e2e")).spec?.holderIdentity, identity);
        const base = `http://127.0.0.1:${manager.metricsAddress!.port}`;
        assert.equal((await fetch(`${base}/readyz`)).status, 200);
        const metrics = await (await fetch(`${base}/metrics`)).text();
        for (const name of ["audit", "stamp"]) {
          assert.match(
            metrics,
            new RegExp(
              `^kubeno_reconciles_total\\{controller="${name}",outcome="success"\\} 3$`,
              "m",
            ),
          );
        }
        assert.match(metrics, /^kubeno_leader_election_leading 1$/m);
        for (const w of (await widgets.list()).items) {
          assert.equal(w.metadata.annotations?.["e2e.kubeno.dev/stamped"], "yes", w.metadata.name!);
        }

        stop.abort();
        await running;
        assert.equal(manager.signal.aborted, true);
        await settlesAt(() => openWatches(client), 0, "the watch closed with the manager");
        await settlesAt(
          async () => (await watchRequests(client)) - requestsBefore,
          1,
          "the whole run made exactly one WATCH request",
        );
        assert.equal((await leases.get("manager-e2e")).spec?.holderIdentity, "", "released");

        // Each verb of the derived rules removed in turn: the run fails where that verb is
        // used, with the apiserver's Forbidden naming the verb and the resource.
        const roles = Api.namespaced(client, Role, ns);
        const reviews = Api.all(sa, SelfSubjectAccessReview);
        const records: string[] = [];
        const previous = setLogHandler((r: LogRecord) => {
          records.push(`${r.message} ${r.error instanceof Error ? r.error.message : ""}`);
        });
        try {
          for (const [i, rule] of rules.namespaces[ns].entries()) {
            for (const verb of rule.verbs) {
              const [group, resource] = [rule.apiGroups![0], rule.resources![0]];
              const fewer = structuredClone(rules.namespaces[ns]);
              fewer[i].verbs = fewer[i].verbs.filter((v) => v !== verb);
              const role = await roles.get("manager-e2e");
              await roles.replace("manager-e2e", {
                ...role,
                rules: fewer.filter((r) => r.verbs.length > 0),
              });
              const attrs = {
                group,
                resource,
                verb,
                namespace: ns,
                ...(rule.resourceNames ? { name: rule.resourceNames[0] } : {}),
              };
              const end = Date.now() + 10_000;
              while (
                (await reviews.create({ metadata: {}, spec: { resourceAttributes: attrs } }))
                  .status?.allowed
              ) {
                assert.ok(Date.now() < end, `${verb} ${resource} still allowed`);
                await new Promise((r) => setTimeout(r, 100));
              }
              // The Lease as each verb needs it to be the step that fails:
              // so that each step runs: create only for a missing Lease, update for one that is.
              if (resource === "leases" && verb === "create") {
                await leases.delete("manager-e2e").catch(() => {});
              } else if (!(await leases.getOpt("manager-e2e"))) {
                await leases.create({ metadata: { name: "manager-e2e" }, spec: {} });
              }
              records.length = 0;
              const halt = new AbortController();
              const run = sharedManager(sa, ns, identity, halt.signal);
              const done = run.manager.run().catch((e) => e);
              const said = new RegExp(
                `cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${ns}"`,
              );
              const text = () =>
                [...records, ...run.seen.errors.map((e) => (e as Error).message)].join("\n");
              await until(
                () => said.test(text()),
                `a Forbidden naming ${verb} ${resource}`,
                20_000,
              );
              if (resource === "leases") {
                assert.equal(run.manager.isStandby, true, `${verb} leases: never leads`);
                assert.equal(run.seen.audit.size, 0, "no controller ran without the Lease");
              } else if (verb === "patch") {
                assert.equal(run.seen.stamp.size, 0, "stamp cannot write");
                await until(() => run.seen.audit.size === 3, "audit still reconciles");
              } else if (verb === "list") {
                assert.equal(run.manager.isReady, false, "list widgets: never synced");
              } // watch: the list synced the stores; every watch attempt after it is refused
              console.log(`without ${verb} ${resource}: ${said.source.slice(0, 40)}... seen`);
              halt.abort();
              await done;
            }
          }
        } finally {
          setLogHandler(previous);
        }

        // Control: the same two controllers, each with its own watch of the Api.
        const stop2 = new AbortController();
        const separate = new Manager(client, { signal: stop2.signal });
        const idle = () => Promise.resolve(Action.awaitChange());
        const retry = () => Action.requeue(1_000);
        separate
          .add(new Controller(widgets), idle, retry, {}, { name: "one" })
          .add(new Controller(widgets), idle, retry, {}, { name: "two" });
        const running2 = separate.run();
        await separate.ready();
        const open2 = await openWatches(client);
        console.log(`separate: open WATCH requests for widgets while running: ${open2}`);
        assert.equal(open2, 2, "the control: two watches are seen as two");
        stop2.abort();
        await running2;
      });
    } finally {
      await crds.delete(`widgets.${GROUP}`).catch(() => {});
    }
  });
}
