/**
 * Resources known only at run time: {@link ApiResource} (what discovery says about a resource),
 * {@link DynamicObject} (an object of any kind), {@link GroupVersionKind}, the parsers of the
 * discovery documents, and {@link RestMapper}, which resolves the names a user types (`po`,
 * `deploy.apps`, `deployments.v1.apps`, `Deployment`, `all`) the way kubectl does. Pure: the
 * client's `Discovery` fetches the documents and feeds them here.
 *
 * @module
 */

import { KubeError } from "./error.ts";
import type { KubeObject, ResourceType } from "./resource.ts";

/**
 * An object of a kind not known at compile time: type meta, metadata, and any other field.
 *
 * @example
 * ```ts
 * import type { DynamicObject } from "@kubeno/kube";
 * const o: DynamicObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "v" } };
 * console.log(o.data);
 * ```
 */
export interface DynamicObject extends KubeObject {
  /** Every field beyond `apiVersion`, `kind` and `metadata`, untyped. */
  [field: string]: unknown;
}

/**
 * A kind at a version of a group: what an object's `apiVersion` and `kind` name.
 *
 * @example
 * ```ts
 * import type { GroupVersionKind } from "@kubeno/kube";
 * const gvk: GroupVersionKind = { group: "apps", version: "v1", kind: "Deployment" };
 * ```
 */
export interface GroupVersionKind {
  /** API group; `""` for the core group. */
  readonly group: string;
  /** Version within the group. */
  readonly version: string;
  /** The kind, CamelCase. */
  readonly kind: string;
}

/**
 * Splits an `apiVersion` (`apps/v1`, or `v1` for the core group) into group and version.
 *
 * @example
 * ```ts
 * import { parseApiVersion } from "@kubeno/kube";
 * parseApiVersion("apps/v1"); // { group: "apps", version: "v1" }
 * parseApiVersion("v1"); // { group: "", version: "v1" }
 * ```
 */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split("/");
  if (parts.length > 2 || parts.some((p) => p === "")) {
    throw new TypeError(
      `invalid apiVersion ${JSON.stringify(apiVersion)}: expected "group/version" or "version"`,
    );
  }
  return parts.length === 1
    ? { group: "", version: parts[0] }
    : { group: parts[0], version: parts[1] };
}

/**
 * The {@link GroupVersionKind} an object declares through `apiVersion` and `kind`.
 *
 * @example
 * ```ts
 * import { gvkOf } from "@kubeno/kube";
 * gvkOf({ apiVersion: "apps/v1", kind: "Deployment" }); // { group: "apps", version: "v1", kind: "Deployment" }
 * ```
 */
export function gvkOf(obj: { apiVersion?: string; kind?: string }): GroupVersionKind {
  if (!obj.apiVersion || !obj.kind) {
    throw new TypeError(
      `an object needs apiVersion and kind to find its resource (got apiVersion ${
        JSON.stringify(obj.apiVersion)
      }, kind ${JSON.stringify(obj.kind)})`,
    );
  }
  return { ...parseApiVersion(obj.apiVersion), kind: obj.kind };
}

/**
 * A subresource of an {@link ApiResource} (`status`, `scale`, `log`, `exec`, ...).
 *
 * @example
 * ```ts
 * import type { ApiSubresource } from "@kubeno/kube";
 * const s: ApiSubresource = { name: "scale", kind: "Scale", verbs: ["get", "patch", "update"] };
 * ```
 */
export interface ApiSubresource {
  /** The path segment after the object's name, e.g. `status`. */
  readonly name: string;
  /** Kind of what the subresource answers with, when the server says. */
  readonly kind?: string;
  /** Verbs the subresource allows. */
  readonly verbs: readonly string[];
}

