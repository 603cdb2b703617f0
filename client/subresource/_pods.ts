// What the pod stream subresources share. Internal.

import { KubeError } from "../../core/error.ts";
import type { ResourceScope } from "../../core/request.ts";

/** Logs, exec, attach and port-forward are subresources of core/v1 pods only. */
export function assertPods(scope: ResourceScope, verb: string): void {
  const r = scope.resource;
  if (r.group !== "" || r.plural !== "pods") {
    const what = r.group === "" ? r.plural : `${r.plural}.${r.group}`;
    throw new KubeError(
      `${verb} is a subresource of pods; this Api is over ${what}. Use Api.namespaced(client, Pod, namespace).`,
    );
  }
}
