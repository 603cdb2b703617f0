/**
 * CRD conversion webhooks, the pure part: the `ConversionReview` (apiextensions.k8s.io/v1) the
 * apiserver sends when a client reads or writes a custom resource in a version other than the
 * stored one, hub-and-spoke converters ({@link hubAndSpoke}), and {@link convertReview} which
 * answers a review while keeping what the apiserver requires: the uid, the objects in order,
 * `apiVersion` set to the desired one and metadata unchanged but for labels and annotations.
 * Serving it over HTTP is `conversionHandler` in the runtime.
 *
 * {@link withConversionWebhook} sets a CRD's `spec.conversion` (`mergeCrds(..., { conversion:
 * { webhook } })` calls it for you) and {@link checkRoundTrips} reports what a round trip
 * through each version loses. {@link typedHubAndSpoke} and {@link spoke} declare the converters
 * from the descriptors, typed; `mergeCrds(..., { conversion: { webhook, convert } })` checks that
 * their hub is the storage version and every merged version (and no other) has a converter.
 *
 * @module
 */

import { KubeError, type Status } from "./error.ts";
import type { KubeObject, ObjectMeta, ResourceType } from "./resource.ts";
import { webhookClientConfig, type WebhookTarget } from "./admission.ts";
import type { CustomResourceDefinition } from "./k8s/apiextensions.k8s.io/v1.ts";

/**
 * A conversion review or converter that breaks the API's rules; the message says which.
 *
 * @example
 * ```ts
 * import { ConversionError, parseConversionReview } from "@kubeno/kube";
 * try {
 *   parseConversionReview({});
 * } catch (e) {
 *   if (e instanceof ConversionError) console.log(e.message);
 * }
 * ```
 */
export class ConversionError extends KubeError {
  /** Class name. */
  override name: string = "ConversionError";
}

/**
 * The request of a {@link ConversionReview}.
 *
 * @example
 * ```ts
 * import type { ConversionRequest } from "@kubeno/kube";
 * const r: ConversionRequest = { uid: "1", desiredAPIVersion: "clux.dev/v1", objects: [] };
 * ```
 */
export interface ConversionRequest {
  /** Identifies this call; the response carries it back. */
  uid: string;
  /** `group/version` every object must be converted to. */
  desiredAPIVersion: string;
  /** The objects, in any stored or requested version. */
  objects: KubeObject[];
}

/**
 * The response of a {@link ConversionReview}.
 *
 * @example
 * ```ts
 * import type { ConversionResponse } from "@kubeno/kube";
 * const r: ConversionResponse = { uid: "1", convertedObjects: [], result: { status: "Success" } };
 * ```
 */
export interface ConversionResponse {
  /** The request's uid. */
  uid: string;
  /** The converted objects, in the request's order. */
  convertedObjects: KubeObject[];
  /** `Success`, or `Failure` with a message. */
  result: Status;
}

/**
 * A `ConversionReview` as sent (with `request`) and answered (with `response`).
 *
 * @example
 * ```ts
 * import type { ConversionReview } from "@kubeno/kube";
 * const r: ConversionReview = { apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview" };
 * ```
 */
export interface ConversionReview {
  /** `apiextensions.k8s.io/v1` (or `v1beta1`); answers use the request's. */
  apiVersion: "apiextensions.k8s.io/v1" | "apiextensions.k8s.io/v1beta1";
  /** Always `ConversionReview`. */
  kind: "ConversionReview";
  /** What the apiserver sends. */
  request?: ConversionRequest;
  /** What the webhook answers. */
  response?: ConversionResponse;
}

/**
 * Converts one object to `desiredAPIVersion`. Only `apiVersion`, labels, annotations and the
 * other fields (spec, status) may change; the rest of metadata is put back as it came.
 *
 * @example
 * ```ts
 * import type { Convert } from "@kubeno/kube";
 * const same: Convert = (obj, to) => ({ ...obj, apiVersion: to });
 * ```
 */
export type Convert = (obj: KubeObject, desiredAPIVersion: string) => KubeObject;

/**
 * Hub and spoke: each version other than the hub converts to and from the hub, so N versions
 * need 2(N-1) functions, not N(N-1). Versions are `group/version` strings.
 *
 * @example
 * ```ts
 * import type { HubAndSpoke } from "@kubeno/kube";
 * const h: HubAndSpoke = {
 *   hub: "clux.dev/v1",
 *   spokes: { "clux.dev/v1alpha1": { toHub: (o) => o, fromHub: (o) => o } },
 * };
 * ```
 */
