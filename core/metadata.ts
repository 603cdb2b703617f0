/**
 * Alternative representations the server renders on request, through the Accept header:
 * metadata only ({@link PartialObjectMetadata}) and server-side printing ({@link Table}).
 *
 * @module
 */

import type { KubeObject, ListMeta, ObjectList, ObjectMeta } from "./resource.ts";
import type { KubeRequest } from "./request.ts";

/**
 * An object as the server returns it with the `PartialObjectMetadata` representation: type
 * meta and object metadata only, no spec or status. What `getMetadata`, `listMetadata`,
 * `watchMetadata` and the runtime's `metadataWatcher` return.
 *
 * @example
 * ```ts
 * import type { PartialObjectMetadata } from "@kubeno/kube";
 * const m: PartialObjectMetadata = { apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", metadata: { name: "a" } };
 * ```
 */
export interface PartialObjectMetadata extends KubeObject {
  /** `meta.k8s.io/v1`. */
  apiVersion?: string;
  /** `PartialObjectMetadata`. */
  kind?: string;
}

/**
 * A list of {@link PartialObjectMetadata}.
 *
 * @example
 * ```ts
 * import type { PartialObjectMetadataList } from "@kubeno/kube";
 * const l: PartialObjectMetadataList = { metadata: {}, items: [] };
 * ```
 */
export type PartialObjectMetadataList = ObjectList<PartialObjectMetadata>;

/**
 * One column of a {@link Table}.
 *
 * @example
 * ```ts
 * import type { TableColumnDefinition } from "@kubeno/kube";
 * const c: TableColumnDefinition = { name: "Name", type: "string", format: "name", description: "", priority: 0 };
 * ```
 */
export interface TableColumnDefinition {
  /** Column header as the server names it (`Name`, `Ready`, `Age`). */
  name: string;
  /** OpenAPI type of the cells: `string`, `integer`, `number`, `boolean`. */
  type: string;
  /** OpenAPI format (`name` marks the object's name column). */
  format: string;
  /** What the column shows. */
  description: string;
  /** 0: shown by default; higher: only in wide output (`-o wide`). */
  priority: number;
}

/**
 * One row of a {@link Table}: the cells, and the object (by default its metadata only).
 *
 * @example
 * ```ts
 * import type { TableRow } from "@kubeno/kube";
 * const r: TableRow = { cells: ["web", "1/1", "Running", 0, "5m"], object: { metadata: { name: "web" } } };
 * ```
 */
export interface TableRow {
  /** One cell per column definition. */
  cells: unknown[];
  /** Row conditions (`Completed` for finished pods, printed dimmed by kubectl). */
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  /** The object (`PartialObjectMetadata` unless `includeObject` asked otherwise). */
  object?: { metadata?: ObjectMeta; [field: string]: unknown };
}

/**
 * The server's rendering of objects as a table (`meta.k8s.io/v1` `Table`): the columns
 * `kubectl get` prints, CRD printer columns included.
 *
 * @example
 * ```ts
 * import type { Table } from "@kubeno/kube";
 * const t: Table = { metadata: {}, columnDefinitions: [], rows: [] };
 * ```
 */
export interface Table {
  /** `meta.k8s.io/v1`. */
  apiVersion?: string;
  /** `Table`. */
  kind?: string;
  /** List metadata: resourceVersion and continue token. */
  metadata: ListMeta;
  /** The columns. */
  columnDefinitions: TableColumnDefinition[];
  /** The rows. */
  rows: TableRow[];
}

/**
 * The Accept header that asks for one object's, or watch events', metadata only.
 *
 * @example
 * ```ts
 * import { PARTIAL_OBJECT_METADATA_ACCEPT } from "@kubeno/kube";
 * const headers = { accept: PARTIAL_OBJECT_METADATA_ACCEPT };
 * ```
 */
export const PARTIAL_OBJECT_METADATA_ACCEPT: string =
  "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

/**
 * The Accept header that asks for a list of metadata only.
 *
 * @example
 * ```ts
 * import { PARTIAL_OBJECT_METADATA_LIST_ACCEPT } from "@kubeno/kube";
 * const headers = { accept: PARTIAL_OBJECT_METADATA_LIST_ACCEPT };
 * ```
 */
export const PARTIAL_OBJECT_METADATA_LIST_ACCEPT: string =
  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/**
 * Accept header for server-side printing, as kubectl sends it (v1 Table, else plain JSON).
 *
 * @example
 * ```ts
 * import { TABLE_ACCEPT } from "@kubeno/kube";
 * console.log(TABLE_ACCEPT.split(",")[0]);
 * ```
 */
export const TABLE_ACCEPT: string =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/**
 * The same request, asking for another representation (one of the constants above).
 *
 * @example
 * ```ts
 * import { getRequest, PARTIAL_OBJECT_METADATA_ACCEPT, withAccept } from "@kubeno/kube";
 * import { Pod } from "@kubeno/kube/k8s/core/v1";
 * withAccept(getRequest({ resource: Pod, namespace: "default" }, "blog"), PARTIAL_OBJECT_METADATA_ACCEPT).headers.accept;
 * ```
 */
export function withAccept(req: KubeRequest, accept: string): KubeRequest {
  return { ...req, headers: { ...req.headers, accept } };
}
