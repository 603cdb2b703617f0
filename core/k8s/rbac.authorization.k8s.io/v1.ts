/**
 * Types and resource descriptors of the Kubernetes API group-version `rbac.authorization.k8s.io/v1`, generated from the OpenAPI v3 documents of Kubernetes v1.37.2 by `deno task gen` (crd/codegen/gen.ts). Do not edit: regenerate.
 *
 * @example
 * ```ts
 * import { ClusterRole } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * console.log(ClusterRole.apiVersion); // "rbac.authorization.k8s.io/v1"
 * ```
 *
 * @module
 */
import { type ResourceType, resourceType } from "../../resource.ts";
import type * as metaV1 from "../meta/v1.ts";

/**
 * AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole
 *
 * @example
 * ```ts
 * import type { AggregationRule } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const value: AggregationRule = {};
 * ```
 */
export interface AggregationRule {
  /** clusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added */
  clusterRoleSelectors?: metaV1.LabelSelector[];
}

/** ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding. */
export interface ClusterRole {
  /** aggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller. */
  aggregationRule?: AggregationRule;
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "ClusterRole";
  /** metadata is the standard object's metadata. */
  metadata: metaV1.ObjectMeta;
  /** rules holds all the PolicyRules for this ClusterRole */
  rules?: PolicyRule[];
}

/**
 * The `clusterroles` resource of `rbac.authorization.k8s.io/v1` (cluster-scoped; verbs: create, delete, deletecollection, get, list, patch, update, watch). Pass it to `Api` to read and write {@link ClusterRole} objects.
 *
 * @example
 * ```ts
 * import { ClusterRole } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * console.log(ClusterRole.plural); // "clusterroles"
 * ```
 */
export const ClusterRole: ResourceType<ClusterRole> = resourceType<ClusterRole>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "ClusterRole",
  plural: "clusterroles",
  namespaced: false,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
});

/** ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject. */
export interface ClusterRoleBinding {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "ClusterRoleBinding";
  /** metadata is the standard object's metadata. */
  metadata: metaV1.ObjectMeta;
  /** roleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable. */
  roleRef: RoleRef;
  /** subjects holds references to the objects the role applies to. */
  subjects?: Subject[];
}

/**
 * The `clusterrolebindings` resource of `rbac.authorization.k8s.io/v1` (cluster-scoped; verbs: create, delete, deletecollection, get, list, patch, update, watch). Pass it to `Api` to read and write {@link ClusterRoleBinding} objects.
 *
 * @example
 * ```ts
 * import { ClusterRoleBinding } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * console.log(ClusterRoleBinding.plural); // "clusterrolebindings"
 * ```
 */
export const ClusterRoleBinding: ResourceType<ClusterRoleBinding> = resourceType<
  ClusterRoleBinding
>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "ClusterRoleBinding",
  plural: "clusterrolebindings",
  namespaced: false,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
});

/**
 * ClusterRoleBindingList is a collection of ClusterRoleBindings
 *
 * @example
 * ```ts
 * import type { ClusterRoleBindingList } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const value: ClusterRoleBindingList = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBindingList", items: [] };
 * ```
 */
export interface ClusterRoleBindingList {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Items is a list of ClusterRoleBindings */
  items: ClusterRoleBinding[];
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "ClusterRoleBindingList";
  /** Standard object's metadata. */
  metadata?: metaV1.ListMeta;
}

/**
 * ClusterRoleList is a collection of ClusterRoles
 *
 * @example
 * ```ts
 * import type { ClusterRoleList } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const value: ClusterRoleList = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleList", items: [] };
 * ```
 */
export interface ClusterRoleList {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Items is a list of ClusterRoles */
  items: ClusterRole[];
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "ClusterRoleList";
  /** Standard object's metadata. */
  metadata?: metaV1.ListMeta;
}

/**
 * PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.
 *
 * @example
 * ```ts
 * import type { PolicyRule } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const value: PolicyRule = { verbs: [] };
 * ```
 */
