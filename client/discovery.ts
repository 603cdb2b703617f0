/**
 * `Discovery`: what the API server serves (groups, versions, resources), read through
 * aggregated discovery (`GET /api` and `/apis` as `APIGroupDiscoveryList`, two requests in all)
 * with a fallback to per-group discovery for servers without it; kept in memory, revalidated
 * with the ETag, and refreshed when a lookup misses, so a CRD installed after start is found.
 * Names resolve as kubectl resolves them (see `RestMapper`).
 *
 * @module
 */

import {
  AGGREGATED_DISCOVERY_ACCEPT,
  type ApiGroup,
  apiGroupsFromAggregated,
  type ApiGroupVersion,
  type ApiResource,
  apiResourcesFromList,
  DiscoveryError,
  type GroupVersionKind,
  gvkOf,
  isAggregatedDiscovery,
  type ResolveOptions,
  RestMapper,
  UnknownResourceError,
} from "../core/dynamic.ts";
import { ApiError } from "../core/error.ts";
import { escapeSegment, type KubeRequest } from "../core/request.ts";
import { type KubeObject, type ResourceType, resourceType } from "../core/resource.ts";
import type { Client, RequestOptions } from "./client.ts";

/**
 * Options of {@link Discovery}.
 *
 * @example
 * ```ts
 * import type { DiscoveryOptions } from "@kubeno/kube";
 * const o: DiscoveryOptions = { aggregated: false };
 * ```
 */
export interface DiscoveryOptions {
  /**
   * Ask for aggregated discovery first. `false` reads `/api`, `/apis` and every group-version
   * one by one, as servers before Kubernetes 1.26 need (kubeno falls back to that by itself
   * when the server answers the aggregated request with the old format).
   * @default true
   */
  aggregated?: boolean;
  /** Signal and timeout for the discovery requests. */
  request?: RequestOptions;
}

/** One discovery document (`/api` or `/apis`) and the validator to revalidate it with. */
interface Cached {
  etag?: string;
  groups: ApiGroup[];
}

/**
 * What a refresh did, for callers (and tests) that care.
 *
 * @example
 * ```ts
 * import type { DiscoveryRefresh } from "@kubeno/kube";
 * const r: DiscoveryRefresh = { aggregated: true, changed: false, requests: 2, notModified: 2 };
 * ```
 */
export interface DiscoveryRefresh {
  /** Whether the server answered with aggregated discovery. */
  aggregated: boolean;
  /** Whether any group, version or resource changed. */
  changed: boolean;
  /** HTTP requests sent. */
  requests: number;
  /** How many of them the server answered 304 Not Modified (ETag revalidation). */
  notModified: number;
}

/**
 * The API server's resources, discovered and cached. Build it with {@link Discovery.run}.
 *
 * @example
 * ```ts
 * import { Api, Client, Discovery } from "@kubeno/kube";
 * const client = await Client.tryDefault();
 * const discovery = await Discovery.run(client);
 * const deploy = await discovery.resolve("deploy"); // as `kubectl get deploy`
 * const list = await Api.dynamic(client, deploy, "default").list();
 * for (const d of list.items) console.log(d.metadata.name, d.spec);
 * ```
 */
export class Discovery {
  /** The client discovery goes through. */
  readonly client: Client;
  readonly #aggregated: boolean;
  readonly #request: RequestOptions;
  #core: Cached | undefined;
  #apis: Cached | undefined;
  #mapper: RestMapper = new RestMapper([]);
  #inflight: Promise<DiscoveryRefresh> | undefined;

  /** An empty discovery; call {@link Discovery.refresh} (or use {@link Discovery.run}). */
  constructor(client: Client, opts: DiscoveryOptions = {}) {
    this.client = client;
    this.#aggregated = opts.aggregated ?? true;
    this.#request = opts.request ?? {};
  }

  /**
   * Discovers the server's resources.
   *
   * @example
   * ```ts
   * import { Client, Discovery } from "@kubeno/kube";
   * const discovery = await Discovery.run(await Client.tryDefault());
   * console.log(discovery.groups.map((g) => g.name));
   * ```
   */
  static async run(client: Client, opts: DiscoveryOptions = {}): Promise<Discovery> {
    const d = new Discovery(client, opts);
    await d.refresh();
    return d;
  }

  /**
   * The groups, in the server's order of priority (core first).
   *
   * @example
   * ```ts
   * import { Client, Discovery } from "@kubeno/kube";
   * const d = await Discovery.run(await Client.tryDefault());
   * for (const g of d.groups) console.log(g.name || "core", g.preferredVersion);
   * ```
   */
  get groups(): readonly ApiGroup[] {
    return this.#mapper.groups;
  }

  /**
   * The resolver over what was discovered last (pure, synchronous; no refresh on a miss).
   *
   * @example
   * ```ts
   * import { Client, Discovery } from "@kubeno/kube";
   * const d = await Discovery.run(await Client.tryDefault());
   * console.log(d.mapper.preferred().length);
   * ```
   */
  get mapper(): RestMapper {
    return this.#mapper;
  }

