/**
 * The RBAC derived from the code, proved on the real apiserver (RBAC authorization on): the
 * configmapgen operator's controller runs with a ServiceAccount token (TokenRequest) bound to
 * exactly `controller.rbac()` — not admin — and its whole scenario passes; with any single
 * verb of those rules removed, a specific step fails and a Forbidden error naming that
 * resource and verb reaches the program (a watch error, the error policy, or the Recorder).
 */

import assert from "node:assert/strict";
import {
  type Action,
  Api,
  ApiError,
  applyCrd,
  Client,
  Config,
  type DeepReadonly,
  type EventRecord,
  leaderElectionPermissions,
  LeaderElector,
  type PublishOptions,
  rbacManifests,
  type RbacRules,
  rbacRules,
  Recorder,
  type WatcherError,
} from "../../mod.ts";
import { ConfigMap, Namespace, ServiceAccount } from "../../core/k8s/core/v1.ts";
import { Event } from "../../core/k8s/events.k8s.io/v1.ts";
import type { TokenRequest } from "../../core/k8s/authentication.k8s.io/v1.ts";
import { SelfSubjectAccessReview } from "../../core/k8s/authorization.k8s.io/v1.ts";
import { Role, RoleBinding } from "../../core/k8s/rbac.authorization.k8s.io/v1.ts";
import { Lease } from "../../core/k8s/coordination.k8s.io/v1.ts";
import type { ObjectRef } from "../../mod.ts";
import type { ObjectReference } from "../../core/k8s/core/v1.ts";
import {
  configMapGenController,
  ConfigMapGenerator,
  type Context,
  errorPolicy,
  FINALIZER,
  MANAGER,
  reconcile,
} from "../../examples/configmapgen_controller.ts";
import { requireCluster } from "./_cluster.ts";
import { writeClusterKubeconfig } from "./_auth.ts";

/** Every error that reached the program, by where it surfaced. */
interface Seen {
  errors: { where: string; error: unknown }[];
}

/** A Recorder that also tells the test of the errors it throws (the operator logs them). */
class SeenRecorder extends Recorder {
  constructor(client: Client, readonly seen: Seen) {
    super(client, { controller: "kubeno.dev/configmapgen", instance: "e2e-rbac" });
  }
  override async publish(
    event: EventRecord,
    regarding: ObjectRef | ObjectReference,
    options?: PublishOptions,
  ) {
    try {
      return await super.publish(event, regarding, options);
    } catch (error) {
      this.seen.errors.push({ where: "recorder", error });
      throw error;
    }
  }
}

/** The ApiErrors in `err`'s cause chain. */
function apiErrors(err: unknown): ApiError[] {
  const out: ApiError[] = [];
  for (let e = err, i = 0; e && i < 10; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof ApiError) out.push(e);
  }
  return out;
}

async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`${what}: not within ${ms} ms${last ? ` (${last})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The scenario, step by step; returns the name of the first step that was not observed
 * within `stepMs` (undefined: all passed). `admin` acts as the user; the controller runs with
 * `sa`.
 */