/**
 * What the server says about one resource at one version. It is a {@link ResourceType} of
 * {@link DynamicObject}, so it works wherever a descriptor does (`Api.dynamic`, `watcher`,
 * `Controller`).
 *
 * @example
 * ```ts
 * import { apiResource } from "@kubeno/kube";
 * const deployments = apiResource({
 *   group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true,
 *   shortNames: ["deploy"], verbs: ["get", "list", "watch"], subresources: [{ name: "scale", verbs: ["get"] }],
 * });
 * console.log(deployments.apiVersion, deployments.singular); // "apps/v1" "deployment"
 * ```
 */
export interface ApiResource extends ResourceType<DynamicObject> {
  /** The plural, as the URL has it. */
  readonly plural: string;
  /** The singular name (`deployment`); lower-case kind when the server gives none. */
  readonly singular: string;
  /** The verbs the server allows. */
  readonly verbs: readonly string[];
  /** Short names (`deploy`). */
  readonly shortNames: readonly string[];
  /** Categories (`all`) the resource belongs to. */
  readonly categories: readonly string[];
  /** Subresources. */
  readonly subresources: readonly ApiSubresource[];
}

/**
 * What {@link apiResource} needs; every list defaults to empty.
 *
 * @example
 * ```ts
 * import type { ApiResourceInit } from "@kubeno/kube";
 * const init: ApiResourceInit = { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true };
 * ```
 */
export interface ApiResourceInit {
  /** API group; `""` for the core group. */
  group: string;
  /** Version within the group. */
  version: string;
  /** Kind. */
  kind: string;
  /** Plural resource name. */
  plural: string;
  /** True if objects live in namespaces. */
  namespaced: boolean;
  /** Singular name; the lower-case kind when omitted. */
  singular?: string;
  /** Verbs the server allows. */
  verbs?: readonly string[];
  /** Short names. */
  shortNames?: readonly string[];
  /** Categories. */
  categories?: readonly string[];
  /** Subresources. */
  subresources?: readonly ApiSubresource[];
}

/**
 * Builds a frozen {@link ApiResource}.
 *
 * @example
 * ```ts
 * import { apiResource } from "@kubeno/kube";
 * const pods = apiResource({ group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"] });
 * ```
 */
export function apiResource(init: ApiResourceInit): ApiResource {
  for (const key of ["version", "kind", "plural"] as const) {
    if (!init[key]) throw new TypeError(`apiResource needs a non-empty ${key}`);
  }
  const list = (xs: readonly string[] | undefined) => Object.freeze([...(xs ?? [])]);
  return Object.freeze({
    group: init.group,
    version: init.version,
    apiVersion: init.group === "" ? init.version : `${init.group}/${init.version}`,
    kind: init.kind,
    plural: init.plural,
    namespaced: init.namespaced,
    singular: init.singular || init.kind.toLowerCase(),
    verbs: list(init.verbs),
    shortNames: list(init.shortNames),
    categories: list(init.categories),
    subresources: Object.freeze(
      (init.subresources ?? []).map((s) =>
        Object.freeze({ ...s, verbs: Object.freeze([...s.verbs]) })
      ),
    ),
  });
}

/**
 * One version of an API group and its resources.
 *
 * @example
 * ```ts
 * import type { ApiGroupVersion } from "@kubeno/kube";
 * const v: ApiGroupVersion = { version: "v1", resources: [] };
 * ```
 */
export interface ApiGroupVersion {
  /** The version, e.g. `v1`. */
  readonly version: string;
  /** Its resources (no subresources: those hang off their resource). */
  readonly resources: readonly ApiResource[];
}

/**
 * An API group as discovery reports it: versions in the server's order of preference.
 *
 * @example
 * ```ts
 * import type { ApiGroup } from "@kubeno/kube";
 * const g: ApiGroup = { name: "apps", preferredVersion: "v1", versions: [{ version: "v1", resources: [] }] };
 * ```
 */
export interface ApiGroup {
  /** Group name; `""` for the core group. */
  readonly name: string;
  /** The version the server prefers. */
  readonly preferredVersion: string;
  /** Served versions, preferred first. */
  readonly versions: readonly ApiGroupVersion[];
}