export interface HubAndSpoke {
  /** The hub version, usually the storage version. */
  hub: string;
  /** For each other version: to the hub (`apiVersion` already the hub's) and back. */
  spokes: Record<string, {
    toHub(obj: KubeObject): KubeObject;
    fromHub(obj: KubeObject): KubeObject;
  }>;
}

/**
 * A {@link Convert} from hub-and-spoke converters: spoke → hub → spoke. Throws
 * {@link ConversionError} for a version it does not know.
 *
 * @example
 * ```ts
 * import { hubAndSpoke, type KubeObject } from "@kubeno/kube";
 * type Person = KubeObject & { spec: { name?: string; firstName?: string } };
 * const convert = hubAndSpoke({
 *   hub: "clux.dev/v1",
 *   spokes: {
 *     "clux.dev/v1alpha1": {
 *       toHub: (o) => ({ ...o, spec: { firstName: (o as Person).spec.name } }) as Person,
 *       fromHub: (o) => ({ ...o, spec: { name: (o as Person).spec.firstName } }) as Person,
 *     },
 *   },
 * });
 * const ada: Person = { apiVersion: "clux.dev/v1alpha1", kind: "Person", metadata: { name: "ada" }, spec: { name: "Ada" } };
 * console.log((convert(ada, "clux.dev/v1") as Person).spec); // { firstName: "Ada" }
 * ```
 */
export function hubAndSpoke(h: HubAndSpoke): Convert {
  const known = [h.hub, ...Object.keys(h.spokes)];
  const spoke = (v: string | undefined) => {
    const s = v === undefined ? undefined : Object.hasOwn(h.spokes, v) ? h.spokes[v] : undefined;
    if (!s && v !== h.hub) {
      throw new ConversionError(
        `no conversion for ${JSON.stringify(v)}: known versions are ${known.join(", ")}`,
      );
    }
    return s;
  };
  return (obj, to) => {
    const from = spoke(obj.apiVersion);
    const into = spoke(to);
    if (obj.apiVersion === to) return obj;
    const hub = from
      ? { ...from.toHub(structuredClone(obj)), apiVersion: h.hub }
      : structuredClone(obj);
    return into ? { ...into.fromHub(hub), apiVersion: to } : hub;
  };
}

/**
 * One spoke of {@link typedHubAndSpoke}: a version and its converters to and from the hub,
 * typed by both sides' object types. Made by {@link spoke}.
 *
 * @example
 * ```ts
 * // doc:no-run: declares the spoke instead of building it
 * import type { Spoke } from "@kubeno/kube";
 * declare const s: Spoke; // spoke(HubType, SpokeType, { toHub, fromHub })
 * ```
 */
export interface Spoke {
  /** The spoke's `group/version`. */
  readonly apiVersion: string;
  /** To the hub. */
  toHub(obj: KubeObject): KubeObject;
  /** From the hub. */
  fromHub(obj: KubeObject): KubeObject;
}

/**
 * A spoke for {@link typedHubAndSpoke}: `from`'s objects to `hub`'s and back, each function typed
 * by the two descriptors (a `customResource()` or any `ResourceType`). Throws
 * {@link ConversionError} now, at declaration, if a converter is missing or the two are one version.
 *
 * @example
 * ```ts
 * import { customResource, spoke } from "@kubeno/kube";
 * import { z } from "zod";
 * const base = { group: "clux.dev", kind: "Person", namespaced: true } as const;
 * const A = customResource({ ...base, version: "v1alpha1", spec: z.object({ name: z.string() }) });
 * const B = customResource({ ...base, version: "v1", spec: z.object({ firstName: z.string() }) });
 * const s = spoke(B, A, {
 *   toHub: (o) => ({ ...o, spec: { firstName: o.spec.name } }),
 *   fromHub: (o) => ({ ...o, spec: { name: o.spec.firstName } }),
 * });
 * console.log(s.apiVersion); // "clux.dev/v1alpha1"
 * ```
 */
export function spoke<H extends KubeObject, S extends KubeObject>(
  hub: ResourceType<H>,
  from: ResourceType<S>,
  c: { toHub(obj: S): H; fromHub(obj: H): S },
): Spoke {
  const name = `spoke ${from?.apiVersion} of hub ${hub?.apiVersion}`;
  if (typeof c?.toHub !== "function" || typeof c?.fromHub !== "function") {
    throw new ConversionError(`${name}: give both toHub and fromHub`);
  }
  if (from.apiVersion === hub.apiVersion) {
    throw new ConversionError(`${name}: the hub needs no converter to itself`);
  }
  return Object.freeze({
    apiVersion: from.apiVersion,
    toHub: (o: KubeObject) => c.toHub(o as S),
    fromHub: (o: KubeObject) => c.fromHub(o as H),
  });
}