async function scenario(
  admin: Client,
  sa: Client,
  ns: string,
  name: string,
  seen: Seen,
  stepMs: number,
): Promise<string | undefined> {
  const gens = Api.namespaced(admin, ConfigMapGenerator, ns);
  const cms = Api.namespaced(admin, ConfigMap, ns);
  const events = Api.namespaced(admin, Event, ns);
  const eventsOf = async (reason: string) =>
    (await events.list()).items.filter((e) => e.regarding?.name === name && e.reason === reason);
  // Created before the controller starts: its initial list sees it.
  await gens.create(ConfigMapGenerator.new(name, { content: "one" }, { namespace: ns }));
  const ac = new AbortController();
  const ctx: Context = { client: sa, recorder: new SeenRecorder(sa, seen), log: () => {} };
  const controller = configMapGenController(sa, {
    namespace: ns,
    onWatchError: (error: WatcherError) => seen.errors.push({ where: "watch", error }),
  });
  const policy = (
    obj: DeepReadonly<ConfigMapGenerator>,
    error: unknown,
    c: Context,
    info: Parameters<typeof errorPolicy>[3],
  ): Action => {
    seen.errors.push({ where: "error policy", error });
    return errorPolicy(obj, error, c, info);
  };
  const running = (async () => {
    for await (const _ of controller.run(reconcile, policy, ctx, { signal: ac.signal })) {
      // results are observed on the server
    }
  })();
  const steps: [string, () => Promise<boolean>, () => Promise<unknown>][] = [
    [
      "finalizer added",
      async () => (await gens.get(name)).metadata.finalizers?.includes(FINALIZER) === true,
      async () => {},
    ],
    ["owned ConfigMap applied", async () => {
      const cm = await cms.getOpt(name);
      return cm?.data?.content === "one" &&
        cm.metadata.ownerReferences?.[0]?.name === name;
    }, async () => {}],
    ["status Ready", async () => {
      const s = (await gens.get(name)).status;
      return s?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
    }, async () => {}],
    [
      "event ConfigMapCreated",
      async () => (await eventsOf("ConfigMapCreated")).length === 1,
      async () => {},
    ],
    [
      "hand edit reverted",
      async () =>
        (await cms.get(name)).data?.content === "one" &&
        (await eventsOf("DriftReverted")).length === 1,
      () => cms.patch(name, { type: "merge", body: { data: { content: "hand" } } }),
    ],
    [
      "second hand edit reverted, the event's series counts 2",
      async () =>
        (await cms.get(name)).data?.content === "one" &&
        (await eventsOf("DriftReverted"))[0]?.series?.count === 2,
      () => cms.patch(name, { type: "merge", body: { data: { content: "hand 2" } } }),
    ],
    [
      "deleted: cleanup event, finalizer removed",
      async () =>
        (await gens.getOpt(name)) === undefined &&
        (await eventsOf("CleanedUp")).length === 1,
      () => gens.delete(name),
    ],
  ];
  let failed: string | undefined;
  try {
    for (const [step, check, act] of steps) {
      await act();
      try {
        await until(step, check, stepMs);
      } catch {
        failed = step;
        break;
      }
    }
  } finally {
    ac.abort();
    await running;
    // What a failed run left behind: the finalizer would hold the namespace.
    const left = await gens.getOpt(name);
    if (left?.metadata.finalizers?.length) {
      await gens.patch(name, {
        type: "json",
        body: [{ op: "remove", path: "/metadata/finalizers" }],
      });
    }
    await gens.delete(name).catch(() => {});
    await cms.delete(name).catch(() => {});
  }
  return failed;
}

/** Replaces the Role's rules (the binding stays) and waits until `sa` is authorized so. */
async function setRules(
  admin: Client,
  sa: Client,
  ns: string,
  rules: RbacRules,
  removed?: { group: string; resource: string; verb: string; name?: string },
  roleName: string = MANAGER,
): Promise<void> {
  const roles = Api.namespaced(admin, Role, ns);
  const role = await roles.get(roleName);
  await roles.replace(roleName, { ...role, rules: rules.namespaces[ns] });
  const reviews = Api.all(sa, SelfSubjectAccessReview);
  const allowed = async (group: string, resource: string, verb: string, name?: string) => {
    const [plural, sub] = resource.split("/");
    const r = await reviews.create({
      metadata: {},
      spec: {
        resourceAttributes: {
          group,
          resource: plural,
          subresource: sub,
          verb,
          namespace: ns,
          name,
        },
      },
    });
    return r.status?.allowed === true;
  };
  // The authorizer's cache follows the Role through a watch: wait until it has.
  await until("the Role change to reach the authorizer", async () => {
    if (removed) {
      return !(await allowed(removed.group, removed.resource, removed.verb, removed.name));
    }
    for (const rule of rules.namespaces[ns]) {
      for (const res of rule.resources!) {
        for (const v of rule.verbs) {
          if (!(await allowed(rule.apiGroups![0], res, v, rule.resourceNames?.[0]))) return false;
        }
      }
    }
    return true;
  }, 10_000);
}

