/**
 * `Api<K>`: the typed verbs over one resource, in one namespace or across all of them.
 *
 * @module
 */

import type { Status } from "../core/error.ts";
import type {
  DeleteParams,
  GetParams,
  ListParams,
  Patch,
  PatchParams,
  PostParams,
  WatchParams,
} from "../core/params.ts";
import {
  createRequest,
  deleteCollectionRequest,
  deleteRequest,
  getRequest,
  listRequest,
  patchRequest,
  replaceRequest,
  type ResourceScope,
  watchRequest,
} from "../core/request.ts";
import type { KubeObject, ObjectList, ResourceType } from "../core/resource.ts";
import type { DynamicObject } from "../core/dynamic.ts";
import {
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
  type PartialObjectMetadata,
  type PartialObjectMetadataList,
  type Table,
  TABLE_ACCEPT,
  withAccept,
} from "../core/metadata.ts";
import { Entry } from "./entry.ts";
import { decodeWatchBatches, decodeWatchStream, type WatchEvent } from "../core/watch.ts";
import type { Scale } from "../core/k8s/autoscaling/v1.ts";

// The scale subresource speaks autoscaling/v1 Scale whatever the resource; re-exported so the
// main entry documents it.
export type { Scale };
import type { Client, RequestOptions } from "./client.ts";
import { isNotFound } from "../core/error.ts";
import { type LogParams, podLogs, podLogStream } from "./subresource/logs.ts";
import { type AttachedProcess, type AttachParams, podAttach, podExec } from "./subresource/exec.ts";
import {
  type LocalForward,
  podForward,
  podPortForward,
  type PortForward,
  type PortForwardOptions,
} from "./subresource/portforward.ts";
import { podEvict } from "./subresource/eviction.ts";

/**
 * A partial object for patches: every field optional, at every depth.
 *
 * @example
 * ```ts
 * import type { DeepPartial } from "@kubeno/kube";
 * import type { Pod } from "@kubeno/kube/k8s/core/v1";
 * const p: DeepPartial<Pod> = { metadata: { labels: { a: "b" } } };
 * ```
 */
export type DeepPartial<T> = T extends readonly (infer U)[] ? DeepPartial<U>[]
  : T extends object ? { [P in keyof T]?: DeepPartial<T[P]> }
  : T;

/**
 * Whether a value is a `Status` object (what `delete` returns when the object is gone at once).
 *
 * @example
 * ```ts
 * import { isStatus } from "@kubeno/kube";
 * isStatus({ kind: "Status", apiVersion: "v1", status: "Success" }); // true
 * ```
 */
export function isStatus(value: unknown): value is Status {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "Status" &&
    (value as { apiVersion?: unknown }).apiVersion === "v1";
}

/**
 * The typed verbs over one resource type. Build it with {@link Api.namespaced},
 * {@link Api.all} or {@link Api.defaultNamespaced}; the descriptor carries the object type,
 * so `Api.namespaced(client, Pod, "ns")` is an `Api<Pod>`.
 *
 * @example
 * ```ts
 * import { Api, Client } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const client = await Client.tryDefault();
 * const cms = Api.namespaced(client, ConfigMap, "default");
 * await cms.create({ metadata: { name: "hello" }, data: { greeting: "hi" } });
 * const cm = await cms.get("hello");
 * console.log(cm.data?.greeting); // "hi"
 * // Server-side apply as manager "example": `force` takes data.greeting over from the
 * // manager that created it (without it, a 409 Conflict names that manager).
 * await cms.patch("hello", { type: "apply", body: { data: { greeting: "ho" } } }, {
 *   fieldManager: "example",
 *   force: true,
 * });
 * await cms.delete("hello");
 * client.close();
 * ```
 */
export class Api<K extends KubeObject> {
  /** The client requests go through. */
  readonly client: Client;
  /** The resource type. */
  readonly resource: ResourceType<K>;
  /** The namespace, or undefined for cluster-scoped resources and all-namespace access. */
  readonly namespace: string | undefined;

