/**
 * CertificateSigningRequest approval: the `approval` subresource, as `kubectl certificate
 * approve` / `deny` use it.
 *
 * @module
 */

import { isConflict } from "../../core/error.ts";
import type { CertificateSigningRequest } from "../../core/k8s/certificates.k8s.io/v1.ts";
import type { Api } from "../api.ts";
import type { RequestOptions } from "../client.ts";

/**
 * Why a CSR is approved or denied (the condition's `reason` and `message`).
 *
 * @example
 * ```ts
 * import type { CsrDecisionOptions } from "@kubeno/kube";
 * const o: CsrDecisionOptions = { reason: "OperatorApproved", message: "matches policy" };
 * ```
 */
export interface CsrDecisionOptions extends RequestOptions {
  /** A CamelCase reason. @default "KubenoApprove" or "KubenoDeny" */
  reason?: string;
  /** A human-readable message. */
  message?: string;
}

/**
 * Approves a CertificateSigningRequest (adds an `Approved` condition through the `approval`
 * subresource, re-reading it on a conflict); the signer then issues the certificate.
 *
 * @example
 * ```ts
 * // doc:no-run: needs a pending CertificateSigningRequest
 * import { Api, approveCsr, Client } from "@kubeno/kube";
 * import { CertificateSigningRequest } from "@kubeno/kube/k8s/certificates.k8s.io/v1";
 * const csrs = Api.all(await Client.tryDefault(), CertificateSigningRequest);
 * await approveCsr(csrs, "alice", { message: "approved by the onboarding operator" });
 * ```
 */
export async function approveCsr(
  csrs: Api<CertificateSigningRequest>,
  name: string,
  opts: CsrDecisionOptions = {},
): Promise<CertificateSigningRequest> {
  return await decide(csrs, name, "Approved", opts.reason ?? "KubenoApprove", opts);
}

/**
 * Denies a CertificateSigningRequest (adds a `Denied` condition through the `approval`
 * subresource).
 *
 * @example
 * ```ts
 * // doc:no-run: needs a pending CertificateSigningRequest
 * import { Api, Client, denyCsr } from "@kubeno/kube";
 * import { CertificateSigningRequest } from "@kubeno/kube/k8s/certificates.k8s.io/v1";
 * const csrs = Api.all(await Client.tryDefault(), CertificateSigningRequest);
 * await denyCsr(csrs, "mallory", { reason: "UnknownUser" });
 * ```
 */
export async function denyCsr(
  csrs: Api<CertificateSigningRequest>,
  name: string,
  opts: CsrDecisionOptions = {},
): Promise<CertificateSigningRequest> {
  return await decide(csrs, name, "Denied", opts.reason ?? "KubenoDeny", opts);
}

async function decide(
  csrs: Api<CertificateSigningRequest>,
  name: string,
  type: "Approved" | "Denied",
  reason: string,
  opts: CsrDecisionOptions,
): Promise<CertificateSigningRequest> {
  const { signal, timeoutMs, onRetry } = opts;
  const ro = { signal, timeoutMs, onRetry };
  for (let attempt = 0;; attempt++) {
    const csr = await csrs.get(name, {}, ro);
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const conditions = (csr.status?.conditions ?? []).filter((c) => c.type !== type);
    conditions.push({
      type,
      status: "True",
      reason,
      message: opts.message ?? "",
      lastUpdateTime: now,
      lastTransitionTime: now,
    });
    csr.status = { ...csr.status, conditions };
    try {
      return await csrs.replaceSubresource<CertificateSigningRequest>(
        "approval",
        name,
        csr,
        {},
        ro,
      );
    } catch (e) {
      // Someone else (the signer) wrote in between: decide again on the fresh object.
      if (!isConflict(e) || attempt >= 4) throw e;
    }
  }
}
