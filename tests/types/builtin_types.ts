// Type-level tests of the generated built-in API and of CRD codegen output. Never run: `deno check
// tests/` (the check task) must pass, which also proves every `@ts-expect-error` line below is an
// error — an unused `@ts-expect-error` is itself an error.

import { Api, type Client, type ObjectList, type ObjectOf, type ResourceType } from "../../mod.ts";
import {
  type Container,
  type Pod,
  Pod as PodResource,
  type Service,
  type ServicePort,
} from "../../core/k8s/core/v1.ts";
import { ConfigMap, type Namespace, Secret } from "../../core/k8s/core/v1.ts";
import type { Deployment } from "../../core/k8s/apps/v1.ts";
import type { Job } from "../../core/k8s/batch/v1.ts";
import type { IntOrString, ObjectMeta, Quantity, Time } from "../../core/k8s/meta/v1.ts";
import type { ObjectMeta as CoreObjectMeta } from "../../core/resource.ts";
import type { CustomResourceDefinition } from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import type { Widget, WidgetSpec } from "../fixtures/crds/generated/widget.ts";
import { type HTTPRouteV1, HTTPRouteV1beta1 } from "../fixtures/crds/generated/httproute.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
function expectType<T extends true>(): T | void {}

declare const client: Client;

// A descriptor and its type share one name; the descriptor carries the type.
expectType<Equal<ObjectOf<typeof PodResource>, Pod>>();
expectType<Equal<typeof Deployment, ResourceType<Deployment>>>();
const pods = Api.namespaced(client, PodResource, "apps");
expectType<Equal<typeof pods, Api<Pod>>>();
expectType<Equal<Awaited<ReturnType<typeof pods.get>>, Pod>>();
expectType<Equal<Awaited<ReturnType<typeof pods.list>>, ObjectList<Pod>>>();
export async function apiReturnsPod(): Promise<string | undefined> {
  const p: Pod = await pods.get("blog");
  // @ts-expect-error Api<Pod>.get returns a Pod, not a Deployment
  const d: Deployment = await pods.get("blog");
  void d;
  return p.spec?.containers[0].image;
}

// meta/v1's ObjectMeta is core/resource.ts's: the generated kinds satisfy KubeObject.
expectType<Equal<ObjectMeta, CoreObjectMeta>>();
expectType<Equal<IntOrString, number | string>>();
expectType<Equal<Quantity, string | number>>();
expectType<Equal<Time, string>>();

// Well-formed objects compile.
export const pod: Pod = {
  metadata: { name: "blog", labels: { app: "blog" } },
  spec: {
    containers: [{
      name: "blog",
      image: "clux/blog:0.1.0",
      resources: { limits: { cpu: "500m", memory: 134217728 } },
      ports: [{ containerPort: 8080 }],
    }],
  },
};
export const port: ServicePort = { port: 80, targetPort: "http" };
export const port2: ServicePort = { port: 80, targetPort: 8080 };
export const svc: Service = { apiVersion: "v1", kind: "Service", metadata: {}, spec: {} };
export const job: Job = {
  metadata: { name: "once" },
  spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } },
};
export const crd: CustomResourceDefinition["spec"]["versions"][number]["schema"] = {
  openAPIV3Schema: { type: "object", properties: { spec: { type: "object" } } },
};

// A wrong field.
export const badField: Pod = {
  metadata: {},
  // @ts-expect-error `container` is not a PodSpec field (it is `containers`)
  spec: { container: [] },
};
// A wrong kind, and a wrong apiVersion.
export const badKind: Deployment = {
  // @ts-expect-error a Deployment's kind is "Deployment"
  kind: "Pod",
  metadata: {},
  spec: { selector: {}, template: {} },
};
export const badApiVersion: Deployment = {
  // @ts-expect-error Deployment is apps/v1
  apiVersion: "extensions/v1beta1",
  metadata: {},
  spec: { selector: {}, template: {} },
};
// Required fields are required: metadata on a kind, name on a container.
// @ts-expect-error metadata is required on every kind
export const noMetadata: ConfigMap = { data: {} };
// @ts-expect-error a container needs a name
export const noName: Container = { image: "nginx" };
// Field types are checked.
// @ts-expect-error replicas is a number
export const badReplicas: Deployment["spec"] = { replicas: "3", selector: {}, template: {} };
// A descriptor of one kind cannot stand for another.
// @ts-expect-error ResourceType<Secret> is not ResourceType<Namespace>
export const wrongDescriptor: ResourceType<Namespace> = Secret;
export const wrongCreate = () =>
  // @ts-expect-error the Api of ConfigMaps does not create Secrets
  Api.all(client, ConfigMap).create({ metadata: {}, type: "Opaque" });

// CRD codegen output: enums, int-or-string, maps and per-version names.
export const spec: WidgetSpec = {
  size: 1,
  port: "http",
  color: "green",
  limits: { a: { max: 1 } },
};
// @ts-expect-error "pink" is not in the enum
export const badColor: WidgetSpec = { size: 1, port: 80, color: "pink" };
// @ts-expect-error port is int-or-string, not boolean
export const badPort: WidgetSpec = { size: 1, port: true };
expectType<Equal<ObjectOf<typeof Widget>, Widget>>();
// @ts-expect-error the v1beta1 descriptor is typed with the v1beta1 object
export const mixed: ResourceType<HTTPRouteV1> = HTTPRouteV1beta1;