  /**
   * Revalidates the cache: a conditional GET (`If-None-Match`) per document, which the server
   * answers with 304 when nothing changed. Concurrent calls share one refresh.
   *
   * @example
   * ```ts
   * import { Client, Discovery } from "@kubeno/kube";
   * const d = await Discovery.run(await Client.tryDefault());
   * const { changed } = await d.refresh();
   * ```
   */
  refresh(): Promise<DiscoveryRefresh> {
    this.#inflight ??= this.#refresh().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  /**
   * Resolves a name as `kubectl get NAME` does (`pods`, `po`, `Pod`, `deploy.apps`,
   * `deployments.v1.apps`, a CRD's short name). A miss refreshes discovery once and tries
   * again; then it throws an `UnknownResourceError`.
   *
   * @example
   * ```ts
   * import { Client, Discovery } from "@kubeno/kube";
   * const d = await Discovery.run(await Client.tryDefault());
   * const r = await d.resolve("deployments.v1.apps");
   * console.log(r.kind, r.namespaced, r.verbs);
   * ```
   */
  async resolve(name: string, opts: ResolveOptions = {}): Promise<ApiResource> {
    return await this.#retryOnMiss(() => this.#mapper.resolve(name, opts));
  }

  /**
   * Expands `kubectl get`'s type argument: comma-separated names and categories (`all`).
   * Refreshes once on a miss, as {@link Discovery.resolve}.
   *
   * @example
   * ```ts
   * import { Client, Discovery } from "@kubeno/kube";
   * const d = await Discovery.run(await Client.tryDefault());
   * for (const r of await d.expand("all")) console.log(r.plural);
   * ```
   */
  async expand(arg: string, opts: ResolveOptions = {}): Promise<ApiResource[]> {
    return await this.#retryOnMiss(() => this.#mapper.expand(arg, opts));
  }

  /**
   * The resource serving exactly this group, version and kind (or an object's `apiVersion`
   * and `kind`), refreshing once on a miss.
   *
   * @example
   * ```ts
   * import { Client, Discovery } from "@kubeno/kube";
   * const d = await Discovery.run(await Client.tryDefault());
   * const r = await d.forKind({ apiVersion: "apps/v1", kind: "Deployment" });
   * console.log(r.plural); // "deployments"
   * ```
   */
  async forKind(
    gvk: GroupVersionKind | { apiVersion?: string; kind?: string },
  ): Promise<ApiResource> {
    const want = "group" in gvk ? gvk : gvkOf(gvk);
    return await this.#retryOnMiss(() => {
      const r = this.#mapper.forKind(want);
      if (!r) {
        const apiVersion = want.group ? `${want.group}/${want.version}` : want.version;
        throw new UnknownResourceError(
          `${want.kind}.${want.version}.${want.group}`,
          `no resource serves ${apiVersion} ${want.kind} (see \`kubectl api-resources\`; ` +
            "a new CRD must be Established first)",
        );
      }
      return r;
    });
  }

  /**
   * A typed descriptor corrected by the server: the plural, scope and verbs discovery reports
   * for its group, version and kind, instead of the guessed plural (`Octopus` -> `octopodes`).
   *
   * @example
   * ```ts
   * // doc:no-run: needs a CRD for sea.example Octopus installed
   * import { Api, Client, Discovery, resourceType, type KubeObject } from "@kubeno/kube";
   * interface Octopus extends KubeObject { spec: { arms: number } }
   * const guessed = resourceType<Octopus>({ group: "sea.example", version: "v1", kind: "Octopus", namespaced: true });
   * const client = await Client.tryDefault();
   * const Octopus = await (await Discovery.run(client)).descriptor(guessed); // plural "octopodes"
   * const octopodes = Api.namespaced(client, Octopus, "default"); // Api<Octopus>
   * ```
   */
  async descriptor<K extends KubeObject>(rt: ResourceType<K>): Promise<ResourceType<K>> {
    const r = await this.forKind({ group: rt.group, version: rt.version, kind: rt.kind });
    return resourceType<K>({
      group: r.group,
      version: r.version,
      kind: r.kind,
      plural: r.plural,
      namespaced: r.namespaced,
      verbs: r.verbs,
    });
  }

  async #retryOnMiss<T>(lookup: () => T): Promise<T> {
    if (!this.#core && !this.#apis) await this.refresh();
    try {
      return lookup();
    } catch (err) {
      if (!(err instanceof UnknownResourceError)) throw err;
      const { changed } = await this.refresh();
      if (!changed) throw err;
      return lookup();
    }
  }

