/**
 * Types and resource descriptors of the Kubernetes API group-version `storagemigration.k8s.io/v1`, generated from the OpenAPI v3 documents of Kubernetes v1.37.2 by `deno task gen` (crd/codegen/gen.ts). Do not edit: regenerate.
 *
 * @example
 * ```ts
 * import { StorageVersionMigration } from "@kubeno/kube/k8s/storagemigration.k8s.io/v1";
 * console.log(StorageVersionMigration.apiVersion); // "storagemigration.k8s.io/v1"
 * ```
 *
 * @module
 */
import { type ResourceType, resourceType } from "../../resource.ts";
import type * as metaV1 from "../meta/v1.ts";

/** StorageVersionMigration represents a migration of stored data to the latest storage version. */
export interface StorageVersionMigration {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "storagemigration.k8s.io/v1";
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "StorageVersionMigration";
  /** Standard object metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata */
  metadata: metaV1.ObjectMeta;
  /** Specification of the migration. */
  spec?: StorageVersionMigrationSpec;
  /** Status of the migration. */
  status?: StorageVersionMigrationStatus;
}

/**
 * The `storageversionmigrations` resource of `storagemigration.k8s.io/v1` (cluster-scoped; verbs: create, delete, deletecollection, get, list, patch, update, watch). Pass it to `Api` to read and write {@link StorageVersionMigration} objects.
 *
 * @example
 * ```ts
 * import { StorageVersionMigration } from "@kubeno/kube/k8s/storagemigration.k8s.io/v1";
 * console.log(StorageVersionMigration.plural); // "storageversionmigrations"
 * ```
 */
export const StorageVersionMigration: ResourceType<StorageVersionMigration> = resourceType<
  StorageVersionMigration
>({
  group: "storagemigration.k8s.io",
  version: "v1",
  kind: "StorageVersionMigration",
  plural: "storageversionmigrations",
  namespaced: false,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
});

/**
 * StorageVersionMigrationList is a collection of storage version migrations.
 *
 * @example
 * ```ts
 * import type { StorageVersionMigrationList } from "@kubeno/kube/k8s/storagemigration.k8s.io/v1";
 * const value: StorageVersionMigrationList = { apiVersion: "storagemigration.k8s.io/v1", kind: "StorageVersionMigrationList", items: [] };
 * ```
 */
export interface StorageVersionMigrationList {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "storagemigration.k8s.io/v1";
  /** Items is the list of StorageVersionMigration */
  items: StorageVersionMigration[];
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "StorageVersionMigrationList";
  /** Standard list metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata */
  metadata?: metaV1.ListMeta;
}

/**
 * Spec of the storage version migration.
 *
 * @example
 * ```ts
 * import type { StorageVersionMigrationSpec } from "@kubeno/kube/k8s/storagemigration.k8s.io/v1";
 * const show = (value: StorageVersionMigrationSpec): string => JSON.stringify(value);
 * ```
 */
export interface StorageVersionMigrationSpec {
  /** The resource that is being migrated. The migrator sends requests to the endpoint serving the resource. Immutable. */
  resource: metaV1.GroupResource;
}

/**
 * Status of the storage version migration.
 *
 * @example
 * ```ts
 * import type { StorageVersionMigrationStatus } from "@kubeno/kube/k8s/storagemigration.k8s.io/v1";
 * const value: StorageVersionMigrationStatus = {};
 * ```
 */
export interface StorageVersionMigrationStatus {
  /** The latest available observations of the migration's current state. */
  conditions?: metaV1.Condition[];
  /** ResourceVersion to compare with the GC cache for performing the migration. This is the current resource version of given group, version and resource when kube-controller-manager first observes this StorageVersionMigration resource. */
  resourceVersion?: string;
}
