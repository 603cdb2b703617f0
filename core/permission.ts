/**
 * The error for a Deno permission that was missing, naming the flag to add. The helpers that
 * turn Deno's denials into it live in `client/permissions.ts`; the type is here, with no I/O,
 * so that every layer (the codegen CLI in crd/ too) throws the same one.
 *
 * @module
 */

import { KubeError } from "./error.ts";

/**
 * The kinds of Deno permission this library asks for.
 *
 * @example
 * ```ts
 * import { type PermissionKind, permissionFlag } from "@kubeno/kube";
 * const kind: PermissionKind = "read";
 * permissionFlag({ read: "/root/.kube/config" }, kind); // "--allow-read=/root/.kube/config"
 * ```
 */
export type PermissionKind = "read" | "env" | "net" | "write" | "run";

/**
 * A Deno permission was missing. `flag` is what to add to `deno run` (or `deno compile`).
 * The original `Deno.errors.NotCapable` is the `cause`.
 *
 * @example
 * ```ts
 * import { PermissionError } from "@kubeno/kube/client";
 * try {
 *   // ... Config.infer() ...
 * } catch (e) {
 *   if (e instanceof PermissionError) console.error(`add ${e.flag}`);
 * }
 * ```
 */
export class PermissionError extends KubeError {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "PermissionError";
  /** The kind of access that was denied. */
  readonly permission: PermissionKind;
  /** The flag that grants it, e.g. `--allow-env=KUBECONFIG,HOME`. */
  readonly flag: string;

  /**
   * Creates the error; `permissionError` (client) builds one from a Deno denial.
   *
   * @param message the whole message, already naming the flag
   * @param permission the kind of access that was denied
   * @param flag the flag that grants it
   * @param options the original error as `cause`
   */
  constructor(
    message: string,
    permission: PermissionKind,
    flag: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.permission = permission;
    this.flag = flag;
  }
}
