/**
 * What a reconcile asks the controller to do next.
 *
 * @module
 */

import { KubeError } from "../core/error.ts";

/**
 * The result of a reconcile (or of an error policy): run this object again after a delay, or
 * only when something changes. kube-rs' `Action`.
 *
 * @example
 * ```ts
 * import { Action } from "@kubeno/kube";
 * const again = Action.requeue(300_000); // check again in 5 minutes
 * const idle = Action.awaitChange(); // wait for a watch event
 * console.log(again.requeueAfterMs, idle.requeueAfterMs); // 300000 undefined
 * ```
 */
export class Action {
  /** Milliseconds until the object is reconciled again, or undefined to wait for a change. */
  readonly requeueAfterMs: number | undefined;

  static readonly #idle: Action = new Action(undefined);

  private constructor(requeueAfterMs: number | undefined) {
    this.requeueAfterMs = requeueAfterMs;
  }

  /**
   * Reconcile this object again after `ms` milliseconds, unless a change triggers it sooner.
   *
   * @example
   * ```ts
   * import { Action } from "@kubeno/kube";
   * const a = Action.requeue(10_000);
   * ```
   */
  static requeue(ms: number): Action {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(
        `Action.requeue needs a finite delay >= 0 in milliseconds, got ${ms} ` +
          "(to wait for a change instead, return Action.awaitChange())",
      );
    }
    return new Action(ms);
  }

  /**
   * Reconcile this object again only when it (or something it is related to) changes.
   *
   * @example
   * ```ts
   * import { Action } from "@kubeno/kube";
   * const a = Action.awaitChange();
   * ```
   */
  static awaitChange(): Action {
    return Action.#idle;
  }

  /**
   * A readable form, for logs: `requeue(5000ms)` or `awaitChange`.
   *
   * @example
   * ```ts
   * import { Action } from "@kubeno/kube";
   * String(Action.requeue(5)); // "requeue(5ms)"
   * ```
   */
  toString(): string {
    return this.requeueAfterMs === undefined ? "awaitChange" : `requeue(${this.requeueAfterMs}ms)`;
  }
}

/**
 * A reconcile or an error policy returned something that is not an {@link Action} (often
 * `undefined`, from a missing `return`). The controller treats it as a failed reconcile, so
 * that it shows up in the results and is retried through the error policy.
 *
 * @example
 * ```ts
 * import { ActionError } from "@kubeno/kube";
 * const err = new ActionError("controller of foos: reconcile of ns/a returned undefined", "ns/a");
 * console.log(err.key); // "ns/a"
 * ```
 */
export class ActionError extends KubeError {
  /** Class name. */
  override name: string = "ActionError";
  /** The object key whose reconcile (or error policy) returned the value. */
  readonly key: string;

  /**
   * Builds the error.
   *
   * @param message What returned what, and what to return instead.
   * @param key The object key.
   */
  constructor(message: string, key: string) {
    super(message);
    this.key = key;
  }
}
