/**
 * Label and field selectors: build, parse, render for the API server, and match locally.
 *
 * @module
 */

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
