/**
 * `customResource()`: a custom resource declared as Zod schemas, at once a descriptor for
 * `Api`, a CRD generator and a validator that agrees with the apiserver.
 *
 * @module
 */

import { z } from "zod";
import {
  defaultPlural,
  dnsSubdomainProblem,
  type KubeObject,
  type ObjectMeta,
  type ResourceType,
  ResourceTypeError,
} from "../core/resource.ts";
import { isValidLabelKey, isValidLabelValue } from "../core/selector.ts";
import { KubeError } from "../core/error.ts";
import { crdNamesProblems } from "./names.ts";
import { withRe2Patterns } from "./_re2_zod.ts";
import { jsonCopy } from "./_json.ts";
import { CrdSchemaError, structuralSchema } from "./schema.ts";
import {
  ConversionError,
  type ConversionWebhookOptions,
  type DeclaredConvert,
  withConversionWebhook,
} from "../core/conversion.ts";
import type { ZodInput, ZodLike, ZodOutput, ZodSchema } from "./zod.ts";
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  CustomResourceSubresourceScale,
  JSONSchemaProps,
  ValidationRule,
} from "./types.ts";
import {
  applyDefaults,
  celIssues,
  pruneNulls,
  structuralTypeIssues,
  type ValidationIssue,
} from "./validate.ts";

/**
 * What {@link customResource} takes. `spec` and `status` are Zod schemas; the rest are the
 * CRD's names, columns, subresources and rules, named as in the CRD.
 *
 * @example
 * ```ts
 * import type { CustomResourceOptions } from "@kubeno/kube";
 * import { z } from "zod";
 * const spec = z.object({ size: z.int() });
 * const opts: CustomResourceOptions<typeof spec, undefined> = {
 *   group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec,
 * };
 * ```
 */
export interface CustomResourceOptions<
  Spec extends ZodLike,
  Status extends ZodLike | undefined,
> {
  /** API group, e.g. `clux.dev`. */
  group: string;
  /** Version, e.g. `v1`. */
  version: string;
  /** Kind, CamelCase. */
  kind: string;
  /** True for namespaced objects, false for cluster-scoped ones. */
  namespaced: boolean;
  /** Schema of `.spec`. */
  spec: Spec;
  /** Schema of `.status`; turns the status subresource on. Always optional on objects. */
  status?: Status;
  /** Plural; derived from the kind when omitted. */
  plural?: string;
  /** Singular; the lower-case kind when omitted. */
  singular?: string;
  /** Short names for kubectl. */
  shortNames?: readonly string[];
  /** Categories, e.g. `["all"]`. */
  categories?: readonly string[];
  /** Extra `kubectl get` columns. */
  printerColumns?: readonly CustomResourceColumnDefinition[];
  /** Paths of the scale subresource; turns it on. */
  scale?: CustomResourceSubresourceScale;
  /** JSON paths usable in field selectors, e.g. `.spec.color`. */
  selectableFields?: readonly string[];
  /** CEL rules on the whole object (`self` is the object). */
  validations?: readonly (string | ValidationRule)[];
  /**
   * What `parse`/`safeParse` do with a CEL rule kubeno cannot evaluate locally (a function its
   * CEL library lacks): `"warn"` passes the object and lists the rule in the result's
   * `unevaluated` (the apiserver still runs it), `"fail"` refuses the object (fail closed).
   * @default "warn"
   */
  unevaluatedCel?: "warn" | "fail";
  /** Marks the version deprecated. */
  deprecated?: boolean;
  /** Warning sent to clients of a deprecated version. */
  deprecationWarning?: string;
  /** Annotations of the CRD object. */
  annotations?: Record<string, string>;
  /** Labels of the CRD object. */
  labels?: Record<string, string>;
  /** Whether this version is the storage version (default true). */
  storage?: boolean;
  /** Whether this version is served (default true). */
  served?: boolean;
}

/**
 * The object type of a custom resource with these spec and status schemas.
 *
 * @example
 * ```ts
 * import type { CustomResourceObject } from "@kubeno/kube";
 * import { z } from "zod";
 * const spec = z.object({ size: z.int() });
 * type Foo = CustomResourceObject<typeof spec, undefined>; // { metadata, spec: { size: number }, status?: never }
 * ```
 */