/**
 * A {@link Convert} that also knows its versions (hub first), so {@link checkRoundTrips} needs
 * no version list.
 *
 * @example
 * ```ts
 * // doc:no-run: declares the converter instead of building it
 * import type { DeclaredConvert } from "@kubeno/kube";
 * declare const c: DeclaredConvert;
 * console.log(c.versions);
 * ```
 */
export type DeclaredConvert = Convert & { readonly versions: readonly string[] };

/**
 * Hub and spoke declared from the descriptors: the hub is a `customResource()` (declare it the
 * storage version) and each spoke comes from {@link spoke}. The result serves as
 * `conversionHandler(convert)` and checks with `checkRoundTrips(convert, samples)`. Throws
 * {@link ConversionError} for a spoke of another group than the hub, the hub itself, or one given twice.
 * Pass it to `mergeCrds(..., { conversion: { webhook, convert } })` to check that the hub is the
 * storage version and that every merged version, and no other, has a converter.
 *
 * @example
 * ```ts
 * import { customResource, spoke, typedHubAndSpoke } from "@kubeno/kube";
 * import { z } from "zod";
 * const base = { group: "clux.dev", kind: "Person", namespaced: true } as const;
 * const A = customResource({ ...base, version: "v1alpha1", spec: z.object({ name: z.string() }) });
 * const B = customResource({ ...base, version: "v1", spec: z.object({ firstName: z.string() }) });
 * const convert = typedHubAndSpoke(B, [spoke(B, A, {
 *   toHub: (o) => ({ ...o, spec: { firstName: o.spec.name } }),
 *   fromHub: (o) => ({ ...o, spec: { name: o.spec.firstName } }),
 * })]);
 * console.log(convert.versions); // ["clux.dev/v1", "clux.dev/v1alpha1"]
 * ```
 */
