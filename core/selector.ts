/**
 * Label and field selectors: build, parse, render for the API server, and match locally.
 *
 * @module
 */

import { KubeError } from "./error.ts";

/**
 * One requirement of a {@link LabelSelector}, as the Kubernetes API writes it.
 *
 * @example
 * ```ts
 * import type { LabelSelectorRequirement } from "@kubeno/kube";
 * const r: LabelSelectorRequirement = { key: "env", operator: "In", values: ["prod", "staging"] };
 * ```
 */
export interface LabelSelectorRequirement {
  /** The label key. */
  key: string;
  /** How the key relates to the values. */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  /** Values; non-empty for `In` and `NotIn`, empty or absent for `Exists` and `DoesNotExist`. */
  values?: string[];
}

/**
 * A label selector as the Kubernetes API writes it in objects (a Deployment's `spec.selector`,
 * a NetworkPolicy's `podSelector`). All requirements must hold. `{}` selects everything.
 *
 * @example
 * ```ts
 * import type { LabelSelector } from "@kubeno/kube";
 * const s: LabelSelector = { matchLabels: { app: "blog" }, matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }] };
 * ```
 */
export interface LabelSelector {
  /** Each key must have exactly this value. */
  matchLabels?: Record<string, string>;
  /** Each requirement must hold. */
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A selector string, or a label map or field map that could not be turned into one, is
 * invalid. `position` is the 0-based offset in `input` where parsing stopped, when the error
 * comes from a parser.
 *
 * @example
 * ```ts
 * import { parseLabelSelector, SelectorError } from "@kubeno/kube";
 * try {
 *   parseLabelSelector("app=blog,,x");
 * } catch (e) {
 *   if (e instanceof SelectorError) console.log(e.position); // 9
 * }
 * ```
 */
export class SelectorError extends KubeError {
  /** Class name. */
  override name: string = "SelectorError";
  /** The selector text being parsed, when the error comes from a parser. */
  readonly input?: string;
  /** 0-based offset in `input` of the problem, when the error comes from a parser. */
  readonly position?: number;

  /**
   * Creates the error.
   *
   * @param message What is wrong.
   * @param where The parsed text and the offset of the problem.
   */
  constructor(message: string, where?: { input: string; position: number }) {
    super(message);
    if (where) {
      this.input = where.input;
      this.position = where.position;
    }
  }
}

// --- validation, as the API server validates label keys and values ---------------------------

const NAME_RE = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

/** Why `key` is not a valid label key, or undefined if it is. */
function labelKeyProblem(key: string): string | undefined {
  if (key === "") return "a label key must not be empty";
  const slash = key.indexOf("/");
  let name = key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (prefix === "") return "the prefix before '/' must not be empty";
    if (prefix.length > 253) return "the prefix must be at most 253 characters";
    if (!prefix.split(".").every((l) => DNS_LABEL_RE.test(l))) {
      return "the prefix must be a DNS subdomain: lower-case letters, digits, '-' and '.', " +
        "each part starting and ending with a letter or digit";
    }
  }
  if (name === "") return "the name part must not be empty";
  if (name.length > 63) return "the name part must be at most 63 characters";
  if (!NAME_RE.test(name)) {
    return "the name part may hold only letters, digits, '-', '_' and '.', " +
      "and must start and end with a letter or digit";
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined if it is. */
function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63) return "a label value must be at most 63 characters";
  if (!NAME_RE.test(value)) {
    return "a label value may hold only letters, digits, '-', '_' and '.', " +
      "and must start and end with a letter or digit (or be empty)";
  }
  return undefined;
}

function checkKey(key: string): void {
  if (typeof key !== "string") throw new SelectorError(`label key must be a string, got ${key}`);
  const p = labelKeyProblem(key);
  if (p) throw new SelectorError(`invalid label key ${JSON.stringify(key)}: ${p}`);
}

function checkValue(key: string, value: string): void {
  if (typeof value !== "string") {
    throw new SelectorError(`value of label ${JSON.stringify(key)} must be a string, got ${value}`);
  }
  const p = labelValueProblem(value);
  if (p) {
    throw new SelectorError(
      `invalid value ${JSON.stringify(value)} for label ${JSON.stringify(key)}: ${p}`,
    );
  }
}