/**
 * A ServiceAccount `name` in `ns` bound to exactly `rules` (a Role from rbacManifests), and a
 * client with its TokenRequest token (no retries: a 403 is seen at once).
 */
async function boundServiceAccount(
  admin: Client,
  ns: string,
  name: string,
  rules: RbacRules,
  dir: string,
): Promise<Client> {
  const sas = Api.namespaced(admin, ServiceAccount, ns);
  await sas.create({ metadata: { name } });
  for (const obj of rbacManifests(rules, { name, serviceAccount: { name, namespace: ns } })) {
    if (obj.kind === "Role") await Api.namespaced(admin, Role, ns).create(obj as Role);
    else if (obj.kind === "RoleBinding") {
      await Api.namespaced(admin, RoleBinding, ns).create(obj as RoleBinding);
    } else throw new Error(`a namespaced controller needs no ${obj.kind}`);
  }
  const tr = await sas.createSubresource<TokenRequest>("token", name, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 900 },
  });
  const token = tr.status?.token;
  assert.ok(token);
  const path = writeClusterKubeconfig(`${dir}/${name}.kubeconfig`, { token });
  return new Client(await Config.fromKubeconfig({ path }), { retry: { maxRetries: 0 } });
}

/** A 403 from the apiserver naming `verb` on `resource` of `group` in `ns`. */
function forbidden(verb: string, resource: string, group: string, ns: string) {
  return (e: unknown) =>
    e instanceof ApiError && e.code === 403 && e.reason === "Forbidden" &&
    e.status.message?.includes(
        `cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${ns}"`,
      ) === true;
}

