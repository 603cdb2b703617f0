/**
 * Least-privilege RBAC derived from the code: the {@link Permission}s a {@link Controller} uses
 * (its watches, and what it declares with {@link Controller.uses} / {@link Controller.needs}),
 * merged into the rules of a `ClusterRole` and of a `Role` per namespace
 * ({@link rbacRules}), and the objects to install them for a ServiceAccount
 * ({@link rbacManifests}).
 *
 * A controller knows what it lists and watches (its main resource, {@link Controller.owns},
 * {@link Controller.watches}); what its reconcile writes it cannot know unless told: declare it
 * with {@link Controller.uses}, and the helpers' needs with {@link Controller.needs}
 * ({@link finalizerPermissions}, {@link recorderPermissions},
 * {@link leaderElectionPermissions}). Everything here is pure: no request is made.
 *
 * @module
 */

import { KubeError } from "../core/error.ts";
import type { KubeObject, ResourceType } from "../core/resource.ts";
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
} from "../core/k8s/rbac.authorization.k8s.io/v1.ts";

/**
 * An RBAC verb: the API verbs (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
 * `deletecollection`) and the special ones some resources have.
 *
 * @example
 * ```ts
 * import type { RbacVerb } from "@kubeno/kube";
 * const verbs: RbacVerb[] = ["get", "patch"];
 * ```
 */
export type RbacVerb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "delete"
  | "deletecollection"
  | "approve"
  | "bind"
  | "escalate"
  | "impersonate"
  | "sign"
  | "use";

/** The order verbs are written in (kubectl's and kubebuilder's), then the others by name. */
const VERB_ORDER: readonly string[] = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
];

/** Every namespace, or a cluster-scoped resource: what a `ClusterRole` grants. */
export const ALL_NAMESPACES = "*";

/**
 * One thing a program does on the API: `verbs` on `resource` (a plural, or
 * `plural/subresource` such as `foos/status`) of `apiGroup`, in `namespace`.
 *
 * `namespace` is a namespace (a `Role` there), {@link ALL_NAMESPACES} (`"*"`: every
 * namespace, or a cluster-scoped resource: a `ClusterRole`), or absent: where the controller
 * works (the namespace of its main `Api`, else every namespace) — {@link Controller.permissions}
 * fills it in.
 *
 * @example
 * ```ts
 * import type { Permission } from "@kubeno/kube";
 * const p: Permission = {
 *   apiGroup: "",
 *   resource: "configmaps",
 *   verbs: ["get", "patch"],
 *   namespace: "apps",
 *   reason: "reconcile: server-side apply of the owned ConfigMap",
 * };
 * ```
 */
export interface Permission {
  /** The API group, `""` for the core group. */
  readonly apiGroup: string;
  /** The plural, or `plural/subresource`. */
  readonly resource: string;
  /** The verbs. */
  readonly verbs: readonly RbacVerb[];
  /** A namespace, `"*"` for all namespaces or a cluster-scoped resource; absent: the controller's. */
  readonly namespace?: string;
  /** Only these objects (RBAC cannot restrict `create`, `list`, `watch` or `deletecollection` by name). */
  readonly resourceNames?: readonly string[];
  /** Why it is needed (shown by {@link RbacError} and kept for review); not part of the rules. */
  readonly reason?: string;
}

/**
 * What {@link rbacRules} takes besides plain permissions: a {@link Controller}, or anything
 * else that lists what it uses.
 *
 * @example
 * ```ts
 * import type { RbacSource } from "@kubeno/kube";
 * const probe: RbacSource = {
 *   permissions: () => [{ apiGroup: "", resource: "namespaces", verbs: ["list"], namespace: "*" }],
 * };
 * ```
 */
export interface RbacSource {
  /** The permissions, each with its namespace resolved (or `rbacRules`' `namespace` applies). */
  permissions(): Permission[];
}