/**
 * True if `key` is a valid label key: an optional DNS-subdomain prefix and `/`, then a name of
 * at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
 *
 * @example
 * ```ts
 * import { isValidLabelKey } from "@kubeno/kube";
 * isValidLabelKey("app.kubernetes.io/name"); // true
 * isValidLabelKey("-bad"); // false
 * ```
 */
export function isValidLabelKey(key: string): boolean {
  return labelKeyProblem(key) === undefined;
}

/**
 * True if `value` is a valid label value: empty, or at most 63 letters, digits, `-`, `_` and
 * `.`, starting and ending with a letter or digit.
 *
 * @example
 * ```ts
 * import { isValidLabelValue } from "@kubeno/kube";
 * isValidLabelValue("v1.2.3"); // true
 * isValidLabelValue("a b"); // false
 * ```
 */
export function isValidLabelValue(value: string): boolean {
  return labelValueProblem(value) === undefined;
}

// --- label selectors ---------------------------------------------------------------------------

/**
 * One requirement of a {@link Selector}, named as kube-rs names them.
 *
 * @example
 * ```ts
 * import type { Expression } from "@kubeno/kube";
 * const e: Expression = { key: "env", operator: "In", values: ["a", "b"] };
 * ```
 */
export type Expression =
  | { readonly key: string; readonly operator: "Equal" | "NotEqual"; readonly value: string }
  | { readonly key: string; readonly operator: "In" | "NotIn"; readonly values: readonly string[] }
  | { readonly key: string; readonly operator: "Exists" | "DoesNotExist" };

/**
 * Labels of an object, or undefined when it has none.
 *
 * @example
 * ```ts
 * import type { Labels } from "@kubeno/kube";
 * const l: Labels = { app: "blog" };
 * ```
 */
export type Labels = Readonly<Record<string, string>> | undefined;

function has(labels: Labels, key: string): boolean {
  return labels !== undefined && Object.hasOwn(labels, key);
}

/** Validates an expression and returns a frozen, normalised copy (`In` values deduped, sorted). */
function normalise(e: Expression): Expression {
  checkKey(e.key);
  switch (e.operator) {
    case "Equal":
    case "NotEqual":
      checkValue(e.key, e.value);
      return Object.freeze({ key: e.key, operator: e.operator, value: e.value });
    case "In":
    case "NotIn": {
      if (!Array.isArray(e.values) || e.values.length === 0) {
        throw new SelectorError(
          `operator ${e.operator} on label ${JSON.stringify(e.key)} needs at least one value`,
        );
      }
      for (const v of e.values) checkValue(e.key, v);
      // A set: sorted and deduplicated, so equal selectors render equally.
      const values = Object.freeze([...new Set(e.values)].sort());
      return Object.freeze({ key: e.key, operator: e.operator, values });
    }
    case "Exists":
    case "DoesNotExist":
      return Object.freeze({ key: e.key, operator: e.operator });
    default:
      throw new SelectorError(
        `unknown selector operator ${JSON.stringify((e as { operator: unknown }).operator)}`,
      );
  }
}

function renderExpression(e: Expression): string {
  switch (e.operator) {
    case "Equal":
      return `${e.key}=${e.value}`;
    case "NotEqual":
      return `${e.key}!=${e.value}`;
    case "In":
      return `${e.key} in (${e.values.join(",")})`;
    case "NotIn":
      return `${e.key} notin (${e.values.join(",")})`;
    case "Exists":
      return e.key;
    case "DoesNotExist":
      return `!${e.key}`;
  }
}

function matchExpression(e: Expression, labels: Labels): boolean {
  switch (e.operator) {
    case "Equal":
      return has(labels, e.key) && labels![e.key] === e.value;
    case "NotEqual":
      // As on the server: a missing label is "not equal".
      return !has(labels, e.key) || labels![e.key] !== e.value;
    case "In":
      return has(labels, e.key) && e.values.includes(labels![e.key]);
    case "NotIn":
      return !has(labels, e.key) || !e.values.includes(labels![e.key]);
    case "Exists":
      return has(labels, e.key);
    case "DoesNotExist":
      return !has(labels, e.key);
  }
}

