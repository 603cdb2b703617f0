/** Test certificates for webhooks: CAs and serving certificates for IP:127.0.0.1 (openssl, EC P-256). */

export interface Pem {
  cert: string;
  key: string;
}

async function openssl(script: string): Promise<Record<string, string>> {
  const dir = await Deno.makeTempDir({ prefix: "kubeno-webhook-pki-" });
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", "set -eu\n" + script],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`openssl failed: ${new TextDecoder().decode(out.stderr)}`);
    const files: Record<string, string> = {};
    for await (const e of Deno.readDir(dir)) {
      files[e.name] = await Deno.readTextFile(`${dir}/${e.name}`);
    }
    return files;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * `cas` CAs, each with `servings` serving certificates for IP:127.0.0.1 (each its own key):
 * `serving` is the first, `servings` all of them (a rotation within one CA).
 */
export async function webhookPki(
  cas = 1,
  servings = 1,
): Promise<{ ca: string; serving: Pem; servings: Pem[] }[]> {
  let script =
    `printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\nsubjectAltName=IP:127.0.0.1\\n' > tls.ext
`;
  for (let i = 0; i < cas; i++) {
    script += `
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca${i}.key
openssl req -x509 -new -key ca${i}.key -subj "/CN=kubeno-webhook-ca-${i}" -days 1 -sha256 -out ca${i}.crt \\
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
`;
    for (let j = 0; j < servings; j++) {
      const n = `tls${i}-${j}`;
      script += `
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${n}.key
openssl req -new -key ${n}.key -subj "/CN=kubeno-webhook" -out ${n}.csr
openssl x509 -req -in ${n}.csr -CA ca${i}.crt -CAkey ca${i}.key -CAcreateserial -days 1 -sha256 -extfile tls.ext -out ${n}.crt 2>/dev/null
`;
    }
  }
  const f = await openssl(script);
  return Array.from({ length: cas }, (_, i) => {
    const all = Array.from({ length: servings }, (_, j) => ({
      cert: f[`tls${i}-${j}.crt`],
      key: f[`tls${i}-${j}.key`],
    }));
    return { ca: f[`ca${i}.crt`], serving: all[0], servings: all };
  });
}
