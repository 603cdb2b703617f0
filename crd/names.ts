/**
 * The apiserver's rules for a CustomResourceDefinition's group, versions and names
 * (apiextensions validation), checked before a CRD is built, applied or generated from.
 *
 * @module
 */

import { dnsLabelProblem, dnsSubdomainProblem, resourceTypeProblems } from "../core/resource.ts";

/**
 * The names of a custom resource, as `spec.group`, a version name and `spec.names` of its CRD.
 *
 * @example
 * ```ts
 * import type { CrdNames } from "@kubeno/kube";
 * const n: CrdNames = { group: "clux.dev", version: "v1", kind: "Foo", plural: "foos" };
 * ```
 */
export interface CrdNames {
  /** `spec.group`: a DNS subdomain with at least one dot. */
  group: string;
  /** A version name: a DNS-1035 label such as `v1alpha1`. */
  version: string;
  /** `names.kind`: a DNS-1035 label once lower-cased (`FooBar`). */
  kind: string;
  /** `names.plural`: a DNS-1035 label. */
  plural: string;
  /** `names.singular`: a DNS-1035 label. */
  singular?: string;
  /** `names.listKind`: as `kind`, and not equal to it. */
  listKind?: string;
  /** `names.shortNames`: DNS-1035 labels. */
  shortNames?: readonly string[];
  /** `names.categories`: DNS-1035 labels. */
  categories?: readonly string[];
}

/**
 * What the apiserver would refuse in these CRD names, one line per problem, each naming the
 * field and the rule (empty when all is well). Adds the CRD's rules to the ones every
 * resource descriptor follows: a group with a dot, DNS-1035 plural, singular, short names and
 * categories, a list kind distinct from the kind, and `<plural>.<group>` a valid object name.
 *
 * @example
 * ```ts
 * import { crdNamesProblems } from "@kubeno/kube";
 * crdNamesProblems({ group: "clux.dev", version: "v1", kind: "Foo", plural: "foos" }); // []
 * crdNamesProblems({ group: "local", version: "v1", kind: "Foo", plural: "foos" });
 * // ['group "local": should be a domain with at least one dot']
 * ```
 */
export function crdNamesProblems(n: CrdNames): string[] {
  const out = resourceTypeProblems(n);
  const bad = (field: string, value: unknown, why: string) =>
    out.push(`${field} ${JSON.stringify(value)}: ${why}`);
  if (typeof n.group === "string") {
    if (n.group === "") bad("group", n.group, "is required for a custom resource");
    else if (!dnsSubdomainProblem(n.group) && !n.group.includes(".")) {
      bad("group", n.group, "should be a domain with at least one dot");
    }
  }
  const label = (field: string, v: unknown) => {
    if (typeof v !== "string") return bad(field, v ?? null, "must be a string");
    const p = dnsLabelProblem(v, true);
    if (p) bad(field, v, p);
  };
  // The plural passed the looser path-segment rule above; a CRD's must also start with a letter.
  if (typeof n.plural === "string" && !dnsLabelProblem(n.plural)) label("plural", n.plural);
  if (n.singular !== undefined) label("singular", n.singular);
  n.shortNames?.forEach((s, i) => label(`shortNames[${i}]`, s));
  n.categories?.forEach((c, i) => label(`categories[${i}]`, c));
  if (n.listKind !== undefined) {
    const p = typeof n.listKind === "string"
      ? dnsLabelProblem(n.listKind.toLowerCase(), true)
      : "must be a string";
    if (p) bad("listKind", n.listKind, `may have mixed case, but should otherwise match: ${p}`);
    else if (n.listKind === n.kind) {
      bad("listKind", n.listKind, "kind and listKind may not be the same");
    }
  }
  if (!out.length) {
    const name = `${n.plural}.${n.group}`;
    const p = dnsSubdomainProblem(name);
    if (p) bad("CRD name (<plural>.<group>)", name, p);
  }
  return out;
}