export function typedHubAndSpoke(
  hub: ResourceType,
  spokes: readonly Spoke[],
): DeclaredConvert {
  const group = hub.apiVersion.split("/")[0];
  const table: HubAndSpoke["spokes"] = {};
  for (const s of spokes) {
    if (typeof s?.toHub !== "function" || typeof s?.fromHub !== "function") {
      throw new ConversionError(
        `spoke ${s?.apiVersion}: make it with spoke(hub, from, { toHub, fromHub })`,
      );
    }
    if (s.apiVersion.split("/")[0] !== group || s.apiVersion === hub.apiVersion) {
      throw new ConversionError(
        `spoke ${s.apiVersion} is not another version of hub ${hub.apiVersion}`,
      );
    }
    if (Object.hasOwn(table, s.apiVersion)) {
      throw new ConversionError(`spoke ${s.apiVersion} given twice`);
    }
    table[s.apiVersion] = s;
  }
  const convert = hubAndSpoke({ hub: hub.apiVersion, spokes: table });
  return Object.assign(convert, { versions: [hub.apiVersion, ...Object.keys(table)] });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks that a decoded JSON value is a `ConversionReview` request and returns it typed;
 * throws {@link ConversionError} naming the first bad field.
 *
 * @example
 * ```ts
 * import { parseConversionReview } from "@kubeno/kube";
 * const r = parseConversionReview({
 *   apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview",
 *   request: { uid: "1", desiredAPIVersion: "clux.dev/v1", objects: [] },
 * });
 * console.log(r.request?.desiredAPIVersion); // "clux.dev/v1"
 * ```
 */
export function parseConversionReview(value: unknown): ConversionReview {
  const bad = (m: string) => new ConversionError(`not a ConversionReview request: ${m}`);
  if (!isRecord(value)) throw bad("the body must be a JSON object");
  if (value.kind !== "ConversionReview") throw bad(`kind is ${JSON.stringify(value.kind)}`);
  if (
    value.apiVersion !== "apiextensions.k8s.io/v1" &&
    value.apiVersion !== "apiextensions.k8s.io/v1beta1"
  ) {
    throw bad(`apiVersion ${JSON.stringify(value.apiVersion)} is not apiextensions.k8s.io/v1`);
  }
  const r = value.request;
  if (!isRecord(r)) throw bad("request is missing");
  if (typeof r.uid !== "string" || r.uid === "") {
    throw bad("request.uid must be a non-empty string");
  }
  if (typeof r.desiredAPIVersion !== "string" || !r.desiredAPIVersion.includes("/")) {
    throw bad("request.desiredAPIVersion must be group/version");
  }
  if (!Array.isArray(r.objects) || r.objects.some((o) => !isRecord(o))) {
    throw bad("request.objects must be an array of objects");
  }
  return value as unknown as ConversionReview;
}

/**
 * Answers a conversion review: every object through `convert`, in order, with `apiVersion`
 * set to the desired one and metadata kept as sent except labels and annotations (what the
 * apiserver checks). If any object fails, the whole review fails with `Failure` and a message
 * naming the object (the error's own text goes to `onError`, not to the client).
 *
 * @example
 * ```ts
 * import { convertReview } from "@kubeno/kube";
 * const out = convertReview({
 *   apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview",
 *   request: { uid: "1", desiredAPIVersion: "clux.dev/v1", objects: [{ apiVersion: "clux.dev/v1alpha1", kind: "Foo", metadata: { name: "a" } }] },
 * }, (o, to) => ({ ...o, apiVersion: to }));
 * console.log(out.response?.convertedObjects[0].apiVersion); // "clux.dev/v1"
 * ```
 */
export function convertReview(
  review: ConversionReview,
  convert: Convert,
  onError?: (error: unknown, obj: KubeObject) => void,
): ConversionReview {
  if (!review.request) throw new ConversionError("the review has no request to answer");
  const { uid, desiredAPIVersion: to, objects } = review.request;
  const answer = (convertedObjects: KubeObject[], result: Status): ConversionReview => ({
    apiVersion: review.apiVersion,
    kind: "ConversionReview",
    response: { uid, convertedObjects, result },
  });
  const out: KubeObject[] = [];
  for (const obj of objects) {
    let c: KubeObject;
    try {
      c = convert(obj, to);
      if (!isRecord(c)) throw new ConversionError("the converter returned no object");
    } catch (e) {
      onError?.(e, obj);
      const name = [obj.metadata?.namespace, obj.metadata?.name].filter(Boolean).join("/");
      return answer([], {
        status: "Failure",
        message: `converting ${
          obj.kind ?? "object"
        } ${name} from ${obj.apiVersion} to ${to} failed`,
      });
    }
    const meta: ObjectMeta = { ...obj.metadata };
    if (isRecord(c.metadata)) {
      // Labels and annotations are the converter's to change; a result without metadata keeps them.
      const cm = c.metadata as ObjectMeta;
      if (cm.labels !== undefined) meta.labels = cm.labels;
      else delete meta.labels;
      if (cm.annotations !== undefined) meta.annotations = cm.annotations;
      else delete meta.annotations;
    }
    out.push({ ...c, apiVersion: to, kind: obj.kind, metadata: meta });
  }
  return answer(out, { status: "Success" });
}

/**
 * Options of {@link withConversionWebhook}: where the apiserver calls the conversion webhook.
 *
 * @example
 * ```ts
 * import type { ConversionWebhookOptions } from "@kubeno/kube";
 * const o: ConversionWebhookOptions = { service: { namespace: "ops", name: "people-webhook", path: "/convert" } };
 * ```
 */
export interface ConversionWebhookOptions extends WebhookTarget {
  /** ConversionReview versions the webhook understands. @default ["v1"] */
  conversionReviewVersions?: string[];
}

/**
 * What {@link withConversionWebhook} needs of a CRD: the generated `CustomResourceDefinition`
 * and the one `mergeCrds` returns both fit.
 *
 * @example
 * ```ts
 * import type { ConvertibleCrd } from "@kubeno/kube";
 * const c: ConvertibleCrd = { metadata: { name: "people.clux.dev" }, spec: { versions: [{ name: "v1", storage: true }] } };
 * ```
 */
export interface ConvertibleCrd {
  /** The CRD's metadata; its name is used in errors. */
  metadata: { name?: string };
  /** The versions; one of them `storage: true`. */
  spec: {
    versions: readonly { name: string; storage: boolean }[];
    conversion?: unknown;
    preserveUnknownFields?: boolean;
  };
}

/**
 * A copy of a multi-version CRD with `spec.conversion` set to strategy `Webhook` (url or
 * service, caBundle base64-encoded). Throws {@link ConversionError} for a CRD with fewer than
 * two versions or not exactly one storage version.
 *
 * @example
 * ```ts
 * // doc:no-run: declares the CRD it converts instead of building it
 * import { withConversionWebhook } from "@kubeno/kube";
 * import type { CustomResourceDefinition } from "@kubeno/kube/k8s/apiextensions.k8s.io/v1";
 * declare const crd: CustomResourceDefinition; // e.g. mergeCrds([PersonV1alpha1, PersonV1])
 * const withHook = withConversionWebhook(crd, { service: { namespace: "ops", name: "people-webhook", path: "/convert" } });
 * ```
 */
export function withConversionWebhook<C extends ConvertibleCrd = CustomResourceDefinition>(
  crd: C,
  opts: ConversionWebhookOptions,
): C {
  const bad = (m: string) =>
    new ConversionError(`conversion webhook of ${crd.metadata?.name}: ${m}`);
  const versions = crd.spec?.versions ?? [];
  if (versions.length < 2) throw bad("a CRD with one version needs no conversion");
  if (versions.filter((v) => v.storage).length !== 1) {
    throw bad("mark exactly one version storage: true");
  }
  return {
    ...crd,
    spec: {
      ...crd.spec,
      preserveUnknownFields: false, // the apiserver refuses Webhook conversion otherwise
      conversion: {
        strategy: "Webhook",
        webhook: {
          conversionReviewVersions: opts.conversionReviewVersions ?? ["v1"],
          clientConfig: webhookClientConfig(opts, bad),
        },
      },
    },
  };
}

/**
 * One difference found by {@link checkRoundTrips}: the sample, the version it went through,
 * the JSON path, and the values before and after (or the error a converter threw).
 *
 * @example
 * ```ts
 * import type { RoundTripDifference } from "@kubeno/kube";
 * const d: RoundTripDifference = { sample: 0, from: "clux.dev/v1", via: "clux.dev/v1alpha1", path: "spec.lastName", before: "Hopper", after: undefined };
 * ```
 */
export interface RoundTripDifference {
  /** Index of the sample. */
  sample: number;
  /** The sample's own version. */
  from: string;
  /** The version it was converted to and back from. */
  via: string;
  /** Where the value changed (`""` for the whole object). */
  path: string;
  /** Value in the sample. */
  before?: unknown;
  /** Value after the round trip. */
  after?: unknown;
  /** What a converter threw, if one did. */
  error?: unknown;
}

function diff(
  a: unknown,
  b: unknown,
  path: string,
  out: Omit<RoundTripDifference, "sample" | "from" | "via">[],
) {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diff(a[k], b[k], path ? `${path}.${k}` : k, out);
    }
    return;
  }
  out.push({ path, before: a, after: b });
}