/**
 * A label selector: requirements that must all hold. Immutable: every builder method returns a
 * new selector. Renders to the string the API server parses (`toString()`), matches an object's
 * labels locally (`matches`), and converts to and from the API's {@link LabelSelector}.
 *
 * Keys and values are validated as the server validates labels; an invalid one throws a
 * {@link SelectorError} at once rather than a 400 later. Valid keys and values hold no
 * character that needs escaping in a selector; the client URL-encodes the whole string.
 *
 * @example
 * ```ts
 * import { labelSelector } from "@kubeno/kube";
 * const sel = labelSelector().eq("app", "blog").in("env", ["prod", "staging"]).doesNotExist("legacy");
 * sel.toString(); // "app=blog,env in (prod,staging),!legacy"
 * sel.matches({ app: "blog", env: "prod" }); // true
 * sel.matches({ app: "blog", env: "dev" }); // false
 * ```
 */
export class Selector {
  /** The requirements, in the order they were added. */
  readonly expressions: readonly Expression[];

  /**
   * A selector of these requirements.
   *
   * @param expressions Requirements; validated and normalised (`In`/`NotIn` values sorted and
   *   deduplicated).
   */
  constructor(expressions: readonly Expression[] = []) {
    this.expressions = Object.freeze(expressions.map(normalise));
  }

  /**
   * Parses a selector string as the API server does: `app=blog,tier!=db,env in (a,b),!legacy,release`.
   * `=` and `==` are the same. The empty string selects everything.
   *
   * @throws {SelectorError} naming the position of the first problem.
   */
  static parse(input: string): Selector {
    return parseLabelSelector(input);
  }

  /**
   * The selector of a Kubernetes {@link LabelSelector} (`matchLabels` first, in key order, then
   * `matchExpressions`). `{}` selects everything.
   *
   * @throws {SelectorError} on an invalid key, value or operator, or `In`/`NotIn` without values.
   */
  static fromLabelSelector(ls: LabelSelector): Selector {
    const exprs: Expression[] = [];
    for (const key of Object.keys(ls.matchLabels ?? {}).sort()) {
      exprs.push({ key, operator: "Equal", value: ls.matchLabels![key] });
    }
    for (const r of ls.matchExpressions ?? []) {
      switch (r.operator) {
        case "In":
        case "NotIn":
          exprs.push({ key: r.key, operator: r.operator, values: r.values ?? [] });
          break;
        case "Exists":
        case "DoesNotExist":
          if (r.values && r.values.length > 0) {
            throw new SelectorError(
              `operator ${r.operator} on label ${JSON.stringify(r.key)} takes no values`,
            );
          }
          exprs.push({ key: r.key, operator: r.operator });
          break;
        default:
          throw new SelectorError(
            `unknown operator ${JSON.stringify(r.operator)} on label ${JSON.stringify(r.key)}: ` +
              "expected In, NotIn, Exists or DoesNotExist",
          );
      }
    }
    return new Selector(exprs);
  }

  /** Selects objects whose label `key` equals `value`. */
  eq(key: string, value: string): Selector {
    return new Selector([...this.expressions, { key, operator: "Equal", value }]);
  }

  /** Selects objects whose label `key` is missing or differs from `value`. */
  notEq(key: string, value: string): Selector {
    return new Selector([...this.expressions, { key, operator: "NotEqual", value }]);
  }

  /** Selects objects whose label `key` is one of `values` (at least one). */
  in(key: string, values: readonly string[]): Selector {
    return new Selector([...this.expressions, { key, operator: "In", values }]);
  }

  /** Selects objects whose label `key` is missing or none of `values` (at least one). */
  notIn(key: string, values: readonly string[]): Selector {
    return new Selector([...this.expressions, { key, operator: "NotIn", values }]);
  }

  /** Selects objects that have label `key`, with any value. */
  exists(key: string): Selector {
    return new Selector([...this.expressions, { key, operator: "Exists" }]);
  }

  /** Selects objects that do not have label `key`. */
  doesNotExist(key: string): Selector {
    return new Selector([...this.expressions, { key, operator: "DoesNotExist" }]);
  }