/**
 * A discovery document did not have the expected shape.
 *
 * @example
 * ```ts
 * import { DiscoveryError } from "@kubeno/kube";
 * const e = new DiscoveryError("GET /apis: items is not an array");
 * ```
 */
export class DiscoveryError extends KubeError {
  /** Class name. */
  override name = "DiscoveryError";
}

/**
 * No resource matches the name: kubectl's `the server doesn't have a resource type "x"`.
 *
 * @example
 * ```ts
 * import { UnknownResourceError } from "@kubeno/kube";
 * const e = new UnknownResourceError("foos");
 * console.log(e.resource, e.message);
 * ```
 */
export class UnknownResourceError extends KubeError {
  /** Class name. */
  override name = "UnknownResourceError";
  /** The name as given. */
  readonly resource: string;
  /** Creates the error; `message` replaces kubectl's wording. */
  constructor(resource: string, message?: string) {
    // kubectl names the group apart when the name has one: `"pods" in group "apps"`.
    const i = resource.indexOf(".");
    const what = i < 0
      ? JSON.stringify(resource)
      : `${JSON.stringify(resource.slice(0, i))} in group ${JSON.stringify(resource.slice(i + 1))}`;
    super(
      message ??
        `the server doesn't have a resource type ${what} ` +
          "(see `kubectl api-resources`; a new CRD must be Established first)",
    );
    this.resource = resource;
  }
}

/**
 * A name matches more than one resource and nothing ranks one above the others (or, with
 * `strict`, it matches resources of more than one group). `candidates` lists them.
 *
 * @example
 * ```ts
 * import { AmbiguousResourceError, apiResource } from "@kubeno/kube";
 * const a = apiResource({ group: "a.io", version: "v1", kind: "Foo", plural: "foos", namespaced: true });
 * const b = apiResource({ group: "b.io", version: "v1", kind: "Foo", plural: "foos", namespaced: true });
 * console.log(new AmbiguousResourceError("foos", [a, b]).message);
 * ```
 */
export class AmbiguousResourceError extends KubeError {
  /** Class name. */
  override name = "AmbiguousResourceError";
  /** The name as given. */
  readonly resource: string;
  /** The resources it matches, in priority order. */
  readonly candidates: readonly ApiResource[];
  /** Creates the error. */
  constructor(resource: string, candidates: readonly ApiResource[]) {
    super(
      `${JSON.stringify(resource)} matches ${candidates.length} resources: ${
        candidates.map(qualifiedName).join(", ")
      }; name one as resource.version.group`,
    );
    this.resource = resource;
    this.candidates = candidates;
  }
}

/**
 * `resource.version.group` (`deployments.v1.apps`; `pods.v1.` for the core group's `pods`):
 * the form that resolves to exactly one resource.
 *
 * @example
 * ```ts
 * import { apiResource, qualifiedName } from "@kubeno/kube";
 * qualifiedName(apiResource({ group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true }));
 * // "deployments.v1.apps"
 * ```
 */
export function qualifiedName(r: ApiResource): string {
  return `${r.plural}.${r.version}.${r.group}`;
}

// ---------------------------------------------------------------------------------------------
// Parsers of the discovery documents.

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function check(ok: boolean, where: string, what: string): void {
  if (!ok) throw new DiscoveryError(`${where}: ${what}`);
}

/**
 * The media type asking for aggregated discovery (`apidiscovery.k8s.io/v2`, then `v2beta1`,
 * then plain JSON for servers without it), as client-go sends it.
 *
 * @example
 * ```ts
 * import { AGGREGATED_DISCOVERY_ACCEPT } from "@kubeno/kube";
 * console.log(AGGREGATED_DISCOVERY_ACCEPT.split(",")[0]);
 * ```
 */
export const AGGREGATED_DISCOVERY_ACCEPT: string =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
  "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList," +
  "application/json;q=0.9";

