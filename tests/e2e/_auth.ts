/**
 * What the auth e2e tests need from the running tests/cluster control plane: its env.json
 * (server, CA, static tokens), client certificates signed by its CA, and kubeconfigs.
 */

import { dirname } from "node:path";
import type { ClusterEnv } from "../cluster/cluster.ts";
import { kubeconfigYaml } from "../unit/_auth_plugin.ts";

/** The env.json next to $KUBECONFIG (tests/cluster writes both into its state dir). */
export function clusterEnv(): ClusterEnv {
  const kubeconfig = Deno.env.get("KUBECONFIG")!.split(":")[0];
  return JSON.parse(Deno.readTextFileSync(`${dirname(kubeconfig)}/env.json`)) as ClusterEnv;
}

/** A client certificate and key for `cn` (and `o` groups), signed by the cluster's CA. */
export async function signedClientCert(
  env: ClusterEnv,
  dir: string,
  cn: string,
  o: string[] = [],
): Promise<{ cert: string; key: string }> {
  const pki = dirname(env.pki.ca);
  const subj = `${o.map((g) => `/O=${g}`).join("")}/CN=${cn}`;
  const script = `
set -eu
cd "$1"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2.key" 2>/dev/null
openssl req -new -key "$2.key" -subj "$3" -out "$2.csr"
printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=clientAuth\\n' > "$2.ext"
openssl x509 -req -in "$2.csr" -CA "$4/ca.crt" -CAkey "$4/ca.key" -CAcreateserial \\
  -CAserial "$2.srl" -days 1 -sha256 -extfile "$2.ext" -out "$2.crt" 2>/dev/null
`;
  const out = await new Deno.Command("sh", {
    args: ["-c", script, "sh", dir, cn, subj, pki],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`openssl: ${new TextDecoder().decode(out.stderr)}`);
  return {
    cert: await Deno.readTextFile(`${dir}/${cn}.crt`),
    key: await Deno.readTextFile(`${dir}/${cn}.key`),
  };
}

/** The cluster's CA certificate (PEM). */
export function clusterCa(env: ClusterEnv): string {
  return Deno.readTextFileSync(env.pki.ca);
}

/** Writes a kubeconfig for this cluster (its server and CA) with `user`; returns `path`. */
export function writeClusterKubeconfig(
  path: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): string {
  const e = clusterEnv();
  Deno.writeTextFileSync(
    path,
    kubeconfigYaml({ server: e.server, ca: clusterCa(e), cluster, user }),
    { mode: 0o600 },
  );
  return path;
}