  /** A selector requiring both this one's and `other`'s requirements. */
  and(other: Selector): Selector {
    return new Selector([...this.expressions, ...other.expressions]);
  }

  /** True if the selector has no requirements, and so selects everything. */
  isEmpty(): boolean {
    return this.expressions.length === 0;
  }

  /** True if `labels` satisfy every requirement. Undefined labels are an empty map. */
  matches(labels: Labels): boolean {
    for (const e of this.expressions) if (!matchExpression(e, labels)) return false;
    return true;
  }

  /** The selector string for `labelSelector=` of a list or watch. Empty selects everything. */
  toString(): string {
    return this.expressions.map(renderExpression).join(",");
  }

  /**
   * The Kubernetes {@link LabelSelector} for this selector: `Equal` becomes `matchLabels` (or an
   * `In` when the key is already there), `NotEqual` becomes `NotIn` with one value.
   */
  toLabelSelector(): LabelSelector {
    const matchLabels: Record<string, string> = {};
    const matchExpressions: LabelSelectorRequirement[] = [];
    for (const e of this.expressions) {
      switch (e.operator) {
        case "Equal":
          if (Object.hasOwn(matchLabels, e.key)) {
            matchExpressions.push({ key: e.key, operator: "In", values: [e.value] });
          } else matchLabels[e.key] = e.value;
          break;
        case "NotEqual":
          matchExpressions.push({ key: e.key, operator: "NotIn", values: [e.value] });
          break;
        case "In":
        case "NotIn":
          matchExpressions.push({ key: e.key, operator: e.operator, values: [...e.values] });
          break;
        case "Exists":
        case "DoesNotExist":
          matchExpressions.push({ key: e.key, operator: e.operator });
          break;
      }
    }
    const out: LabelSelector = {};
    if (Object.keys(matchLabels).length > 0) out.matchLabels = matchLabels;
    if (matchExpressions.length > 0) out.matchExpressions = matchExpressions;
    return out;
  }
}

/**
 * A new label selector: empty (selects everything), or requiring each of `labels` to equal its
 * value (`matchLabels` semantics). Chain {@link Selector} methods to add requirements.
 *
 * @example
 * ```ts
 * import { labelSelector } from "@kubeno/kube";
 * labelSelector({ app: "blog" }).exists("tier").toString(); // "app=blog,tier"
 * ```
 */
export function labelSelector(labels: Readonly<Record<string, string>> = {}): Selector {
  return new Selector(
    Object.entries(labels).map(([key, value]) => ({ key, operator: "Equal", value })),
  );
}

/**
 * The selector string of a Kubernetes {@link LabelSelector}, for `labelSelector=` in a list.
 *
 * @example
 * ```ts
 * import { labelSelectorToString } from "@kubeno/kube";
 * labelSelectorToString({ matchLabels: { app: "web" }, matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] });
 * // "app=web,env notin (dev)"
 * ```
 */
export function labelSelectorToString(ls: LabelSelector): string {
  return Selector.fromLabelSelector(ls).toString();
}

/**
 * True if `labels` satisfy a Kubernetes {@link LabelSelector}. `{}` matches everything.
 * (A selector that is absent altogether matches nothing in most APIs: decide that before.)
 *
 * @example
 * ```ts
 * import { matchesLabelSelector } from "@kubeno/kube";
 * matchesLabelSelector({ matchLabels: { app: "web" } }, { app: "web", tier: "fe" }); // true
 * ```
 */
export function matchesLabelSelector(ls: LabelSelector, labels: Labels): boolean {
  return Selector.fromLabelSelector(ls).matches(labels);
}

// --- the label selector parser ------------------------------------------------------------------

type TokenKind = "id" | "!" | "!=" | "=" | "==" | "(" | ")" | "," | "<" | ">" | "end";
interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

