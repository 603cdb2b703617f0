/**
 * Prints, as multi-document YAML, the CustomResourceDefinition of every custom resource the
 * given modules export — ready for `kubectl apply -f -`. A merged CRD (`mergeCrds`) that is
 * exported wins over the single versions it was made from. From any project:
 *
 * ```sh
 * deno run --allow-read jsr:@kubeno/kube/crd/print ./crds.ts | kubectl apply -f -
 * ```
 *
 * (`--allow-read` to import your module; add what your module itself needs at import.)
 * In this repository, `deno task crd print examples/crd_derive.ts` does the same.
 *
 * @example
 * ```ts
 * import { crdsOf } from "@kubeno/kube/crd/print";
 * import { customResource } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({
 *   group: "example.com",
 *   version: "v1",
 *   kind: "Foo",
 *   namespaced: true,
 *   spec: z.object({ size: z.int() }),
 * });
 * console.log(crdsOf({ Foo })[0].metadata.name); // "foos.example.com"
 * ```
 *
 * @module
 */

import { stringify } from "yaml";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { CustomResourceDefinition } from "./types.ts";

const USAGE = "usage: deno run --allow-read jsr:@kubeno/kube/crd/print <module.ts>...";

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
 * import { crdsOf } from "@kubeno/kube/crd/print";
 * import { customResource } from "@kubeno/kube";
 * import { z } from "zod";
 * const Bar = customResource({
 *   group: "example.com",
 *   version: "v1",
 *   kind: "Bar",
 *   namespaced: false,
 *   spec: z.object({ size: z.int() }),
 * });
 * const crds = crdsOf({ Bar, other: 42 }); // the Bar CRD; other exports are ignored
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
 * Runs the CLI on its arguments (module paths or URLs, optionally after the word `print`);
 * returns the exit code.
 *
 * @example
 * ```ts
 * // doc:no-run: imports a module of your own
 * import { main } from "@kubeno/kube/crd/print";
 * Deno.exit(await main(["./crds.ts"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  // `print` first, as `deno task crd print` passes it, is optional.
  const modules = args[0] === "print" ? args.slice(1) : args;
  if (modules.length === 0 || modules.some((m) => m.startsWith("-"))) {
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