/**
 * The rules a program needs: those for a `ClusterRole` (cluster-scoped resources, and what it
 * uses in every namespace) and those for a `Role` in each namespace where it uses more.
 *
 * @example
 * ```ts
 * import { rbacRules, type RbacRules } from "@kubeno/kube";
 * const rules: RbacRules = rbacRules([
 *   { apiGroup: "", resource: "configmaps", verbs: ["list", "watch"], namespace: "apps" },
 * ]);
 * console.log(rules.cluster.length, rules.namespaces.apps);
 * ```
 */
export interface RbacRules {
  /** The rules of the ClusterRole; empty when everything is namespaced. */
  readonly cluster: PolicyRule[];
  /** The rules of the Role of each namespace (no entry where nothing is needed). */
  readonly namespaces: Readonly<Record<string, PolicyRule[]>>;
}

/**
 * Options of {@link rbacRules}.
 *
 * @example
 * ```ts
 * import type { RbacRulesOptions } from "@kubeno/kube";
 * const o: RbacRulesOptions = { namespace: "apps" };
 * ```
 */
export interface RbacRulesOptions {
  /**
   * The namespace of permissions given without one (a Controller resolves its own): a
   * namespace, or `"*"`. Without it such a permission is an {@link RbacError}.
   */
  namespace?: string;
}

/**
 * A permission that cannot be turned into a rule (no namespace, an empty resource, no verb),
 * or a controller whose permissions cannot be derived (a stream trigger that does not say what
 * it watches): the message says what to declare.
 *
 * @example
 * ```ts
 * import { isRbacError, rbacRules } from "@kubeno/kube";
 * try {
 *   rbacRules([{ apiGroup: "", resource: "configmaps", verbs: ["get"] }]);
 * } catch (err) {
 *   if (isRbacError(err)) console.log(err.message); // ... has no namespace ...
 * }
 * ```
 */
export class RbacError extends KubeError {
  /** Class name. */
  override name = "RbacError";
}

/**
 * True if `err` is an {@link RbacError}.
 *
 * @example
 * ```ts
 * import { isRbacError } from "@kubeno/kube";
 * console.log(isRbacError(new Error("x"))); // false
 * ```
 */
export function isRbacError(err: unknown): err is RbacError {
  return err instanceof RbacError;
}

/**
 * Where a resource is used: a descriptor (then the controller's namespace, or `"*"` for a
 * cluster-scoped resource) or an `Api` (its namespace, or all of them).
 *
 * @example
 * ```ts
 * import type { PermissionTarget } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const inApps: PermissionTarget = { resource: ConfigMap, namespace: "apps" };
 * const anywhere: PermissionTarget = ConfigMap;
 * ```
 */
export type PermissionTarget =
  | ResourceType<KubeObject>
  | { readonly resource: ResourceType<KubeObject>; readonly namespace?: string };

/**
 * Options of {@link permission}.
 *
 * @example
 * ```ts
 * import type { PermissionOptions } from "@kubeno/kube";
 * const o: PermissionOptions = { subresource: "status", reason: "status of the reconciled object" };
 * ```
 */
export interface PermissionOptions {
  /** A subresource (`status`, `scale`, ...): the rule names `plural/subresource`. */
  subresource?: string;
  /** Only these object names. */
  resourceNames?: readonly string[];
  /** Overrides the namespace the target implies. */
  namespace?: string;
  /** Why it is needed. */
  reason?: string;
}

function isResourceType(t: PermissionTarget): t is ResourceType<KubeObject> {
  return typeof (t as ResourceType).plural === "string";
}

/**
 * The namespace a target implies: a cluster-scoped resource is `"*"`; an `Api` gives its
 * namespace (or `"*"` for `Api.all`); a bare namespaced descriptor gives none (the
 * controller's).
 */