function isSpace(c: string): boolean {
  // The server's lexer knows these four only.
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

const SPECIAL = new Set(["!", "=", "(", ")", ",", "<", ">"]);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = input.slice(i, i + 2);
      if (two === "!=" || two === "==") {
        tokens.push({ kind: two, text: two, pos: i });
        i += 2;
      } else {
        tokens.push({ kind: c as TokenKind, text: c, pos: i });
        i++;
      }
      continue;
    }
    const start = i;
    while (i < input.length && !isSpace(input[i]) && !SPECIAL.has(input[i])) i++;
    tokens.push({ kind: "id", text: input.slice(start, i), pos: start });
  }
  tokens.push({ kind: "end", text: "", pos: input.length });
  return tokens;
}

function describe(t: Token): string {
  return t.kind === "end" ? "the end" : JSON.stringify(t.text);
}

/**
 * Parses a label selector string as the API server does, e.g.
 * `app=blog,tier!=db,env in (a,b),!legacy,release`. `=` and `==` mean the same; `key` alone
 * means the label exists, `!key` that it does not; `in ()` is the set holding the empty value.
 * The empty string selects everything. The `<` and `>` operators of node selectors are not
 * supported.
 *
 * @throws {SelectorError} naming the 0-based position of the first problem, or the invalid key
 *   or value.
 *
 * @example
 * ```ts
 * import { parseLabelSelector } from "@kubeno/kube";
 * const sel = parseLabelSelector("app=blog, env in (b,a), !legacy");
 * sel.toString(); // "app=blog,env in (a,b),!legacy"
 * sel.matches({ app: "blog", env: "a" }); // true
 * ```
 */
export function parseLabelSelector(input: string): Selector {
  const tokens = lex(input);
  let k = 0;
  const peek = (): Token => tokens[k];
  const fail = (expected: string, t: Token = peek()): never => {
    throw new SelectorError(
      `invalid label selector ${
        JSON.stringify(input)
      }: expected ${expected} at position ${t.pos}, found ${describe(t)}`,
      { input, position: t.pos },
    );
  };
  const key = (): string => {
    const t = peek();
    // "in" and "notin" are keys here, as on the server: only after a key are they operators.
    if (t.kind !== "id") return fail("a label key");
    const p = labelKeyProblem(t.text);
    if (p) {
      throw new SelectorError(
        `invalid label selector ${JSON.stringify(input)}: invalid label key ${
          JSON.stringify(t.text)
        } at position ${t.pos}: ${p}`,
        { input, position: t.pos },
      );
    }
    k++;
    return t.text;
  };
  const value = (label: string, t: Token): string => {
    const p = labelValueProblem(t.text);
    if (p) {
      throw new SelectorError(
        `invalid label selector ${JSON.stringify(input)}: invalid value ${
          JSON.stringify(t.text)
        } for label ${JSON.stringify(label)} at position ${t.pos}: ${p}`,
        { input, position: t.pos },
      );
    }
    return t.text;
  };

  const exprs: Expression[] = [];
  if (peek().kind === "end") return new Selector();
  for (;;) {
    const t = peek();
    if (t.kind === "!") {
      k++;
      exprs.push({ key: key(), operator: "DoesNotExist" });
    } else {
      const name = key();
      const op = peek();
      if (op.kind === "," || op.kind === "end") {
        exprs.push({ key: name, operator: "Exists" });
      } else if (op.kind === "=" || op.kind === "==" || op.kind === "!=") {
        k++;
        const v = peek();
        let val = "";
        if (v.kind === "id") {
          val = value(name, v);
          k++;
        } else if (v.kind !== "," && v.kind !== "end") {
          fail("a label value");
        }
        exprs.push({ key: name, operator: op.kind === "!=" ? "NotEqual" : "Equal", value: val });
      } else if (op.kind === "id" && (op.text === "in" || op.text === "notin")) {
        k++;
        if (peek().kind !== "(") fail(`"(" after ${op.text}`);
        k++;
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v.kind === "id") {
            values.push(value(name, v));
            k++;
          } else values.push(""); // "()" or ",," hold the empty value, as on the server
          const sep = peek();
          if (sep.kind === ",") {
            k++;
            continue;
          }
          if (sep.kind === ")") {
            k++;
            break;
          }
          fail('"," or ")"');
        }
        exprs.push({ key: name, operator: op.text === "in" ? "In" : "NotIn", values });
      } else if (op.kind === "<" || op.kind === ">") {
        throw new SelectorError(
          `invalid label selector ${
            JSON.stringify(input)
          }: operator "${op.text}" at position ${op.pos} is not supported by kubeno`,
          { input, position: op.pos },
        );
      } else {
        fail('one of "=", "==", "!=", "in", "notin", "," or the end');
      }
    }
    const sep = peek();
    if (sep.kind === "end") break;
    if (sep.kind !== ",") fail('"," or the end');
    k++;
  }
  return new Selector(exprs);
}

