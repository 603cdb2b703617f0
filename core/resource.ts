/**
 * Resource descriptors and the object metadata every Kubernetes object carries.
 *
 * A kind's TypeScript type and its descriptor share one name: `Pod` is both the
 * interface of a Pod and the {@link ResourceType} value that knows its group,
 * version, plural and scope, so `Api.namespaced(client, Pod, "ns")` infers `Api<Pod>`.
 *
 * @module
 */

import { KubeError } from "./error.ts";

/**
 * `apiVersion` and `kind` of an object.
 *
 * @example
 * ```ts
 * import type { TypeMeta } from "@kubeno/kube";
 * const t: TypeMeta = { apiVersion: "v1", kind: "ConfigMap" };
 * ```
 */
export interface TypeMeta {
  /** Versioned schema of this representation, `group/version` or `version` for the core group. */
  apiVersion?: string;
  /** The REST resource kind, CamelCase. */
  kind?: string;
}

/**
 * A reference from a dependent object to its owner; drives garbage collection.
 *
 * @example
 * ```ts
 * import type { OwnerReference } from "@kubeno/kube";
 * const ref: OwnerReference = { apiVersion: "v1", kind: "ConfigMap", name: "a", uid: "123", controller: true };
 * ```
 */
export interface OwnerReference {
  /** API version of the owner. */
  apiVersion: string;
  /** Kind of the owner. */
  kind: string;
  /** Name of the owner. */
  name: string;
  /** UID of the owner. */
  uid: string;
  /** True if the owner is the managing controller. At most one owner reference may say so. */
  controller?: boolean;
  /** If true, the owner cannot be deleted (foreground) until this reference is removed. */
  blockOwnerDeletion?: boolean;
}

/**
 * One entry of `metadata.managedFields`: which manager owns which fields (server-side apply).
 *
 * @example
 * ```ts
 * import type { ManagedFieldsEntry } from "@kubeno/kube";
 * const e: ManagedFieldsEntry = { manager: "kubectl", operation: "Apply" };
 * ```
 */
export interface ManagedFieldsEntry {
  /** API version of the fields set. */
  apiVersion?: string;
  /** Format of `fieldsV1`, always `FieldsV1` today. */
  fieldsType?: string;
  /** The set of fields, in the server's structured-merge-diff encoding. */
  fieldsV1?: Record<string, unknown>;
  /** Name of the field manager. */
  manager?: string;
  /** `Apply` or `Update`. */
  operation?: string;
  /** Subresource the fields were written through, if any. */
  subresource?: string;
  /** When the fields were last written (RFC 3339). */
  time?: string;
}

/**
 * Standard object metadata. Every field is optional because the server fills in most of them.
 *
 * @example
 * ```ts
 * import type { ObjectMeta } from "@kubeno/kube";
 * const m: ObjectMeta = { name: "blog", namespace: "apps", labels: { app: "blog" } };
 * ```
 */
export interface ObjectMeta {
  /** Unstructured key/value data stored with the object. */
  annotations?: Record<string, string>;
  /** When the object was created (RFC 3339), set by the server. */
  creationTimestamp?: string;
  /** Seconds allowed for graceful termination before the object is removed. */
  deletionGracePeriodSeconds?: number;
  /** When the object will be deleted (RFC 3339); set when deletion is requested. */
  deletionTimestamp?: string;
  /** Names of finalizers that must be removed before the object is deleted. */
  finalizers?: string[];
  /** Prefix for a server-generated name, used when `name` is empty. */
  generateName?: string;
  /** Sequence number of the desired state (spec changes). */
  generation?: number;
  /** Labels, for selection. */
  labels?: Record<string, string>;
  /** Which manager owns which fields. */
  managedFields?: ManagedFieldsEntry[];
  /** Name, unique in its namespace. */
  name?: string;
  /** Namespace; empty for cluster-scoped objects. */
  namespace?: string;
  /** Objects this object depends on. */
  ownerReferences?: OwnerReference[];
  /** Opaque version for optimistic concurrency and watches. */
  resourceVersion?: string;
  /** Deprecated; never set by current servers. */
  selfLink?: string;
  /** Unique id over the cluster's lifetime, set by the server. */
  uid?: string;
}

