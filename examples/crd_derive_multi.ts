/**
 * crd_derive_multi: two versions of one kind merged into one CRD (v2 stored), as kube-rs'
 * example of the same name.
 *
 *   deno run examples/crd_derive_multi.ts
 *
 * @module
 */

import { stringify } from "yaml";
import { z } from "zod";
import { customResource, mergeCrds } from "../mod.ts";

const common = { group: "kube.rs", kind: "Multi", namespaced: true } as const;

export const MultiV1 = customResource({
  ...common,
  version: "v1",
  spec: z.object({ name: z.string() }),
  deprecated: true,
  deprecationWarning: "kube.rs/v1 Multi is deprecated; use v2",
});

export const MultiV2 = customResource({
  ...common,
  version: "v2",
  spec: z.object({ name: z.string(), author: z.string().default("unknown") }),
});

export const crd = mergeCrds([MultiV1, MultiV2], { storage: "v2" });

if (import.meta.main) console.log(stringify(crd));