// --- field selectors ---------------------------------------------------------------------------

/**
 * One requirement of a {@link FieldSelector}.
 *
 * @example
 * ```ts
 * import type { FieldExpression } from "@kubeno/kube";
 * const e: FieldExpression = { key: "status.phase", operator: "NotEqual", value: "Running" };
 * ```
 */
export interface FieldExpression {
  /** Dotted path of the field, e.g. `metadata.name`. */
  readonly key: string;
  /** `Equal` or `NotEqual`. */
  readonly operator: "Equal" | "NotEqual";
  /** The value, unescaped. */
  readonly value: string;
}

function fieldKeyProblem(key: string): string | undefined {
  if (key === "") return "a field path must not be empty";
  if (/[\s,=!\\]/.test(key)) {
    return "a field path must not hold white space, ',', '=', '!' or '\\'";
  }
  return undefined;
}

/** Escapes `\`, `,` and `=` in a field selector value, as the server's parser expects. */
function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => "\\" + c);
}

function readField(obj: unknown, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") {
      cur = undefined;
      break;
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  if (typeof cur === "string") return cur;
  if (typeof cur === "number" || typeof cur === "boolean") return String(cur);
  return undefined; // objects and arrays are not selectable fields
}

/**
 * A field selector: `Equal` / `NotEqual` requirements on dotted field paths
 * (`metadata.name`, `metadata.namespace`, `status.phase`, `spec.nodeName`, ...). Immutable.
 *
 * The server supports only a few fields per kind (always `metadata.name` and
 * `metadata.namespace`) and rejects the others with a 400. `matches` is a local best effort:
 * it reads the dotted path of the object and compares its string form; a missing field reads as
 * the empty string, as the server's field sets do for the fields they support.
 *
 * @example
 * ```ts
 * import { fieldSelector } from "@kubeno/kube";
 * const sel = fieldSelector().eq("status.phase", "Running").notEq("metadata.name", "x");
 * sel.toString(); // "status.phase=Running,metadata.name!=x"
 * sel.matches({ metadata: { name: "a" }, status: { phase: "Running" } }); // true
 * ```
 */
export class FieldSelector {
  /** The requirements, in order. */
  readonly expressions: readonly FieldExpression[];

  /**
   * A field selector of these requirements.
   *
   * @param expressions Requirements; keys are validated.
   */
  constructor(expressions: readonly FieldExpression[] = []) {
    this.expressions = Object.freeze(expressions.map((e) => {
      const p = fieldKeyProblem(e.key);
      if (p) throw new SelectorError(`invalid field selector key ${JSON.stringify(e.key)}: ${p}`);
      if (e.operator !== "Equal" && e.operator !== "NotEqual") {
        throw new SelectorError(
          `unknown field selector operator ${
            JSON.stringify(e.operator)
          }: expected Equal or NotEqual`,
        );
      }
      if (typeof e.value !== "string") {
        throw new SelectorError(`field selector value for ${e.key} must be a string`);
      }
      return Object.freeze({ key: e.key, operator: e.operator, value: e.value });
    }));
  }

  /**
   * Parses a field selector string as the server does: `key=value`, `key==value`,
   * `key!=value`, joined by `,`; `\,` `\=` `\\` escape those characters in values.
   *
   * @throws {SelectorError} naming the position of the first problem.
   */
  static parse(input: string): FieldSelector {
    return parseFieldSelector(input);
  }

  /** Requires field `key` to equal `value`. */
  eq(key: string, value: string): FieldSelector {
    return new FieldSelector([...this.expressions, { key, operator: "Equal", value }]);
  }

