// Internal: kubeconfig bytes -> the JSON-like value kubectl sees, decoded as client-go decodes
// them (sigs.k8s.io/yaml: go-yaml v2 `Unmarshal`, then JSON), not as YAML 1.2 would:
//
// - bytes: a UTF-16 (LE/BE) or UTF-8 byte order mark picks the encoding, else strict UTF-8;
//   invalid UTF-8 or UTF-16 and characters YAML does not allow (controls) are refused.
// - only the first document counts; duplicate keys: the last wins.
// - plain scalars resolve as YAML 1.1 in go-yaml v2: y/yes/on/n/no/off are booleans, 0x/0o/0b/
//   leading-0 octal and `_` in numbers, .inf/.nan, `~`; a timestamp stays the string it is
//   (go-yaml v2 keeps it so for interface{} targets); quoted and block scalars are strings.
// - `<<` merge keys apply in document order (a later key overwrites), a list of maps from the
//   last to the first; explicit tags !!str, !!int, !!float, !!bool, !!null, !!binary; `!!binary`
//   becomes the decoded bytes as a string (invalid UTF-8 replaced by U+FFFD, as Go's JSON does).
//
// Problems are reported by position or path, never with the value (it may be a token).

import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseAllDocuments,
  Scalar,
} from "yaml";
import { withoutDebugEnv } from "./yaml.ts";

/** A problem in a kubeconfig's YAML; `path` is the field (`users[0].user.token`), if known. */
export class KubeconfigYamlError extends Error {
  /** The field, as a path. */
  readonly path: string | undefined;
  /** Builds the error. */
  constructor(problem: string, path?: string) {
    super(problem);
    this.path = path;
  }
}

/** The text of a kubeconfig file's bytes, as go-yaml v2 reads them. */
export function decodeKubeconfigBytes(bytes: Uint8Array): string {
  let encoding = "utf-8";
  let start = 0;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) [encoding, start] = ["utf-16le", 2];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [encoding, start] = ["utf-16be", 2];
  else if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(start),
    );
  } catch {
    const at = encoding === "utf-8" ? firstInvalidUtf8(bytes, start) : undefined;
    throw new KubeconfigYamlError(
      `is not valid ${encoding.toUpperCase()}${at === undefined ? "" : ` (at byte ${at})`}; ` +
        "kubectl refuses it too: save the file as UTF-8",
    );
  }
}