function targetNamespace(t: PermissionTarget): string | undefined {
  const resource = isResourceType(t) ? t : t.resource;
  if (!resource.namespaced) return ALL_NAMESPACES;
  if (isResourceType(t)) return undefined;
  return t.namespace ?? ALL_NAMESPACES;
}

/**
 * The permission to do `verbs` on `target`'s resource.
 *
 * @example
 * ```ts
 * import { permission } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const p = permission(ConfigMap, ["get", "patch"], { reason: "server-side apply" });
 * console.log(p); // { apiGroup: "", resource: "configmaps", verbs: [ "get", "patch" ], ... }
 * ```
 */
export function permission(
  target: PermissionTarget,
  verbs: readonly RbacVerb[],
  options: PermissionOptions = {},
): Permission {
  const resource = isResourceType(target) ? target : target.resource;
  const p: {
    apiGroup: string;
    resource: string;
    verbs: readonly RbacVerb[];
    namespace?: string;
    resourceNames?: readonly string[];
    reason?: string;
  } = {
    apiGroup: resource.group,
    resource: options.subresource ? `${resource.plural}/${options.subresource}` : resource.plural,
    verbs: [...verbs],
  };
  const namespace = options.namespace ?? targetNamespace(target);
  if (namespace !== undefined) p.namespace = namespace;
  if (options.resourceNames) p.resourceNames = [...options.resourceNames];
  if (options.reason) p.reason = options.reason;
  return p;
}

/**
 * What {@link finalizer} needs on `resource`: `patch` (it adds and removes its entry with JSON
 * patches; it reads nothing by itself).
 *
 * @example
 * ```ts
 * import { finalizerPermissions } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * console.log(finalizerPermissions(ConfigMap)); // [{ resource: "configmaps", verbs: ["patch"], ... }]
 * ```
 */
export function finalizerPermissions(
  target: PermissionTarget,
  options: Pick<PermissionOptions, "namespace"> = {},
): Permission[] {
  return [permission(target, ["patch"], { ...options, reason: "finalizer: add and remove" })];
}

/**
 * What a {@link Recorder} needs: `create` and `patch` (a repeated event updates its series) of
 * `events.events.k8s.io`, in the namespace of the objects it reports on (`default` for
 * cluster-scoped ones). Without `namespace`, the controller's.
 *
 * @example
 * ```ts
 * import { recorderPermissions } from "@kubeno/kube";
 * console.log(recorderPermissions()); // [{ apiGroup: "events.k8s.io", resource: "events", ... }]
 * ```
 */
export function recorderPermissions(options: { namespace?: string } = {}): Permission[] {
  const p: Permission = {
    apiGroup: "events.k8s.io",
    resource: "events",
    verbs: ["create", "patch"],
    reason: "Recorder: publish events",
  };
  return [options.namespace === undefined ? p : { ...p, namespace: options.namespace }];
}

/**
 * What a {@link LeaderElector} with this config needs: `get` and `update` of its Lease (by
 * name), and `create` of leases in its namespace (RBAC cannot limit `create` to a name).
 *
 * @example
 * ```ts
 * import { leaderElectionPermissions } from "@kubeno/kube";
 * const perms = leaderElectionPermissions({ namespace: "apps", name: "my-operator" });
 * console.log(perms.map((p) => p.verbs)); // [["get", "update"], ["create"]]
 * ```
 */
export function leaderElectionPermissions(
  config: { readonly namespace: string; readonly name: string },
): Permission[] {
  const base = { apiGroup: "coordination.k8s.io", resource: "leases", namespace: config.namespace };
  return [
    {
      ...base,
      verbs: ["get", "update"],
      resourceNames: [config.name],
      reason: "LeaderElector: read and renew the lease",
    },
    { ...base, verbs: ["create"], reason: "LeaderElector: create the lease" },
  ];
}

