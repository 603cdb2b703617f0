// Differential: kubeno's reading of the proxy variables (client/_env_proxy.ts) against what the
// running Deno does with them. The Client relays an http:// proxy's password only when it
// predicts that Deno's fetch would send it (Deno repeats it to the server inside the tunnel), so
// a wrong prediction is a leaked password: each case runs in a child Deno whose fetch meets two
// scripted proxies, and the proxy it chose (or none) and the credentials it sent must be the
// ones predicted. Hosts are loopback addresses and *.localhost names; no cluster needed.

import assert from "node:assert/strict";
import { envProxyFor, noProxyFor, proxyValueUrl } from "../../client/_env_proxy.ts";
import { requireRun } from "./_require.ts";

const canRun = requireRun();
const probe = new URL("./_deno_env_proxy_probe.ts", import.meta.url).pathname;

const A = "http://ua:pa@127.0.0.1:{A}";
const B = "http://ub:p%40b@127.0.0.1:{B}";
const host = "https://api.kube.localhost:6443/";
const cases: { env: Record<string, string>; url: string; proxyUrl?: string }[] = [
  { env: { HTTPS_PROXY: A }, url: host },
  { env: { https_proxy: B }, url: host },
  { env: { HTTPS_PROXY: A, https_proxy: B }, url: host },
  { env: { HTTPS_PROXY: "", https_proxy: B }, url: host },
  { env: { HTTPS_PROXY: "http://ua@127.0.0.1:{A}", https_proxy: B }, url: host },
  { env: { HTTPS_PROXY: "ftp://ua:pa@127.0.0.1:{A}", https_proxy: B }, url: host },
  { env: { HTTPS_PROXY: "garbage::", https_proxy: B }, url: host },
  { env: { HTTPS_PROXY: "ua:pa@127.0.0.1:{A}" }, url: host },
  { env: { HTTPS_PROXY: "HTTP://ua:pa@127.0.0.1:{A}/some/path" }, url: host },
  { env: { ALL_PROXY: B, HTTPS_PROXY: A }, url: host },
  { env: { all_proxy: B, HTTPS_PROXY: A }, url: host },
  { env: { ALL_PROXY: "", all_proxy: B, HTTPS_PROXY: A }, url: host },
  { env: { HTTP_PROXY: A, http_proxy: B }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "kube.localhost" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: ".kube.localhost" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: " x , api.kube.localhost " }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "x,*" }, url: host },
  { env: { HTTPS_PROXY: A, no_proxy: "kube.localhost" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "", no_proxy: "kube.localhost" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "ube.localhost" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "*.kube.localhost" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "api.kube.localhost:6443" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "API.kube.localhost" }, url: host },
  { env: { HTTPS_PROXY: A, NO_PROXY: "kube.localhost" }, url: "https://API.Kube.localhost:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "127.0.0.0/8" }, url: "https://127.0.0.2:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "127.0.0.2" }, url: "https://127.0.0.2:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "127.0.0.3/32" }, url: "https://127.0.0.2:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "127.0.0" }, url: "https://127.0.0.2:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "*" }, url: "https://127.0.0.2:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "::1/128" }, url: "https://[::1]:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "0:0::1" }, url: "https://[::1]:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "[::1]" }, url: "https://[::1]:6443/" },
  { env: { HTTPS_PROXY: A, NO_PROXY: "::ffff:127.0.0.2" }, url: "https://127.0.0.2:6443/" },
  // A proxy given to createHttpClient (a kubeconfig's proxy-url) comes first, but NO_PROXY
  // still sends the request direct (kubectl would use the proxy: the Client warns).
  { env: { HTTPS_PROXY: B }, url: host, proxyUrl: A },
  { env: { HTTPS_PROXY: B, NO_PROXY: "kube.localhost" }, url: host, proxyUrl: A },
];

Deno.test({
  name: "proxy variables: kubeno predicts Deno's choice of proxy and the credentials it sends",
  ignore: !canRun,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--allow-net", "--allow-env", probe, JSON.stringify(cases)],
      env: { DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, cases.length);
    cases.forEach((c, i) => {
      const { seen, ports } = lines[i] as {
        seen: { proxy: string; auth: string | null }[];
        ports: Record<string, number>;
      };
      const fill = (v: string) => v.replace(/\{([AB])\}/g, (_, p) => String(ports[p]));
      const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, fill(v)]));
      const target = new URL(c.url);
      const get = (name: string) => env[name];
      const proxy = c.proxyUrl && !noProxyFor(target, get)
        ? fill(c.proxyUrl)
        : c.proxyUrl
        ? undefined
        : envProxyFor(target, get).proxy;
      const what = `${JSON.stringify(c.env)} ${c.url}`;
      if (proxy === undefined) {
        assert.deepEqual(seen, [], `direct predicted: ${what}`);
        return;
      }
      const url = proxyValueUrl(proxy)!;
      const name = Number(url.port) === ports.A ? "A" : "B";
      const creds = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      const auth = url.username || url.password ? `Basic ${btoa(creds)}` : null;
      assert.deepEqual(seen, [{ proxy: name, auth }], `proxy ${name} predicted: ${what}`);
    });
  },
});