  /** Requires field `key` to differ from `value`. */
  notEq(key: string, value: string): FieldSelector {
    return new FieldSelector([...this.expressions, { key, operator: "NotEqual", value }]);
  }

  /** A selector requiring both this one's and `other`'s requirements. */
  and(other: FieldSelector): FieldSelector {
    return new FieldSelector([...this.expressions, ...other.expressions]);
  }

  /** True if the selector has no requirements, and so selects everything. */
  isEmpty(): boolean {
    return this.expressions.length === 0;
  }

  /** True if `obj` satisfies every requirement (best effort; see the class documentation). */
  matches(obj: unknown): boolean {
    for (const e of this.expressions) {
      const v = readField(obj, e.key);
      const equal = v !== undefined && v === e.value;
      if (e.operator === "Equal" ? !equal : equal) return false;
    }
    return true;
  }

  /** The selector string for `fieldSelector=`, values escaped. */
  toString(): string {
    return this.expressions.map((e) =>
      `${e.key}${e.operator === "Equal" ? "=" : "!="}${escapeFieldValue(e.value)}`
    ).join(",");
  }
}

/**
 * A new field selector: empty, or requiring each of `fields` (dotted paths) to equal its value.
 *
 * @example
 * ```ts
 * import { fieldSelector } from "@kubeno/kube";
 * fieldSelector({ "metadata.name": "blog" }).toString(); // "metadata.name=blog"
 * ```
 */
export function fieldSelector(fields: Readonly<Record<string, string>> = {}): FieldSelector {
  return new FieldSelector(
    Object.entries(fields).map(([key, value]) => ({ key, operator: "Equal", value })),
  );
}

/**
 * Parses a field selector string as the server does: terms `key=value`, `key==value` or
 * `key!=value` joined by `,`; in values, `\,`, `\=` and `\\` stand for those characters.
 * Empty terms are skipped; the empty string selects everything.
 *
 * @throws {SelectorError} naming the 0-based position of the first problem.
 *
 * @example
 * ```ts
 * import { parseFieldSelector } from "@kubeno/kube";
 * const sel = parseFieldSelector("metadata.name=a\\,b,status.phase!=Failed");
 * sel.expressions[0].value; // "a,b"
 * ```
 */
export function parseFieldSelector(input: string): FieldSelector {
  const fail = (what: string, position: number): never => {
    throw new SelectorError(
      `invalid field selector ${JSON.stringify(input)}: ${what} at position ${position}`,
      { input, position },
    );
  };
  const exprs: FieldExpression[] = [];
  let termStart = 0;
  let i = 0;
  // One pass: find each term's operator and end, honouring backslash escapes.
  while (termStart <= input.length) {
    let opAt = -1;
    let opLen = 0;
    let negate = false;
    let value = "";
    i = termStart;
    for (; i < input.length; i++) {
      const c = input[i];
      if (c === "\\") {
        if (opAt < 0) fail("'\\' in a field path", i);
        const n = input[i + 1];
        if (n !== "\\" && n !== "," && n !== "=") {
          fail(
            `invalid escape ${
              JSON.stringify("\\" + (n ?? ""))
            }: only \\\\, \\, and \\= are allowed`,
            i,
          );
        }
        value += n;
        i++;
        continue;
      }
      if (c === ",") break;
      if (opAt < 0) {
        if (c === "!" && input[i + 1] === "=") {
          opAt = i;
          opLen = 2;
          negate = true;
        } else if (c === "=") {
          opAt = i;
          opLen = input[i + 1] === "=" ? 2 : 1;
        }
        if (opAt >= 0) i += opLen - 1;
        continue;
      }
      if (c === "=") fail("unescaped '=' in a value (write \\=)", i);
      value += c;
    }
    const term = input.slice(termStart, i);
    if (term.length > 0) {
      if (opAt < 0) fail(`no operator in term ${JSON.stringify(term)}`, termStart);
      const key = input.slice(termStart, opAt);
      const p = fieldKeyProblem(key);
      if (p) fail(`invalid field path ${JSON.stringify(key)}: ${p}`, termStart);
      exprs.push({ key, operator: negate ? "NotEqual" : "Equal", value });
    }
    termStart = i + 1;
  }
  return new FieldSelector(exprs);
}
