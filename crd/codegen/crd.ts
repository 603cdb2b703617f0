/**
 * CRD -> TypeScript, as kopium does for kube-rs: reads CustomResourceDefinition manifests and
 * emits, for each served version, the interfaces of the custom resource, the descriptor that
 * `Api` takes, and optionally (`zod: true`) a Zod schema equivalent to the version's
 * `openAPIV3Schema`. Pure: text in, text out.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import { crdNamesProblems } from "../names.ts";
import { isIdentifier, jsdoc, pascalCase, propertyKey, scalarOrArrayType } from "./emit.ts";
import type { Schema } from "./openapi.ts";
import type * as v1 from "../../core/k8s/apiextensions.k8s.io/v1.ts";
import { KubeError } from "../../core/error.ts";

/**
 * A CustomResourceDefinition, as far as the generator reads it: the generated
 * `apiextensions.k8s.io/v1` type, cut down to the fields it reads.
 *
 * @example
 * ```ts
 * import type { Crd } from "./crd.ts";
 * const crd: Crd = {
 *   apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
 *   metadata: { name: "foos.clux.dev" },
 *   spec: { group: "clux.dev", scope: "Namespaced", names: { kind: "Foo", plural: "foos" },
 *     versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }] },
 * };
 * ```
 */
export interface Crd extends Pick<v1.CustomResourceDefinition, "metadata"> {
  /** `apiextensions.k8s.io/v1`; any string, as read from the input. */
  apiVersion: string;
  /** `CustomResourceDefinition`; any string, as read from the input. */
  kind: string;
  /** The parts of the generated spec that the generator reads. */
  spec: Pick<v1.CustomResourceDefinitionSpec, "group" | "scope" | "names"> & {
    /** Versions. */
    versions: CrdVersion[];
  };
}

/**
 * One version of a CRD.
 *
 * @example
 * ```ts
 * import type { CrdVersion } from "./crd.ts";
 * const v: CrdVersion = { name: "v1", served: true, storage: true };
 * ```
 */
export interface CrdVersion
  extends Pick<v1.CustomResourceDefinitionVersion, "name" | "served" | "storage" | "deprecated"> {
  /** The structural schema, read as the generator's schema node (which may carry `$ref`). */
  schema?: { openAPIV3Schema?: Schema };
}

/**
 * An input that is not a usable CRD: says what is wrong and where (source, document, path).
 *
 * @example
 * ```ts
 * import { CrdInputError, parseCrds } from "./crd.ts";
 * try { parseCrds("kind: Pod", "pod.yaml"); } catch (e) { console.log(e instanceof CrdInputError); }
 * ```
 */
