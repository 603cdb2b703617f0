// A leaf module: schema.ts (the quantity() schema) and validate.ts (CEL's isQuantity) both need
// the pattern; keeping it here breaks the import cycle between them.

/**
 * The Kubernetes quantity syntax (`resource.Quantity`), as its OpenAPI schema spells it.
 *
 * @example
 * ```ts
 * import { QUANTITY_PATTERN } from "@kubeno/kube";
 * const re = new RegExp(QUANTITY_PATTERN);
 * console.log(re.test("500m"), re.test("1Gi"), re.test("1 GB")); // true true false
 * ```
 */
export const QUANTITY_PATTERN: string =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