function firstInvalidUtf8(bytes: Uint8Array, start: number): number | undefined {
  for (let i = start; i < bytes.length;) {
    const n = utf8Length(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return undefined;
}

/** Length of the valid UTF-8 sequence at `i` (strict: no overlong forms, no surrogates), or 0. */
function utf8Length(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const [n, min] = c >= 0xc2 && c <= 0xdf
    ? [2, 0x80]
    : c >= 0xe0 && c <= 0xef
    ? [3, 0x800]
    : c >= 0xf0 && c <= 0xf4
    ? [4, 0x10000]
    : [0, 0];
  if (n === 0 || i + n > b.length) return 0;
  let v = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    if ((b[i + k] & 0xc0) !== 0x80) return 0;
    v = (v << 6) | (b[i + k] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  return n;
}

/** Bytes as a string the way Go's JSON encoder writes them: each invalid byte is U+FFFD. */
function goJsonString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const n = utf8Length(bytes, i);
    if (n === 0) {
      out += "\ufffd";
      i++;
    } else {
      out += new TextDecoder().decode(bytes.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}

// YAML's printable characters (go-yaml v2 refuses the others anywhere in the file).
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** Refuses what go-yaml v2's reader refuses in decoded text: controls, lone surrogates. */
export function checkYamlCharacters(text: string): void {
  const m = NOT_PRINTABLE.exec(text);
  if (!m) return;
  const before = text.slice(0, m.index);
  const line = before.split("\n").length;
  const col = m.index - before.lastIndexOf("\n");
  const code = m[0].codePointAt(0)!;
  const what = code >= 0xd800 && code <= 0xdfff
    ? "a lone surrogate (not valid Unicode)"
    : `the control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  throw new KubeconfigYamlError(
    `is not valid YAML: ${what} at line ${line}, column ${col} (YAML and kubectl refuse it)`,
  );
}

const TAG = "tag:yaml.org,2002:";
// Aliases may repeat a subtree; this bounds what a few lines can expand to (billion laughs).
const MAX_NODES = 1_000_000;

/**
 * The first YAML document of `text`, parsed, with its problems. Every scalar stays a string
 * (the failsafe schema, no !!binary decoding): {@link toGoValue} resolves them as go-yaml v2.
 */
export function parseFirstDocument(text: string): Document.Parsed {
  const docs = withoutDebugEnv(() =>
    parseAllDocuments(text, {
      schema: "failsafe",
      uniqueKeys: false,
      resolveKnownTags: false,
      keepSourceTokens: true,
    })
  );
  const all = Array.isArray(docs) ? docs : [];
  // An empty stream is an empty document.
  return all[0] ?? withoutDebugEnv(() => parseAllDocuments("{}"))[0] as Document.Parsed;
}

/** A parsed document as the JSON value client-go decodes (see the top of this file). */
export function toGoValue(doc: Document.Parsed): unknown {
  let nodes = 0;
  const convert = (node: Node | null | undefined, path: string, depth: number): unknown => {
    if (++nodes > MAX_NODES) {
      throw new KubeconfigYamlError("expands to too many values (aliases repeated too often)");
    }
    if (depth > 1000) throw new KubeconfigYamlError("is nested too deeply", path);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new KubeconfigYamlError("uses an undefined alias", path);
      return convert(target, path, depth + 1);
    }
    if (isScalar(node)) {
      const v = scalar(node, path);
      if (typeof v === "number" && !Number.isFinite(v)) {
        // Go's JSON encoder refuses them, so kubectl does.
        throw new KubeconfigYamlError("is .inf or .nan, which kubectl cannot read", path);
      }
      return v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => convert(item as Node, `${path}[${i}]`, depth + 1));
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      applyPairs(node.items, out, path, depth);
      return out;
    }
    throw new KubeconfigYamlError("has a YAML node kubectl cannot read", path);
  };

  const applyPairs = (
    items: unknown[],
    out: Record<string, unknown>,
    path: string,
    depth: number,
  ): void => {
    for (const pair of items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      if (isMergeKey(keyNode)) {
        merge(pair.value as Node | null, out, path, depth);
        continue;
      }
      const key = keyString(convert(keyNode, path, depth + 1), path);
      const at = path === "" ? key : `${path}.${key}`;
      out[key] = convert(pair.value as Node | null, at, depth + 1);
    }
  };

  const mapOf = (node: Node | null | undefined, path: string) => {
    const target = isAlias(node) ? node.resolve(doc) : node;
    if (!isMap(target)) {
      throw new KubeconfigYamlError("<< (merge) needs a mapping or a list of mappings", path);
    }
    return target;
  };

  const merge = (
    value: Node | null,
    out: Record<string, unknown>,
    path: string,
    depth: number,
  ): void => {
    if (isSeq(value)) {
      // go-yaml applies the list from the end, so the first map wins among them.
      for (let i = value.items.length - 1; i >= 0; i--) {
        applyPairs(mapOf(value.items[i] as Node, path).items, out, path, depth + 1);
      }
      return;
    }
    applyPairs(mapOf(value, path).items, out, path, depth + 1);
  };

  return convert(doc.contents as Node | null, "", 0);
}

function isMergeKey(node: Node | null): boolean {
  if (!isScalar(node) || node.value !== "<<") return false;
  return node.tag === `${TAG}merge` || (node.tag === undefined && node.type === Scalar.PLAIN);
}

/** A key as sigs.k8s.io/yaml writes it into JSON. */
function keyString(key: unknown, path: string): string {
  if (typeof key === "string") return key;
  if (typeof key === "number" || typeof key === "boolean") return String(key);
  if (key === null) return "null";
  throw new KubeconfigYamlError("has a mapping or list used as a key", path);
}

function scalar(node: Scalar, path: string): unknown {
  const text = String(node.value ?? "");
  if (node.type === Scalar.QUOTE_DOUBLE && surrogateEscape(node.srcToken)) {
    // go-yaml refuses \uD800-style escapes, even two that make a pair.
    throw new KubeconfigYamlError(
      "has a \\u escape of a UTF-16 surrogate, which kubectl refuses",
      path,
    );
  }
  const tag = node.tag;
  const plain = node.type === Scalar.PLAIN;
  if (tag === `${TAG}binary`) {
    const bytes = goBase64(text);
    if (!bytes) throw new KubeconfigYamlError("is !!binary but not valid base64", path);
    return goJsonString(bytes);
  }
  if (tag === undefined) return plain ? resolvePlain(text) : text;
  if (tag === `${TAG}str`) return text;
  const explicit = tag.startsWith(TAG) ? tag.slice(TAG.length) : undefined;
  if (!explicit || !["int", "float", "bool", "null"].includes(explicit)) {
    // An unknown or local tag (`!foo`): the text, as go-yaml gives it.
    return text;
  }
  const v = resolvePlain(text);
  const kind = v === null ? "null" : typeof v === "boolean" ? "bool" : typeof v;
  if (explicit === "float" && typeof v === "number") return v;
  if (
    (explicit === "int" && kind === "number" && Number.isInteger(v)) ||
    (explicit === "bool" && kind === "bool") || (explicit === "null" && kind === "null")
  ) return v;
  throw new KubeconfigYamlError(`is tagged !!${explicit} but is not one`, path);
}

const BOOLS: Record<string, boolean> = {};
for (const s of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) {
  BOOLS[s] = true;
}
for (const s of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) {
  BOOLS[s] = false;
}
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS: Record<string, number> = {
  ".nan": NaN,
  ".NaN": NaN,
  ".NAN": NaN,
  ".inf": Infinity,
  ".Inf": Infinity,
  ".INF": Infinity,
  "+.inf": Infinity,
  "+.Inf": Infinity,
  "+.INF": Infinity,
  "-.inf": -Infinity,
  "-.Inf": -Infinity,
  "-.INF": -Infinity,
};
const GO_INT = /^[+-]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** A plain scalar as go-yaml v2's `resolve` types it, then as JSON carries it. */
function resolvePlain(text: string): unknown {
  if (NULLS.has(text)) return null;
  if (text in BOOLS) return BOOLS[text];
  if (text in SPECIAL_FLOATS) return SPECIAL_FLOATS[text];
  const first = text[0];
  if (first === ".") return YAML_FLOAT.test(text) ? Number(text) : text;
  if (!/[0-9+-]/.test(first)) return text;
  const digits = text.replaceAll("_", "");
  if (GO_INT.test(digits)) return goInt(digits);
  if (YAML_FLOAT.test(digits)) return Number(digits);
  return text;
}

function goInt(s: string): number {
  const neg = s.startsWith("-");
  const body = s.replace(/^[+-]/, "");
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith("0")) v = parseInt(body.slice(1), 8);
  else v = Number(body);
  return neg ? -v : v;
}

/** Go's `base64.StdEncoding.DecodeString`: padding required, only CR and LF skipped. */
function goBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\r\n]/g, "");
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:==|=)?$/.test(clean)) return undefined;
  try {
    const bin = atob(clean);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Whether a double-quoted scalar's source escapes a surrogate code point (`\uD83D`). */
function surrogateEscape(token: unknown): boolean {
  const raw = (token as { source?: unknown } | undefined)?.source;
  if (typeof raw !== "string") return false;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== "\\") continue;
    const kind = raw[i + 1];
    const digits = kind === "u" ? 4 : kind === "U" ? 8 : 0;
    if (digits) {
      const code = parseInt(raw.slice(i + 2, i + 2 + digits), 16);
      if (code >= 0xd800 && code <= 0xdfff) return true;
    }
    i++; // the escaped character
  }
  return false;
}
