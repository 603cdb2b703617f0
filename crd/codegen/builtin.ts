/**
 * Generates `core/k8s/<group>/<version>.ts` (types and resource descriptors of the built-in
 * Kubernetes API) from the OpenAPI v3 documents of a Kubernetes release. Pure: documents in,
 * file texts out. Formatting (`deno fmt`) and file I/O are the CLI's job (gen.ts).
 *
 * @module
 */

import { jsdoc, propertyKey, scalarOrArrayType } from "./emit.ts";
import type { Gvk, OpenApiDocument, OpenApiOperation, Schema } from "./openapi.ts";

/** Prefix of every `$ref` in a Kubernetes OpenAPI v3 document. */
const REF_PREFIX = "#/components/schemas/";

/** Where the shared apimachinery types live: meta/v1 also hosts Quantity, IntOrString, RawExtension. */
const META_GV = "meta/v1";

/**
 * Types of meta/v1 that are aliases of the hand-written ones in core/resource.ts, so that a
 * generated kind satisfies `KubeObject` and `ObjectList` without a structural detour.
 */
const RESOURCE_ALIASES: Record<string, string> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": "ObjectMeta",
  "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta": "ListMeta",
  "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference": "OwnerReference",
  "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry": "ManagedFieldsEntry",
};

/**
 * Schemas whose JSON shape the document does not state (Go types with custom marshalling) or
 * states loosely: the type written instead, and a note appended to the description.
 */
const OVERRIDES: Record<string, { type?: string; note: string }> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.Time": {
    note:
      "kubeno: in JSON an RFC 3339 date-time string with seconds precision, e.g. `2024-05-01T12:00:00Z`; parse it with `new Date(s)`.",
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": {
    note:
      "kubeno: in JSON an RFC 3339 date-time string with microseconds, e.g. `2024-05-01T12:00:00.123456Z`.",
  },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {
    note:
      'kubeno: the server accepts a string (`"500m"`, `"1Gi"`) or a JSON number, and always returns the canonical string.',
  },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
    note: 'kubeno: a JSON integer or a string (`80` or `"http"`, `"25%"`).',
  },
  "io.k8s.apimachinery.pkg.runtime.RawExtension": {
    note:
      "kubeno: an embedded JSON object, usually a whole Kubernetes object with its own `apiVersion` and `kind`.",
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON": {
    type: "unknown",
    note: "kubeno: any JSON value.",
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray": {
    type: "JSONSchemaProps | JSONSchemaProps[]",
    note: "kubeno: one schema, or an array of schemas (one per tuple position).",
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool": {
    type: "JSONSchemaProps | boolean",
    note: "kubeno: a schema, or a boolean (`true` allows anything, `false` nothing).",
  },
  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": {
    type: "JSONSchemaProps | string[]",
    note: "kubeno: a schema, or a list of property names.",
  },
};

/** Type names the generated files import from core/resource.ts and so cannot generate. */
const RESERVED = new Set(["ResourceType", "resourceType"]);

/**
 * Input of {@link generateBuiltin}.
 *
 * @example
 * ```ts
 * import type { BuiltinInput } from "./builtin.ts";
 * const input: BuiltinInput = { release: "v1.37.2", documents: {} };
 * ```
 */
export interface BuiltinInput {
  /** The Kubernetes release the documents come from, written into each file's header. */
  release: string;
  /** OpenAPI v3 documents by file name as in `api/openapi-spec/v3/` (`apis__apps__v1_openapi.json`). */
  documents: Record<string, OpenApiDocument>;
  /** Also generate alpha and beta group-versions (off: they are not served by default). */
  prerelease?: boolean;
}

/**
 * A resource found in the paths of a document: what a descriptor needs.
 *
 * @example
 * ```ts
 * import type { BuiltinResource } from "./builtin.ts";
 * const r: BuiltinResource = { group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, verbs: ["get"] };
 * ```
 */
export interface BuiltinResource extends Gvk {
  /** URL segment. */
  plural: string;
  /** True if served under `/namespaces/{namespace}/`. */
  namespaced: boolean;
  /** Verbs, sorted, in discovery's vocabulary. */
  verbs: string[];
}

/**
 * Output of {@link generateBuiltin}.
 *
 * @example
 * ```ts
 * import type { BuiltinOutput } from "./builtin.ts";
 * const out: BuiltinOutput = { files: {}, exports: {}, resources: [] };
 * ```
 */
