// Child of proxy_env_deno_test.ts: for each case (environment variables, a URL), sets the
// variables, makes a fresh Deno HttpClient (Deno reads the proxy variables when one is made)
// (with the case's proxyUrl as its proxy, if any) and fetches the URL; two scripted "proxies" on 127.0.0.1 note the CONNECT and its
// Proxy-Authorization, then hang up. Prints one JSON line per case: which proxy, if any, saw it.
// Run with --allow-net --allow-env; `{A}` and `{B}` in values are the two proxies' ports.

const VARS = ["ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];
const cases: { env: Record<string, string>; url: string; proxyUrl?: string }[] = JSON.parse(
  Deno.args[0],
);
const dec = new TextDecoder();
let seen: { proxy: string; auth: string | null }[] = [];
const ports: Record<string, number> = {};
for (const name of ["A", "B"]) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  ports[name] = (listener.addr as Deno.NetAddr).port;
  (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(16 * 1024);
      const n = await conn.read(buf).catch(() => null);
      const head = dec.decode(buf.subarray(0, n ?? 0));
      const auth = /^proxy-authorization: *(.*)$/im.exec(head)?.[1]?.trim() ?? null;
      if (head.startsWith("CONNECT ")) seen.push({ proxy: name, auth });
      conn.close();
    }
  })();
}
for (const c of cases) {
  for (const v of VARS) Deno.env.delete(v);
  for (const [k, v] of Object.entries(c.env)) {
    Deno.env.set(k, v.replace(/\{([AB])\}/g, (_, p) => String(ports[p])));
  }
  seen = [];
  const fill = (v: string) => v.replace(/\{([AB])\}/g, (_, p) => String(ports[p]));
  const client = Deno.createHttpClient(c.proxyUrl ? { proxy: { url: fill(c.proxyUrl) } } : {});
  await fetch(c.url, { client, signal: AbortSignal.timeout(3_000) }).catch(() => {});
  client.close();
  console.log(JSON.stringify({ seen, ports }));
}
Deno.exit(0);