if (requireCluster()) {
  Deno.test({
    name:
      "e2e rbac: the configmapgen operator under exactly its derived rules; each verb removed fails its step with Forbidden",
    sanitizeResources: false,
    sanitizeOps: false,
  }, async () => {
    using admin = await Client.tryDefault();
    await applyCrd(admin, ConfigMapGenerator, {
      fieldManager: "kubeno-e2e",
      force: true,
      timeoutMs: 30_000,
    });
    const namespaces = Api.all(admin, Namespace);
    const ns = (await namespaces.create({ metadata: { generateName: "e2e-rbac-" } })).metadata
      .name!;
    const dir = await Deno.makeTempDir({ prefix: "kubeno-rbac-" });
    try {
      // The rules as the code derives them: a namespaced operator needs a Role, nothing
      // cluster-wide.
      const rules = configMapGenController(admin, { namespace: ns }).rbac();
      assert.deepEqual(rules.cluster, []);
      assert.deepEqual(Object.keys(rules.namespaces), [ns]);
      assert.deepEqual(rules.namespaces[ns], [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          verbs: ["get", "list", "watch", "create", "patch"],
        },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
        {
          apiGroups: ["kubeno.dev"],
          resources: ["configmapgenerators"],
          verbs: ["list", "watch", "patch"],
        },
        { apiGroups: ["kubeno.dev"], resources: ["configmapgenerators/status"], verbs: ["patch"] },
      ]);

      using sa = await boundServiceAccount(admin, ns, MANAGER, rules, dir);
      // Not admin: what the rules do not grant is refused.
      await assert.rejects(
        Api.namespaced(sa, ConfigMap, ns).delete("anything"),
        (e: unknown) => e instanceof ApiError && e.code === 403,
      );
      await setRules(admin, sa, ns, rules);

      // 1. Exactly the derived rules: every step passes, no error at all.
      const full: Seen = { errors: [] };
      const failed = await scenario(admin, sa, ns, "full", full, 20_000);
      assert.equal(failed, undefined, `step "${failed}" failed: ${Deno.inspect(full.errors)}`);
      assert.deepEqual(full.errors, []);

      // 2. Each verb removed: its step fails, with Forbidden naming resource and verb.
      const firstFailing: Record<string, string> = {
        "kubeno.dev configmapgenerators list": "finalizer added",
        "kubeno.dev configmapgenerators watch": "owned ConfigMap applied",
        "kubeno.dev configmapgenerators patch": "finalizer added",
        "kubeno.dev configmapgenerators/status patch": "status Ready",
        " configmaps get": "owned ConfigMap applied",
        " configmaps list": "hand edit reverted",
        " configmaps watch": "hand edit reverted",
        " configmaps create": "owned ConfigMap applied",
        " configmaps patch": "owned ConfigMap applied",
        "events.k8s.io events create": "event ConfigMapCreated",
        "events.k8s.io events patch": "second hand edit reverted, the event's series counts 2",
      };
      const tried: string[] = [];
      for (const [i, rule] of rules.namespaces[ns].entries()) {
        for (const verb of rule.verbs) {
          const group = rule.apiGroups![0];
          const resource = rule.resources![0];
          const id = `${group} ${resource} ${verb}`;
          tried.push(id);
          const fewer = structuredClone(rules.namespaces[ns]);
          fewer[i].verbs = fewer[i].verbs.filter((v) => v !== verb);
          const without: RbacRules = {
            cluster: [],
            namespaces: { [ns]: fewer.filter((r) => r.verbs.length > 0) },
          };
          await setRules(admin, sa, ns, without, { group, resource, verb });
          const seen: Seen = { errors: [] };
          const step = await scenario(admin, sa, ns, `no-${tried.length}`, seen, 4_000);
          assert.equal(step, firstFailing[id], `without ${id}: failed at ${step}`);
          const [plural] = resource.split("/");
          const forbidden = seen.errors.flatMap(({ where, error }) =>
            apiErrors(error).map((e) => ({ where, e }))
          ).filter(({ e }) =>
            e.code === 403 && e.reason === "Forbidden" &&
            e.status.message?.includes(
              `cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${ns}"`,
            ) && (e.status.details?.kind === plural || e.status.details?.kind === resource)
          );
          assert.ok(
            forbidden.length > 0,
            `without ${id}: no Forbidden naming it among ${Deno.inspect(seen.errors)}`,
          );
          // Only what was removed is refused.
          const others = seen.errors.flatMap(({ error }) => apiErrors(error)).filter((e) =>
            e.code === 403 && !e.status.message?.includes(`cannot ${verb} resource "${resource}"`)
          );
          assert.deepEqual(others.map((e) => e.status.message), [], `without ${id}`);
        }
      }
      assert.deepEqual(tried.sort(), Object.keys(firstFailing).sort());
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await namespaces.delete(ns).catch(() => {});
    }
  });
}