export interface BuiltinOutput {
  /** File text (not yet formatted) by path relative to `core/k8s/`, e.g. `apps/v1.ts`. */
  files: Record<string, string>;
  /** deno.json `exports` entries: `./k8s/apps/v1` -> `./core/k8s/apps/v1.ts`. */
  exports: Record<string, string>;
  /** Every resource with a descriptor, sorted by group-version then kind. */
  resources: BuiltinResource[];
}

/**
 * A group-version to generate, parsed from a document's file name.
 *
 * @example
 * ```ts
 * import type { GroupVersion } from "./builtin.ts";
 * const gv: GroupVersion = { group: "apps", version: "v1", path: "apps/v1" };
 * ```
 */
export interface GroupVersion {
  /** API group, `""` for core. */
  group: string;
  /** Version. */
  version: string;
  /** `core/v1`, `apps/v1`, `meta/v1`. */
  path: string;
}

function gvPath(group: string, version: string): string {
  return `${group === "" ? "core" : group}/${version}`;
}

/** `apis__apps__v1_openapi.json` -> apps/v1; `api__v1_openapi.json` -> core/v1; others: none. */
function parseDocName(name: string): GroupVersion | undefined {
  let m = /^api__(v[0-9a-z]+)_openapi\.json$/.exec(name);
  if (m) return { group: "", version: m[1], path: gvPath("", m[1]) };
  m = /^apis__([^_]+(?:_[^_]+)*)__(v[0-9a-z]+)_openapi\.json$/.exec(name);
  if (m) return { group: m[1], version: m[2], path: gvPath(m[1], m[2]) };
  return undefined;
}

function isPrerelease(version: string): boolean {
  return /^v[0-9]+(alpha|beta)[0-9]+$/.test(version);
}

function packageOf(schemaName: string): string {
  return schemaName.slice(0, schemaName.lastIndexOf("."));
}

function shortName(schemaName: string): string {
  return schemaName.slice(schemaName.lastIndexOf(".") + 1);
}

/** `networking.k8s.io/v1` -> `networkingV1`, the namespace a file imports another under. */
function importAlias(gvp: string): string {
  const [group, version] = gvp.split("/");
  return `${group.split(".")[0].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}${
    version[0].toUpperCase()
  }${version.slice(1)}`;
}

/** Relative import specifier from one generated file to another (both `<group>/<version>.ts`). */
function relImport(fromPath: string, toPath: string): string {
  // Always via the parent directory: one rule, and the same text wherever the file lives.
  void fromPath;
  return `../${toPath}.ts`;
}

const ACTION_VERBS: Record<string, string> = {
  get: "get",
  list: "list",
  watch: "watch",
  watchlist: "watch",
  post: "create",
  put: "update",
  patch: "patch",
  delete: "delete",
  deletecollection: "deletecollection",
};

/**
 * Resources from a document's paths: top-level resources only (subresources such as `status`,
 * `scale` or `exec` are skipped), with the verbs their operations' `x-kubernetes-action` give.
 *
 * @example
 * ```ts
 * import { resourcesFromPaths } from "./builtin.ts";
 * const doc = { paths: { "/api/v1/nodes": { get: { "x-kubernetes-action": "list",
 *   "x-kubernetes-group-version-kind": { group: "", version: "v1", kind: "Node" } } } } };
 * resourcesFromPaths(doc, { group: "", version: "v1", path: "core/v1" }); // [{ kind: "Node", plural: "nodes", ... }]
 * ```
 */
