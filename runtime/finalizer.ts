/**
 * Finalizers: run cleanup before an object is deleted, exactly as long as it takes.
 *
 * @module
 */

import { errorText } from "../core/_util.ts";
import { Api } from "../client/api.ts";
import { KubeError } from "../core/error.ts";
import type { JsonPatchOp } from "../core/params.ts";
import type { KubeObject, NamedMeta } from "../core/resource.ts";
import { Action } from "./action.ts";
import type { DeepReadonly } from "./store.ts";

/**
 * The two halves of a reconcile with a finalizer: `apply` while the object lives, `cleanup`
 * once its deletion was requested.
 *
 * @example
 * ```ts
 * import { Action, type FinalizerHandlers } from "@kubeno/kube";
 * import type { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const handlers: FinalizerHandlers<ConfigMap> = {
 *   apply: async (cm) => Action.requeue(60_000),
 *   cleanup: async (cm) => Action.awaitChange(),
 * };
 * ```
 */
export interface FinalizerHandlers<K extends KubeObject> {
  /** Makes the world match the object. Runs only once our finalizer is on the object. */
  apply(obj: DeepReadonly<K>): Promise<Action>;
  /**
   * Undoes what `apply` did outside the cluster's garbage collection. The finalizer is removed
   * only after this resolves; if it throws, it is retried on the next reconcile. It must be
   * safe to run again (if the removal of the finalizer fails after it succeeded).
   */
  cleanup(obj: DeepReadonly<K>): Promise<Action>;
}

/**
 * Which step of {@link finalizer} failed.
 *
 * @example
 * ```ts
 * import { FinalizerError, type FinalizerErrorPhase } from "@kubeno/kube";
 * function phaseOf(e: unknown): FinalizerErrorPhase | undefined {
 *   return e instanceof FinalizerError ? e.phase : undefined;
 * }
 * ```
 */
export type FinalizerErrorPhase =
  | "apply"
  | "cleanup"
  | "addFinalizer"
  | "removeFinalizer"
  | "unnamedObject"
  | "invalidFinalizer";

/**
 * A step of {@link finalizer} failed; `phase` says which, `cause` holds the original error.
 *
 * @example
 * ```ts
 * import { FinalizerError } from "@kubeno/kube";
 * function describe(e: unknown) {
 *   if (e instanceof FinalizerError && e.phase === "cleanup") console.error("cleanup failed", e.cause);
 * }
 * ```
 */
export class FinalizerError extends KubeError {
  /** Class name. */
  override name: string = "FinalizerError";
  /** The step that failed. */
  readonly phase: FinalizerErrorPhase;

  /**
   * An error of one step of {@link finalizer}.
   *
   * @param phase the step that failed
   * @param message what happened
   * @param options the original error as `cause`
   */
  constructor(phase: FinalizerErrorPhase, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.phase = phase;
  }
}

/**
 * Options of {@link finalizer}.
 *
 * @example
 * ```ts
 * import type { FinalizerOptions } from "@kubeno/kube";
 * const o: FinalizerOptions = { signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface FinalizerOptions {
  /**
   * Cuts off the finalizer's patches; once aborted, no handler starts and no patch is sent
   * (the abort reason is thrown, or a {@link FinalizerError} with it as `cause`). Pass the
   * reconcile's `info.signal`, so that a controller that lost its lease stops writing at once.
   */
  signal?: AbortSignal;
}

/** A finalizer name: a qualified name, `domain/name` by convention. */
const FINALIZER_NAME =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Reconciles `obj` with a finalizer named `name` (e.g. `example.com/cleanup`), as kube-rs'
 * `finalizer` does:
 *
 * - alive, without our finalizer: adds it and returns `awaitChange` (the patch itself triggers
 *   the next reconcile, which runs `apply`);
 * - alive, with it: runs `apply`;
 * - being deleted, with it: runs `cleanup`, then removes the finalizer;
 * - being deleted, without it: nothing to do.
 *
 * Both patches are JSON patches guarded by `test` operations on the finalizers array, so a
 * change someone made concurrently is never overwritten: the patch fails with 422 and the
 * reconcile is retried on fresh data. For an `Api.all(...)` of a namespaced resource the
 * object's own namespace is used. `options.signal` stops it between steps and cuts off its
 * patches (see {@link FinalizerOptions}).
 *
 * @example
 * ```ts
 * import { Action, Api, Client, type DeepReadonly, finalizer, type ReconcileInfo } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const api = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
 * async function reconcile(cm: DeepReadonly<ConfigMap>, info: ReconcileInfo<ConfigMap>) {
 *   return await finalizer(api, "example.com/cleanup", cm, {
 *     apply: async () => Action.requeue(300_000),
 *     cleanup: async () => Action.awaitChange(),
 *   }, { signal: info.signal });
 * }
 * ```
 */