/**
 * Whether a parsed discovery answer is an aggregated `APIGroupDiscoveryList` (else it is the
 * legacy `APIVersions` / `APIGroupList` of a server without aggregated discovery).
 *
 * @example
 * ```ts
 * import { isAggregatedDiscovery } from "@kubeno/kube";
 * isAggregatedDiscovery({ kind: "APIGroupDiscoveryList", items: [] }); // true
 * isAggregatedDiscovery({ kind: "APIGroupList", groups: [] }); // false
 * ```
 */
export function isAggregatedDiscovery(doc: unknown): boolean {
  return isObj(doc) && doc.kind === "APIGroupDiscoveryList";
}

/**
 * The groups of an aggregated discovery document (`GET /api` or `/apis` with
 * {@link AGGREGATED_DISCOVERY_ACCEPT}). Versions keep the server's order (preferred first);
 * versions marked `Stale` (an aggregated API server that did not answer) are left out, as
 * client-go does. `where` names the document in errors.
 *
 * @example
 * ```ts
 * import { apiGroupsFromAggregated } from "@kubeno/kube";
 * const groups = apiGroupsFromAggregated({
 *   kind: "APIGroupDiscoveryList",
 *   items: [{ metadata: { name: "" }, versions: [{ version: "v1", resources: [{
 *     resource: "pods", responseKind: { group: "", version: "v1", kind: "Pod" }, scope: "Namespaced",
 *     singularResource: "pod", verbs: ["get", "list"], shortNames: ["po"], categories: ["all"],
 *   }] }] }],
 * }, "GET /api");
 * console.log(groups[0].versions[0].resources[0].shortNames); // ["po"]
 * ```
 */
export function apiGroupsFromAggregated(doc: unknown, where: string): ApiGroup[] {
  check(isAggregatedDiscovery(doc), where, "not an APIGroupDiscoveryList");
  const items = (doc as Json).items;
  check(Array.isArray(items), where, "items is not an array");
  const groups: ApiGroup[] = [];
  for (const item of items as unknown[]) {
    check(isObj(item), where, "an item is not an object");
    const g = item as Json;
    const name = isObj(g.metadata) && typeof g.metadata.name === "string" ? g.metadata.name : "";
    const versions: ApiGroupVersion[] = [];
    for (const v of Array.isArray(g.versions) ? g.versions : []) {
      if (!isObj(v) || typeof v.version !== "string" || v.version === "") {
        throw new DiscoveryError(
          `${where}: group ${JSON.stringify(name)} has a version without a name`,
        );
      }
      if (v.freshness === "Stale") continue;
      const resources: ApiResource[] = [];
      for (const r of Array.isArray(v.resources) ? v.resources : []) {
        check(isObj(r) && typeof r.resource === "string", where, "a resource without a name");
        const rk = isObj(r.responseKind) ? r.responseKind : {};
        resources.push(apiResource({
          group: name,
          version: v.version,
          // A resource with no response kind (none in Kubernetes today) keeps its plural's name.
          kind: typeof rk.kind === "string" && rk.kind ? rk.kind : String(r.resource),
          plural: String(r.resource),
          namespaced: r.scope === "Namespaced",
          singular: typeof r.singularResource === "string" ? r.singularResource : undefined,
          verbs: strings(r.verbs),
          shortNames: strings(r.shortNames),
          categories: strings(r.categories),
          subresources: (Array.isArray(r.subresources) ? r.subresources : []).filter(isObj).map((
            s: Json,
          ) => ({
            name: String(s.subresource),
            ...(isObj(s.responseKind) && typeof s.responseKind.kind === "string"
              ? { kind: s.responseKind.kind }
              : {}),
            verbs: strings(s.verbs),
          })),
        }));
      }
      versions.push({ version: v.version, resources });
    }
    if (versions.length === 0) continue;
    groups.push({ name, preferredVersion: versions[0].version, versions });
  }
  return groups;
}