export function resourcesFromPaths(doc: OpenApiDocument, gv: GroupVersion): BuiltinResource[] {
  const prefix = gv.group === "" ? `/api/${gv.version}/` : `/apis/${gv.group}/${gv.version}/`;
  const byKind = new Map<string, BuiltinResource>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith(prefix)) continue;
    let segs = path.slice(prefix.length).split("/").filter((s) => s !== "");
    if (segs[0] === "watch") segs = segs.slice(1);
    let namespaced = false;
    if (segs[0] === "namespaces" && segs[1] === "{namespace}" && segs.length > 2) {
      namespaced = true;
      segs = segs.slice(2);
    }
    // [plural] or [plural, {name}]; anything longer is a subresource.
    if (segs.length === 0 || segs.length > 2 || (segs.length === 2 && segs[1] !== "{name}")) {
      continue;
    }
    const plural = segs[0];
    for (const [method, raw] of Object.entries(item)) {
      if (method === "parameters" || typeof raw !== "object" || raw === null) continue;
      const op = raw as OpenApiOperation;
      const gvk = op["x-kubernetes-group-version-kind"];
      const action = op["x-kubernetes-action"];
      if (!gvk || !action || gvk.group !== gv.group || gvk.version !== gv.version) continue;
      const verb = ACTION_VERBS[action];
      if (!verb) continue;
      let r = byKind.get(gvk.kind);
      if (!r) {
        r = { ...gvk, plural, namespaced: false, verbs: [] };
        byKind.set(gvk.kind, r);
      } else if (r.plural !== plural) {
        throw new Error(
          `kind ${gvk.kind} of ${gv.path} is served as both ${r.plural} and ${plural} (path ${path})`,
        );
      }
      if (namespaced) r.namespaced = true;
      if (!r.verbs.includes(verb)) r.verbs.push(verb);
    }
  }
  return [...byKind.values()]
    .map((r) => ({ ...r, verbs: r.verbs.sort() }))
    .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

/** One output file being built. */
class FileBuilder {
  readonly imports = new Map<string, string>(); // alias -> gv path
  resourceImports = new Set<string>();
  constructor(readonly gv: GroupVersion) {}
}

/**
 * Generates the files of the built-in API.
 *
 * @example
 * ```ts
 * import { generateBuiltin } from "./builtin.ts";
 * const out = generateBuiltin({ release: "v1.37.2", documents: {} });
 * console.log(Object.keys(out.files)); // []
 * ```
 */
