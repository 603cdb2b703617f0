/**
 * The error every configuration loader throws.
 *
 * @module
 */

import { KubeError } from "../../core/error.ts";

/**
 * Where a {@link ConfigError} comes from: the file and the field inside it.
 *
 * @example
 * ```ts
 * import type { ConfigErrorOptions } from "@kubeno/kube/client";
 * const o: ConfigErrorOptions = { file: "/root/.kube/config", field: "users[0].user.token" };
 * ```
 */
export interface ConfigErrorOptions {
  /** The file the problem is in (a kubeconfig, a service account file), if any. */
  file?: string;
  /** The field inside the file, as a path: `contexts[2].context.cluster`. */
  field?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A configuration could not be loaded: a kubeconfig that does not parse or refers to
 * something missing, a context that does not exist, a certificate that is not base64.
 * The message names the file and the field; it never contains tokens, keys or passwords.
 *
 * @example
 * ```ts
 * import { Config, ConfigError } from "@kubeno/kube/client";
 * try {
 *   await Config.fromKubeconfig({ context: "prod" });
 * } catch (e) {
 *   if (e instanceof ConfigError) console.error(e.message, e.file, e.field);
 * }
 * ```
 */
export class ConfigError extends KubeError {
  /** Class name, shown by `console.log` and stack traces. */
  override name: string = "ConfigError";
  /** The file the problem is in, if any. */
  readonly file?: string;
  /** The field inside the file, if any. */
  readonly field?: string;

  /**
   * Creates the error.
   *
   * @param message what is wrong and what to do; must already name the file and field
   * @param options file, field and cause
   */
  constructor(message: string, options: ConfigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.file !== undefined) this.file = options.file;
    if (options.field !== undefined) this.field = options.field;
  }
}
