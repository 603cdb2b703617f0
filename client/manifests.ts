/**
 * `applyManifests`: `kubectl apply --server-side -f FILE` as a function. Multi-document YAML
 * (or objects) applied with server-side apply, each object's endpoint found through
 * {@link Discovery}; Namespaces first, then CustomResourceDefinitions (waited for until
 * Established, so that objects of their kinds resolve), then the rest in file order.
 *
 * @module
 */

import { parseYamlDocuments } from "./config/yaml.ts";
import {
  type ApiResource,
  type DynamicObject,
  gvkOf,
  UnknownResourceError,
} from "../core/dynamic.ts";
import { KubeError } from "../core/error.ts";
import { Api } from "./api.ts";
import type { Client } from "./client.ts";
import { applyCrd } from "./crd_apply.ts";
import { Discovery } from "./discovery.ts";
import { sleep } from "./retry.ts";

/**
 * Options of {@link applyManifests}.
 *
 * @example
 * ```ts
 * import type { ApplyManifestsOptions } from "@kubeno/kube";
 * const o: ApplyManifestsOptions = { fieldManager: "my-tool", namespace: "apps", dryRun: true };
 * ```
 */
export interface ApplyManifestsOptions {
  /** Field manager of the applies. @default "kubeno" */
  fieldManager?: string;
  /** Take over fields other managers own (`--force-conflicts`). @default false */
  force?: boolean;
  /** Ask the server to validate and default without persisting (`--dry-run=server`). */
  dryRun?: boolean;
  /**
   * Namespace for namespaced objects that name none (default: the client's). An object that
   * names another one is an error, as with `kubectl apply -n`.
   */
  namespace?: string;
  /** A Discovery to reuse (one is built otherwise). */
  discovery?: Discovery;
  /** How long to wait for each CRD to be Established. @default 60000 */
  timeoutMs?: number;
  /** Aborts between (and during) requests. */
  signal?: AbortSignal;
}

/**
 * What happened to one object: `created` (it did not exist), `configured` (the apply changed
 * it), `unchanged`.
 *
 * @example
 * ```ts
 * import type { AppliedObject } from "@kubeno/kube";
 * const report = (a: AppliedObject) => `${a.resource.plural}/${a.name} ${a.result}`;
 * ```
 */
export interface AppliedObject {
  /** The resource the object belongs to. */
  resource: ApiResource;
  /** Object name. */
  name: string;
  /** Namespace, for namespaced objects. */
  namespace?: string;
  /** What the apply did. */
  result: "created" | "configured" | "unchanged";
  /** The object as the server returned it. */
  object: DynamicObject;
}

/**
 * A manifest could not be read or applied; `index` is the object's position (0-based, after
 * multi-document splitting and `List` flattening), when there is one.
 *
 * @example
 * ```ts
 * import { ManifestError } from "@kubeno/kube";
 * const e = new ManifestError("document 2: not an object", 2);
 * console.log(e.index);
 * ```
 */
export class ManifestError extends KubeError {
  /** Class name. */
  override name = "ManifestError";
  /** Position of the object at fault. */
  readonly index?: number;
  /** Creates the error. */
  constructor(message: string, index?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.index = index;
  }
}

/**
 * The objects of a multi-document YAML (or JSON) text: empty documents skipped, `kind: List`
 * flattened, each checked to have apiVersion, kind and metadata.name.
 *
 * @example
 * ```ts
 * import { parseManifests } from "@kubeno/kube";
 * const objs = parseManifests("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
 * console.log(objs.map((o) => o.kind)); // ["Namespace", "ConfigMap"]
 * ```
 */
export function parseManifests(text: string): DynamicObject[] {
  const values: unknown[] = [];
  parseYamlDocuments(text).forEach((doc, i) => {
    if ("errors" in doc && doc.errors.length > 0) {
      throw new ManifestError(`YAML document ${i + 1}: ${doc.errors[0].message}`, undefined, {
        cause: doc.errors[0],
      });
    }
    const v = doc.toJS();
    if (v !== null && v !== undefined) values.push(v);
  });
  return checkObjects(values);
}

function checkObjects(values: readonly unknown[]): DynamicObject[] {
  const out: DynamicObject[] = [];
  for (const v of values) {
    const o = v as DynamicObject;
    if (typeof o === "object" && o !== null && o.kind === "List" && Array.isArray(o.items)) {
      out.push(...checkObjects(o.items));
      continue;
    }
    const i = out.length;
    if (typeof o !== "object" || o === null || Array.isArray(o)) {
      throw new ManifestError(`object ${i + 1}: not a mapping`, i);
    }
    if (!o.apiVersion || !o.kind) {
      throw new ManifestError(`object ${i + 1}: needs apiVersion and kind`, i);
    }
    if (!o.metadata?.name) {
      throw new ManifestError(
        `object ${
          i + 1
        } (${o.kind}): needs metadata.name (server-side apply cannot generate names)`,
        i,
      );
    }
    out.push(o);
  }
  return out;
}