/**
 * Runs every sample through every other version and back (`convert(convert(s, v), s.apiVersion)`)
 * and lists what changed. Lossless conversions return `[]`; use it in a unit test of your
 * converters before the apiserver stores anything with them.
 *
 * @example
 * ```ts
 * import { checkRoundTrips, hubAndSpoke, type KubeObject } from "@kubeno/kube";
 * type P = KubeObject & { spec: { name?: string; firstName?: string } };
 * const convert = hubAndSpoke({
 *   hub: "clux.dev/v1",
 *   spokes: { "clux.dev/v1alpha1": {
 *     toHub: (o) => ({ ...o, spec: { firstName: (o as P).spec.name } }) as P,
 *     fromHub: (o) => ({ ...o, spec: { name: (o as P).spec.firstName } }) as P,
 *   } },
 * });
 * const sample: P = { apiVersion: "clux.dev/v1alpha1", kind: "Person", metadata: { name: "a" }, spec: { name: "Ada" } };
 * console.log(checkRoundTrips(convert, [sample], ["clux.dev/v1", "clux.dev/v1alpha1"])); // []
 * ```
 */
export function checkRoundTrips(
  convert: Convert,
  samples: KubeObject[],
  versions: readonly string[] = (convert as Partial<DeclaredConvert>).versions ?? [],
): RoundTripDifference[] {
  if (versions.length === 0) {
    throw new ConversionError(
      "checkRoundTrips: give the versions (or a typedHubAndSpoke converter)",
    );
  }
  const found: RoundTripDifference[] = [];
  samples.forEach((s, sample) => {
    const from = s.apiVersion ?? "";
    for (const via of versions) {
      if (via === from) continue;
      const original = structuredClone(s);
      let back: KubeObject;
      try {
        back = convert(convert(original, via), from);
      } catch (error) {
        found.push({ sample, from, via, path: "", error });
        continue;
      }
      const out: Omit<RoundTripDifference, "sample" | "from" | "via">[] = [];
      diff(s, back, "", out);
      for (const d of out) found.push({ sample, from, via, ...d });
    }
  });
  return found;
}