  /** Prefer the static constructors; this one checks nothing. */
  constructor(client: Client, resource: ResourceType<K>, namespace?: string) {
    this.client = client;
    this.resource = resource;
    this.namespace = namespace;
  }

  /**
   * An Api over one namespace of a namespaced resource.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "kube-system");
   * ```
   */
  static namespaced<K extends KubeObject>(
    client: Client,
    resource: ResourceType<K>,
    namespace: string,
  ): Api<K> {
    if (!resource.namespaced) {
      throw new TypeError(
        `${resource.kind} is cluster-scoped: use Api.all(client, ${resource.kind}) instead of Api.namespaced`,
      );
    }
    if (!namespace) throw new TypeError("Api.namespaced needs a non-empty namespace");
    return new Api(client, resource, namespace);
  }

  /**
   * An Api over a cluster-scoped resource, or over every namespace of a namespaced one (then
   * only `list`, `listAll`, `watch` make sense; name-based verbs need a namespace).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Namespace } from "@kubeno/kube/k8s/core/v1";
   * const namespaces = Api.all(await Client.tryDefault(), Namespace);
   * ```
   */
  static all<K extends KubeObject>(client: Client, resource: ResourceType<K>): Api<K> {
    return new Api(client, resource, undefined);
  }

  /**
   * An Api over the client's default namespace (the context's namespace, in-cluster the pod's).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const secrets = Api.defaultNamespaced(await Client.tryDefault(), Secret);
   * ```
   */
  static defaultNamespaced<K extends KubeObject>(
    client: Client,
    resource: ResourceType<K>,
  ): Api<K> {
    if (!resource.namespaced) return Api.all(client, resource);
    return Api.namespaced(client, resource, client.defaultNamespace);
  }

  /**
   * An Api over a resource known only at run time (an `ApiResource` from `Discovery`, or any
   * descriptor of `DynamicObject`): in `namespace`, or over the whole cluster without one.
   *
   * @example
   * ```ts
   * import { Api, Client, Discovery } from "@kubeno/kube";
   * const client = await Client.tryDefault();
   * const cronjobs = await (await Discovery.run(client)).resolve("cj");
   * const api = Api.dynamic(client, cronjobs, "default");
   * for (const cj of (await api.list()).items) console.log(cj.metadata.name, cj.spec);
   * ```
   */
  static dynamic(
    client: Client,
    resource: ResourceType<DynamicObject>,
    namespace?: string,
  ): Api<DynamicObject> {
    return namespace === undefined
      ? Api.all(client, resource)
      : Api.namespaced(client, resource, namespace);
  }