/**
 * The resources of one legacy `APIResourceList` (`GET /api/v1`, `/apis/apps/v1`), with
 * subresources (`pods/log`) attached to their resource, as kube-rs does.
 *
 * @example
 * ```ts
 * import { apiResourcesFromList } from "@kubeno/kube";
 * const rs = apiResourcesFromList({
 *   kind: "APIResourceList", groupVersion: "apps/v1",
 *   resources: [
 *     { name: "deployments", singularName: "deployment", namespaced: true, kind: "Deployment", verbs: ["get"], shortNames: ["deploy"] },
 *     { name: "deployments/scale", singularName: "", namespaced: true, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get"] },
 *   ],
 * }, "GET /apis/apps/v1");
 * console.log(rs[0].subresources[0].name); // "scale"
 * ```
 */
export function apiResourcesFromList(doc: unknown, where: string): ApiResource[] {
  check(isObj(doc) && typeof doc.groupVersion === "string", where, "not an APIResourceList");
  const { group, version } = parseApiVersion((doc as Json).groupVersion as string);
  const all = Array.isArray((doc as Json).resources)
    ? ((doc as Json).resources as unknown[]).filter(isObj)
    : [];
  const out: ApiResource[] = [];
  for (const r of all) {
    const name = typeof r.name === "string" ? r.name : "";
    if (name === "" || name.includes("/")) continue;
    const subresources = all.flatMap((s) => {
      const n = typeof s.name === "string" ? s.name : "";
      if (!n.startsWith(name + "/")) return [];
      return [{
        name: n.slice(name.length + 1),
        ...(typeof s.kind === "string" ? { kind: s.kind } : {}),
        verbs: strings(s.verbs),
      }];
    });
    out.push(apiResource({
      group,
      version,
      kind: typeof r.kind === "string" && r.kind ? r.kind : name,
      plural: name,
      namespaced: r.namespaced === true,
      singular: typeof r.singularName === "string" ? r.singularName : undefined,
      verbs: strings(r.verbs),
      shortNames: strings(r.shortNames),
      categories: strings(r.categories),
      subresources,
    }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Resolution.

/**
 * Options of {@link RestMapper.resolve}.
 *
 * @example
 * ```ts
 * import type { ResolveOptions } from "@kubeno/kube";
 * const o: ResolveOptions = { strict: true };
 * ```
 */
export interface ResolveOptions {
  /**
   * Throw an {@link AmbiguousResourceError} when the name matches resources of more than one
   * group (kubectl picks the one of the group the server lists first: `events` is the core
   * group's, not `events.k8s.io`'s).
   * @default false
   */
  strict?: boolean;
}

interface Gvr {
  group: string;
  version: string;
  resource: string;
}

/** A priority pattern: `undefined` matches anything. */
interface Pattern {
  group: string;
  version?: string;
}

/**
 * Resolves what users type to resources, the way kubectl's RESTMapper and shortcut expander do,
 * over groups from discovery (in the server's order, which sets the priority):
 *
 * - `pods`, `pod`, `Pod`, `PODS`: plural or singular, case-insensitive;
 * - `po`: a short name (unless a resource is named so), first in priority order;
 * - `deploy.apps`, `deployments.apps`: `resource.group`; `deployments.v1.apps`: `resource.version.group`;
 * - `Deployment`, `Deployment.apps`, `Deployment.v1.apps`: by kind;
 * - at each step, the group's preferred version first, then its other versions, then the next group.
 *
 * {@link RestMapper.expand} adds categories (`all`) and comma-separated lists, as `kubectl get` takes them.
 *
 * @example
 * ```ts
 * import { apiResource, RestMapper } from "@kubeno/kube";
 * const deploy = apiResource({ group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, shortNames: ["deploy"], categories: ["all"] });
 * const mapper = new RestMapper([{ name: "apps", preferredVersion: "v1", versions: [{ version: "v1", resources: [deploy] }] }]);
 * mapper.resolve("deploy").apiVersion; // "apps/v1"
 * mapper.expand("all").map((r) => r.plural); // ["deployments"]
 * ```
 */
export class RestMapper {
  /** The groups, in the server's order. */
  readonly groups: readonly ApiGroup[];
  readonly #all: readonly ApiResource[];
  readonly #priority: readonly Pattern[];

  /** A mapper over discovered groups (their order is the priority order). */
  constructor(groups: readonly ApiGroup[]) {
    this.groups = groups;
    this.#all = groups.flatMap((g) => g.versions.flatMap((v) => v.resources));
    // client-go's NewDiscoveryRESTMapper: each group's preferred version, then its other
    // versions, group by group; then each group at any version.
    const priority: Pattern[] = [];
    for (const g of groups) {
      priority.push({ group: g.name, version: g.preferredVersion });
      for (const v of g.versions) {
        if (v.version !== g.preferredVersion) priority.push({ group: g.name, version: v.version });
      }
    }
    for (const g of groups) priority.push({ group: g.name });
    this.#priority = priority;
  }

  /**
   * Every resource at every version, in priority order.
   *
   * @example
   * ```ts
   * import { RestMapper } from "@kubeno/kube";
   * new RestMapper([]).all(); // []
   * ```
   */
  all(): readonly ApiResource[] {
    return this.#all;
  }

  /**
   * One entry per resource: at the group's preferred version, or else the first version that
   * serves it (client-go's `ServerPreferredResources`; what `kubectl api-resources` lists).
   *
   * @example
   * ```ts
   * import { RestMapper } from "@kubeno/kube";
   * for (const r of new RestMapper([]).preferred()) console.log(r.plural, r.apiVersion);
   * ```
   */
  preferred(): ApiResource[] {
    const out: ApiResource[] = [];
    for (const g of this.groups) {
      const seen = new Map<string, number>();
      for (const v of g.versions) {
        for (const r of v.resources) {
          const at = seen.get(r.plural);
          if (at === undefined) {
            seen.set(r.plural, out.length);
            out.push(r);
          } else if (v.version === g.preferredVersion) {
            out[at] = r;
          }
        }
      }
    }
    return out;
  }

  /**
   * The resource serving `apiVersion` + `kind` exactly (how a manifest's object finds its
   * endpoint), or undefined.
   *
   * @example
   * ```ts
   * import { RestMapper } from "@kubeno/kube";
   * new RestMapper([]).forKind({ group: "apps", version: "v1", kind: "Deployment" }); // undefined
   * ```
   */
  forKind(gvk: GroupVersionKind): ApiResource | undefined {
    return this.#all.find((r) =>
      r.group === gvk.group && r.version === gvk.version && r.kind === gvk.kind
    );
  }

  /**
   * Resolves one name as `kubectl get NAME` does. Throws {@link UnknownResourceError} when
   * nothing matches, {@link AmbiguousResourceError} when nothing ranks one match first (or,
   * with `strict`, when matches span groups).
   *
   * @example
   * ```ts
   * import { apiResource, RestMapper } from "@kubeno/kube";
   * const pods = apiResource({ group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"] });
   * const mapper = new RestMapper([{ name: "", preferredVersion: "v1", versions: [{ version: "v1", resources: [pods] }] }]);
   * mapper.resolve("po").plural; // "pods"
   * mapper.resolve("Pod").plural; // "pods"
   * ```
   */
  resolve(name: string, opts: ResolveOptions = {}): ApiResource {
    const found = this.#resolve(name);
    if (!found) throw new UnknownResourceError(name);
    if (Array.isArray(found)) throw new AmbiguousResourceError(name, found);
    if (opts.strict) {
      const all = this.candidates(name);
      if (all.length > 1) throw new AmbiguousResourceError(name, all);
    }
    return found;
  }

  /**
   * Every resource a name could mean, one per group (its best version), in priority order:
   * by plural, singular, short name or kind, with what {@link RestMapper.resolve} picks first.
   * Empty when nothing matches.
   *
   * @example
   * ```ts
   * import { RestMapper } from "@kubeno/kube";
   * new RestMapper([]).candidates("events"); // []
   * ```
   */
  candidates(name: string): ApiResource[] {
    const found = this.#resolve(name);
    if (!found) return [];
    const { gvr, gr } = parseResourceArg(name);
    const matches = Array.isArray(found) ? [...found] : [found];
    for (const f of gvr ? [gvr, { ...gr, version: "" }] : [{ ...gr, version: "" }]) {
      const lower = f.resource.toLowerCase();
      for (const r of this.#all) {
        if (f.group !== "" && r.group !== f.group) continue;
        if (f.version !== "" && r.version !== f.version) continue;
        if (
          r.plural === lower || r.singular === lower || r.shortNames.includes(f.resource) ||
          r.kind === f.resource || r.kind.toLowerCase() === f.resource
        ) matches.push(r);
      }
    }
    const first = Array.isArray(found) ? [] : [found];
    return this.#prioritise([...first, ...this.#prioritise(matches)]);
  }

  /**
   * Expands what `kubectl get` takes as its type argument: a comma-separated list of names,
   * each a category (`all`) or a name for {@link RestMapper.resolve}. Duplicates are dropped.
   * A category no resource belongs to is resolved as a name, so it throws
   * {@link UnknownResourceError} as `kubectl get all` fails on such a server.
   *
   * @example
   * ```ts
   * import { RestMapper, UnknownResourceError } from "@kubeno/kube";
   * try {
   *   new RestMapper([]).expand("all");
   * } catch (e) {
   *   console.log(e instanceof UnknownResourceError); // true: nothing is in "all" here
   * }
   * ```
   */
  expand(arg: string, opts: ResolveOptions = {}): ApiResource[] {
    const out: ApiResource[] = [];
    const seen = new Set<ApiResource>();
    for (const part of arg.split(",")) {
      // Categories first, as kubectl's builder replaces them before it maps names.
      const inCategory = this.#category(part);
      for (const r of inCategory ?? [this.resolve(part, opts)]) {
        if (!seen.has(r)) (seen.add(r), out.push(r));
      }
    }
    return out;
  }

  /** Resources of a category (the best version of each), or undefined when none has it. */
  #category(name: string): ApiResource[] | undefined {
    const out: ApiResource[] = [];
    const keys = new Set<string>();
    for (const r of this.#all) {
      if (!r.categories.includes(name)) continue;
      const key = `${r.plural}.${r.group}`;
      if (keys.has(key)) continue;
      keys.add(key);
      out.push(this.resolve(r.group ? key : r.plural));
    }
    return out.length ? out : undefined;
  }

  /**
   * kubectl's `mappingFor`: resource forms first, then kind forms. An array is an ambiguous
   * match (its candidates).
   */
  #resolve(arg: string): ApiResource | ApiResource[] | undefined {
    if (arg === "") throw new TypeError("a resource name must not be empty");
    const { gvr, gr } = parseResourceArg(arg);
    // kubectl ignores the resource forms' errors and goes on to the kind forms.
    const byResource = [
      gvr && this.#pick(this.#matchResource(this.#expandShortcut(gvr)), []),
      this.#pick(this.#matchResource(this.#expandShortcut({ ...gr, version: "" })), []),
    ];
    const hit = byResource.find((r): r is ApiResource => r !== undefined && !Array.isArray(r));
    if (hit) return hit;
    const { gvk, gk } = parseKindArg(arg);
    const full = gvk ?? { ...gk, version: "" };
    const byKind = this.#mappingForKind(full.group, full.kind, full.version);
    if (byKind && !Array.isArray(byKind)) return byKind;
    return this.#mappingForKind(gk.group, gk.kind, "") ??
      byResource.find((r): r is ApiResource[] => Array.isArray(r)) ?? byKind;
  }

  /** Resources whose plural or singular is the (lower-cased) name, in group and version. */
  #matchResource(gvr: Gvr): ApiResource[] {
    const name = gvr.resource.toLowerCase();
    return this.#all.filter((r) =>
      (gvr.group === "" || r.group === gvr.group) &&
      (gvr.version === "" || r.version === gvr.version) &&
      (r.plural === name || r.singular === name)
    );
  }

  /** kubectl's `RESTMapping(groupKind, version)`: the kind exactly or in lower case. */
  #mappingForKind(
    group: string,
    kind: string,
    version: string,
  ): ApiResource | ApiResource[] | undefined {
    if (kind === "") return undefined;
    const matches = this.#all.filter((r) =>
      r.group === group && (version === "" || r.version === version) &&
      (r.kind === kind || r.kind.toLowerCase() === kind)
    );
    return this.#pick(matches, version ? [{ group, version }] : []);
  }

  /**
   * client-go's PriorityRESTMapper: narrow the matches pattern by pattern; the first pattern
   * that leaves exactly one decides. No match: undefined; no decision: all the matches.
   */
  #pick(matches: ApiResource[], first: Pattern[]): ApiResource | ApiResource[] | undefined {
    if (matches.length <= 1) return matches[0];
    let remaining = matches;
    for (const p of [...first, ...this.#priority]) {
      const hit = remaining.filter((r) => matchesPattern(p, r));
      if (hit.length === 1) return hit[0];
      if (hit.length > 1) remaining = hit;
    }
    return matches;
  }

  /** Matches sorted by priority, one per group-resource (its best version). */
  #prioritise(matches: ApiResource[]): ApiResource[] {
    const out: ApiResource[] = [];
    for (const p of this.#priority) {
      for (const r of matches) if (matchesPattern(p, r) && !out.includes(r)) out.push(r);
    }
    const seen = new Set<string>();
    return out.filter((r) => {
      const key = `${r.plural}.${r.group}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  }

  /** Short names in priority order: `[shortName, group, plural]`. */
  #shortcuts(): [string, string, string][] {
    return this.#all.flatMap((r) =>
      r.shortNames.map((s): [string, string, string] => [s, r.group, r.plural])
    );
  }

  /** client-go's shortcut expander. */
  #expandShortcut(gvr: Gvr): Gvr {
    // A real resource (or singular) name is never a shortcut.
    const exact = this.#all.some((r) =>
      (gvr.group === "" || r.group === gvr.group) &&
      (r.plural === gvr.resource || r.singular === gvr.resource)
    );
    if (exact) return gvr;
    const shortcuts = this.#shortcuts();
    // The first short name in priority order wins; client-go keeps no version here.
    const hit = shortcuts.find(([s, g]) =>
      s === gvr.resource && (gvr.group === "" || g === gvr.group)
    );
    if (hit) return { group: hit[1], version: "", resource: hit[2] };
    if (gvr.group === "") return gvr;
    // A group prefix (`hpa.autoscal`) still finds the short name; this keeps the version.
    const prefix = shortcuts.find(([s, g]) => s === gvr.resource && g.startsWith(gvr.group));
    return prefix ? { ...gvr, group: prefix[1], resource: prefix[2] } : gvr;
  }
}

function matchesPattern(p: Pattern, r: ApiResource): boolean {
  return p.group === r.group && (p.version === undefined || p.version === r.version);
}

/** apimachinery's `ParseResourceArg`: `resource.version.group` and `resource.group`. */
function parseResourceArg(arg: string): { gvr?: Gvr; gr: { group: string; resource: string } } {
  const i = arg.indexOf(".");
  const gr = i < 0
    ? { group: "", resource: arg }
    : { group: arg.slice(i + 1), resource: arg.slice(0, i) };
  const parts = arg.split(".");
  if (parts.length < 3) return { gr };
  return {
    gvr: { resource: parts[0], version: parts[1], group: parts.slice(2).join(".") },
    gr,
  };
}

/** apimachinery's `ParseKindArg`: `Kind.version.group` and `Kind.group`. */
function parseKindArg(
  arg: string,
): { gvk?: { group: string; version: string; kind: string }; gk: { group: string; kind: string } } {
  const { gvr, gr } = parseResourceArg(arg);
  return {
    gvk: gvr && { group: gvr.group, version: gvr.version, kind: gvr.resource },
    gk: { group: gr.group, kind: gr.resource },
  };
}
