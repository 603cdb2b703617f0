/**
 * `deno task crd print <module>...`: prints, as multi-document YAML, the
 * CustomResourceDefinition of every custom resource the modules export — ready for
 * `kubectl apply -f -`. A merged CRD (`mergeCrds`) that is exported wins over the single
 * versions it was made from.
 *
 *   deno task crd print examples/crd_derive.ts > foo-crd.yaml
 *
 * @module
 */

import { stringify } from "yaml";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { CustomResourceDefinition } from "./types.ts";

const USAGE = "usage: deno task crd print <module.ts>...";

function isCrd(v: unknown): v is CustomResourceDefinition {
  const o = v as CustomResourceDefinition | null;
  return typeof o === "object" && o !== null && o.kind === "CustomResourceDefinition" &&
    typeof o.metadata?.name === "string";
}

function isCustomResource(v: unknown): v is { crd(): CustomResourceDefinition } {
  const o = v as { crd?: unknown; kind?: unknown; group?: unknown } | null;
  return typeof o === "object" && o !== null && typeof o.crd === "function" &&
    typeof o.kind === "string" && typeof o.group === "string";
}

/**
 * The CRDs a module's exports hold, merged CRDs first, one per `metadata.name`.
 *
 * @example
 * ```ts
 * import { crdsOf } from "./print.ts";
 * const crds = crdsOf(await import("../examples/crd_derive.ts"));
 * ```
 */
export function crdsOf(exports: Record<string, unknown>): CustomResourceDefinition[] {
  const byName = new Map<string, CustomResourceDefinition>();
  for (const v of Object.values(exports)) if (isCrd(v)) byName.set(v.metadata.name!, v);
  for (const v of Object.values(exports)) {
    if (!isCustomResource(v)) continue;
    const crd = v.crd();
    if (!byName.has(crd.metadata.name!)) byName.set(crd.metadata.name!, crd);
  }
  return [...byName.values()];
}

/**
 * Runs the CLI; returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./print.ts";
 * Deno.exit(await main(["print", "examples/crd_derive.ts"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [cmd, ...modules] = args;
  if (cmd !== "print" || modules.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const docs: string[] = [];
  for (const m of modules) {
    const url = /^[a-z]+:/.test(m) ? m : pathToFileURL(resolve(m)).href;
    let exports: Record<string, unknown>;
    try {
      exports = await import(url);
    } catch (e) {
      console.error(`crd print: cannot import ${m}: ${(e as Error).message}`);
      return 1;
    }
    const crds = crdsOf(exports);
    if (crds.length === 0) {
      console.error(`crd print: ${m} exports no customResource() and no CustomResourceDefinition`);
      return 1;
    }
    for (const crd of crds) docs.push(stringify(crd));
  }
  console.log(docs.join("---\n").trimEnd());
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
