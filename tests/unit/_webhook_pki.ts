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

/** `cas` CAs, each with one serving certificate for IP:127.0.0.1. */
export async function webhookPki(cas = 1): Promise<{ ca: string; serving: Pem }[]> {
  let script = "";
  for (let i = 0; i < cas; i++) {
    script += `
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca${i}.key
openssl req -x509 -new -key ca${i}.key -subj "/CN=kubeno-webhook-ca-${i}" -days 1 -sha256 -out ca${i}.crt \\
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls${i}.key
openssl req -new -key tls${i}.key -subj "/CN=kubeno-webhook" -out tls${i}.csr
printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\nsubjectAltName=IP:127.0.0.1\\n' > tls.ext
openssl x509 -req -in tls${i}.csr -CA ca${i}.crt -CAkey ca${i}.key -CAcreateserial -days 1 -sha256 -extfile tls.ext -out tls${i}.crt 2>/dev/null
`;
  }
  const f = await openssl(script);
  return Array.from({ length: cas }, (_, i) => ({
    ca: f[`ca${i}.crt`],
    serving: { cert: f[`tls${i}.crt`], key: f[`tls${i}.key`] },
  }));
}