if (requireCluster()) {
  Deno.test("e2e rbac: the printed install bundle is accepted by the apiserver (kubectl apply --dry-run=server)", async () => {
    using admin = await Client.tryDefault();
    const namespaces = Api.all(admin, Namespace);
    const ns = (await namespaces.create({ metadata: { generateName: "e2e-rbac-bundle-" } }))
      .metadata.name!;
    try {
      const example = new URL("../../examples/configmapgen_controller.ts", import.meta.url);
      for (const args of [[`--namespace=${ns}`], ["--leader-elect"]]) {
        const printed = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--no-prompt",
            example.pathname,
            "--print-install",
            `--install-namespace=${ns}`,
            ...args,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(printed.success, new TextDecoder().decode(printed.stderr));
        const kubectl = new Deno.Command("kubectl", {
          args: ["apply", "--dry-run=server", "-f", "-"],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const w = kubectl.stdin.getWriter();
        await w.write(printed.stdout);
        await w.close();
        const out = await kubectl.output();
        const text = new TextDecoder().decode(out.stdout);
        assert.ok(out.success, new TextDecoder().decode(out.stderr));
        const scoped = args[0].startsWith("--namespace")
          ? ["role.rbac.authorization.k8s.io", "rolebinding.rbac.authorization.k8s.io"]
          : [
            "clusterrole.rbac.authorization.k8s.io",
            "clusterrolebinding.rbac.authorization.k8s.io",
            // the Lease's Role in the install namespace
            "role.rbac.authorization.k8s.io",
          ];
        for (
          const kind of [
            "customresourcedefinition.apiextensions.k8s.io",
            "namespace",
            "serviceaccount",
            ...scoped,
            "deployment.apps",
          ]
        ) {
          assert.match(
            text,
            new RegExp(`^${kind.replaceAll(".", "\\.")}/\\S+ .*\\(server dry run\\)$`, "m"),
            text,
          );
        }
      }
    } finally {
      await namespaces.delete(ns).catch(() => {});
    }
  });
}

if (requireCluster()) {
  Deno.test("e2e rbac: a LeaderElector under exactly leaderElectionPermissions acquires and renews its Lease only; each verb removed is a Forbidden naming it", async () => {
    using admin = await Client.tryDefault();
    const namespaces = Api.all(admin, Namespace);
    const ns = (await namespaces.create({ metadata: { generateName: "e2e-rbac-lease-" } }))
      .metadata.name!;
    const dir = await Deno.makeTempDir({ prefix: "kubeno-rbac-" });
    try {
      const lease = { namespace: ns, name: "op-lease" };
      const rules = rbacRules(leaderElectionPermissions(lease));
      const G = "coordination.k8s.io";
      assert.deepEqual(rules, {
        cluster: [],
        namespaces: {
          [ns]: [
            { apiGroups: [G], resources: ["leases"], verbs: ["create"] },
            {
              apiGroups: [G],
              resources: ["leases"],
              verbs: ["get", "update"],
              resourceNames: ["op-lease"],
            },
          ],
        },
      });
      using sa = await boundServiceAccount(admin, ns, "elector", rules, dir);
      await setRules(admin, sa, ns, rules, undefined, "elector");
      const elector = (name = lease.name) =>
        new LeaderElector(sa, { ...lease, name, identity: "e2e" });
      const leases = Api.namespaced(admin, Lease, ns);

      // All of it: create, then get + update (a renewal).
      assert.equal(await elector().tryAcquireOrRenew(), true);
      const renewing = elector();
      assert.equal(await renewing.tryAcquireOrRenew(), true);
      assert.equal((await leases.get(lease.name)).spec?.holderIdentity, "e2e");
      // Only its own Lease: resourceNames hold for get.
      await assert.rejects(
        elector("another").tryAcquireOrRenew(),
        forbidden("get", "leases", G, ns),
      );

      for (const verb of ["get", "update", "create"]) {
        const fewer = structuredClone(rules.namespaces[ns]).map((r) => ({
          ...r,
          verbs: r.verbs.filter((v) => v !== verb),
        })).filter((r) => r.verbs.length > 0);
        await setRules(admin, sa, ns, { cluster: [], namespaces: { [ns]: fewer } }, {
          group: G,
          resource: "leases",
          verb,
          name: verb === "create" ? undefined : lease.name,
        }, "elector");
        await leases.delete(lease.name).catch(() => {}); // so that the first attempt creates
        const e = elector();
        if (verb === "update") {
          assert.equal(await e.tryAcquireOrRenew(), true); // created
          await assert.rejects(e.tryAcquireOrRenew(), forbidden("update", "leases", G, ns));
        } else {
          await assert.rejects(e.tryAcquireOrRenew(), forbidden(verb, "leases", G, ns));
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await namespaces.delete(ns).catch(() => {});
    }
  });
}