/**
 * Metadata of a list response.
 *
 * @example
 * ```ts
 * import type { ListMeta } from "@kubeno/kube";
 * const m: ListMeta = { resourceVersion: "42", continue: "abc" };
 * ```
 */
export interface ListMeta {
  /** Token to fetch the next page; empty on the last page. */
  continue?: string;
  /** Estimated number of items left after this page, when the server knows it. */
  remainingItemCount?: number;
  /** Resource version the list was read at; watch from here. */
  resourceVersion?: string;
  /** Deprecated. */
  selfLink?: string;
}

/**
 * Any Kubernetes object: type meta and object metadata. Kind-specific fields live on sub-types.
 *
 * @example
 * ```ts
 * import type { KubeObject } from "@kubeno/kube";
 * const o: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } };
 * ```
 */
export interface KubeObject extends TypeMeta {
  /** Standard object metadata. */
  metadata: ObjectMeta;
}

/**
 * A list of objects as the server returns it.
 *
 * @example
 * ```ts
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * import type { ObjectList } from "@kubeno/kube";
 * const l: ObjectList<ConfigMap> = { metadata: {}, items: [] };
 * ```
 */
export interface ObjectList<K> extends TypeMeta {
  /** List metadata: resourceVersion and continue token. */
  metadata: ListMeta;
  /** The objects. */
  items: K[];
}

/**
 * Describes a REST resource: where it lives on the server and whether it is namespaced.
 * The type parameter `K` is the object type this resource returns; it exists for inference only.
 *
 * @example
 * ```ts
 * import { resourceType, type KubeObject } from "@kubeno/kube";
 * interface Foo extends KubeObject { spec: { size: number } }
 * const Foo: ResourceTypeOf<Foo> = resourceType<Foo>({
 *   group: "clux.dev", version: "v1", kind: "Foo", plural: "foos", namespaced: true,
 * });
 * type ResourceTypeOf<K extends KubeObject> = import("@kubeno/kube").ResourceType<K>;
 * ```
 */
export interface ResourceType<K extends KubeObject = KubeObject> {
  /** API group; `""` for the core group. */
  readonly group: string;
  /** API version within the group, e.g. `v1`. */
  readonly version: string;
  /** `group/version`, or `version` alone for the core group. */
  readonly apiVersion: string;
  /** The kind, e.g. `Pod`. */
  readonly kind: string;
  /** The resource's plural, lower case: the URL segment, e.g. `pods`. */
  readonly plural: string;
  /** True if objects live in namespaces. */
  readonly namespaced: boolean;
  /** The verbs the server allows (`get`, `list`, `watch`, ...), when known. */
  readonly verbs?: readonly string[];
  /** Phantom member carrying the object type; never set at run time. */
  readonly __object?: K;
}

/**
 * What {@link resourceType} needs to build a descriptor.
 *
 * @example
 * ```ts
 * import type { ResourceTypeInit } from "@kubeno/kube";
 * const init: ResourceTypeInit = { group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true };
 * ```
 */
export interface ResourceTypeInit {
  /** API group; `""` for the core group. */
  group: string;
  /** Version within the group. */
  version: string;
  /** Kind. */
  kind: string;
  /** Plural resource name; derived from the kind (lower case + `s`) when omitted. */
  plural?: string;
  /** True if objects live in namespaces. */
  namespaced: boolean;
  /** The verbs the server allows, when known. */
  verbs?: readonly string[];
}

/**
 * A resource descriptor whose group, version, kind or plural the apiserver could never serve:
 * refused before any request, so that a plural such as `../../api/v1/secrets` cannot reach
 * another resource's URL. `problems` lists each name and the rule it breaks.
 *
 * @example
 * ```ts
 * import { resourceType, ResourceTypeError } from "@kubeno/kube";
 * try {
 *   resourceType({ group: "clux.dev", version: "v1", kind: "Foo", plural: "../secrets", namespaced: true });
 * } catch (e) {
 *   if (e instanceof ResourceTypeError) console.log(e.problems[0]); // plural "../secrets": ...
 * }
 * ```
 */