  /** Where requests go. */
  get #scope(): ResourceScope {
    return { resource: this.resource, namespace: this.namespace };
  }

  /** The scope for a verb on a named object: a namespaced resource needs its namespace. */
  #objectScope(verb: string): ResourceScope {
    if (this.resource.namespaced && this.namespace === undefined) {
      throw new TypeError(
        `${verb}: ${this.resource.kind} is namespaced; an Api.all(...) can only list and watch. ` +
          `Use Api.namespaced(client, ${this.resource.kind}, namespace).`,
      );
    }
    return this.#scope;
  }

  /**
   * Reads one object. Throws an `ApiError` (see `isNotFound`) when it does not exist.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pod = await Api.namespaced(await Client.tryDefault(), Pod, "default").get("blog");
   * ```
   */
  async get(name: string, gp: GetParams = {}, opts: RequestOptions = {}): Promise<K> {
    return await this.client.request<K>(getRequest(this.#objectScope("get"), name, gp), opts);
  }

  /**
   * Reads one object, or `undefined` when it does not exist.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const cm = await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").getOpt("maybe");
   * if (!cm) console.log("absent");
   * ```
   */
  async getOpt(
    name: string,
    gp: GetParams = {},
    opts: RequestOptions = {},
  ): Promise<K | undefined> {
    try {
      return await this.get(name, gp, opts);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Lists one page of objects (all of them unless `limit` is set).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const list = await Api.all(await Client.tryDefault(), Pod).list({ labelSelector: "app=blog" });
   * console.log(list.metadata.resourceVersion, list.items.length);
   * ```
   */
  async list(lp: ListParams = {}, opts: RequestOptions = {}): Promise<ObjectList<K>> {
    return await this.client.request<ObjectList<K>>(listRequest(this.#scope, lp), opts);
  }

  /**
   * Every object, page by page (`limit` is the page size, default 500), following `continue`
   * tokens. `resourceVersion` and `resourceVersionMatch` apply to the first page only; the
   * others are read at the version of the token. An expired token surfaces as an `ApiError`
   * with code 410 (see `isGone`).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * for await (const cm of Api.all(await Client.tryDefault(), ConfigMap).listAll({ limit: 100 })) {
   *   console.log(cm.metadata.name);
   * }
   * ```
   */
  async *listAll(
    lp: ListParams = {},
    opts: RequestOptions = {},
  ): AsyncGenerator<K, void, undefined> {
    const limit = lp.limit ?? 500;
    let next: string | undefined = lp.continue || undefined;
    do {
      // A continue token carries its own resource version; the server rejects one next to it
      // (422), so pages after the first drop resourceVersion and resourceVersionMatch.
      const page = await this.list(
        next === undefined ? { ...lp, limit } : {
          ...lp,
          limit,
          continue: next,
          resourceVersion: undefined,
          resourceVersionMatch: undefined,
        },
        opts,
      );
      yield* page.items;
      next = page.metadata.continue || undefined;
    } while (next);
  }

  /**
   * Creates an object. For namespaced resources the Api's namespace is used.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const cms = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
   * const created = await cms.create({ metadata: { name: "b" }, data: { k: "v" } }, { fieldManager: "me" });
   * ```
   */
  async create(obj: K, pp: PostParams = {}, opts: RequestOptions = {}): Promise<K> {
    const body = this.#withTypeMeta(obj);
    return await this.client.request<K>(createRequest(this.#objectScope("create"), body, pp), opts);
  }

  /**
   * Replaces an object (PUT). Send the `resourceVersion` you read to get a 409 on a lost update.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const cms = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
   * const cm = await cms.get("a");
   * await cms.replace("a", { ...cm, data: { k: "w" } });
   * ```
   */
  async replace(name: string, obj: K, pp: PostParams = {}, opts: RequestOptions = {}): Promise<K> {
    const req = replaceRequest(this.#objectScope("replace"), name, this.#withTypeMeta(obj), pp);
    return await this.client.request<K>(req, opts);
  }

  /**
   * Patches an object: server-side `apply` (needs `fieldManager`), JSON `merge`, RFC 6902 `json`
   * or `strategic` merge (built-in kinds only).
   *
   * An `apply` body gets `apiVersion`, `kind`, `metadata.name` and (namespaced) `metadata.namespace`
   * filled in, so the same call creates the object when it is missing and updates it otherwise;
   * a body naming another object or namespace is a `TypeError` before any request. Pass
   * `force: true` when your controller owns the fields it applies and must take them back from
   * whoever changed them (a hand edit with `kubectl edit`); without it that apply is a 409.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await pods.patch("blog", { type: "apply", body: { metadata: { labels: { tier: "web" } } } }, {
   *   fieldManager: "my_controller",
   * });
   * ```
   */
  async patch(
    name: string,
    patch: Patch<DeepPartial<K>>,
    pp: PatchParams = {},
    opts: RequestOptions = {},
  ): Promise<K> {
    const scope = this.#objectScope("patch");
    const req = patchRequest(scope, name, this.#applyBody(patch, "patch", name), pp);
    return await this.client.request<K>(req, opts);
  }

  /**
   * Deletes an object. Returns the object while its deletion is pending (finalizers, graceful
   * deletion), or the server's `Status` when it is gone at once; tell them apart with {@link isStatus}.
   *
   * @example
   * ```ts
   * import { Api, Client, isStatus } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const res = await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").delete("a");
   * console.log(isStatus(res) ? "deleted" : "deleting");
   * ```
   */
  async delete(
    name: string,
    dp: DeleteParams = {},
    opts: RequestOptions = {},
  ): Promise<K | Status> {
    const req = deleteRequest(this.#objectScope("delete"), name, dp);
    return await this.client.request<K | Status>(req, opts);
  }

  /**
   * Deletes every object the list parameters select. Returns the list of objects being deleted,
   * or a `Status`.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").deleteCollection({}, { labelSelector: "tmp=true" });
   * ```
   */
  async deleteCollection(
    dp: DeleteParams = {},
    lp: ListParams = {},
    opts: RequestOptions = {},
  ): Promise<ObjectList<K> | Status> {
    const req = deleteCollectionRequest(this.#objectScope("deleteCollection"), dp, lp);
    return await this.client.request<ObjectList<K> | Status>(req, opts);
  }

  /**
   * One watch connection from `resourceVersion`, as an async iterable of events. It ends when
   * the server closes the stream (`timeoutSeconds`); `ERROR` events carry the server's Status
   * (a 410 there means the version is too old: relist). For a watch that never ends and
   * survives all that, use the runtime's `watcher`.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * const { metadata } = await pods.list({ limit: 1 });
   * for await (const ev of pods.watch({ timeoutSeconds: 10 }, metadata.resourceVersion)) {
   *   console.log(ev.type);
   * }
   * ```
   */
  async *watch(
    wp: WatchParams = {},
    resourceVersion?: string,
    opts: RequestOptions = {},
  ): AsyncGenerator<WatchEvent<K>, void, undefined> {
    for await (const batch of this.watchBatches(wp, resourceVersion, opts)) yield* batch;
  }

  /**
   * {@link Api.watch} in batches: the events of each network read together, which is cheaper
   * for consumers of many small events (the runtime's `watcher` reads watches this way).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const cms = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
   * for await (const batch of cms.watchBatches({ timeoutSeconds: 1 }, "0")) {
   *   console.log(batch.map((ev) => ev.type));
   * }
   * ```
   */
  async *watchBatches(
    wp: WatchParams = {},
    resourceVersion?: string,
    opts: RequestOptions = {},
  ): AsyncGenerator<readonly WatchEvent<K>[], void, undefined> {
    const req = watchRequest(this.#scope, resourceVersion, wp);
    const body = await this.client.requestStream(req, opts);
    yield* decodeWatchBatches<K>(body);
  }

  /**
   * Reads the object through its `status` subresource.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
   * const d = await Api.namespaced(await Client.tryDefault(), Deployment, "default").getStatus("web");
   * ```
   */
  async getStatus(name: string, opts: RequestOptions = {}): Promise<K> {
    return await this.client.request<K>(
      getRequest(this.#objectScope("getStatus"), name, {}, "status"),
      opts,
    );
  }

  /**
   * Patches the `status` subresource (what controllers write; `spec` changes are ignored there).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
   * const deployments = Api.namespaced(await Client.tryDefault(), Deployment, "default");
   * await deployments.patchStatus("web", { type: "merge", body: { status: { observedGeneration: 2 } } });
   * ```
   */
  async patchStatus(
    name: string,
    patch: Patch<DeepPartial<K>>,
    pp: PatchParams = {},
    opts: RequestOptions = {},
  ): Promise<K> {
    const scope = this.#objectScope("patchStatus");
    const body = this.#applyBody(patch, "patchStatus", name);
    const req = patchRequest(scope, name, body, pp, "status");
    return await this.client.request<K>(req, opts);
  }

  /**
   * Replaces the `status` subresource.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
   * const deployments = Api.namespaced(await Client.tryDefault(), Deployment, "default");
   * const d = await deployments.getStatus("web");
   * await deployments.replaceStatus("web", d);
   * ```
   */
  async replaceStatus(
    name: string,
    obj: K,
    pp: PostParams = {},
    opts: RequestOptions = {},
  ): Promise<K> {
    const req = replaceRequest(
      this.#objectScope("replaceStatus"),
      name,
      this.#withTypeMeta(obj),
      pp,
      "status",
    );
    return await this.client.request<K>(req, opts);
  }

  /**
   * Reads the `scale` subresource (an `autoscaling/v1` Scale).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
   * const scale = await Api.namespaced(await Client.tryDefault(), Deployment, "default").getScale("web");
   * console.log(scale.spec?.replicas);
   * ```
   */
  async getScale(name: string, opts: RequestOptions = {}): Promise<Scale> {
    return await this.client.request<Scale>(
      getRequest(this.#objectScope("getScale"), name, {}, "scale"),
      opts,
    );
  }

  /**
   * Patches the `scale` subresource.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
   * const deployments = Api.namespaced(await Client.tryDefault(), Deployment, "default");
   * await deployments.patchScale("web", { type: "merge", body: { spec: { replicas: 3 } } });
   * ```
   */
  async patchScale(
    name: string,
    patch: Patch<DeepPartial<Scale>>,
    pp: PatchParams = {},
    opts: RequestOptions = {},
  ): Promise<Scale> {
    const body = patch.type === "apply"
      ? { ...patch, body: { apiVersion: "autoscaling/v1", kind: "Scale", ...patch.body } }
      : patch;
    const req = patchRequest(this.#objectScope("patchScale"), name, body, pp, "scale");
    return await this.client.request<Scale>(req, opts);
  }

  /**
   * Replaces the `scale` subresource.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Deployment } from "@kubeno/kube/k8s/apps/v1";
   * const deployments = Api.namespaced(await Client.tryDefault(), Deployment, "default");
   * const scale = await deployments.getScale("web");
   * await deployments.replaceScale("web", { ...scale, spec: { replicas: 2 } });
   * ```
   */
  async replaceScale(
    name: string,
    scale: Scale,
    pp: PostParams = {},
    opts: RequestOptions = {},
  ): Promise<Scale> {
    const body = { apiVersion: "autoscaling/v1", kind: "Scale", ...scale };
    const req = replaceRequest(this.#objectScope("replaceScale"), name, body, pp, "scale");
    return await this.client.request<Scale>(req, opts);
  }

  /**
   * Reads a pod's log as text (the `log` subresource; pods only). See {@link podLogs}.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * console.log(await pods.logs("blog", { container: "app", tailLines: 20 }));
   * ```
   */
  async logs(name: string, lp: LogParams = {}, opts: RequestOptions = {}): Promise<string> {
    return await podLogs(this.client, this.#objectScope("logs"), name, lp, opts);
  }

  /**
   * A pod's log as a byte stream, followed with `follow: true` until the container ends or
   * `opts.signal` aborts. See {@link podLogStream} and {@link logLines}.
   *
   * @example
   * ```ts
   * // doc:no-run: follows the log until the container ends; tests/e2e/pod_io_test.ts runs it
   * import { Api, Client, logLines } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * const stream = await pods.logStream("blog", { follow: true, tailLines: 0 });
   * for await (const line of logLines(stream)) console.log(line);
   * ```
   */
  async logStream(
    name: string,
    lp: LogParams = {},
    opts: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    return await podLogStream(this.client, this.#objectScope("logStream"), name, lp, opts);
  }

  /**
   * Runs a command in a pod's container over a WebSocket (pods only). See {@link AttachedProcess}.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await using p = await pods.exec("blog", ["sh", "-c", "echo $((6*7))"]);
   * console.log(await new Response(p.stdout).text(), (await p.status).exitCode); // "42\n" 0
   * ```
   */
  async exec(
    name: string,
    command: readonly string[],
    ap: AttachParams = {},
    opts: RequestOptions = {},
  ): Promise<AttachedProcess> {
    return await podExec(this.client, this.#objectScope("exec"), name, command, ap, opts);
  }

  /**
   * Attaches to a pod's running container over a WebSocket (pods only). See
   * {@link AttachedProcess}.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet); the e2e tests run these
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await using p = await pods.attach("blog", { container: "app" });
   * for await (const chunk of p.stdout) console.log(new TextDecoder().decode(chunk));
   * ```
   */
  async attach(
    name: string,
    ap: AttachParams = {},
    opts: RequestOptions = {},
  ): Promise<AttachedProcess> {
    return await podAttach(this.client, this.#objectScope("attach"), name, ap, opts);
  }

  /**
   * Connections to some ports of a pod over one WebSocket (`v4.channel.k8s.io`; pods only).
   * See {@link PortForward}.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet)
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await using pf = await pods.portForward("web", [80]);
   * const { readable, writable } = pf.stream(80);
   * ```
   */
  async portForward(
    name: string,
    ports: readonly number[],
    opts: PortForwardOptions = {},
  ): Promise<PortForward> {
    return await podPortForward(this.client, this.#objectScope("portForward"), name, ports, opts);
  }

  /**
   * Listens on 127.0.0.1:`localPort` (0: any free port) and forwards each connection to a pod
   * port (pods only). See {@link podForward}.
   *
   * @example
   * ```ts
   * // doc:no-run: needs a running Pod (a node with a kubelet)
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await using fwd = await pods.forward("web", 0, 80);
   * console.log(`listening on 127.0.0.1:${fwd.port}`);
   * ```
   */
  async forward(
    name: string,
    localPort: number,
    podPort: number,
    opts: RequestOptions = {},
  ): Promise<LocalForward> {
    const scope = this.#objectScope("forward");
    return await podForward(this.client, scope, name, localPort, podPort, opts);
  }

  /**
   * Evicts a pod (policy/v1 Eviction; pods only): a delete that a PodDisruptionBudget may refuse
   * with 429 (`isTooManyRequests`). See {@link podEvict}.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await pods.evict("blog", { gracePeriodSeconds: 30 });
   * ```
   */
  async evict(name: string, dp: DeleteParams = {}, opts: RequestOptions = {}): Promise<Status> {
    return await podEvict(this.client, this.#objectScope("evict"), name, dp, opts);
  }

  /**
   * Reads any subresource of an object (`ephemeralcontainers`, `resize`, ...). `T` is what the
   * subresource returns; nothing is checked.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * const pod = await pods.getSubresource<Pod>("ephemeralcontainers", "blog");
   * ```
   */
  async getSubresource<T = unknown>(
    subresource: string,
    name: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const req = getRequest(this.#objectScope("getSubresource"), name, {}, subresource);
    return await this.client.request<T>(req, opts);
  }

  /**
   * POSTs to a subresource of an object (a ServiceAccount's `token`, a pod's `eviction`, ...).
   *
   * @example
   * ```ts
   * // doc:no-run: creates a token for a ServiceAccount of your own
   * import { Api, Client } from "@kubeno/kube";
   * import { ServiceAccount } from "@kubeno/kube/k8s/core/v1";
   * import type { TokenRequest } from "@kubeno/kube/k8s/authentication.k8s.io/v1";
   * const sas = Api.namespaced(await Client.tryDefault(), ServiceAccount, "default");
   * const tr = await sas.createSubresource<TokenRequest>("token", "default", {
   *   apiVersion: "authentication.k8s.io/v1",
   *   kind: "TokenRequest",
   *   spec: { audiences: ["my-api"], expirationSeconds: 600 },
   * });
   * console.log(tr.status?.expirationTimestamp);
   * ```
   */
  async createSubresource<T = unknown>(
    subresource: string,
    name: string,
    body: unknown,
    pp: PostParams = {},
    opts: RequestOptions = {},
  ): Promise<T> {
    const req = createRequest(this.#objectScope("createSubresource"), body, pp, name, subresource);
    return await this.client.request<T>(req, opts);
  }

  /**
   * Patches a subresource of an object (a pod's `ephemeralcontainers`, ...). An `apply` patch
   * needs its own `apiVersion` and `kind` in the body.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await pods.patchSubresource<Pod>("ephemeralcontainers", "blog", {
   *   type: "strategic",
   *   body: { spec: { ephemeralContainers: [{ name: "debug", image: "busybox" }] } },
   * });
   * ```
   */
  async patchSubresource<T = unknown>(
    subresource: string,
    name: string,
    patch: Patch,
    pp: PatchParams = {},
    opts: RequestOptions = {},
  ): Promise<T> {
    const scope = this.#objectScope("patchSubresource");
    return await this.client.request<T>(patchRequest(scope, name, patch, pp, subresource), opts);
  }

  /**
   * Replaces a subresource of an object (a CertificateSigningRequest's `approval`, ...).
   *
   * @example
   * ```ts
   * // doc:no-run: needs a pending CertificateSigningRequest
   * import { Api, Client } from "@kubeno/kube";
   * import { CertificateSigningRequest } from "@kubeno/kube/k8s/certificates.k8s.io/v1";
   * const csrs = Api.all(await Client.tryDefault(), CertificateSigningRequest);
   * const csr = await csrs.get("node-csr");
   * csr.status = { conditions: [{ type: "Approved", status: "True", reason: "ByMe", message: "ok" }] };
   * await csrs.replaceSubresource("approval", "node-csr", csr);
   * ```
   */
  async replaceSubresource<T = unknown>(
    subresource: string,
    name: string,
    body: unknown,
    pp: PostParams = {},
    opts: RequestOptions = {},
  ): Promise<T> {
    const scope = this.#objectScope("replaceSubresource");
    return await this.client.request<T>(replaceRequest(scope, name, body, pp, subresource), opts);
  }

  /**
   * The entry API (kube-rs `Api::entry`): reads the object, or learns it is absent, for
   * `orInsert`, `andModify` and `commit` (which retries conflicts by re-reading and re-running).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const cms = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
   * await (await cms.entry("settings"))
   *   .orInsert(() => ({ metadata: {}, data: {} }))
   *   .andModify((cm) => void (cm.data = { ...cm.data, mode: "fast" }))
   *   .commit({ fieldManager: "me" });
   * ```
   */
  async entry(name: string, opts: RequestOptions = {}): Promise<Entry<K>> {
    this.#objectScope("entry");
    return await Entry.load(this, name, opts);
  }

  /**
   * Reads one object's metadata only (`PartialObjectMetadata`).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Secret } from "@kubeno/kube/k8s/core/v1";
   * const m = await Api.namespaced(await Client.tryDefault(), Secret, "default").getMetadata("tls");
   * console.log(m.metadata.labels); // no data travels
   * ```
   */
  async getMetadata(
    name: string,
    gp: GetParams = {},
    opts: RequestOptions = {},
  ): Promise<PartialObjectMetadata> {
    const req = getRequest(this.#objectScope("getMetadata"), name, gp);
    return await this.client.request(withAccept(req, PARTIAL_OBJECT_METADATA_ACCEPT), opts);
  }

  /**
   * Lists the objects' metadata only (`PartialObjectMetadataList`).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const l = await Api.all(await Client.tryDefault(), ConfigMap).listMetadata({ limit: 10 });
   * for (const m of l.items) console.log(m.metadata.namespace, m.metadata.name);
   * ```
   */
  async listMetadata(
    lp: ListParams = {},
    opts: RequestOptions = {},
  ): Promise<PartialObjectMetadataList> {
    const req = withAccept(listRequest(this.#scope, lp), PARTIAL_OBJECT_METADATA_LIST_ACCEPT);
    return await this.client.request(req, opts);
  }

  /**
   * Watches the objects' metadata only: events carry `PartialObjectMetadata`.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.all(await Client.tryDefault(), Pod);
   * for await (const ev of pods.watchMetadata({ timeoutSeconds: 5 }, "0")) console.log(ev.type);
   * ```
   */
  async *watchMetadata(
    wp: WatchParams = {},
    resourceVersion?: string,
    opts: RequestOptions = {},
  ): AsyncGenerator<WatchEvent<PartialObjectMetadata>, void, undefined> {
    const req = withAccept(
      watchRequest(this.#scope, resourceVersion, wp),
      PARTIAL_OBJECT_METADATA_ACCEPT,
    );
    yield* decodeWatchStream<PartialObjectMetadata>(await this.client.requestStream(req, opts));
  }

  /**
   * Patches an object (usually its metadata) and gets back only the metadata. An `apply`
   * patch gets the resource's apiVersion, kind, name and namespace filled in, as {@link Api.patch}
   * does.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const pods = Api.namespaced(await Client.tryDefault(), Pod, "default");
   * await pods.patchMetadata("blog", { type: "merge", body: { metadata: { labels: { tier: "web" } } } });
   * ```
   */
  async patchMetadata(
    name: string,
    patch: Patch<DeepPartial<PartialObjectMetadata>>,
    pp: PatchParams = {},
    opts: RequestOptions = {},
  ): Promise<PartialObjectMetadata> {
    const scope = this.#objectScope("patchMetadata");
    const body = this.#applyBody(patch as Patch<DeepPartial<K>>, "patchMetadata", name);
    const req = patchRequest(scope, name, body, pp);
    return await this.client.request(withAccept(req, PARTIAL_OBJECT_METADATA_ACCEPT), opts);
  }

  /**
   * Lists the objects as the server prints them (`meta.k8s.io/v1` Table): the columns
   * `kubectl get` shows, CRD printer columns included; rows carry each object's metadata.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const t = await Api.namespaced(await Client.tryDefault(), Pod, "default").listTable();
   * console.log(t.columnDefinitions.map((c) => c.name), t.rows.map((r) => r.cells));
   * ```
   */
  async listTable(lp: ListParams = {}, opts: RequestOptions = {}): Promise<Table> {
    return await this.client.request(withAccept(listRequest(this.#scope, lp), TABLE_ACCEPT), opts);
  }

  /**
   * One object as a one-row Table (see {@link Api.listTable}).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { Pod } from "@kubeno/kube/k8s/core/v1";
   * const t = await Api.namespaced(await Client.tryDefault(), Pod, "default").getTable("blog");
   * ```
   */
  async getTable(name: string, opts: RequestOptions = {}): Promise<Table> {
    const req = getRequest(this.#objectScope("getTable"), name);
    return await this.client.request(withAccept(req, TABLE_ACCEPT), opts);
  }

  /** Objects are sent with apiVersion and kind; the server requires them on writes. */
  #withTypeMeta(obj: K): K {
    return { ...obj, apiVersion: this.resource.apiVersion, kind: this.resource.kind };
  }

  /**
   * A server-side apply body must be a whole object reference: apiVersion, kind, and the name
   * and namespace of the URL. The server takes them from the stored object when it exists, but
   * an apply that creates one fails with "name must be provided" without them, so they are
   * filled in here; a body that names another object is a mistake caught before any request.
   */
  #applyBody(patch: Patch<DeepPartial<K>>, verb: string, name: string): Patch {
    if (patch.type !== "apply") return patch;
    const body = (patch.body ?? {}) as { metadata?: { name?: unknown; namespace?: unknown } };
    const meta = body.metadata ?? {};
    const where = `${verb}("${name}")`;
    if (meta.name !== undefined && meta.name !== name) {
      throw new TypeError(
        `${where}: the apply body names metadata.name ${JSON.stringify(meta.name)}; ` +
          `apply to that name, or drop metadata.name from the body (it is filled from the argument)`,
      );
    }
    const namespace = this.resource.namespaced ? this.namespace : undefined;
    if (namespace !== undefined && meta.namespace !== undefined && meta.namespace !== namespace) {
      throw new TypeError(
        `${where}: the apply body names metadata.namespace ${JSON.stringify(meta.namespace)} ` +
          `but this Api is for namespace "${namespace}"; use Api.namespaced(client, ` +
          `${this.resource.kind}, ${JSON.stringify(meta.namespace)}), or drop metadata.namespace`,
      );
    }
    return {
      type: "apply",
      body: {
        apiVersion: this.resource.apiVersion,
        kind: this.resource.kind,
        ...body,
        metadata: { ...meta, name, ...(namespace === undefined ? {} : { namespace }) },
      },
    };
  }
}