export function generateBuiltin(input: BuiltinInput): BuiltinOutput {
  const docNames = Object.keys(input.documents).sort();
  const allGvs: { gv: GroupVersion; doc: OpenApiDocument }[] = [];
  for (const name of docNames) {
    const gv = parseDocName(name);
    if (gv) allGvs.push({ gv, doc: input.documents[name] });
  }
  const gvs = allGvs.filter(({ gv }) => input.prerelease || !isPrerelease(gv.version));
  const partial = new Set<string>(); // prerelease files holding only types stable ones reference

  // Which group-version each Go package's schemas belong to, learned from the kinds in it
  // (in every document: a stable type may reference an alpha one, as batch/v1 Job does).
  const pkgGv = new Map<string, string>();
  for (const { gv, doc } of allGvs) {
    for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
      const gvks = s["x-kubernetes-group-version-kind"] ?? [];
      if (gvks.length !== 1 || gvks[0].group !== gv.group || gvks[0].version !== gv.version) {
        continue;
      }
      const pkg = packageOf(name);
      if (pkg.startsWith("io.k8s.apimachinery.")) continue;
      const prev = pkgGv.get(pkg);
      if (prev && prev !== gv.path) {
        throw new Error(`package ${pkg} has kinds of both ${prev} and ${gv.path}`);
      }
      pkgGv.set(pkg, gv.path);
    }
  }
  const fileOf = (schemaName: string): string => {
    const pkg = packageOf(schemaName);
    if (pkg.startsWith("io.k8s.apimachinery.")) return META_GV;
    const p = pkgGv.get(pkg);
    if (!p) {
      throw new Error(
        `schema ${schemaName} belongs to no generated group-version (a prerelease API referenced from a stable one?)`,
      );
    }
    return p;
  };

  // All schemas, by file; a schema repeated across documents must be identical.
  const schemas = new Map<string, Schema>();
  for (const { doc } of gvs) {
    for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
      const prev = schemas.get(name);
      // meta/v1 types (DeleteOptions, WatchEvent) list each document's own kinds: compare without.
      if (prev && JSON.stringify(withoutGvk(prev)) !== JSON.stringify(withoutGvk(s))) {
        throw new Error(`schema ${name} differs between documents`);
      }
      schemas.set(name, s);
    }
  }
  const byFile = new Map<string, string[]>();
  for (const name of [...schemas.keys()].sort()) {
    const f = fileOf(name);
    if (!gvs.some(({ gv }) => gv.path === f) && f !== META_GV) partial.add(f);
    if (!byFile.has(f)) byFile.set(f, []);
    byFile.get(f)!.push(name);
  }

  const resourcesByFile = new Map<string, BuiltinResource[]>();
  for (const { gv, doc } of gvs) resourcesByFile.set(gv.path, resourcesFromPaths(doc, gv));

  const files: Record<string, string> = {};
  const exports: Record<string, string> = {};
  const allResources: BuiltinResource[] = [];
  for (const filePath of [...byFile.keys()].sort()) {
    const [g, v] = filePath.split("/");
    const gv: GroupVersion = { group: g === "core" ? "" : g, version: v, path: filePath };
    if (filePath === META_GV) gv.group = "meta";
    const fb = new FileBuilder(gv);
    const resources = resourcesByFile.get(filePath) ?? [];
    const resByKind = new Map(resources.map((r) => [r.kind, r]));
    const names = byFile.get(filePath)!;
    for (const n of names) {
      if (RESERVED.has(shortName(n))) throw new Error(`schema ${n} clashes with an import name`);
    }
    const ref = (target: string): string => {
      if (RESOURCE_ALIASES[target] && filePath !== META_GV) {
        fb.imports.set("metaV1", META_GV);
        return `metaV1.${shortName(target)}`;
      }
      const tf = fileOf(target);
      if (tf === filePath) return shortName(target);
      const alias = importAlias(tf);
      fb.imports.set(alias, tf);
      return `${alias}.${shortName(target)}`;
    };
    const render = (s: Schema, indent: string): string => renderType(s, indent, ref);

    const body: string[] = [];
    for (const name of names) {
      const s = schemas.get(name)!;
      const tname = shortName(name);
      const over = OVERRIDES[name];
      const desc = [s.description ?? "", over?.note ?? ""].filter((x) => x !== "").join("\n\n");
      if (RESOURCE_ALIASES[name]) {
        fb.resourceImports.add(RESOURCE_ALIASES[name]);
        body.push(
          jsdoc(
            `${desc}\n\nkubeno: the same type as \`${
              RESOURCE_ALIASES[name]
            }\` of core/resource.ts, which every generated kind uses.`,
            "",
            typeExample(tname, filePath, s, undefined),
          ) + `export type ${tname} = resource.${RESOURCE_ALIASES[name]};\n`,
        );
        continue;
      }
      const gvks = s["x-kubernetes-group-version-kind"] ?? [];
      const kindGvk = gvks.length === 1 && gvks[0].group === gv.group &&
          gvks[0].version === gv.version && filePath !== META_GV
        ? gvks[0]
        : undefined;
      if (over?.type !== undefined || !s.properties) {
        body.push(
          jsdoc(desc, "", typeExample(tname, filePath, s, undefined)) +
            `export type ${tname} = ${over?.type ?? render(s, "")};\n`,
        );
        continue;
      }
      const props = Object.entries(s.properties);
      const required = new Set(s.required ?? []);
      const res = kindGvk ? resByKind.get(kindGvk.kind) : undefined;
      // A kind with a descriptor: the descriptor's JSDoc, right below, has the example.
      let out = jsdoc(desc, "", res ? [] : typeExample(tname, filePath, s, kindGvk)) +
        `export interface ${tname} {\n`;
      for (const [pn, ps] of props) {
        let t = render(ps, "  ");
        let req = required.has(pn);
        if (kindGvk && pn === "apiVersion") {
          t = JSON.stringify(
            kindGvk.group === "" ? kindGvk.version : `${kindGvk.group}/${kindGvk.version}`,
          );
        } else if (kindGvk && pn === "kind") {
          t = JSON.stringify(kindGvk.kind);
        } else if (
          kindGvk && pn === "metadata" &&
          refTarget(ps) === "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        ) {
          // Every object the server returns has metadata, and KubeObject requires it. Only for
          // kinds: the metadata of a template (PodTemplateSpec) stays optional.
          req = true;
        }
        out += jsdoc(
          ps.description ?? refDescription(ps, schemas) ??
            `\`${pn}\`: not described in the Kubernetes OpenAPI document.`,
          "  ",
        );
        out += `  ${propertyKey(pn)}${req ? "" : "?"}: ${t};\n`;
      }
      out += "}\n";
      body.push(out);
      if (res) {
        if (!s.properties.metadata) {
          throw new Error(`kind ${tname} of ${filePath} has no metadata`);
        }
        fb.resourceImports.add("ResourceType");
        fb.resourceImports.add("resourceType");
        allResources.push(res);
        body.push(descriptor(tname, res, filePath));
        resByKind.delete(kindGvk!.kind);
      }
    }
    if (resByKind.size > 0) {
      throw new Error(
        `${filePath}: resources without a kind schema: ${[...resByKind.keys()].join(", ")}`,
      );
    }
    files[`${filePath}.ts`] =
      header(input.release, gv, resources, partial.has(filePath), shortName(names[0])) +
      importsOf(fb) + "\n" +
      body.join("\n");
    exports[`./k8s/${filePath}`] = `./core/k8s/${filePath}.ts`;
  }
  return { files, exports, resources: allResources };
}

