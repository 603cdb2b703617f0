/**
 * RE2, the regex engine the apiserver checks `pattern` with (Go's `regexp`: linear time, no
 * backtracking), for kubeno's local validation: `@bufbuild/re2`, the engine `@bufbuild/cel`
 * already runs `matches()` on, answers "does it match"; `re2js` (the same lineage, a port of
 * RE2) finds the matches themselves for CEL's `find()` and `findAll()`, which `@bufbuild/re2`
 * cannot. Internal: not re-exported.
 *
 * @module
 */

import { RE2JS } from "@bufbuild/re2";
import { RE2JS as RE2Matcher } from "re2js";
import { toRe2 } from "./regex.ts";
import { KubeError } from "../core/error.ts";

/** A compiled RE2 pattern: `test` finds a match anywhere, as Go's `MatchString`. */
export interface Re2 {
  /** True if the pattern matches somewhere in `s`. */
  test(s: string): boolean;
}

/** A pattern RE2 cannot compile; `message` is the Go regexp error the apiserver reports. */
export class Re2SyntaxError extends KubeError {
  /** Class name. */
  override name: string = "Re2SyntaxError";
}

// Compiled patterns, bounded: CEL rules can build patterns from the object's own data.
const cache = new Map<string, Re2 | Re2SyntaxError>();
const CACHE_MAX = 1000;

/**
 * Compiles an RE2 pattern (the text of a CRD's `pattern`), as the apiserver's Go `regexp` does.
 *
 * @throws {Re2SyntaxError} with Go's message (`error parsing regexp: ...`) if RE2 refuses it.
 */
export function re2(pattern: string): Re2 {
  let r = cache.get(pattern);
  if (r === undefined) {
    try {
      r = RE2JS.compile(pattern);
    } catch (e) {
      r = new Re2SyntaxError((e as Error).message, { cause: e });
    }
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(pattern, r);
  }
  if (r instanceof Re2SyntaxError) throw r;
  return r;
}

/**
 * A `RegExp` whose `test` runs on RE2: what kubeno puts in place of a Zod `.regex()` pattern
 * when it validates an object, so that Zod's check gives the apiserver's verdict in linear
 * time. Only `test` is RE2 (it is all Zod's checks call); `source`, `flags` and `toString` stay
 * those of the original, so Zod's messages are unchanged.
 */
class Re2RegExp extends RegExp {
  readonly #re2: Re2;
  constructor(original: RegExp, compiled: Re2) {
    super(original.source, original.flags.replace(/[gy]/g, ""));
    this.#re2 = compiled;
  }
  override test(s: string): boolean {
    return this.#re2.test(String(s));
  }
  override exec(s: string): RegExpExecArray | null {
    // Not called by Zod; refuse rather than fall back to backtracking.
    throw new Error(
      `RE2 pattern ${this}: exec is not supported (only test), for ${s.length} chars`,
    );
  }
}

/** `re` as a RegExp that tests on RE2 (the same pattern text the CRD carries). */
export function re2RegExp(re: RegExp): RegExp {
  if (re instanceof Re2RegExp) return re;
  return new Re2RegExp(re, re2(toRe2(re.source, re.flags)));
}

const matchers = new Map<string, RE2Matcher>();

/**
 * The leftmost-first matches of `pattern` in `s`, at most `limit` (all when negative), with
 * Go's `FindAllString` rule that an empty match right after a match is skipped: what the
 * Kubernetes CEL `findAll()` returns, in linear time.
 *
 * @throws {Re2SyntaxError} with Go's message if RE2 refuses the pattern.
 */
export function re2FindAll(pattern: string, s: string, limit = -1): string[] {
  re2(pattern); // the compile check and its error, shared with test()
  let compiled = matchers.get(pattern);
  if (compiled === undefined) {
    compiled = RE2Matcher.compile(pattern);
    if (matchers.size >= CACHE_MAX) matchers.clear();
    matchers.set(pattern, compiled);
  }
  const m = compiled.matcher(s);
  const out: string[] = [];
  let prevEnd = -1;
  while ((limit < 0 || out.length < limit) && m.find()) {
    if (m.start() === m.end() && m.start() === prevEnd) continue;
    out.push(m.group() ?? "");
    prevEnd = m.end();
  }
  return out;
}