  async #refresh(): Promise<DiscoveryRefresh> {
    const count: Count = { n: 0, notModified: 0 };
    const core = await this.#document("/api", this.#core, count);
    const apis = await this.#document("/apis", this.#apis, count);
    const changed = core.doc !== this.#core || apis.doc !== this.#apis;
    this.#core = core.doc;
    this.#apis = apis.doc;
    if (changed) this.#mapper = new RestMapper([...core.doc.groups, ...apis.doc.groups]);
    return {
      aggregated: core.aggregated && apis.aggregated,
      changed,
      requests: count.n,
      notModified: count.notModified,
    };
  }

  /** One document, revalidated; the same object back when the server says 304. */
  async #document(
    path: "/api" | "/apis",
    cached: Cached | undefined,
    count: Count,
  ): Promise<{ doc: Cached; aggregated: boolean }> {
    const headers: Record<string, string> = {
      accept: this.#aggregated ? AGGREGATED_DISCOVERY_ACCEPT : "application/json",
    };
    if (cached?.etag) headers["if-none-match"] = cached.etag;
    count.n++;
    const res = await this.client.requestRaw(get(path, headers), this.#request);
    if (res.status === 304 && cached) {
      count.notModified++;
      return { doc: cached, aggregated: true };
    }
    const where = `GET ${path}`;
    const body = parse(res.body, where);
    const etag = res.headers.get("etag") ?? undefined;
    if (isAggregatedDiscovery(body)) {
      const groups = apiGroupsFromAggregated(body, where);
      if (cached && etag === undefined && same(cached.groups, groups)) {
        return { doc: cached, aggregated: true };
      }
      return { doc: { etag, groups }, aggregated: true };
    }
    const groups = path === "/api"
      ? await this.#legacyCore(body, count)
      : await this.#legacyGroups(body, count);
    // Per-group discovery has no validator: compare contents to tell whether anything changed.
    if (cached && same(cached.groups, groups)) return { doc: cached, aggregated: false };
    return { doc: { groups }, aggregated: false };
  }

  /** `APIVersions` from `/api`, then `/api/<version>` each. */
  async #legacyCore(body: unknown, count: Count): Promise<ApiGroup[]> {
    const versions = (body as { versions?: unknown }).versions;
    if (!Array.isArray(versions) || versions.some((v) => typeof v !== "string")) {
      throw new DiscoveryError("GET /api: neither an APIGroupDiscoveryList nor an APIVersions");
    }
    const out: ApiGroupVersion[] = [];
    for (const v of versions as string[]) {
      const list = await this.#resourceList(`/api/${escapeSegment(v)}`, count);
      if (list) out.push({ version: v, resources: list });
    }
    return out.length ? [{ name: "", preferredVersion: out[0].version, versions: out }] : [];
  }

  /** `APIGroupList` from `/apis`, then `/apis/<group>/<version>` each (in parallel). */
  async #legacyGroups(body: unknown, count: Count): Promise<ApiGroup[]> {
    const groups = (body as { groups?: unknown }).groups;
    if (!Array.isArray(groups)) {
      throw new DiscoveryError("GET /apis: neither an APIGroupDiscoveryList nor an APIGroupList");
    }
    const found = await Promise.all(groups.map(async (g): Promise<ApiGroup | undefined> => {
      const name = typeof g?.name === "string" ? g.name : "";
      const listed: string[] = (Array.isArray(g?.versions) ? g.versions : [])
        .map((v: { version?: unknown }) => v?.version)
        .filter((v: unknown): v is string => typeof v === "string" && v !== "");
      const versions: ApiGroupVersion[] = [];
      for (const v of listed) {
        const path = `/apis/${escapeSegment(name)}/${escapeSegment(v)}`;
        const list = await this.#resourceList(path, count);
        if (list) versions.push({ version: v, resources: list });
      }
      if (versions.length === 0) return undefined;
      const preferred = g?.preferredVersion?.version;
      return {
        name,
        preferredVersion: versions.some((v) => v.version === preferred)
          ? preferred
          : versions[0].version,
        versions,
      };
    }));
    return found.filter((g): g is ApiGroup => g !== undefined);
  }

  /**
   * One `APIResourceList`; undefined when the server cannot serve it now (an aggregated API
   * that is down answers 503), which client-go also skips rather than failing all discovery.
   */
  async #resourceList(path: string, count: Count): Promise<ApiResource[] | undefined> {
    count.n++;
    try {
      const res = await this.client.requestRaw(
        get(path, { accept: "application/json" }),
        this.#request,
      );
      return apiResourcesFromList(parse(res.body, `GET ${path}`), `GET ${path}`);
    } catch (err) {
      if (err instanceof ApiError && (err.code === 503 || err.code === 404)) return undefined;
      throw err;
    }
  }
}

/** Requests sent during one refresh. */
interface Count {
  n: number;
  notModified: number;
}

function get(path: string, headers: Record<string, string>): KubeRequest {
  return { method: "GET", path, query: new URLSearchParams(), headers };
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new DiscoveryError(`${where}: the answer is not JSON`, { cause });
  }
}

function same(a: readonly ApiGroup[], b: readonly ApiGroup[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