export async function finalizer<K extends KubeObject>(
  api: Api<K>,
  name: string,
  obj: NoInfer<DeepReadonly<K>>,
  handlers: FinalizerHandlers<K>,
  options: FinalizerOptions = {},
): Promise<Action> {
  const signal = options.signal;
  if (!FINALIZER_NAME.test(name) || name.length > 316) {
    throw new FinalizerError(
      "invalidFinalizer",
      `finalizer name ${
        JSON.stringify(name)
      } is not a qualified name; use e.g. "example.com/cleanup"`,
    );
  }
  const objName = obj.metadata.name;
  if (!objName) {
    throw new FinalizerError(
      "unnamedObject",
      "finalizer: the object has no metadata.name; pass the object as read from the server",
    );
  }
  const target = scoped(api, obj);
  const finalizers = obj.metadata.finalizers ?? [];
  const index = finalizers.indexOf(name);
  const deleting = obj.metadata.deletionTimestamp !== undefined;

  signal?.throwIfAborted();
  if (!deleting && index >= 0) {
    try {
      return await handlers.apply(obj);
    } catch (cause) {
      throw new FinalizerError("apply", `apply of ${describe(obj)} failed: ${errorText(cause)}`, {
        cause,
      });
    }
  }
  if (!deleting) {
    // Add ours; the test makes the patch fail if the array changed since we read it.
    const ops: JsonPatchOp[] = finalizers.length === 0
      ? [
        { op: "test", path: "/metadata/finalizers", value: null },
        { op: "add", path: "/metadata/finalizers", value: [name] },
      ]
      : [
        { op: "test", path: "/metadata/finalizers", value: finalizers },
        { op: "add", path: "/metadata/finalizers/-", value: name },
      ];
    await patch(target, objName, ops, "addFinalizer", `adding finalizer ${name} to`, obj, signal);
    return Action.awaitChange();
  }
  if (index < 0) return Action.awaitChange(); // not ours to clean up, or already done
  let action: Action;
  try {
    action = await handlers.cleanup(obj);
  } catch (cause) {
    throw new FinalizerError("cleanup", `cleanup of ${describe(obj)} failed: ${errorText(cause)}`, {
      cause,
    });
  }
  const ops: JsonPatchOp[] = [
    { op: "test", path: `/metadata/finalizers/${index}`, value: name },
    { op: "remove", path: `/metadata/finalizers/${index}` },
  ];
  signal?.throwIfAborted(); // cleaned up, but stopped: the next reconcile removes it
  await patch(
    target,
    objName,
    ops,
    "removeFinalizer",
    `removing finalizer ${name} from`,
    obj,
    signal,
  );
  return action;
}

function scoped<K extends KubeObject>(api: Api<K>, obj: { readonly metadata: NamedMeta }): Api<K> {
  const ns = obj.metadata.namespace;
  if (api.resource.namespaced && api.namespace === undefined && ns) {
    return Api.namespaced(api.client, api.resource, ns);
  }
  return api;
}

async function patch<K extends KubeObject>(
  api: Api<K>,
  name: string,
  ops: JsonPatchOp[],
  phase: FinalizerErrorPhase,
  what: string,
  obj: Described,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    await api.patch(name, { type: "json", body: ops }, {}, { signal });
  } catch (cause) {
    throw new FinalizerError(phase, `${what} ${describe(obj)} failed: ${errorText(cause)}`, {
      cause,
    });
  }
}

type Described = { readonly kind?: string; readonly metadata: NamedMeta };

function describe(obj: Described): string {
  const m = obj.metadata;
  return `${obj.kind ?? "object"} ${m.namespace ? `${m.namespace}/` : ""}${m.name}`;
}