export interface CustomResourceObject<
  Spec extends ZodLike,
  Status extends ZodLike | undefined,
> extends KubeObject {
  /** `group/version`. */
  apiVersion?: string;
  /** The kind. */
  kind?: string;
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The desired state. */
  spec: ZodOutput<Spec>;
  /** The observed state. */
  status?: Status extends ZodLike ? ZodOutput<Status> : never;
}

/**
 * The object type of a custom resource: `InferResource<typeof Foo>`.
 *
 * @example
 * ```ts
 * import { customResource, type InferResource } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * type Foo = InferResource<typeof Foo>;
 * const f: Foo = Foo.new("a", { n: 1 });
 * ```
 */
export type InferResource<R> = R extends ResourceType<infer K> ? K : never;

/**
 * An object failed validation. `issues` lists every problem, from Zod, the structural check
 * and the CEL rules.
 *
 * @example
 * ```ts
 * import { ResourceValidationError } from "@kubeno/kube";
 * const e = new ResourceValidationError("Foo", [{ path: "spec.n", message: "expected integer", source: "schema" }]);
 * console.log(e.message); // "invalid Foo: spec.n: expected integer"
 * ```
 */
export class ResourceValidationError extends KubeError {
  /** Class name. */
  override name: string = "ResourceValidationError";
  /** Every problem found. */
  readonly issues: ValidationIssue[];
  /**
   * Creates the error from issues.
   *
   * @param kind the kind of the object, for the message
   * @param issues every problem found
   * @param options `cause`: the underlying error, if one led to the issues
   */
  constructor(kind: string, issues: ValidationIssue[], options?: { cause?: unknown }) {
    super(
      `invalid ${kind}: ` + issues.map((i) => `${i.path || "<root>"}: ${i.message}`).join("; "),
      options,
    );
    this.issues = issues;
  }
}

/**
 * Whether `err` is a {@link ResourceValidationError}, as {@link CustomResource.parse} throws.
 *
 * @example
 * ```ts
 * import { customResource, isResourceValidationError } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * try {
 *   Foo.parse({ metadata: { name: "a" }, spec: { n: "x" } });
 * } catch (e) {
 *   if (isResourceValidationError(e)) console.log(e.issues[0].path); // "spec.n"
 * }
 * ```
 */
export function isResourceValidationError(err: unknown): err is ResourceValidationError {
  return err instanceof ResourceValidationError;
}

/**
 * The result of {@link CustomResource.safeParse}. A success lists in `unevaluated` the CEL
 * rules that applied to the object but that kubeno could not evaluate (absent when there are
 * none): the apiserver may still refuse the object for them. See
 * {@link CustomResourceOptions.unevaluatedCel}.
 *
 * @example
 * ```ts
 * import { customResource, type InferResource, type ParseResult } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * const r: ParseResult<InferResource<typeof Foo>> = Foo.safeParse({ metadata: { name: "a" }, spec: { n: "x" } });
 * if (!r.success) console.log(r.error.issues[0].path); // "spec.n"
 * ```
 */
export type ParseResult<K> = {
  success: true;
  data: K;
  unevaluated?: readonly ValidationIssue[];
} | {
  success: false;
  error: ResourceValidationError;
};

/**
 * A custom resource declared with {@link customResource}: a {@link ResourceType} for `Api`,
 * plus the CRD, the Zod schema and validation.
 *
 * @example
 * ```ts
 * import { type CustomResource, customResource } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo: CustomResource = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * console.log(Foo.plural, Foo.crd().metadata.name); // "foos" "foos.clux.dev"
 * ```
 */
export interface CustomResource<
  Spec extends ZodLike = ZodLike,
  Status extends ZodLike | undefined = ZodLike | undefined,
