// What the loopback relay (client/_proxy_relay.ts) costs: a 64 MiB download over TLS through
// tinyproxy (basic auth), three ways: straight to the server (no proxy), Deno's own CONNECT
// tunnel (Deno.createHttpClient with the proxy's basicAuth: the one that repeats the password
// to the server), and kubeno's Client (the relay). Best of --runs (default 3), MB/s.
//
//   deno run --allow-net=127.0.0.1 --allow-read --allow-write --allow-run \
//     tests/bench/proxy_relay_bench.ts [--runs=3] [--mib=64]
//
// Needs openssl and tinyproxy (tests/cluster/proxies.sh installs it).

import { Client } from "../../mod.ts";

const arg = (name: string, dflt: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const RUNS = arg("runs", 3);
const SIZE = arg("mib", 64) * 1024 * 1024;

const dir = await Deno.makeTempDir({ prefix: "kubeno-bench-relay-" });
async function sh(cmd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd}: ${new TextDecoder().decode(out.stderr)}`);
}
// A CA and a server certificate for 127.0.0.1.
await sh(
  "openssl",
  "req",
  "-x509",
  "-newkey",
  "ec",
  "-pkeyopt",
  "ec_paramgen_curve:P-256",
  "-nodes",
  "-keyout",
  `${dir}/ca.key`,
  "-out",
  `${dir}/ca.pem`,
  "-days",
  "1",
  "-subj",
  "/CN=bench-ca",
);
await sh(
  "openssl",
  "req",
  "-newkey",
  "ec",
  "-pkeyopt",
  "ec_paramgen_curve:P-256",
  "-nodes",
  "-keyout",
  `${dir}/key.pem`,
  "-out",
  `${dir}/csr.pem`,
  "-subj",
  "/CN=127.0.0.1",
);
await Deno.writeTextFile(`${dir}/ext`, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
await sh(
  "openssl",
  "x509",
  "-req",
  "-in",
  `${dir}/csr.pem`,
  "-CA",
  `${dir}/ca.pem`,
  "-CAkey",
  `${dir}/ca.key`,
  "-CAcreateserial",
  "-out",
  `${dir}/cert.pem`,
  "-days",
  "1",
  "-extfile",
  `${dir}/ext`,
);
const ca = await Deno.readTextFile(`${dir}/ca.pem`);

const chunk = new Uint8Array(64 * 1024).fill(120);
const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  cert: await Deno.readTextFile(`${dir}/cert.pem`),
  key: await Deno.readTextFile(`${dir}/key.pem`),
  onListen: () => {},
}, () => {
  let sent = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= SIZE) return c.close();
        c.enqueue(chunk);
        sent += chunk.length;
      },
    }),
    { headers: { "content-length": String(SIZE) } },
  );
});

const freePort = () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
};
const proxyPort = freePort();
await Deno.writeTextFile(
  `${dir}/tinyproxy.conf`,
  `Port ${proxyPort}\nListen 127.0.0.1\nAllow 127.0.0.1\nBasicAuth kubeno proxy-pw\n` +
    `ConnectPort ${server.addr.port}\nMaxClients 50\nLogLevel Critical\n`,
);
const tiny = new Deno.Command("tinyproxy", {
  args: ["-d", "-c", `${dir}/tinyproxy.conf`],
  stdout: "null",
  stderr: "null",
}).spawn();
for (let i = 0;; i++) {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: proxyPort })).close();
    break;
  } catch (err) {
    if (i > 100) throw err;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const url = `https://127.0.0.1:${server.addr.port}/blob`;
async function drain(body: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.length;
  return n;
}
async function timed(fn: () => Promise<number>): Promise<number> {
  let best = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const n = await fn();
    if (n !== SIZE) throw new Error(`got ${n} bytes`);
    best = Math.max(best, n / 1e6 / ((performance.now() - t0) / 1000));
  }
  return best;
}

const results: Record<string, number> = {};
{
  using c = Deno.createHttpClient({ caCerts: [ca] });
  results["direct (no proxy)"] = await timed(async () =>
    drain((await fetch(url, { client: c })).body!)
  );
}
{
  using c = Deno.createHttpClient({
    caCerts: [ca],
    proxy: {
      url: `http://127.0.0.1:${proxyPort}`,
      basicAuth: { username: "kubeno", password: "proxy-pw" },
    },
  });
  results["Deno's tunnel (leaks the password)"] = await timed(async () =>
    drain((await fetch(url, { client: c })).body!)
  );
}
{
  using client = new Client({
    clusterUrl: new URL(`https://127.0.0.1:${server.addr.port}`),
    defaultNamespace: "default",
    caCerts: [ca],
    auth: { authorization: () => Promise.resolve(undefined) },
    proxyUrl: `http://kubeno:proxy-pw@127.0.0.1:${proxyPort}`,
    source: "bench",
  }, { timeoutMs: 60_000 });
  results["kubeno Client (relay)"] = await timed(async () =>
    drain(
      await client.requestStream({
        method: "GET",
        path: "/blob",
        query: new URLSearchParams(),
        headers: {},
      }),
    )
  );
}
console.log(`${SIZE / 1024 / 1024} MiB over TLS, best of ${RUNS}, Deno ${Deno.version.deno}:`);
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(36)} ${v.toFixed(0)} MB/s`);

tiny.kill();
await tiny.status;
await server.shutdown();
await Deno.remove(dir, { recursive: true });
