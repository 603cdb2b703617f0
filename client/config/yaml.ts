/**
 * YAML parsing that works under narrow Deno permissions.
 *
 * The `yaml` package reads `process.env.LOG_TOKENS` and `LOG_STREAM` (debug switches) on every
 * parse. Under `--allow-env=KUBECONFIG,HOME` Deno refuses those reads and the parse throws, so a
 * program would need env permissions that have nothing to do with Kubernetes. While a parse
 * runs (synchronously, so nothing else can observe it) we hide those two variables.
 *
 * @module
 */

import process from "node:process";
import { type Document, parseAllDocuments, parseDocument } from "yaml";

const DEBUG_VARS = new Set(["LOG_TOKENS", "LOG_STREAM"]);

function mayReadDebugVars(): boolean {
  for (const variable of DEBUG_VARS) {
    if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return false;
  }
  return true;
}

/** Runs `fn` with yaml's debug variables reading as unset when Deno would refuse them. */
export function withoutDebugEnv<T>(fn: () => T): T {
  if (mayReadDebugVars()) return fn();
  const real = process.env;
  const desc = Object.getOwnPropertyDescriptor(process, "env");
  // A proxy over a plain object: a proxy over Deno's env proxy would still ask Deno for the
  // variable when it checks the proxy invariants.
  const quiet = new Proxy({}, {
    get: (_t, p) => (typeof p === "string" && DEBUG_VARS.has(p) ? undefined : Reflect.get(real, p)),
    has: (_t, p) => (typeof p === "string" && DEBUG_VARS.has(p) ? false : Reflect.has(real, p)),
  });
  Object.defineProperty(process, "env", { value: quiet, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    if (desc) Object.defineProperty(process, "env", desc);
    else process.env = real;
  }
}

/**
 * `parseDocument` of the `yaml` package, usable without env permissions.
 *
 * @example
 * ```ts
 * import { parseYamlDocument } from "./yaml.ts"; // internal: not exported by the package
 * const doc = parseYamlDocument("a: 1");
 * console.log(doc.toJS()); // { a: 1 }
 * ```
 */
export function parseYamlDocument(text: string): Document.Parsed {
  return withoutDebugEnv(() => parseDocument(text));
}

/**
 * `parseAllDocuments` of the `yaml` package (multi-document text), usable without env
 * permissions.
 *
 * @example
 * ```ts
 * import { parseYamlDocuments } from "./yaml.ts"; // internal: not exported by the package
 * console.log(parseYamlDocuments("a: 1\n---\nb: 2\n").length); // 2
 * ```
 */
export function parseYamlDocuments(text: string): ReturnType<typeof parseAllDocuments> {
  return withoutDebugEnv(() => parseAllDocuments(text));
}