export interface PolicyRule {
  /** apiGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. "" represents the core API group and "*" represents all API groups. */
  apiGroups?: string[];
  /** nonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path Since non-resource URLs are not namespaced, this field is only applicable for ClusterRoles referenced from a ClusterRoleBinding. Rules can either apply to API resources (such as "pods" or "secrets") or non-resource URL paths (such as "/api"),  but not both. */
  nonResourceURLs?: string[];
  /** resourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed. */
  resourceNames?: string[];
  /** resources is a list of resources this rule applies to. '*' represents all resources. */
  resources?: string[];
  /** verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs. */
  verbs: string[];
}

/** Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding. */
export interface Role {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "Role";
  /** metadata is the standard object's metadata. */
  metadata: metaV1.ObjectMeta;
  /** rules holds all the PolicyRules for this Role */
  rules?: PolicyRule[];
}

/**
 * The `roles` resource of `rbac.authorization.k8s.io/v1` (namespaced; verbs: create, delete, deletecollection, get, list, patch, update, watch). Pass it to `Api` to read and write {@link Role} objects.
 *
 * @example
 * ```ts
 * import { Role } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * console.log(Role.plural); // "roles"
 * ```
 */
export const Role: ResourceType<Role> = resourceType<Role>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "Role",
  plural: "roles",
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
});

/** RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace. */
export interface RoleBinding {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "RoleBinding";
  /** metadata is the standard object's metadata. */
  metadata: metaV1.ObjectMeta;
  /** roleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable. */
  roleRef: RoleRef;
  /** subjects holds references to the objects the role applies to. */
  subjects?: Subject[];
}

/**
 * The `rolebindings` resource of `rbac.authorization.k8s.io/v1` (namespaced; verbs: create, delete, deletecollection, get, list, patch, update, watch). Pass it to `Api` to read and write {@link RoleBinding} objects.
 *
 * @example
 * ```ts
 * import { RoleBinding } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * console.log(RoleBinding.plural); // "rolebindings"
 * ```
 */
export const RoleBinding: ResourceType<RoleBinding> = resourceType<RoleBinding>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "RoleBinding",
  plural: "rolebindings",
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
});

/**
 * RoleBindingList is a collection of RoleBindings
 *
 * @example
 * ```ts
 * import type { RoleBindingList } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const value: RoleBindingList = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBindingList", items: [] };
 * ```
 */
export interface RoleBindingList {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Items is a list of RoleBindings */
  items: RoleBinding[];
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "RoleBindingList";
  /** Standard object's metadata. */
  metadata?: metaV1.ListMeta;
}

/**
 * RoleList is a collection of Roles
 *
 * @example
 * ```ts
 * import type { RoleList } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const value: RoleList = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleList", items: [] };
 * ```
 */
export interface RoleList {
  /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
  apiVersion?: "rbac.authorization.k8s.io/v1";
  /** Items is a list of Roles */
  items: Role[];
  /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
  kind?: "RoleList";
  /** Standard object's metadata. */
  metadata?: metaV1.ListMeta;
}

/**
 * RoleRef contains information that points to the role being used
 *
 * @example
 * ```ts
 * import type { RoleRef } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const show = (value: RoleRef): string => JSON.stringify(value);
 * ```
 */
export interface RoleRef {
  /** apiGroup is the group for the resource being referenced */
  apiGroup?: string;
  /** kind is the type of resource being referenced */
  kind: string;
  /** name is the name of resource being referenced */
  name: string;
}

/**
 * Subject contains a reference to the object or user identities a role binding applies to.  This can either hold a direct API object reference, or a value for non-objects such as user and group names.
 *
 * @example
 * ```ts
 * import type { Subject } from "@kubeno/kube/k8s/rbac.authorization.k8s.io/v1";
 * const show = (value: Subject): string => JSON.stringify(value);
 * ```
 */
export interface Subject {
  /** apiGroup holds the API group of the referenced subject. Defaults to "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects. */
  apiGroup?: string;
  /** kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount". If the Authorizer does not recognized the kind value, the Authorizer should report an error. */
  kind: string;
  /** name of the object being referenced. */
  name: string;
  /** namespace of the referenced object.  If the object kind is non-namespace, such as "User" or "Group", and this value is not empty the Authorizer should report an error. */
  namespace?: string;
}
