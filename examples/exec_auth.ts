/**
 * exec_auth: reach a cluster whose kubeconfig user is an exec credential plugin (as EKS, GKE
 * and AKS kubeconfigs are: `aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`), and
 * print who the API server says we are.
 *
 * The narrow permissions: the API server, the kubeconfig, the variables that locate it, and
 * the plugin itself. The plugin inherits the environment; kubeno needs no `--allow-env` for it.
 *
 *   deno run --allow-net=127.0.0.1:6443 --allow-read=$KUBECONFIG \
 *     --allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT \
 *     --allow-run=aws examples/exec_auth.ts
 *
 * Without `--allow-run=<command>` the error names the flag to add.
 *
 * @module
 */

import { Api, Client, ExecAuth } from "../mod.ts";
import { SelfSubjectReview } from "../core/k8s/authentication.k8s.io/v1.ts";

using client = await Client.tryDefault();
const auth = client.config.auth;
if (!(auth instanceof ExecAuth)) {
  console.error(`${client.config.source}: the user does not use an exec credential plugin`);
  Deno.exit(1);
}
console.log(`credentials from exec plugin ${auth.exec.command} (${auth.exec.apiVersion})`);

// A SelfSubjectReview answers with the identity the API server gave our credential.
const review = await Api.all(client, SelfSubjectReview).create({ metadata: {} });
const user = review.status?.userInfo;
console.log(`authenticated as ${user?.username} (groups: ${user?.groups?.join(", ") || "none"})`);
console.log(`the plugin ran ${auth.runs} time(s)`);
