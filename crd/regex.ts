/**
 * Translation of ECMAScript regular expressions to the RE2 syntax the apiserver compiles
 * `pattern` with (Go's `regexp`), refusing what RE2 cannot do.
 *
 * @module
 */

import { KubeError } from "../core/error.ts";

/**
 * Why an ECMAScript pattern cannot run on RE2, or `undefined` when it can.
 *
 * @example
 * ```ts
 * import { re2Problem } from "@kubeno/kube";
 * re2Problem("^(?=a)b"); // "lookahead `(?=`"
 * re2Problem("^[a-z]+$"); // undefined
 * ```
 */
export function re2Problem(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const n = source[i + 1];
      if (!inClass && n !== undefined && /[1-9]/.test(n)) return `backreference \`\\${n}\``;
      if (n === "k" && source[i + 2] === "<") return "named backreference `\\k<...>`";
      if (n === "c") return "control escape `\\c`";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      if (source.startsWith("[^]", i)) return "`[^]` (use `[\\s\\S]`)";
      inClass = true;
      if (source[i + 1] === "]") return "empty class `[]`";
      continue;
    }
    if (c === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith("=")) return "lookahead `(?=`";
      if (rest.startsWith("!")) return "negative lookahead `(?!`";
      if (rest === "<=") return "lookbehind `(?<=`";
      if (rest === "<!") return "negative lookbehind `(?<!`";
      if (rest.startsWith(">")) return "atomic group `(?>`";
    }
  }
  return undefined;
}

/**
 * Rewrites an ECMAScript pattern (source and flags) into the equivalent RE2 pattern:
 * flags `i`, `m`, `s` become an inline `(?ims)` prefix and `\uXXXX` / `\u{X}` escapes become
 * `\x{X}`. Throws a `KubeError` with the reason when RE2 cannot express the pattern.
 *
 * @example
 * ```ts
 * import { toRe2 } from "@kubeno/kube";
 * toRe2("^ab\\u00e9$", "i"); // "(?i)^ab\\x{00e9}$"
 * ```
 */
export function toRe2(source: string, flags = ""): string {
  const problem = re2Problem(source);
  if (problem) throw new KubeError(`RE2 (the apiserver's regex engine) has no ${problem}`);
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\" && source[i + 1] === "u") {
      const braced = /^\{([0-9a-fA-F]+)\}/.exec(source.slice(i + 2));
      if (braced) {
        out += `\\x{${braced[1]}}`;
        i += 1 + braced[0].length;
        continue;
      }
      const hex = /^[0-9a-fA-F]{4}/.exec(source.slice(i + 2));
      if (hex) {
        out += `\\x{${hex[0]}}`;
        i += 5;
        continue;
      }
    }
    if (c === "\\") {
      out += c + (source[i + 1] ?? "");
      i++;
      continue;
    }
    out += c;
  }
  const inline = [...new Set(flags.split("").filter((f) => f === "i" || f === "m" || f === "s"))]
    .sort().join("");
  return inline ? `(?${inline})${out}` : out;
}