export class ResourceTypeError extends KubeError {
  /** Class name. */
  override name: string = "ResourceTypeError";
  /** One line per name that breaks its rule. */
  readonly problems: readonly string[];

  /**
   * Creates the error.
   *
   * @param what The descriptor, e.g. `resourceType Foo` or `customResource Foo`.
   * @param problems One line per broken rule.
   */
  constructor(what: string, problems: readonly string[]) {
    super(`invalid ${what}: ${problems.join("; ")}`);
    this.problems = Object.freeze([...problems]);
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `value` is not a DNS label, or `undefined` when it is. `rfc1035` requires a leading
 * letter (the rule for CRD versions and names), otherwise a leading digit is allowed (RFC 1123).
 * Messages follow the apiserver's.
 *
 * @example
 * ```ts
 * import { dnsLabelProblem } from "@kubeno/kube";
 * dnsLabelProblem("v1", true); // undefined
 * dnsLabelProblem("1v", true); // "a DNS-1035 label must consist of lower case alphanumeric ..."
 * ```
 */
export function dnsLabelProblem(value: string, rfc1035 = false): string | undefined {
  if (value.length > 63) return "must be no more than 63 characters";
  if (rfc1035 ? DNS1035_LABEL.test(value) : DNS1123_LABEL.test(value)) return undefined;
  return rfc1035
    ? "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " +
      "alphabetic character, and end with an alphanumeric character"
    : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and " +
      "must start and end with an alphanumeric character";
}

/**
 * Why `value` is not a DNS subdomain (RFC 1123: dot-separated labels, at most 253 characters),
 * or `undefined` when it is. Messages follow the apiserver's.
 *
 * @example
 * ```ts
 * import { dnsSubdomainProblem } from "@kubeno/kube";
 * dnsSubdomainProblem("clux.dev"); // undefined
 * dnsSubdomainProblem("../x"); // "a lowercase RFC 1123 subdomain must consist of ..."
 * ```
 */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return "must be no more than 253 characters";
  if (DNS1123_SUBDOMAIN.test(value)) return undefined;
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " +
    "or '.', and must start and end with an alphanumeric character";
}

/**
 * What is wrong with the names of a resource descriptor, one line per problem (empty when
 * nothing is). The rules are those the apiserver puts on API groups, versions and resources:
 * the group is empty (the core group) or a DNS subdomain; the version a DNS-1035 label (`v1`,
 * `v1beta1`); the plural a DNS label, which is one path segment; the kind a DNS-1035 label
 * once lower-cased (`ConfigMap`). {@link resourceType} and `customResource` throw a
 * {@link ResourceTypeError} with these; `customResource` adds the CRD's own rules.
 *
 * @example
 * ```ts
 * import { resourceTypeProblems } from "@kubeno/kube";
 * resourceTypeProblems({ group: "", version: "v1", kind: "Secret", plural: "secrets" }); // []
 * resourceTypeProblems({ group: "", version: "v1", kind: "Secret", plural: "../secrets" }).length; // 1
 * ```
 */
export function resourceTypeProblems(
  init: { group: string; version: string; kind: string; plural: string },
): string[] {
  return problems(init, false);
}

function problems(
  init: { group: string; version: string; kind: string; plural: string },
  pathOnly: boolean,
): string[] {
  const out: string[] = [];
  const bad = (field: string, value: unknown, why: string) =>
    out.push(`${field} ${JSON.stringify(value)}: ${why}`);
  for (const f of pathOnly ? PATH_FIELDS : ALL_FIELDS) {
    if (typeof init[f] !== "string") bad(f, init[f] ?? null, "must be a string");
  }
  if (out.length) return out;
  if (init.group !== "") {
    const p = dnsSubdomainProblem(init.group);
    if (p) bad("group", init.group, `${p} (use "" for the core group)`);
  }
  const v = dnsLabelProblem(init.version, true);
  if (v) bad("version", init.version, v);
  const p = dnsLabelProblem(init.plural);
  if (p) bad("plural", init.plural, `${p} (it is one URL path segment, e.g. "configmaps")`);
  if (pathOnly) return out;
  const k = dnsLabelProblem(init.kind.toLowerCase(), true);
  if (k) bad("kind", init.kind, `may have mixed case, but should otherwise match: ${k}`);
  return out;
}

const PATH_FIELDS = ["group", "version", "plural"] as const;
const ALL_FIELDS = ["group", "version", "kind", "plural"] as const;

// Descriptors already checked (those resourceType() built, and any checked once in resourcePath).
const checked = new WeakSet<object>();

/**
 * Throws a {@link ResourceTypeError} unless the names a descriptor puts in a URL (group,
 * version, plural) are valid (see {@link resourceTypeProblems}). Request building calls it, so
 * that a descriptor written by hand or read from discovery, not made by {@link resourceType},
 * cannot put a path outside its resource either. Each descriptor object is checked once.
 *
 * @example
 * ```ts
 * import { assertResourceType } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * assertResourceType(ConfigMap); // fine
 * ```
 */
export function assertResourceType(
  rt: { group: string; version: string; kind: string; plural: string },
): void {
  if (checked.has(rt)) return;
  const found = problems(rt, true);
  if (found.length) throw new ResourceTypeError(`resource type ${String(rt.kind)}`, found);
  checked.add(rt);
}

/**
 * Builds a frozen {@link ResourceType} for the object type `K`.
 *
 * @throws {ResourceTypeError} if the group, version, kind or plural is not one the apiserver
 *   could serve (see {@link resourceTypeProblems}).
 *
 * @example
 * ```ts
 * import { resourceType, type KubeObject } from "@kubeno/kube";
 * interface Foo extends KubeObject { spec: { size: number } }
 * export const Foo = resourceType<Foo>({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true });
 * console.log(Foo.plural); // "foos"
 * ```
 */
export function resourceType<K extends KubeObject>(init: ResourceTypeInit): ResourceType<K> {
  const apiVersion = init.group === "" ? init.version : `${init.group}/${init.version}`;
  const rt: ResourceType<K> = Object.freeze({
    group: init.group,
    version: init.version,
    apiVersion,
    kind: init.kind,
    plural: init.plural ?? defaultPlural(String(init.kind)),
    namespaced: init.namespaced,
    ...(init.verbs ? { verbs: Object.freeze([...init.verbs]) } : {}),
  });
  const found = resourceTypeProblems(rt);
  if (found.length) throw new ResourceTypeError(`resource type ${String(rt.kind)}`, found);
  checked.add(rt);
  return rt;
}

/**
 * The plural a kind gets when none is given: lower case, with the English rules kube-rs and
 * kubebuilder apply (`-es` after s, x, z, ch, sh; consonant + `y` -> `-ies`). The apiserver's
 * own guess (`meta.UnsafeGuessKindToResource`) is cruder (`Gateway` -> `gatewaies`), so pass
 * `plural` when a CRD's plural is not the English one.
 *
 * @example
 * ```ts
 * import { defaultPlural } from "@kubeno/kube";
 * defaultPlural("NetworkPolicy"); // "networkpolicies"
 * ```
 */
export function defaultPlural(kind: string): string {
  const k = kind.toLowerCase();
  if (k === "endpoints") return k;
  if (
    k.endsWith("s") || k.endsWith("x") || k.endsWith("z") || k.endsWith("ch") || k.endsWith("sh")
  ) {
    return k + "es";
  }
  if (k.endsWith("y") && !/[aeiou]y$/.test(k)) return k.slice(0, -1) + "ies";
  return k + "s";
}

/**
 * The object type a descriptor stands for.
 *
 * @example
 * ```ts
 * import type { ObjectOf } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * type P = ObjectOf<typeof Pod>; // Pod
 * ```
 */
export type ObjectOf<R> = R extends ResourceType<infer K> ? K : never;

/**
 * The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects.
 * The same form client-go's `MetaNamespaceKeyFunc` uses.
 *
 * @example
 * ```ts
 * import { objectKey } from "@kubeno/kube";
 * objectKey({ metadata: { name: "a", namespace: "ns" } }); // "ns/a"
 * ```
 */
export function objectKey(obj: { readonly metadata: NamedMeta }): string {
  return keyOf(obj.metadata.name ?? "", obj.metadata.namespace);
}

/**
 * The part of {@link ObjectMeta} that names an object; read-only, so that read-only objects
 * (as a store hands them out) are accepted too.
 *
 * @example
 * ```ts
 * import type { NamedMeta } from "@kubeno/kube";
 * const m: NamedMeta = { name: "a", namespace: "ns", uid: "9f1c" };
 * ```
 */
export type NamedMeta = Readonly<Pick<ObjectMeta, "name" | "namespace" | "uid">>;

/**
 * The key for a name and optional namespace, as {@link objectKey}.
 *
 * @example
 * ```ts
 * import { keyOf } from "@kubeno/kube";
 * keyOf("a", "ns"); // "ns/a"
 * keyOf("node-1"); // "node-1"
 * ```
 */
export function keyOf(name: string, namespace?: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Splits a key made by {@link objectKey} back into name and namespace.
 *
 * @example
 * ```ts
 * import { parseKey } from "@kubeno/kube";
 * parseKey("ns/a"); // { name: "a", namespace: "ns" }
 * ```
 */
export function parseKey(key: string): { name: string; namespace?: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * A reference to an object: enough to find it again.
 *
 * @example
 * ```ts
 * import type { ObjectRef } from "@kubeno/kube";
 * const r: ObjectRef = { apiVersion: "v1", kind: "Pod", name: "p", namespace: "ns" };
 * ```
 */
export interface ObjectRef {
  /** API version of the object. */
  apiVersion: string;
  /** Kind of the object. */
  kind: string;
  /** Name. */
  name: string;
  /** Namespace, for namespaced objects. */
  namespace?: string;
  /** UID, when known. */
  uid?: string;
}

/**
 * The {@link ObjectRef} of an object of the given resource type.
 *
 * @example
 * ```ts
 * import { objectRef } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * objectRef(ConfigMap, { metadata: { name: "a", namespace: "ns", uid: "1" } });
 * ```
 */
export function objectRef<K extends KubeObject>(
  rt: ResourceType<K>,
  obj: { readonly metadata: NamedMeta },
): ObjectRef {
  const ref: ObjectRef = {
    apiVersion: rt.apiVersion,
    kind: rt.kind,
    name: obj.metadata.name ?? "",
  };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata.uid) ref.uid = obj.metadata.uid;
  return ref;
}

/**
 * An owner reference to `owner` for use in a dependent's `metadata.ownerReferences`.
 * With `controller: true` (the default) it marks the owner as the managing controller, as
 * kube-rs' `controller_owner_ref` does. Throws if the owner has no name or uid yet.
 *
 * @example
 * ```ts
 * import { ownerReference } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const owner = { metadata: { name: "a", uid: "9f1c" } };
 * const ref = ownerReference(ConfigMap, owner); // { apiVersion: "v1", kind: "ConfigMap", ..., controller: true }
 * ```
 */
export function ownerReference<K extends KubeObject>(
  rt: ResourceType<K>,
  owner: { readonly metadata: NamedMeta },
  opts: { controller?: boolean; blockOwnerDeletion?: boolean } = {},
): OwnerReference {
  const { name, uid } = owner.metadata;
  if (!name || !uid) {
    throw new TypeError(
      `ownerReference: the owner ${rt.kind} needs metadata.name and metadata.uid (read it from the server first)`,
    );
  }
  return {
    apiVersion: rt.apiVersion,
    kind: rt.kind,
    name,
    uid,
    controller: opts.controller ?? true,
    blockOwnerDeletion: opts.blockOwnerDeletion ?? true,
  };
}
