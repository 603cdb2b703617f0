/**
 * Small text helpers shared by the built-in API generator and the CRD generator:
 * JSDoc blocks, property keys and identifiers.
 *
 * @module
 */

/**
 * Renders a JSDoc block for `text` (and optional extra tag lines) at the given indent,
 * or `""` when there is nothing to say. Escapes the comment terminator.
 *
 * @example
 * ```ts
 * import { jsdoc } from "./emit.ts";
 * jsdoc("Number of replicas.", "  "); // "  /** Number of replicas. *\/\n"
 * ```
 */
export function jsdoc(text: string | undefined, indent = "", tags: readonly string[] = []): string {
  const body = (text ?? "").trim();
  const lines: string[] = body === "" ? [] : body.split("\n").map((l) => l.trimEnd());
  if (tags.length > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(...tags.flatMap((t) => t.split("\n")));
  }
  if (lines.length === 0) return "";
  const safe = lines.map((l) => l.replaceAll("*/", "*\\/"));
  if (safe.length === 1 && tags.length === 0) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${
    safe.map((l) => (l === "" ? `${indent} *` : `${indent} * ${l}`)).join("\n")
  }\n${indent} */\n`;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A property key as it must be written in a type literal: bare when it is an identifier,
 * quoted otherwise (`"x-kubernetes-embedded-resource"`, `"$ref"` stays bare).
 *
 * @example
 * ```ts
 * import { propertyKey } from "./emit.ts";
 * propertyKey("app.kubernetes.io/name"); // "\"app.kubernetes.io/name\""
 * ```
 */
export function propertyKey(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

/**
 * True if `name` can be used as a TypeScript identifier.
 *
 * @example
 * ```ts
 * import { isIdentifier } from "./emit.ts";
 * isIdentifier("x-y"); // false
 * ```
 */
export function isIdentifier(name: string): boolean {
  return IDENT.test(name);
}

/**
 * PascalCase form of an arbitrary JSON property name, keeping only identifier characters:
 * `tls-config` -> `TlsConfig`, `$ref` -> `Ref`, `2xx` -> `_2xx`.
 *
 * @example
 * ```ts
 * import { pascalCase } from "./emit.ts";
 * pascalCase("matchLabels"); // "MatchLabels"
 * ```
 */
export function pascalCase(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+/).filter((p) => p !== "");
  const out = parts.map((p) => p[0].toUpperCase() + p.slice(1)).join("");
  if (out === "") return "Field";
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/**
 * Wraps a type expression in parentheses when it has to be, so that `T[]` binds to all of it.
 *
 * @example
 * ```ts
 * import { arrayOf } from "./emit.ts";
 * arrayOf("string | number"); // "(string | number)[]"
 * ```
 */
export function arrayOf(t: string): string {
  // Parentheses are harmless around an object literal with a union inside, so stay simple.
  return /[|&]/.test(t) ? `(${t})[]` : `${t}[]`;
}

/**
 * The TypeScript type of a scalar or array schema node, the part both generators render
 * alike: `string`, `number` (for `integer` and `number`), `boolean`, and `T[]` of an array
 * with `item` rendering its `items` (`unknown[]` without). `undefined` for objects, untyped
 * nodes and anything else, which each generator renders its own way.
 *
 * @example
 * ```ts
 * import { scalarOrArrayType } from "./emit.ts";
 * type Node = { type?: string; items?: Node };
 * const item = (_: Node) => "string | number";
 * const list: Node = { type: "array", items: { type: "string" } };
 * scalarOrArrayType<Node>({ type: "integer" }, item); // "number"
 * scalarOrArrayType(list, item); // "(string | number)[]"
 * scalarOrArrayType<Node>({ type: "object" }, item); // undefined
 * ```
 */
export function scalarOrArrayType<S extends { type?: string; items?: S }>(
  s: S,
  item: (items: S) => string,
): string | undefined {
  switch (s.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return arrayOf(s.items ? item(s.items) : "unknown");
    default:
      return undefined;
  }
}