const rank = (o: DynamicObject): number =>
  o.kind === "Namespace" && o.apiVersion === "v1"
    ? 0
    : o.kind === "CustomResourceDefinition" && o.apiVersion?.startsWith("apiextensions.k8s.io/")
    ? 1
    : 2;

function hasSpec(o: DynamicObject): o is DynamicObject & { spec: object } {
  return typeof o.spec === "object" && o.spec !== null;
}

/** The object without what the server changes on every write, to compare dry-run results. */
function essence(o: DynamicObject): string {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...meta } = o.metadata;
  return JSON.stringify({ ...o, metadata: meta });
}

/**
 * The resource of an object. A kind whose CRD this call just established may reach the
 * discovery document a moment after `Established`: such a miss is retried until `timeoutMs`.
 */
async function resourceOf(
  discovery: Discovery,
  o: DynamicObject,
  fromCrds: Set<string>,
  opts: ApplyManifestsOptions,
): Promise<ApiResource> {
  const gvk = gvkOf(o);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (let delay = 100;; delay = Math.min(delay * 2, 1000)) {
    try {
      return await discovery.forKind(gvk);
    } catch (err) {
      const ours = fromCrds.has(`${gvk.group}/${gvk.kind}`);
      if (!(err instanceof UnknownResourceError) || !ours || Date.now() >= deadline) throw err;
    }
    await sleep(delay, opts.signal);
  }
}

/**
 * Applies manifests with server-side apply, as `kubectl apply --server-side -f` does, and
 * reports per object. Stops at the first failure (the objects before it stay applied).
 *
 * @example
 * ```ts
 * import { applyManifests, Client } from "@kubeno/kube";
 * const client = await Client.tryDefault();
 * const yaml = `
 * apiVersion: v1
 * kind: ConfigMap
 * metadata: { name: greeting, namespace: default }
 * data: { hello: world }
 * `; // or: await Deno.readTextFile("manifests.yaml")
 * for (const a of await applyManifests(client, yaml, { fieldManager: "deployer" })) {
 *   console.log(`${a.resource.plural}/${a.name} ${a.result}`);
 * }
 * ```
 */
export async function applyManifests(
  client: Client,
  manifests: string | readonly object[],
  opts: ApplyManifestsOptions = {},
): Promise<AppliedObject[]> {
  const objects = typeof manifests === "string"
    ? parseManifests(manifests)
    : checkObjects(manifests);
  const order = objects.map((o, i) => ({ o, i })).sort((a, b) =>
    rank(a.o) - rank(b.o) || a.i - b.i
  );
  const discovery = opts.discovery ?? new Discovery(client, { request: { signal: opts.signal } });
  const fieldManager = opts.fieldManager ?? "kubeno";
  const out: AppliedObject[] = [];
  const fromCrds = new Set<string>();
  for (const { o, i } of order) {
    opts.signal?.throwIfAborted();
    let resource: ApiResource;
    try {
      resource = await resourceOf(discovery, o, fromCrds, opts);
    } catch (cause) {
      throw new ManifestError(
        `object ${
          i + 1
        } (${o.kind} ${o.metadata.name}): no resource serves ${o.apiVersion} ${o.kind}` +
          " (a CRD must be in the manifests or installed first)",
        i,
        { cause },
      );
    }
    const name = o.metadata.name!;
    let namespace: string | undefined;
    const body: DynamicObject = { ...o, metadata: { ...o.metadata } };
    if (resource.namespaced) {
      const given = o.metadata.namespace;
      if (given && opts.namespace && given !== opts.namespace) {
        throw new ManifestError(
          `object ${i + 1} (${o.kind} ${name}): its namespace "${given}" is not the namespace ` +
            `"${opts.namespace}" asked for; drop one of them`,
          i,
        );
      }
      namespace = given || opts.namespace || client.defaultNamespace;
      body.metadata.namespace = namespace;
    } else {
      delete body.metadata.namespace;
    }
    const api = Api.dynamic(client, resource, namespace);
    const request = { signal: opts.signal };
    const before = await api.getOpt(name, {}, request);
    let after: DynamicObject;
    try {
      after = await api.patch(name, { type: "apply", body }, {
        fieldManager,
        force: opts.force || undefined,
        dryRun: opts.dryRun,
      }, request);
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new ManifestError(`object ${i + 1} (${o.kind} ${name}): ${why}`, i, { cause });
    }
    // hasSpec holds for any CRD the server just accepted; it narrows the type for applyCrd.
    if (rank(o) === 1 && !opts.dryRun && hasSpec(body)) {
      const spec = o.spec as { group?: string; names?: { kind?: string } } | undefined;
      fromCrds.add(`${spec?.group}/${spec?.names?.kind}`);
      // Wait until the CRD serves, so that its objects (later in the order) resolve.
      await applyCrd(client, body, {
        fieldManager,
        force: opts.force ?? false,
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
      });
    }
    const result = !before
      ? "created"
      : (opts.dryRun
          ? essence(before) !== essence(after)
          : before.metadata.resourceVersion !== after.metadata.resourceVersion)
      ? "configured"
      : "unchanged";
    out.push({ resource, name, ...(namespace ? { namespace } : {}), result, object: after });
  }
  return out;
}
