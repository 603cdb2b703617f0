/**
 * A tiny operator: every ConfigMap labelled `mirror.example.dev/enabled=true` gets a copy
 * `<name>-mirror` with the same data, owned by it (deleting the source deletes the copy), kept
 * in step by server-side apply.
 *
 * @module
 */

import {
  Action,
  Api,
  type Client,
  Controller,
  type DeepReadonly,
  ownerReference,
  type ReconcileResult,
} from "@kubeno/kube";
import { ConfigMap } from "@kubeno/kube/k8s/core/v1";

/** Sources carry this label. */
export const LABEL = "mirror.example.dev/enabled";
/** The field manager the operator applies as. */
export const MANAGER = "mirror-operator";

/** Keeps `<name>-mirror` equal to `cm`'s data. */
export async function reconcile(
  cm: DeepReadonly<ConfigMap>,
  client: Client,
): Promise<Action> {
  const { name, namespace } = cm.metadata;
  await Api.namespaced(client, ConfigMap, namespace!).patch(`${name}-mirror`, {
    type: "apply",
    body: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: `${name}-mirror`,
        labels: { "app.kubernetes.io/managed-by": MANAGER },
        ownerReferences: [ownerReference(ConfigMap, cm, { controller: true })],
      },
      data: { ...cm.data },
    },
  }, { fieldManager: MANAGER, force: true });
  return Action.awaitChange();
}

/** Runs the operator in `namespace` until `signal` aborts, yielding each reconcile's result. */
export function runMirror(
  client: Client,
  namespace: string,
  signal: AbortSignal,
): AsyncGenerator<ReconcileResult, void, undefined> {
  const cms = Api.namespaced(client, ConfigMap, namespace);
  return new Controller(cms, { labelSelector: `${LABEL}=true` })
    .owns(cms, { labelSelector: `app.kubernetes.io/managed-by=${MANAGER}` })
    .run(
      reconcile,
      (_cm, err) => {
        console.error(err);
        return Action.requeue(1_000);
      },
      client,
      { signal },
    );
}