> extends ResourceType<CustomResourceObject<Spec, Status>> {
  /** Singular name. */
  readonly singular: string;
  /** The options it was made from. */
  readonly options: Readonly<CustomResourceOptions<Spec, Status>>;
  /** The Zod schema of the whole object (apiVersion, kind, metadata, spec, status). */
  readonly schema: ZodSchema<CustomResourceObject<Spec, Status>, unknown>;
  /**
   * The CustomResourceDefinition. Throws `CrdSchemaError`, naming the field, when a schema
   * uses something a CRD cannot express. The result is computed once and shared: copy before mutating.
   */
  crd(): CustomResourceDefinition;
  /** This version's entry of the CRD (schema, subresources, columns). */
  crdVersion(): CustomResourceDefinitionVersion;
  /** The structural `openAPIV3Schema` of this version. */
  openApiSchema(): JSONSchemaProps;
  /**
   * A new object: apiVersion, kind and `metadata.name` set, the spec parsed (defaults filled,
   * patterns tested on RE2). Throws Zod's error if the spec does not parse.
   */
  // A method (quoted: unquoted `new(...)` would be a construct signature), so that every
  // CustomResource<S, T> is also a CustomResource of the defaults (method parameters are bivariant).
  "new"(
    name: string,
    spec: ZodInput<Spec>,
    metadata?: ObjectMeta,
  ): CustomResourceObject<Spec, Status>;
  /**
   * Validates an object as the apiserver would on create: nulls pruned, defaults filled,
   * Zod, the structural types and the CEL rules. Patterns run on RE2, as on the server.
   * Returns the defaulted object, or throws {@link ResourceValidationError} listing every issue
   * (including what JSON cannot carry, see {@link CustomResource.safeParse}).
   */
  parse(obj: unknown): CustomResourceObject<Spec, Status>;
  /**
   * As {@link CustomResource.parse}, without throwing: never throws for any value. The value
   * validated is the JSON the client would send (as `JSON.stringify`: `undefined` properties
   * left out, `undefined` array items as `null`, `toJSON()` applied); what JSON cannot carry
   * (functions, symbols, BigInt, NaN and ±Infinity, cycles, Map and Set, nesting deeper than
   * the apiserver's 10,000 levels) is an issue at its path. (A schema a CRD cannot express still
   * throws `CrdSchemaError`, as `crd()` does: that is a bug in the declaration, not the value.)
   */
  safeParse(obj: unknown): ParseResult<CustomResourceObject<Spec, Status>>;
  /** As {@link CustomResource.parse} for an update from `old`: transition rules (`oldSelf`) run too. */
  parseUpdate(old: unknown, obj: unknown): CustomResourceObject<Spec, Status>;
  /** As {@link CustomResource.parseUpdate}, without throwing. */
  safeParseUpdate(old: unknown, obj: unknown): ParseResult<CustomResourceObject<Spec, Status>>;
}

/**
 * The object metadata checks the apiserver makes on a custom resource (ObjectMeta validation
 * with DNS-subdomain names): name or generateName present, name and generateName (its trailing
 * `-` allowed) DNS-1123 subdomains, label keys and values, annotation and finalizer keys
 * qualified names. Other fields are the server's to set; they are kept as sent.
 */
const objectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
}).superRefine((m, ctx) => {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  if (!m.name && !m.generateName) {
    issue(["name"], "Required value: name or generateName is required");
  }
  if (m.name) {
    const p = dnsSubdomainProblem(m.name);
    if (p) issue(["name"], `Invalid value: ${JSON.stringify(m.name)}: ${p}`);
  }
  if (m.generateName) {
    // The server checks the prefix with a trailing '-' masked, as generated names append to it.
    const p = dnsSubdomainProblem(m.generateName.replace(/-$/, "a"));
    if (p) issue(["generateName"], `Invalid value: ${JSON.stringify(m.generateName)}: ${p}`);
  }
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    if (!isValidLabelKey(k)) {
      issue(["labels", k], `Invalid value: ${JSON.stringify(k)}: not a valid label key`);
    }
    if (!isValidLabelValue(v)) {
      issue(["labels", k], `Invalid value: ${JSON.stringify(v)}: not a valid label value`);
    }
  }
  for (const k of Object.keys(m.annotations ?? {})) {
    // Annotation keys are qualified names (compared lower-cased), as label keys are.
    if (!isValidLabelKey(k.toLowerCase())) {
      issue(["annotations", k], `Invalid value: ${JSON.stringify(k)}: not a valid annotation key`);
    }
  }
  (m.finalizers ?? []).forEach((f, i) => {
    if (!isValidLabelKey(f)) {
      issue(["finalizers", i], `Invalid value: ${JSON.stringify(f)}: not a qualified name`);
    }
  });
}) as unknown as z.ZodType<ObjectMeta>;