/**
 * The `@example` lines of a generated type without a resource descriptor. A value of the type
 * when one is written without inventing data: every required field is a kind's `apiVersion`,
 * `kind` or `metadata`, or a list (then `[]`). Otherwise the type as a parameter's type.
 */
function typeExample(
  tname: string,
  filePath: string,
  s: Schema,
  kindGvk: Gvk | undefined,
): string[] {
  const imp = `import type { ${tname} } from "@kubeno/kube/k8s/${filePath}";`;
  const fields: string[] = [];
  const required = new Set(s.required ?? []);
  const objectMeta = (pn: string) =>
    s.properties?.[pn] !== undefined &&
    refTarget(s.properties[pn]) === "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
  let simple = s.properties !== undefined;
  if (simple && kindGvk) {
    const apiVersion = kindGvk.group === ""
      ? kindGvk.version
      : `${kindGvk.group}/${kindGvk.version}`;
    if (s.properties!.apiVersion) fields.push(`apiVersion: ${JSON.stringify(apiVersion)}`);
    if (s.properties!.kind) fields.push(`kind: ${JSON.stringify(kindGvk.kind)}`);
    // Kinds require metadata (see generateBuiltin), whether or not the document says so.
    if (objectMeta("metadata")) fields.push(`metadata: { name: "example" }`);
  }
  for (const pn of Object.keys(s.properties ?? {})) {
    if (!required.has(pn)) continue;
    if (kindGvk && (pn === "apiVersion" || pn === "kind")) continue;
    if (kindGvk && pn === "metadata" && objectMeta(pn)) continue;
    if (s.properties![pn].type === "array") fields.push(`${propertyKey(pn)}: []`);
    else simple = false;
  }
  const code = simple
    ? `const value: ${tname} = { ${fields.join(", ")} };`.replace("{  }", "{}")
    : `const show = (value: ${tname}): string => JSON.stringify(value);`;
  return ["@example", "```ts", imp, code, "```"];
}

function withoutGvk(s: Schema): Schema {
  const { "x-kubernetes-group-version-kind": _gvk, ...rest } = s;
  return rest;
}

function refTarget(s: Schema): string | undefined {
  const r = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
  return r?.startsWith(REF_PREFIX) ? r.slice(REF_PREFIX.length) : undefined;
}

/** A property that is a bare `$ref` without its own description borrows the target's first line. */
function refDescription(s: Schema, schemas: Map<string, Schema>): string | undefined {
  const t = refTarget(s);
  return t ? schemas.get(t)?.description?.split("\n")[0] : undefined;
}

/**
 * The TypeScript type of a schema node of a built-in document. `ref` names a `$ref` target.
 */
function renderType(s: Schema, indent: string, ref: (name: string) => string): string {
  const target = refTarget(s);
  if (target) return ref(target);
  if (s.format === "int-or-string" || s["x-kubernetes-int-or-string"]) return "number | string";
  const alts = s.oneOf ?? s.anyOf;
  if (alts && !s.type && !s.properties) {
    return [...new Set(alts.map((a) => renderType(a, indent, ref)))].join(" | ");
  }
  const simple = scalarOrArrayType(s, (items) => renderType(items, indent, ref));
  if (simple !== undefined) return simple;
  switch (s.type) {
    case "object":
    case undefined: {
      if (s.properties) {
        const req = new Set(s.required ?? []);
        const inner = indent + "  ";
        let out = "{\n";
        for (const [pn, ps] of Object.entries(s.properties)) {
          out += jsdoc(
            ps.description ?? `\`${pn}\`: not described in the Kubernetes OpenAPI document.`,
            inner,
          );
          out += `${inner}${propertyKey(pn)}${req.has(pn) ? "" : "?"}: ${
            renderType(ps, inner, ref)
          };\n`;
        }
        return out + indent + "}";
      }
      if (typeof s.additionalProperties === "object") {
        return `Record<string, ${renderType(s.additionalProperties, indent, ref)}>`;
      }
      return s.type === "object" ? "Record<string, unknown>" : "unknown";
    }
    default:
      throw new Error(`unsupported schema type ${JSON.stringify(s.type)}`);
  }
}