function sortVerbs(verbs: Iterable<string>): string[] {
  const rank = (v: string) => {
    const i = VERB_ORDER.indexOf(v);
    return i < 0 ? VERB_ORDER.length : i;
  };
  return [...new Set(verbs)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function checkPermission(p: Permission, namespace: string | undefined): string {
  const what = `the permission ${JSON.stringify(p)}`;
  if (typeof p.apiGroup !== "string") throw new RbacError(`${what} has no apiGroup ("" is core)`);
  if (typeof p.resource !== "string" || p.resource === "" || /[*\s]/.test(p.resource)) {
    throw new RbacError(`${what}: resource must be a plural or plural/subresource, not a wildcard`);
  }
  if (!Array.isArray(p.verbs) || p.verbs.length === 0) {
    throw new RbacError(`${what} has no verbs`);
  }
  for (const v of p.verbs) {
    if (typeof v !== "string" || v === "" || v === "*") {
      throw new RbacError(`${what}: verbs must be named, not ${JSON.stringify(v)}`);
    }
  }
  const ns = p.namespace ?? namespace;
  if (ns === undefined || ns === "") {
    throw new RbacError(
      `${what} has no namespace: give one ("*" for all namespaces), or rbacRules(..., { namespace })`,
    );
  }
  return ns;
}

/**
 * Merges the permissions of `sources` (controllers, or permissions) into least-privilege
 * rules: the verbs of one resource are joined, a namespace's rule that the cluster-wide rules
 * already cover is dropped, and resources of one API group with the same verbs and names share
 * a rule (never two groups: a rule grants every resource in every group it lists). The result
 * is sorted, so it is stable for review and diffs.
 *
 * @example
 * ```ts
 * import { permission, rbacRules } from "@kubeno/kube";
 * import { ConfigMap, Secret } from "@kubeno/kube/k8s/core/v1";
 * const rules = rbacRules([
 *   permission(ConfigMap, ["list", "watch"], { namespace: "apps" }),
 *   permission(Secret, ["list", "watch"], { namespace: "apps" }),
 *   permission(ConfigMap, ["patch"], { namespace: "apps" }),
 * ]);
 * console.log(rules.namespaces.apps);
 * // [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list", "watch", "patch"] },
 * //  { apiGroups: [""], resources: ["secrets"], verbs: ["list", "watch"] }]
 * ```
 */
export function rbacRules(
  sources: Iterable<RbacSource | Permission>,
  options: RbacRulesOptions = {},
): RbacRules {
  // namespace -> "group\0resource\0names" -> verbs
  const byScope = new Map<string, Map<string, Set<string>>>();
  for (const source of sources) {
    const perms = isSource(source) ? source.permissions() : [source];
    for (const p of perms) {
      const ns = checkPermission(p, options.namespace);
      const names = p.resourceNames ? [...new Set(p.resourceNames)].sort() : [];
      const key = [p.apiGroup, p.resource, names.join(",")].join("\0");
      let scope = byScope.get(ns);
      if (!scope) byScope.set(ns, scope = new Map());
      let verbs = scope.get(key);
      if (!verbs) scope.set(key, verbs = new Set());
      for (const v of p.verbs) verbs.add(v);
    }
  }
  const cluster = byScope.get(ALL_NAMESPACES) ?? new Map<string, Set<string>>();
  const namespaces: Record<string, PolicyRule[]> = {};
  for (const ns of [...byScope.keys()].sort()) {
    if (ns === ALL_NAMESPACES) continue;
    const scope = byScope.get(ns)!;
    for (const [key, verbs] of scope) {
      // Covered by the cluster-wide rule of the same resource, or of it for every name.
      const [group, resource] = key.split("\0");
      const wide = [cluster.get(key), cluster.get(`${group}\0${resource}\0`)];
      for (const v of [...verbs]) if (wide.some((w) => w?.has(v))) verbs.delete(v);
      if (verbs.size === 0) scope.delete(key);
    }
    const rules = toRules(scope);
    if (rules.length > 0) namespaces[ns] = rules;
  }
  return { cluster: toRules(cluster), namespaces };
}

function isSource(s: RbacSource | Permission): s is RbacSource {
  return typeof (s as RbacSource).permissions === "function";
}

/** One rule per (group, verbs, names), listing the resources that share them. */
function toRules(scope: Map<string, Set<string>>): PolicyRule[] {
  const grouped = new Map<
    string,
    { group: string; names: string[]; verbs: string[]; resources: string[] }
  >();
  for (const [key, verbs] of scope) {
    const [group, resource, names] = key.split("\0");
    const sorted = sortVerbs(verbs);
    const k = [group, names, sorted.join(",")].join("\0");
    const g = grouped.get(k) ??
      { group, names: names ? names.split(",") : [], verbs: sorted, resources: [] };
    g.resources.push(resource);
    grouped.set(k, g);
  }
  const rules = [...grouped.values()].map((g) => {
    const rule: PolicyRule = {
      apiGroups: [g.group],
      resources: g.resources.sort(),
      verbs: g.verbs,
    };
    if (g.names.length > 0) rule.resourceNames = g.names;
    return rule;
  });
  const sortKey = (r: PolicyRule) =>
    [r.apiGroups![0], r.resources![0], r.resourceNames?.join(",") ?? ""].join("\0");
  return rules.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/**
 * Options of {@link rbacManifests}.
 *
 * @example
 * ```ts
 * import type { RbacManifestOptions } from "@kubeno/kube";
 * const o: RbacManifestOptions = {
 *   name: "configmapgen",
 *   serviceAccount: { name: "configmapgen", namespace: "operators" },
 * };
 * ```
 */
export interface RbacManifestOptions {
  /** The name of the ClusterRole, the Roles and their bindings. */
  name: string;
  /** The ServiceAccount the roles are bound to. */
  serviceAccount: { name: string; namespace: string };
  /** Labels for every object (e.g. `app.kubernetes.io/name`). */
  labels?: Record<string, string>;
}

/**
 * The objects that grant `rules` to a ServiceAccount: a `ClusterRole` and a
 * `ClusterRoleBinding` if there are cluster-wide rules, and a `Role` and a `RoleBinding` in
 * each namespace that needs more. Apply them (e.g. with server-side apply) before the program
 * starts.
 *
 * @example
 * ```ts
 * import { permission, rbacManifests, rbacRules } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const rules = rbacRules([permission(ConfigMap, ["list", "watch"], { namespace: "apps" })]);
 * const objects = rbacManifests(rules, {
 *   name: "reader",
 *   serviceAccount: { name: "reader", namespace: "apps" },
 * });
 * console.log(objects.map((o) => `${o.kind} ${o.metadata.name}`)); // Role reader, RoleBinding reader
 * ```
 */
export function rbacManifests(
  rules: RbacRules,
  options: RbacManifestOptions,
): (ClusterRole | ClusterRoleBinding | Role | RoleBinding)[] {
  const { name, serviceAccount } = options;
  const meta = (namespace?: string) => {
    const m: { name: string; namespace?: string; labels?: Record<string, string> } = { name };
    if (namespace !== undefined) m.namespace = namespace;
    if (options.labels) m.labels = { ...options.labels };
    return m;
  };
  const subjects = [{
    kind: "ServiceAccount",
    name: serviceAccount.name,
    namespace: serviceAccount.namespace,
  }];
  const out: (ClusterRole | ClusterRoleBinding | Role | RoleBinding)[] = [];
  if (rules.cluster.length > 0) {
    out.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: meta(),
      rules: structuredClone(rules.cluster),
    });
    out.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta(),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: structuredClone(subjects),
    });
  }
  for (const [ns, nsRules] of Object.entries(rules.namespaces)) {
    out.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(ns),
      rules: structuredClone(nsRules),
    });
    out.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(ns),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: structuredClone(subjects),
    });
  }
  return out;
}