function rules(
  list: readonly (string | ValidationRule)[] | undefined,
): ValidationRule[] | undefined {
  return list?.length ? list.map((r) => typeof r === "string" ? { rule: r } : { ...r }) : undefined;
}

function zodIssues(err: z.ZodError): ValidationIssue[] {
  return err.issues.map((i) => ({
    path: i.path.map((p, n) => typeof p === "number" ? `[${p}]` : (n ? "." : "") + String(p)).join(
      "",
    ),
    message: i.message,
    source: "schema" as const,
  }));
}

/** A clear error for a `spec` or `status` that is not a Zod 4 schema (a TypeError later). */
function requireZod(s: unknown, field: "spec" | "status"): void {
  const def = (s as { _zod?: { def?: { type?: unknown } } } | null | undefined)?._zod?.def;
  if (typeof s !== "object" || s === null || typeof def?.type !== "string") {
    throw new CrdSchemaError(
      field,
      `customResource's ${field} must be a Zod 4 schema, such as z.object({ ... }) from ` +
        `"zod" (version 4), got ${s === null ? "null" : typeof s}` +
        (typeof s === "object" && s !== null ? " that is not a Zod 4 schema" : ""),
    );
  }
}

/**
 * Declares a custom resource from Zod schemas, as kube-rs' `#[derive(CustomResource)]` does.
 * The value is a {@link ResourceType} (`Api.namespaced(client, Foo, "ns")` is an `Api<Foo>`)
 * with `crd()`, `schema`, `new()`, `parse()` and `parseUpdate()`.
 *
 * The status subresource is on when `status` is given; scale when `scale` is.
 *
 * @throws {ResourceTypeError} if the group, version, kind, plural, singular, short names or
 *   categories break the apiserver's rules for CRDs (see {@link crdNamesProblems}).
 * @throws {CrdSchemaError} if `spec` or `status` is not a Zod 4 schema.
 *
 * @example
 * ```ts
 * import { customResource, type InferResource } from "@kubeno/kube";
 * import { z } from "zod";
 *
 * export const Foo = customResource({
 *   group: "clux.dev", version: "v1", kind: "Foo", namespaced: true,
 *   spec: z.object({ name: z.string(), info: z.string(), replicas: z.int().min(0).default(1) }),
 *   status: z.object({ ready: z.boolean() }),
 *   printerColumns: [{ name: "Ready", type: "boolean", jsonPath: ".status.ready" }],
 * });
 * export type Foo = InferResource<typeof Foo>;
 * const f: Foo = Foo.new("blog", { name: "a", info: "b" }); // spec.replicas === 1
 * console.log(Foo.crd().metadata.name); // "foos.clux.dev"
 * ```
 */
export function customResource<
  Spec extends ZodLike,
  Status extends ZodLike | undefined = undefined,
