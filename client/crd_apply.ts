/**
 * `applyCrd`: install or update a CustomResourceDefinition with server-side apply and wait
 * until the apiserver serves it.
 *
 * @module
 */

import { sleep } from "../core/_util.ts";
import { KubeError } from "../core/error.ts";
import { Api } from "./api.ts";
import type { Client } from "./client.ts";
import { type ObjectMeta, resourceType } from "../core/resource.ts";
import { CustomResourceDefinition as CrdResource } from "../core/k8s/apiextensions.k8s.io/v1.ts";
// Type-only: the public signatures use the CRD types the package exports at its root (crd/), so
// that `const c: CustomResourceDefinition = await applyCrd(...)` compiles and `deno doc --lint
// mod.ts` sees no private type. No run-time dependency on crd/.
import type { CustomResourceDefinition, CustomResourceDefinitionCondition } from "../crd/types.ts";

// The generated resource type, typed as crd/'s narrowing of it: what the apiserver returns
// always has a scope of Namespaced or Cluster and a strategy of None or Webhook.
const CRDS = resourceType<CustomResourceDefinition>(CrdResource);

/**
 * A CRD, or anything that makes one (a `customResource()`). Typed loosely on purpose: a CRD
 * read from a manifest (`applyManifests`) is checked by the apiserver, not by this type.
 *
 * @example
 * ```ts
 * import { type CrdSource, customResource } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * const fromDeclaration: CrdSource = Foo; // has crd()
 * const fromObject: CrdSource = Foo.crd(); // the CRD itself
 * ```
 */
export type CrdSource = { metadata: ObjectMeta; spec: object } | {
  crd(): { metadata: ObjectMeta; spec: object };
};

/**
 * Options of {@link applyCrd}.
 *
 * @example
 * ```ts
 * import type { ApplyCrdOptions } from "@kubeno/kube";
 * const o: ApplyCrdOptions = { fieldManager: "my-operator", timeoutMs: 30_000 };
 * ```
 */
export interface ApplyCrdOptions {
  /** Field manager of the apply; `kubeno` by default. */
  fieldManager?: string;
  /** Take ownership of fields other managers set (default true, as `kubectl apply --server-side --force-conflicts`). */
  force?: boolean;
  /** How long to wait for `Established`; 60 s by default. */
  timeoutMs?: number;
  /** Aborts the wait (the apply itself may already have happened). */
  signal?: AbortSignal;
}

/**
 * The CRD could not be established: its names conflict with another resource, or the
 * server did not report `Established` in time. `conditions` are the server's last report.
 *
 * @example
 * ```ts
 * import { CrdNotEstablishedError } from "@kubeno/kube";
 * const e = new CrdNotEstablishedError("foos.clux.dev", "names not accepted", []);
 * console.log(e.crdName);
 * ```
 */
export class CrdNotEstablishedError extends KubeError {
  /** Class name. */
  override name: string = "CrdNotEstablishedError";
  /** `metadata.name` of the CRD. */
  readonly crdName: string;
  /** The CRD's conditions when the wait ended. */
  readonly conditions: CustomResourceDefinitionCondition[];
  /**
   * Creates the error.
   *
   * @param crdName `metadata.name` of the CRD
   * @param message why it is not established
   * @param conditions the CRD's conditions when the wait ended
   * @param options `cause`: the underlying error
   */
  constructor(
    crdName: string,
    message: string,
    conditions: CustomResourceDefinitionCondition[],
    options?: { cause?: unknown },
  ) {
    super(`CustomResourceDefinition ${crdName}: ${message}`, options);
    this.crdName = crdName;
    this.conditions = conditions;
  }
}

/**
 * Whether `err` is a {@link CrdNotEstablishedError}, as {@link applyCrd} throws.
 *
 * @example
 * ```ts
 * import { CrdNotEstablishedError, isCrdNotEstablishedError } from "@kubeno/kube";
 * const e: unknown = new CrdNotEstablishedError("foos.clux.dev", "names not accepted", []);
 * if (isCrdNotEstablishedError(e)) console.log(e.crdName); // "foos.clux.dev"
 * ```
 */
export function isCrdNotEstablishedError(err: unknown): err is CrdNotEstablishedError {
  return err instanceof CrdNotEstablishedError;
}

function cond(
  crd: CustomResourceDefinition,
  type: string,
): CustomResourceDefinitionCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

/**
 * Applies a CRD with server-side apply, then waits until the apiserver reports it
 * `Established`. Throws {@link CrdNotEstablishedError} when `NamesAccepted` is `False`
 * (a plural, short name or kind clash, with the server's message) or on timeout. An
 * invalid schema fails at the apply with the server's `ApiError` (422, every cause listed).
 *
 * @example
 * ```ts
 * import { applyCrd, Client, customResource } from "@kubeno/kube";
 * import { z } from "zod";
 * const Foo = customResource({ group: "clux.dev", version: "v1", kind: "Foo", namespaced: true, spec: z.object({ n: z.int() }) });
 * const client = await Client.tryDefault();
 * const established = await applyCrd(client, Foo, { signal: AbortSignal.timeout(30_000) });
 * console.log(established.status?.acceptedNames?.plural); // "foos"
 * ```
 */
export async function applyCrd(
  client: Client,
  source: CrdSource,
  opts: ApplyCrdOptions = {},
): Promise<CustomResourceDefinition> {
  const crd =
    ("crd" in source && typeof source.crd === "function"
      ? source.crd()
      : source) as CustomResourceDefinition;
  const name = crd.metadata.name;
  if (!name) throw new TypeError("applyCrd: the CustomResourceDefinition has no metadata.name");
  const api = Api.all(client, CRDS);
  const body: CustomResourceDefinition = {
    ...crd,
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
  };
  delete body.status;
  let current = await api.patch(name, { type: "apply", body }, {
    fieldManager: opts.fieldManager ?? "kubeno",
    force: opts.force ?? true,
  }, { signal: opts.signal });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let delay = 100;
  for (;;) {
    const established = cond(current, "Established");
    const names = cond(current, "NamesAccepted");
    // Established is only meaningful for this generation's names; a False NamesAccepted wins.
    if (names?.status === "False") {
      throw new CrdNotEstablishedError(
        name,
        `names not accepted (${names.reason ?? "?"}): ${names.message ?? ""}`.trim(),
        current.status?.conditions ?? [],
      );
    }
    if (established?.status === "True") return current;
    if (Date.now() >= deadline) {
      throw new CrdNotEstablishedError(
        name,
        `not Established after ${opts.timeoutMs ?? 60_000} ms; conditions: ` +
          JSON.stringify(current.status?.conditions ?? []),
        current.status?.conditions ?? [],
      );
    }
    await sleep(delay, opts.signal);
    delay = Math.min(delay * 2, 1000);
    current = await api.get(name, {}, { signal: opts.signal });
  }
}
