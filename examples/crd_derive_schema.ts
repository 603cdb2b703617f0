/**
 * crd_derive_schema: the parts of a schema Zod has no word for — int-or-string, quantities,
 * list and map merge types, preserved unknown fields, formats, defaults — and CEL rules,
 * enforced both by the apiserver and locally by `Foo.parse` / `Foo.parseUpdate`.
 *
 *   deno run examples/crd_derive_schema.ts
 *
 * @module
 */

import { stringify } from "yaml";
import { z } from "zod";
import {
  celRules,
  customResource,
  format,
  intOrString,
  listType,
  mapType,
  preserveUnknownFields,
  quantity,
  ResourceValidationError,
} from "../mod.ts";

const Port = z.object({ name: z.string().max(15), port: intOrString() });

export const Document = customResource({
  group: "kube.rs",
  version: "v1",
  kind: "Document",
  namespaced: true,
  spec: celRules(
    z.object({
      title: z.string().max(100).regex(/^[A-Za-z ]+$/),
      // Immutable once set: a transition rule, checked on update only.
      owner: celRules(z.string().max(50), {
        rule: "self == oldSelf",
        message: "owner is immutable",
      }),
      memory: quantity().default("128Mi"),
      ports: listType(z.array(Port).max(16), "map", ["name"]).default([]),
      tags: listType(z.array(z.string().max(20)).max(10), "set").optional(),
      labels: mapType(z.record(z.string(), z.string()), "atomic").optional(),
      extra: preserveUnknownFields().optional(),
      timeout: format(z.string(), "duration").default("30s"),
      minReplicas: z.int().min(0).default(1),
      maxReplicas: z.int().min(1).default(3),
    }),
    { rule: "self.minReplicas <= self.maxReplicas", message: "minReplicas exceeds maxReplicas" },
  ),
});

if (import.meta.main) {
  console.log(stringify(Document.crd()));
  const doc = Document.parse(Document.new("d", { title: "Hello", owner: "alice" }));
  console.log("defaulted spec:", JSON.stringify(doc.spec));
  try {
    Document.parse({ ...doc, spec: { ...doc.spec, minReplicas: 5 } });
  } catch (e) {
    if (e instanceof ResourceValidationError) console.log("rejected locally:", e.message);
  }
  try {
    Document.parseUpdate(doc, { ...doc, spec: { ...doc.spec, owner: "mallory" } });
  } catch (e) {
    if (e instanceof ResourceValidationError) console.log("update rejected locally:", e.message);
  }
}