>(
  opts: CustomResourceOptions<Spec, Status>,
): CustomResource<Spec, Status> {
  type Obj = CustomResourceObject<Spec, Status>;
  requireZod(opts.spec, "spec");
  if (opts.status !== undefined) requireZod(opts.status, "status");
  const kindText = typeof opts.kind === "string" ? opts.kind : "";
  const plural = opts.plural ?? defaultPlural(kindText);
  const singular = opts.singular ?? kindText.toLowerCase();
  const problems = crdNamesProblems({
    group: opts.group,
    version: opts.version,
    kind: opts.kind,
    plural,
    singular,
    listKind: `${kindText}List`,
    shortNames: opts.shortNames,
    categories: opts.categories,
  });
  if (problems.length) {
    throw new ResourceTypeError(`customResource ${JSON.stringify(opts.kind ?? null)}`, problems);
  }
  const apiVersion = `${opts.group}/${opts.version}`;
  // The public types are structural (ZodLike); every Zod 4 schema is a z.ZodType at run time.
  const specSchema = opts.spec as unknown as z.ZodType;
  const statusSchema = opts.status as unknown as z.ZodType | undefined;
  const schema = z.object({
    apiVersion: z.literal(apiVersion).optional(),
    kind: z.literal(opts.kind).optional(),
    metadata: objectMetaSchema,
    spec: specSchema,
    ...(statusSchema ? { status: z.optional(statusSchema) } : {}),
  }) as unknown as ZodSchema<Obj, unknown>;

  let cachedOpenApi: JSONSchemaProps | undefined;
  const openApiSchema = (): JSONSchemaProps => {
    if (cachedOpenApi) return cachedOpenApi;
    const specNode = structuralSchema(specSchema, "spec");
    const properties: Record<string, JSONSchemaProps> = {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: specNode,
    };
    if (statusSchema) properties.status = { ...structuralSchema(statusSchema, "status") };
    const root: JSONSchemaProps = {
      type: "object",
      description: `Auto-generated derived type for ${opts.kind}Spec via \`customResource\``,
      properties,
    };
    // spec is required unless its schema accepts undefined (optional or defaulted).
    if (!z.safeParse(specSchema, undefined).success) root.required = ["spec"];
    const r = rules(opts.validations);
    if (r) root["x-kubernetes-validations"] = r;
    cachedOpenApi = root;
    return root;
  };

  const crdVersion = (): CustomResourceDefinitionVersion => {
    const v: CustomResourceDefinitionVersion = {
      name: opts.version,
      served: opts.served ?? true,
      storage: opts.storage ?? true,
      schema: { openAPIV3Schema: openApiSchema() },
    };
    if (opts.deprecated) v.deprecated = true;
    if (opts.deprecationWarning) v.deprecationWarning = opts.deprecationWarning;
    if (statusSchema || opts.scale) {
      v.subresources = {};
      if (statusSchema) v.subresources.status = {};
      if (opts.scale) v.subresources.scale = { ...opts.scale };
    }
    if (opts.printerColumns?.length) {
      v.additionalPrinterColumns = opts.printerColumns.map((c) => ({ ...c }));
    }
    if (opts.selectableFields?.length) {
      v.selectableFields = opts.selectableFields.map((jsonPath) => ({ jsonPath }));
    }
    return v;
  };

  let cachedCrd: CustomResourceDefinition | undefined;
  const crd = (): CustomResourceDefinition => {
    if (cachedCrd) return cachedCrd;
    const metadata: ObjectMeta = { name: `${plural}.${opts.group}` };
    if (opts.annotations) metadata.annotations = { ...opts.annotations };
    if (opts.labels) metadata.labels = { ...opts.labels };
    const names: CustomResourceDefinition["spec"]["names"] = {
      kind: opts.kind,
      plural,
      singular,
      listKind: `${opts.kind}List`,
    };
    if (opts.shortNames?.length) names.shortNames = [...opts.shortNames];
    if (opts.categories?.length) names.categories = [...opts.categories];
    cachedCrd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata,
      spec: {
        group: opts.group,
        names,
        scope: opts.namespaced ? "Namespaced" : "Cluster",
        versions: [crdVersion()],
      },
    };
    return cachedCrd;
  };

  // The schema validation runs: the same, with every pattern tested on RE2 as the apiserver
  // tests it (linear time; JavaScript's engine can take exponential time on `^(a+)+$`).
  let re2Schema: typeof schema | undefined;
  // new() parses the spec on RE2 too. A pattern RE2 cannot run belongs to a schema no CRD can
  // carry: the conversion says so with the field's path.
  let specRe2: z.ZodType | undefined;
  const re2Spec = (): z.ZodType => {
    try {
      return specRe2 ??= withRe2Patterns(specSchema);
    } catch (e) {
      openApiSchema();
      throw e;
    }
  };
  const fail = (issues: ValidationIssue[], cause?: unknown): ParseResult<Obj> => ({
    success: false,
    error: new ResourceValidationError(opts.kind, issues, cause === undefined ? {} : { cause }),
  });
  const validate = (obj: unknown, old: unknown, isUpdate: boolean): ParseResult<Obj> => {
    const root = openApiSchema(); // first: it refuses patterns RE2 cannot compile
    re2Schema ??= withRe2Patterns(schema);
    // Validate what the client would send: the JSON form, refusing what JSON cannot carry.
    const sent = jsonCopy(obj);
    if (!sent.ok) return fail(sent.issues);
    let oldSent: unknown;
    if (isUpdate) {
      const o = jsonCopy(old);
      if (!o.ok) return fail(o.issues.map((i) => ({ ...i, message: `old object: ${i.message}` })));
      oldSent = o.value;
    }
    try {
      // The server's order: prune nulls, default, validate (schema, then CEL on the defaulted object).
      const input = pruneNulls(root, sent.value);
      const typeIssues = structuralTypeIssues(root, input);
      const r = re2Schema.safeParse(input);
      if (!r.success || typeIssues.length) {
        return fail([...typeIssues, ...(r.success ? [] : zodIssues(r.error))]);
      }
      const data = applyDefaults(root, r.data) as Obj;
      const issues = celIssues(root, data, oldSent);
      // A rule kubeno cannot run is no verdict: passed with the rule named, unless told to fail.
      const unevaluated = issues.filter((i) => i.source === "unevaluated");
      const failed = opts.unevaluatedCel === "fail"
        ? issues
        : issues.filter((i) => i.source !== "unevaluated");
      if (failed.length) return fail(failed);
      return unevaluated.length ? { success: true, data, unevaluated } : { success: true, data };
    } catch (e) {
      // safeParse never throws: a value deep enough to exhaust the stack in a recursive step
      // (CEL's view of a deeply nested field) is reported, not thrown.
      const why = e instanceof RangeError
        ? "nested too deeply to validate locally (the JavaScript stack ran out)"
        : `could not be validated locally: ${e instanceof Error ? e.message : String(e)}`;
      return fail([{ path: "", message: why, source: "schema" }], e);
    }
  };
  const orThrow = (r: ParseResult<Obj>): Obj => {
    if (!r.success) throw r.error;
    return r.data;
  };

  const cr: CustomResource<Spec, Status> = {
    group: opts.group,
    version: opts.version,
    apiVersion,
    kind: opts.kind,
    plural,
    singular,
    namespaced: opts.namespaced,
    options: Object.freeze({ ...opts }),
    schema,
    crd,
    crdVersion,
    openApiSchema,
    new(name, spec, metadata) {
      return {
        apiVersion,
        kind: opts.kind,
        metadata: { ...metadata, name },
        spec: z.parse(re2Spec(), spec),
      } as Obj;
    },
    parse: (obj) => orThrow(validate(obj, undefined, false)),
    safeParse: (obj) => validate(obj, undefined, false),
    parseUpdate: (old, obj) => orThrow(validate(obj, old, true)),
    safeParseUpdate: (old, obj) => validate(obj, old, true),
  };
  return Object.freeze(cr);
}

