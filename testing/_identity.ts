/**
 * Client certificates for chosen users of a test cluster, signed by its CA with openssl (the
 * tool the kit already needs for its PKI). Internal: see `TestCluster.client` in mod.ts.
 *
 * @module
 */

import { KubeError } from "../core/error.ts";

/**
 * The `-subj` argument of `openssl req` for a user and groups: `/O=<group>.../CN=<user>`, as
 * kube-apiserver reads a client certificate (CN the user name, each O a group). Every `/`, `+`,
 * `=`, `,` and `\` in a name is escaped, so that a name cannot add a field (`x/O=system:masters`
 * stays one common name). Empty names and control characters are refused.
 */
export function certificateSubject(user: string, groups: readonly string[] = []): string {
  const check = (what: string, v: string) => {
    if (v === "") throw new KubeError(`the ${what} of a test client must not be empty`);
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x1f\x7f]/.test(v)) {
      throw new KubeError(`the ${what} ${JSON.stringify(v)} holds a control character`);
    }
  };
  check("user name", user);
  for (const g of groups) check("group", g);
  const esc = (v: string) => v.replace(/[\\/+=,]/g, (c) => `\\${c}`);
  return [...groups.map((g) => `/O=${esc(g)}`), `/CN=${esc(user)}`].join("");
}

/**
 * A client certificate and key for `user` in `groups`, valid for a day, signed by the CA in
 * `pkiDir` (`ca.crt`, `ca.key`). PEM texts; nothing is left on disk.
 */
export async function userCertificate(
  pkiDir: string,
  user: string,
  groups: readonly string[] = [],
): Promise<{ cert: string; key: string }> {
  const subject = certificateSubject(user, groups);
  const dir = await Deno.makeTempDir({ prefix: "kubeno-user-" });
  try {
    const script = `
set -eu
umask 077
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out user.key
printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=clientAuth\\n' > user.ext
openssl req -new -key user.key -subj "$1" -out user.csr
openssl x509 -req -in user.csr -CA "$2/ca.crt" -CAkey "$2/ca.key" -CAcreateserial \\
  -CAserial "$PWD/ca.srl" -days 1 -sha256 -extfile user.ext -out user.crt 2>/dev/null
`;
    const out = await new Deno.Command("sh", {
      args: ["-c", script, "sh", subject, pkiDir],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new KubeError(
        `openssl failed signing a certificate for ${JSON.stringify(user)} with ${pkiDir}/ca.key: ` +
          new TextDecoder().decode(out.stderr).trim(),
      );
    }
    return {
      cert: await Deno.readTextFile(`${dir}/user.crt`),
      key: await Deno.readTextFile(`${dir}/user.key`),
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