function descriptor(tname: string, r: BuiltinResource, filePath: string): string {
  const spec = `@kubeno/kube/k8s/${filePath}`;
  const doc = jsdoc(
    `The \`${r.plural}\` resource of \`${
      r.group === "" ? r.version : `${r.group}/${r.version}`
    }\` (${r.namespaced ? "namespaced" : "cluster-scoped"}; verbs: ${
      r.verbs.join(", ")
    }). Pass it to \`Api\` to read and write {@link ${tname}} objects.`,
    "",
    [
      "@example",
      "```ts",
      `import { ${tname} } from "${spec}";`,
      `console.log(${tname}.plural); // "${r.plural}"`,
      "```",
    ],
  );
  return doc +
    `export const ${tname}: ResourceType<${tname}> = resourceType<${tname}>({\n` +
    `  group: ${JSON.stringify(r.group)},\n  version: ${JSON.stringify(r.version)},\n` +
    `  kind: ${JSON.stringify(r.kind)},\n  plural: ${JSON.stringify(r.plural)},\n` +
    `  namespaced: ${r.namespaced},\n  verbs: ${JSON.stringify(r.verbs)},\n});\n`;
}

const WELL_KNOWN_KINDS = ["Pod", "Deployment", "Job"];

function header(
  release: string,
  gv: GroupVersion,
  resources: BuiltinResource[],
  partial: boolean,
  firstType: string,
): string {
  const apiVersion = gv.group === "" ? gv.version : `${gv.group}/${gv.version}`;
  const spec = `@kubeno/kube/k8s/${gv.path}`;
  // The kind a reader looks for first in the well-known groups, else the first one.
  const shown = resources.find((r) => WELL_KNOWN_KINDS.includes(r.kind)) ?? resources[0];
  const example = resources.length > 0
    ? [
      "```ts",
      `import { ${shown?.kind} } from "${spec}";`,
      `console.log(${shown?.kind}.apiVersion); // "${apiVersion}"`,
      "```",
    ]
    : gv.path === META_GV
    ? [
      "```ts",
      `import type { Time } from "${spec}";`,
      `const t: Time = "2024-05-01T12:00:00Z";`,
      "```",
    ]
    : [
      "```ts",
      `import type { ${firstType} } from "${spec}";`,
      `export type T = ${firstType};`,
      "```",
    ];
  const what = gv.path === META_GV
    ? "Shared object-model types of Kubernetes (`meta/v1`, plus Quantity, IntOrString and RawExtension)"
    : `Types and resource descriptors of the Kubernetes API group-version \`${apiVersion}\``;
  const note = partial
    ? ` Prerelease, and not generated in full: only the types that stable group-versions reference (an alpha field of a stable kind); \`deno task gen --prerelease\` generates all of it.`
    : "";
  return jsdoc(
    `${what}, generated from the OpenAPI v3 documents of Kubernetes ${release} by \`deno task gen\` ` +
      `(crd/codegen/gen.ts). Do not edit: regenerate.${note}`,
    "",
    ["@example", ...example, "", "@module"],
  );
}

function importsOf(fb: FileBuilder): string {
  let out = "";
  const values = [...fb.resourceImports].sort();
  if (values.length > 0) {
    const aliasOnly = values.every((v) => v !== "resourceType" && v !== "ResourceType");
    if (aliasOnly) out += `import type * as resource from "../../resource.ts";\n`;
    else out += `import { type ResourceType, resourceType } from "../../resource.ts";\n`;
  }
  for (const alias of [...fb.imports.keys()].sort()) {
    out += `import type * as ${alias} from "${relImport(fb.gv.path, fb.imports.get(alias)!)}";\n`;
  }
  return out;
}