/**
 * Options of {@link mergeCrds}.
 *
 * @example
 * ```ts
 * import type { MergeCrdsOptions } from "@kubeno/kube";
 * const o: MergeCrdsOptions = {
 *   storage: "v1",
 *   conversion: { webhook: { service: { namespace: "ops", name: "people-webhook", path: "/convert" } } },
 * };
 * ```
 */
export interface MergeCrdsOptions {
  /** The storage version. @default the last resource's version */
  storage?: string;
  /**
   * How the apiserver converts between versions. Without it, `None`: the server only rewrites
   * `apiVersion`, so the schemas must be compatible. With `webhook`, `spec.conversion` is strategy
   * `Webhook` calling that url or service (caBundle PEM, base64-encoded for you), checked as
   * `withConversionWebhook` checks it (which is what runs). @default strategy None
   */
  conversion?: {
    webhook: ConversionWebhookOptions;
    /**
     * The converters served (`typedHubAndSpoke`): checked against the versions merged. Its hub
     * must be the storage version, every version must have a converter, and none may be for a
     * version not merged. @default not checked
     */
    convert?: DeclaredConvert;
  };
}

/**
 * Merges several versions of one kind into a single CRD. Names and scope come from the
 * first; `storage` names the storage version (defaults to the last). Every version is served
 * unless its options said `served: false`. Conversion is `None` (the server only rewrites
 * `apiVersion`, so the schemas must be compatible) unless `conversion.webhook` says where the
 * conversion webhook is (serve it with `conversionHandler`). Throws `TypeError` for resources
 * that are not versions of one kind or an unknown storage version, and `ConversionError` for a
 * webhook that cannot work (one version only, no url or service, a URL that is not https, a
 * service without namespace and name, a caBundle that is not PEM).
 *
 * @example
 * ```ts
 * import { customResource, mergeCrds } from "@kubeno/kube";
 * import { z } from "zod";
 * const base = { group: "clux.dev", kind: "Foo", namespaced: true } as const;
 * const V1 = customResource({ ...base, version: "v1", spec: z.object({ name: z.string() }) });
 * const V2 = customResource({ ...base, version: "v2", spec: z.object({ name: z.string(), size: z.int().optional() }) });
 * const crd = mergeCrds([V1, V2], { storage: "v2" });
 * const converted = mergeCrds([V1, V2], {
 *   storage: "v2",
 *   conversion: { webhook: { service: { namespace: "ops", name: "foo-webhook", path: "/convert" } } },
 * });
 * console.log(converted.spec.conversion?.strategy); // "Webhook"
 * ```
 */