export class CrdInputError extends KubeError {
  /** Class name. */
  override name: string = "CrdInputError";
  /**
   * Creates the error.
   *
   * @param message what is wrong and where
   * @param options `cause`: the underlying error (the YAML parser's, fetch's, the file system's)
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Whether `err` is a {@link CrdInputError}: an input that is not a usable CRD.
 *
 * @example
 * ```ts
 * import { isCrdInputError, parseCrds } from "./crd.ts";
 * try {
 *   parseCrds("kind: Pod", "pod.yaml");
 * } catch (e) {
 *   if (isCrdInputError(e)) console.log(e.message); // "pod.yaml: no CustomResourceDefinition found (...)"
 * }
 * ```
 */
export function isCrdInputError(err: unknown): err is CrdInputError {
  return err instanceof CrdInputError;
}

/**
 * The CRDs of a (multi-document) YAML or JSON text, and warnings about documents skipped.
 *
 * @example
 * ```ts
 * import type { ParsedCrds } from "./crd.ts";
 * const p: ParsedCrds = { crds: [], warnings: [] };
 * ```
 */
export interface ParsedCrds {
  /** CustomResourceDefinitions, in input order. */
  crds: Crd[];
  /** One line per document that is not a CRD and was skipped. */
  warnings: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses YAML (or JSON) holding one or more CustomResourceDefinitions. Throws
 * {@link CrdInputError} naming the source, document and field when the text is not YAML, holds no
 * CRD, or a served version has no `openAPIV3Schema`.
 *
 * @example
 * ```ts
 * import { parseCrds } from "./crd.ts";
 * const { crds } = parseCrds(await Deno.readTextFile("tests/fixtures/crds/certificate.yaml"), "certificate.yaml");
 * console.log(crds[0].spec.names.kind); // "Certificate"
 * ```
 */
export function parseCrds(text: string, source: string): ParsedCrds {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const crds: Crd[] = [];
  const warnings: string[] = [];
  list.forEach((doc, i) => {
    const where = list.length > 1 ? `${source}, document ${i + 1}` : source;
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const pos = e.linePos?.[0];
      throw new CrdInputError(
        `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: not valid YAML: ${
          e.message.split("\n")[0]
        }`,
        { cause: e },
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // empty document, e.g. a trailing `---`
    if (!isObject(value)) {
      throw new CrdInputError(`${where}: not a Kubernetes object (a YAML ${typeof value})`);
    }
    if (value.kind !== "CustomResourceDefinition") {
      warnings.push(
        `${where}: skipped, kind is ${
          JSON.stringify(value.kind ?? null)
        }, not CustomResourceDefinition`,
      );
      return;
    }
    if (value.apiVersion !== "apiextensions.k8s.io/v1") {
      throw new CrdInputError(
        `${where}: apiVersion ${
          JSON.stringify(value.apiVersion)
        } is not supported, only apiextensions.k8s.io/v1 (v1beta1 was removed in Kubernetes 1.22)`,
      );
    }
    crds.push(validateCrd(value, where));
  });
  if (crds.length === 0) {
    throw new CrdInputError(
      `${source}: no CustomResourceDefinition found${
        warnings.length > 0 ? ` (${warnings.join("; ")})` : " (the input is empty)"
      }`,
    );
  }
  return { crds, warnings };
}

function validateCrd(v: Record<string, unknown>, where: string): Crd {
  const need = (cond: unknown, path: string, what: string): void => {
    if (!cond) throw new CrdInputError(`${where}: ${path} ${what}`);
  };
  const spec = v.spec;
  need(isObject(spec), "spec", "is missing");
  const s = spec as Record<string, unknown>;
  const name = isObject(v.metadata) ? String(v.metadata.name ?? "") : "";
  const at = name ? `${where} (${name})` : where;
  const needAt = (cond: unknown, path: string, what: string): void => {
    if (!cond) throw new CrdInputError(`${at}: ${path} ${what}`);
  };
  needAt(typeof s.group === "string" && s.group !== "", "spec.group", "is missing");
  needAt(
    s.scope === "Namespaced" || s.scope === "Cluster",
    "spec.scope",
    "must be Namespaced or Cluster",
  );
  const names = s.names;
  needAt(isObject(names), "spec.names", "is missing");
  const n = names as Record<string, unknown>;
  needAt(typeof n.kind === "string" && n.kind !== "", "spec.names.kind", "is missing");
  needAt(typeof n.plural === "string" && n.plural !== "", "spec.names.plural", "is missing");
  needAt(
    Array.isArray(s.versions) && s.versions.length > 0,
    "spec.versions",
    "is missing or empty",
  );
  // The names end up in URL paths and TypeScript identifiers: hold them to the apiserver's rules.
  const kind = n.kind as string;
  needAt(
    isIdentifier(kind) && /^[A-Za-z][A-Za-z0-9]*$/.test(kind),
    "spec.names.kind",
    `${JSON.stringify(kind)} cannot name a TypeScript type: a kind must be letters and digits, ` +
      "starting with a letter (CamelCase, as Kubernetes API conventions ask)",
  );
  const problems = (version: unknown) =>
    crdNamesProblems({
      group: s.group as string,
      version: version as string,
      kind,
      plural: n.plural as string,
      singular: n.singular === undefined ? undefined : n.singular as string,
      listKind: n.listKind === undefined ? undefined : n.listKind as string,
      shortNames: Array.isArray(n.shortNames) ? n.shortNames : undefined,
      categories: Array.isArray(n.categories) ? n.categories : undefined,
    }).map((p) =>
      /^(version|CRD name) /.test(p) ? p : `spec.${p.startsWith("group ") ? "" : "names."}${p}`
    );
  (s.versions as unknown[]).forEach((ver, i) => {
    const p = `spec.versions[${i}]`;
    needAt(isObject(ver), p, "is not an object");
    const vv = ver as Record<string, unknown>;
    needAt(typeof vv.name === "string", `${p}.name`, "is missing");
    const bad = problems(vv.name).map((q) =>
      q.startsWith("version ") ? `${p}.name${q.slice(7)}` : q
    );
    needAt(bad.length === 0, bad.join("; "), "(the apiserver would refuse this CRD)");
    if (vv.served === false) return;
    const schema = isObject(vv.schema) ? vv.schema.openAPIV3Schema : undefined;
    needAt(
      isObject(schema),
      `${p} (${vv.name})`,
      "has no schema.openAPIV3Schema: there is nothing to generate types from",
    );
  });
  return v as unknown as Crd;
}

/**
 * Options of {@link crdToTypeScript}.
 *
 * @example
 * ```ts
 * import type { CrdCodegenOptions } from "./crd.ts";
 * const o: CrdCodegenOptions = { zod: true, version: "v1" };
 * ```
 */
export interface CrdCodegenOptions {
  /** Also emit a Zod schema per version (`<Kind>Schema`), equal to its openAPIV3Schema. */
  zod?: boolean;
  /** Emit only this version (type names then carry no version suffix). Default: every served one. */
  version?: string;
  /** Specifier the emitted code imports kubeno from; default `@kubeno/kube`. */
  kubeno?: string;
  /** Specifier of Zod; default `zod`. */
  zodSpecifier?: string;
  /** Text for the header comment, e.g. where the CRD came from. */
  source?: string;
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/**
 * Emits one TypeScript module for the given CRDs: per served version an interface for the
 * resource (and one per nested object), a descriptor of the same name, and with `zod` a
 * `<Kind>Schema`. When several versions are emitted, names carry the version (`RolloutV1alpha1`).
 *
 * @example
 * ```ts
 * import { crdToTypeScript, parseCrds } from "./crd.ts";
 * const { crds } = parseCrds(await Deno.readTextFile("tests/fixtures/crds/certificate.yaml"), "c.yaml");
 * console.log(crdToTypeScript(crds, { zod: true }));
 * ```
 */
export function crdToTypeScript(crds: Crd[], opts: CrdCodegenOptions = {}): string {
  const targets: { crd: Crd; version: CrdVersion }[] = [];
  for (const crd of crds) {
    const served = crd.spec.versions.filter((v) => v.served !== false);
    const chosen = opts.version ? served.filter((v) => v.name === opts.version) : served;
    if (opts.version && chosen.length === 0) {
      throw new CrdInputError(
        `${
          crd.metadata.name ?? crd.spec.names.plural
        }: no served version ${opts.version} (served: ${served.map((v) => v.name).join(", ")})`,
      );
    }
    for (const version of chosen) targets.push({ crd, version });
  }
  const kinds = new Map<string, number>();
  for (const t of targets) {
    kinds.set(t.crd.spec.names.kind, (kinds.get(t.crd.spec.names.kind) ?? 0) + 1);
  }
  const names = new Set<string>(["ObjectMeta", "ResourceType", "resourceType", "z"]);
  const blocks: string[] = [];
  for (const { crd, version } of targets) {
    const suffix = kinds.get(crd.spec.names.kind)! > 1 ? pascalCase(version.name) : "";
    blocks.push(emitVersion(crd, version, suffix, names, opts));
  }
  const kubeno = opts.kubeno ?? "@kubeno/kube";
  const header = jsdoc(
    `Types${opts.zod ? ", Zod schemas" : ""} and descriptors of ${
      [...new Set(targets.map((t) => `${t.crd.spec.names.kind}.${t.crd.spec.group}`))].join(", ")
    }, generated by kubeno's \`deno task codegen\`${
      opts.source ? ` from ${opts.source}` : ""
    }. Do not edit: regenerate.`,
    "",
    ["@module"],
  );
  let imports = `import { type ObjectMeta, type ResourceType, resourceType } from ${
    JSON.stringify(kubeno)
  };\n`;
  if (opts.zod) imports += `import { z } from ${JSON.stringify(opts.zodSpecifier ?? "zod")};\n`;
  return `${header}\n${imports}\n${blocks.join("\n")}`;
}

interface Ctx {
  names: Set<string>;
  decls: string[];
}

function uniqueName(base: string, names: Set<string>): string {
  let n = base;
  for (let i = 2; names.has(n); i++) n = `${base}${i}`;
  names.add(n);
  return n;
}

function emitVersion(
  crd: Crd,
  version: CrdVersion,
  suffix: string,
  names: Set<string>,
  opts: CrdCodegenOptions,
): string {
  const { group, names: crdNames, scope } = crd.spec;
  const kind = crdNames.kind;
  const apiVersion = `${group}/${version.name}`;
  const root = version.schema!.openAPIV3Schema!;
  const typeName = uniqueName(`${kind}${suffix}`, names);
  const ctx: Ctx = { names, decls: [] };

  const props = { ...(root.properties ?? {}) };
  delete props.apiVersion;
  delete props.kind;
  delete props.metadata;
  const required = new Set(root.required ?? []);
  let body = "";
  body += `  /** \`${apiVersion}\`. */\n  apiVersion?: ${JSON.stringify(apiVersion)};\n`;
  body += `  /** \`${kind}\`. */\n  kind?: ${JSON.stringify(kind)};\n`;
  body += `  /** Standard object metadata. */\n  metadata: ObjectMeta;\n`;
  for (const [pn, ps] of Object.entries(props)) {
    body += member(pn, ps, required.has(pn), typeName, ctx, "  ");
  }
  if (root["x-kubernetes-preserve-unknown-fields"]) body += "  [key: string]: unknown;\n";
  const desc = root.description ??
    `${kind} is a custom resource of ${apiVersion}${version.deprecated ? " (deprecated)" : ""}.`;
  let out = jsdoc(desc) + `export interface ${typeName} {\n${body}}\n\n`;
  out += ctx.decls.join("\n");
  if (ctx.decls.length > 0) out += "\n";
  out += jsdoc(
    `The \`${crdNames.plural}\` resource of \`${apiVersion}\` (${
      scope === "Namespaced" ? "namespaced" : "cluster-scoped"
    }): pass it to \`Api\` to read and write {@link ${typeName}} objects.`,
  );
  out += `export const ${typeName}: ResourceType<${typeName}> = resourceType<${typeName}>({\n` +
    `  group: ${JSON.stringify(group)},\n  version: ${JSON.stringify(version.name)},\n` +
    `  kind: ${JSON.stringify(kind)},\n  plural: ${JSON.stringify(crdNames.plural)},\n` +
    `  namespaced: ${scope === "Namespaced"},\n  verbs: ${JSON.stringify(VERBS)},\n});\n`;
  if (opts.zod) {
    const schemaName = uniqueName(`${typeName}Schema`, names);
    out += "\n" + jsdoc(
      `Zod schema of {@link ${typeName}}, equivalent to the openAPIV3Schema of ${apiVersion} ${kind}: ` +
        "types, required fields, enums, nullable, formats of numbers, patterns, lengths and bounds, " +
        "defaults, and pruning of unknown fields (z.object strips them, as the apiserver prunes). " +
        "Not checked locally: x-kubernetes-validations (CEL) rules, list-type set/map uniqueness, " +
        "string formats other than numbers, and metadata (the apiserver validates names).",
    );
    out += `export const ${schemaName}: z.ZodType<${typeName}> = ${
      zodRoot(root, apiVersion, kind)
    };\n`;
  }
  return out;
}

function member(
  pn: string,
  ps: Schema,
  required: boolean,
  parent: string,
  ctx: Ctx,
  indent: string,
): string {
  const t = tsType(ps, `${parent}${pascalCase(pn)}`, ctx);
  const tags: string[] = [];
  if (ps.default !== undefined) tags.push(`@default ${JSON.stringify(ps.default)}`);
  const doc = jsdoc(ps.description ?? `\`${pn}\`.`, indent, tags);
  return `${doc}${indent}${propertyKey(pn)}${required ? "" : "?"}: ${t};\n`;
}

/** The TypeScript type of a structural schema node; nested objects become named interfaces. */
function tsType(s: Schema, nameHint: string, ctx: Ctx): string {
  const t = baseType(s, nameHint, ctx);
  return s.nullable && t !== "unknown" ? `${t} | null` : t;
}

function baseType(s: Schema, nameHint: string, ctx: Ctx): string {
  if (s["x-kubernetes-int-or-string"]) return "number | string";
  if (Array.isArray(s.enum) && s.enum.length > 0) {
    return [...new Set(s.enum.filter((e) => e !== null).map((e) => JSON.stringify(e)))].join(" | ");
  }
  const simple = scalarOrArrayType(s, (items) => tsType(items, nameHint, ctx));
  if (simple !== undefined) return simple;
  if (s.type === "object") return objectType(s, nameHint, ctx);
  // No type: only allowed with x-kubernetes-preserve-unknown-fields (any JSON value), or an
  // embedded resource.
  if (s["x-kubernetes-embedded-resource"] || s.properties) return objectType(s, nameHint, ctx);
  return "unknown";
}

function objectType(s: Schema, nameHint: string, ctx: Ctx): string {
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  if (!s.properties && !embedded) {
    if (typeof s.additionalProperties === "object") {
      return `Record<string, ${tsType(s.additionalProperties, nameHint, ctx)}>`;
    }
    // Without properties, only a map or preserve-unknown-fields keeps any field: the server
    // prunes everything else, so an honest type of a plain `type: object` is an empty object.
    return preserve || s.additionalProperties === true
      ? "Record<string, unknown>"
      : "Record<string, never>";
  }
  const name = uniqueName(nameHint, ctx.names);
  const required = new Set(s.required ?? []);
  let body = "";
  const props = { ...(s.properties ?? {}) };
  if (embedded) {
    // An embedded resource always carries apiVersion and kind; metadata is validated as ObjectMeta.
    body += `  /** API version of the embedded object. */\n  apiVersion: string;\n`;
    body += `  /** Kind of the embedded object. */\n  kind: string;\n`;
    body += `  /** Metadata of the embedded object. */\n  metadata?: ObjectMeta;\n`;
    delete props.apiVersion;
    delete props.kind;
    delete props.metadata;
  }
  // Reserve the name before recursing, so nested names come after it and never collide.
  const slot = ctx.decls.length;
  ctx.decls.push("");
  for (const [pn, ps] of Object.entries(props)) {
    body += member(pn, ps, required.has(pn), name, ctx, "  ");
  }
  if (typeof s.additionalProperties === "object") {
    body += `  [key: string]: ${
      tsType(s.additionalProperties, `${name}Value`, ctx)
    } | undefined;\n`;
  } else if (preserve || embedded || s.additionalProperties === true) {
    body += "  [key: string]: unknown;\n";
  }
  ctx.decls[slot] = jsdoc(s.description ?? `\`${nameHint}\`.`) +
    `export interface ${name} {\n${body}}\n`;
  return name;
}

// ---------------------------------------------------------------------------------------------
// Zod

function zodRoot(root: Schema, apiVersion: string, kind: string): string {
  const props = { ...(root.properties ?? {}) };
  delete props.apiVersion;
  delete props.kind;
  delete props.metadata;
  const required = new Set(root.required ?? []);
  const fields = [
    `apiVersion: z.literal(${JSON.stringify(apiVersion)}).optional()`,
    `kind: z.literal(${JSON.stringify(kind)}).optional()`,
    // Names and labels are validated by the apiserver; locally any metadata object passes.
    `metadata: z.looseObject({})`,
    ...Object.entries(props).map(([pn, ps]) => zodField(pn, ps, required.has(pn))),
  ];
  const ctor = root["x-kubernetes-preserve-unknown-fields"] ? "z.looseObject" : "z.object";
  return `${ctor}({\n${fields.map((f) => `  ${f},`).join("\n")}\n})`;
}

function zodField(pn: string, ps: Schema, required: boolean): string {
  let z = zodType(ps);
  if (ps.default !== undefined) z += `.prefault(${JSON.stringify(ps.default)})`; // parsed, so nested defaults apply too
  else if (!required) z += ".optional()";
  return `${isIdentifier(pn) ? pn : JSON.stringify(pn)}: ${z}`;
}

function zodType(s: Schema): string {
  const z = zodBase(s);
  return s.nullable ? `${z}.nullable()` : z;
}

function num(n: number): string {
  return JSON.stringify(n);
}

function zodBase(s: Schema): string {
  if (s["x-kubernetes-int-or-string"]) {
    // Patterns and lengths, if any, constrain the string branch only (as the apiserver does).
    return `z.union([z.int(), ${zodString(s)}])`;
  }
  if (Array.isArray(s.enum) && s.enum.length > 0) {
    const vals = s.enum.filter((e) => e !== null);
    if (vals.every((v) => typeof v === "string")) {
      return `z.enum(${JSON.stringify(vals)})`;
    }
    return `z.union([${vals.map((v) => `z.literal(${JSON.stringify(v)})`).join(", ")}])`;
  }
  switch (s.type) {
    case "string":
      return zodString(s);
    case "integer":
    case "number": {
      let z = s.type === "number" ? "z.number()" : s.format === "int32" ? "z.int32()" : "z.int()";
      if (s.minimum !== undefined) {
        z += s.exclusiveMinimum ? `.gt(${num(s.minimum)})` : `.gte(${num(s.minimum)})`;
      }
      if (s.maximum !== undefined) {
        z += s.exclusiveMaximum ? `.lt(${num(s.maximum)})` : `.lte(${num(s.maximum)})`;
      }
      if (s.multipleOf !== undefined) z += `.multipleOf(${num(s.multipleOf)})`;
      return z;
    }
    case "boolean":
      return "z.boolean()";
    case "array": {
      let z = `z.array(${s.items ? zodType(s.items) : "z.unknown()"})`;
      if (s.minItems !== undefined) z += `.min(${s.minItems})`;
      if (s.maxItems !== undefined) z += `.max(${s.maxItems})`;
      return z;
    }
    case "object":
      return zodObject(s);
    default:
      if (s["x-kubernetes-embedded-resource"] || s.properties) return zodObject(s);
      return "z.unknown()";
  }
}

function zodString(s: Schema): string {
  let z = "z.string()";
  if (s.minLength !== undefined) z += `.min(${s.minLength})`;
  if (s.maxLength !== undefined) z += `.max(${s.maxLength})`;
  if (s.pattern !== undefined) {
    // The apiserver's patterns are RE2; most are valid JavaScript in unicode mode, the rest
    // usually without it. One that is neither is left out (and said so) rather than throw at load.
    const flags = regexFlags(s.pattern);
    z += flags === undefined
      ? `/* pattern ${
        JSON.stringify(s.pattern).replaceAll("*/", "*\\/")
      } is not a JavaScript regex: not checked */`
      : `.regex(new RegExp(${JSON.stringify(s.pattern)}${
        flags ? `, ${JSON.stringify(flags)}` : ""
      }))`;
  }
  return z;
}

function regexFlags(pattern: string): string | undefined {
  for (const flags of ["u", ""]) {
    try {
      new RegExp(pattern, flags);
      return flags;
    } catch {
      // try the next
    }
  }
  return undefined;
}

function zodObject(s: Schema): string {
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  if (!s.properties && !embedded) {
    let z: string;
    if (typeof s.additionalProperties === "object") {
      z = `z.record(z.string(), ${zodType(s.additionalProperties)})`;
    } else if (preserve || s.additionalProperties === true) {
      z = "z.record(z.string(), z.unknown())";
    } else {
      z = "z.object({})"; // every field is pruned
    }
    if (s.minProperties !== undefined) {
      z +=
        `.refine((o) => Object.keys(o).length >= ${s.minProperties}, "at least ${s.minProperties} entries")`;
    }
    if (s.maxProperties !== undefined) {
      z +=
        `.refine((o) => Object.keys(o).length <= ${s.maxProperties}, "at most ${s.maxProperties} entries")`;
    }
    return z;
  }
  const required = new Set(s.required ?? []);
  const props = { ...(s.properties ?? {}) };
  const fields: string[] = [];
  if (embedded) {
    fields.push("apiVersion: z.string().min(1)", "kind: z.string().min(1)");
    fields.push("metadata: z.looseObject({}).optional()");
    delete props.apiVersion;
    delete props.kind;
    delete props.metadata;
  }
  for (const [pn, ps] of Object.entries(props)) fields.push(zodField(pn, ps, required.has(pn)));
  const body = `{ ${fields.join(", ")} }`;
  if (typeof s.additionalProperties === "object") {
    return `z.object(${body}).catchall(${zodType(s.additionalProperties)})`;
  }
  return `${preserve || embedded ? "z.looseObject" : "z.object"}(${body})`;
}