export function mergeCrds(
  resources: readonly CustomResource<ZodLike, ZodLike | undefined>[],
  opts: MergeCrdsOptions = {},
): CustomResourceDefinition {
  if (resources.length === 0) throw new TypeError("mergeCrds: give at least one custom resource");
  const first = resources[0].crd();
  const storage = opts.storage ?? resources[resources.length - 1].version;
  const seen = new Set<string>();
  for (const r of resources) {
    const c = r.crd();
    if (c.metadata.name !== first.metadata.name || c.spec.scope !== first.spec.scope) {
      throw new TypeError(
        `mergeCrds: ${c.metadata.name} (${c.spec.scope}) is not the same resource as ` +
          `${first.metadata.name} (${first.spec.scope}); give every version the same group, kind, plural and scope`,
      );
    }
    if (seen.has(r.version)) throw new TypeError(`mergeCrds: version ${r.version} given twice`);
    seen.add(r.version);
  }
  if (!seen.has(storage)) {
    throw new TypeError(
      `mergeCrds: storage version ${storage} is not among ${[...seen].join(", ")}`,
    );
  }
  const shortNames = [...new Set(resources.flatMap((r) => r.crd().spec.names.shortNames ?? []))];
  const categories = [...new Set(resources.flatMap((r) => r.crd().spec.names.categories ?? []))];
  const names = { ...first.spec.names };
  if (shortNames.length) names.shortNames = shortNames;
  if (categories.length) names.categories = categories;
  const merged: CustomResourceDefinition = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: structuredClone(first.metadata),
    spec: {
      group: first.spec.group,
      names,
      scope: first.spec.scope,
      versions: resources.map((r) => ({
        ...structuredClone(r.crdVersion()),
        storage: r.version === storage,
      })),
    },
  };
  if (opts.conversion === undefined) return merged;
  if (
    opts.conversion === null || typeof opts.conversion !== "object" ||
    typeof opts.conversion.webhook !== "object" || opts.conversion.webhook === null
  ) {
    throw new TypeError("mergeCrds: conversion must be { webhook: { url | service, caBundle } }");
  }
  const declared = opts.conversion.convert?.versions;
  if (declared !== undefined) {
    const group = first.spec.group;
    const merging = resources.map((r) => `${group}/${r.version}`);
    const bad = (m: string) => new ConversionError(`mergeCrds ${first.metadata.name}: ${m}`);
    if (declared[0] !== `${group}/${storage}`) {
      throw bad(
        `the converters' hub ${declared[0]} is not the storage version ${group}/${storage}`,
      );
    }
    const unknown = declared.filter((v) => !merging.includes(v));
    if (unknown.length) throw bad(`converters for versions not merged: ${unknown.join(", ")}`);
    const missing = merging.filter((v) => !declared.includes(v));
    if (missing.length) throw bad(`no converter for ${missing.join(", ")}: add a spoke for each`);
  }
  return withConversionWebhook(merged, opts.conversion.webhook);
}
