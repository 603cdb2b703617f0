// proxy-url through real proxy servers from Debian (tinyproxy for HTTP CONNECT, microsocks for
// SOCKS5; tests/cluster/proxies.sh installs them): ordinary requests, watches and WebSocket
// upgrades (pod exec, port-forward) reach the apiserver through the proxy, the credentials in the
// proxy URL are the proxy's (a wrong password fails), and kubectl agrees on which requests go
// through it (HTTPS_PROXY is not used for a loopback server, by either).

import assert from "node:assert/strict";
import { Api, Client, configFromKubeconfig, ConnectionError, createHttpClient } from "../../mod.ts";
import { ConfigMap, Namespace, Pod } from "../../core/k8s/core/v1.ts";
import { requireCluster, withNamespace } from "./_cluster.ts";
import { requireRun } from "./_require.ts";
import { clusterEnv, writeClusterKubeconfig } from "./_auth.ts";
import { mapPodPort, runPod, withKubectlNamespace } from "./nodes_kit.ts";

const here = new URL(".", import.meta.url).pathname;
const canRun = requireRun();

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function listening(port: number): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A proxy server process; `log()` is what it logged (tinyproxy only). */
class ProxyServer implements AsyncDisposable {
  private constructor(
    readonly url: string,
    readonly proc: Deno.ChildProcess,
    readonly logFile?: string,
  ) {}

  static async install(): Promise<void> {
    const out = await new Deno.Command("bash", { args: [`${here}../cluster/proxies.sh`] })
      .output();
    if (!out.success) throw new Error("tests/cluster/proxies.sh could not install the proxies");
  }

  /** tinyproxy with basic auth, CONNECT allowed to `connectPort` only. */
  static async tinyproxy(dir: string, connectPort: number): Promise<ProxyServer> {
    const port = freePort();
    const log = `${dir}/tinyproxy.log`;
    Deno.writeTextFileSync(
      `${dir}/tinyproxy.conf`,
      [
        `Port ${port}`,
        "Listen 127.0.0.1",
        "Timeout 600",
        `LogFile "${log}"`,
        "LogLevel Connect",
        "MaxClients 50",
        "Allow 127.0.0.1",
        "BasicAuth kubeno proxy-pw",
        `ConnectPort ${connectPort}`,
      ].join("\n") + "\n",
    );
    const proc = new Deno.Command("tinyproxy", {
      args: ["-d", "-c", `${dir}/tinyproxy.conf`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await listening(port);
    return new ProxyServer(`127.0.0.1:${port}`, proc, log);
  }

  /** microsocks with a user and password. */
  static async microsocks(): Promise<ProxyServer> {
    const port = freePort();
    const proc = new Deno.Command("microsocks", {
      args: ["-i", "127.0.0.1", "-p", String(port), "-u", "kubeno", "-P", "socks-pw"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await listening(port);
    return new ProxyServer(`127.0.0.1:${port}`, proc);
  }

  /** socat terminating TLS (a certificate from the cluster CA) in front of `plain`. */
  static async tlsFront(plain: ProxyServer): Promise<ProxyServer> {
    const e = clusterEnv();
    const port = freePort();
    const proc = new Deno.Command("socat", {
      args: [
        `OPENSSL-LISTEN:${port},reuseaddr,fork,bind=127.0.0.1,cert=${e.oidc!.servingCert},` +
        `key=${e.oidc!.servingKey},verify=0`,
        `TCP:${plain.url}`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await listening(port);
    return new ProxyServer(`127.0.0.1:${port}`, proc);
  }

  /** The CONNECT requests it logged. */
  connects(): string[] {
    const text = Deno.readTextFileSync(this.logFile!);
    return text.split("\n").filter((l) => /Request .*: CONNECT /.test(l));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.proc.kill("SIGTERM");
    } catch { /* gone */ }
    await this.proc.status;
  }
}

/**
 * The processes (names) that have an established TCP connection to 127.0.0.1:`port`, from
 * `ss -tnp`: while a stream is open through a proxy, the proxy holds the connection to the
 * apiserver, and this test process does not.
 */
async function holdersOf(port: number): Promise<string[]> {
  const out = await new Deno.Command("ss", {
    args: ["-Htnp", "state", "established", "dst", `127.0.0.1:${port}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`ss: ${new TextDecoder().decode(out.stderr)}`);
  const names = [...new TextDecoder().decode(out.stdout).matchAll(/\(\("([^"]+)",pid=(\d+)/g)]
    .map((m) => Number(m[2]) === Deno.pid ? "(this test)" : m[1]);
  return [...new Set(names)].sort();
}

/**
 * Through `client`: an exec whose stdin is held open while the apiserver's side of the stream is
 * looked at (who holds a connection to it: `via`, the proxy process), then ended; a port-forward
 * round trip; both on pod `p` of `ns`.
 */
async function streamsThrough(client: Client, ns: string, via: string): Promise<void> {
  const e = clusterEnv();
  const pods = Api.namespaced(client, Pod, ns);
  await using p = await pods.exec("p", ["sh", "-c", "cat; echo done"], { stdin: true });
  assert.equal(p.protocol, "v5.channel.k8s.io");
  const holders = await holdersOf(e.ports.apiserver);
  assert.ok(holders.includes(via), `${via} holds no connection to the apiserver: ${holders}`);
  if (via !== "(this test)") {
    // (Every client of this file is closed by then: no pooled connection of this process.)
    assert.ok(!holders.includes("(this test)"), `the stream went straight: ${holders}`);
  }
  const w = p.stdin!.getWriter();
  await w.write(new TextEncoder().encode("through the proxy\n"));
  await w.close();
  assert.equal(await new Response(p.stdout).text(), "through the proxy\ndone\n");
  assert.equal((await p.status).exitCode, 0);
  // Port 8080 of the pod is mapped to an echo server here.
  await using pf = await pods.portForward("p", [8080]);
  const s = pf.stream(8080);
  const pw = s.writable.getWriter();
  await pw.write(new TextEncoder().encode("ping"));
  const reader = s.readable.getReader();
  let got = "";
  while (got.length < 4) {
    const { done, value } = await reader.read();
    if (done) break;
    got += new TextDecoder().decode(value);
  }
  assert.equal(got, "ping");
  reader.releaseLock();
  pw.releaseLock();
}

/** A TCP echo server on 127.0.0.1. */
function echoServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.TcpConn>();
  const serving = (async () => {
    for await (const c of listener) {
      conns.add(c);
      c.readable.pipeTo(c.writable).catch(() => {}).finally(() => conns.delete(c));
    }
  })().catch(() => {});
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serving;
    },
  };
}

/** A kubeconfig for the cluster as the admin (client certificate), with `cluster` fields. */
function kubeconfigFile(dir: string, cluster: Record<string, unknown>): string {
  const e = clusterEnv();
  return writeClusterKubeconfig(`${dir}/kubeconfig-${crypto.randomUUID()}`, {
    "client-certificate-data": btoa(Deno.readTextFileSync(e.pki.adminCert)),
    "client-key-data": btoa(Deno.readTextFileSync(e.pki.adminKey)),
  }, cluster);
}

/**
 * Through `proxyUrl`: a GET, a list and a watch event; and with `badUrl` (a wrong password)
 * the proxy refuses.
 */
async function throughProxy(dir: string, proxyUrl: string, badUrl: string): Promise<void> {
  using admin = await Client.tryDefault();
  const path = kubeconfigFile(dir, { "proxy-url": proxyUrl });
  using proxied = new Client(await configFromKubeconfig({ path }));
  await Api.all(proxied, Namespace).get("default");
  await listAndWatch(proxied, admin);
  const bad = kubeconfigFile(dir, { "proxy-url": badUrl });
  using refused = new Client(await configFromKubeconfig({ path: bad }), {
    retry: { maxRetries: 0 },
  });
  await assert.rejects(Api.all(refused, Namespace).get("default"), ConnectionError);
}

/** A list and a watch event through the proxied client. */
async function listAndWatch(proxied: Client, admin: Client): Promise<void> {
  await withNamespace(admin, "e2e-proxy", async (ns) => {
    const cms = Api.namespaced(proxied, ConfigMap, ns);
    const list = await cms.list();
    // The controller-manager publishes kube-root-ca.crt into every new namespace, at any moment.
    const events = cms.watch(
      { timeoutSeconds: 30, fieldSelector: "metadata.name=through-proxy" },
      list.metadata.resourceVersion,
    );
    const first = events.next();
    await Api.namespaced(admin, ConfigMap, ns).create({ metadata: { name: "through-proxy" } });
    const ev = await first;
    assert.equal(ev.done, false);
    assert.equal(ev.value?.type, "ADDED");
    assert.equal(
      (ev.value as { object?: ConfigMap }).object?.metadata.name,
      "through-proxy",
    );
    await events.return(undefined);
  });
}

if (requireCluster()) {
  const opts = { ignore: !canRun, sanitizeResources: false, sanitizeOps: false };

  Deno.test({
    name: "e2e proxy-url http://user:pass@ (tinyproxy): requests and watches go through it",
    ...opts,
  }, async () => {
    await ProxyServer.install();
    const e = clusterEnv();
    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-proxy-" });
    try {
      await using proxy = await ProxyServer.tinyproxy(dir, e.ports.apiserver);
      await throughProxy(
        dir,
        `http://kubeno:proxy-pw@${proxy.url}`,
        `http://kubeno:wrong@${proxy.url}`,
      );
      const connects = proxy.connects();
      assert.ok(connects.length >= 1, `no CONNECT through tinyproxy: ${connects}`);
      assert.ok(connects.every((l) => l.includes(`CONNECT 127.0.0.1:${e.ports.apiserver} `)));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test({
    name: "e2e proxy-url socks5://user:pass@ (microsocks): requests and watches go through it",
    ...opts,
  }, async () => {
    await ProxyServer.install();
    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-socks-" });
    try {
      await using proxy = await ProxyServer.microsocks();
      await throughProxy(
        dir,
        `socks5://kubeno:socks-pw@${proxy.url}`,
        `socks5://kubeno:wrong@${proxy.url}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test({
    name: "e2e proxy-url https://user:pass@ (socat TLS, then tinyproxy): requests and watches",
    ...opts,
  }, async () => {
    await ProxyServer.install();
    const e = clusterEnv();
    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-https-proxy-" });
    try {
      await using plain = await ProxyServer.tinyproxy(dir, e.ports.apiserver);
      // The proxy's certificate is checked with the kubeconfig's CA, as Go's transport does.
      await using proxy = await ProxyServer.tlsFront(plain);
      await throughProxy(
        dir,
        `https://kubeno:proxy-pw@${proxy.url}`,
        `https://kubeno:wrong@${proxy.url}`,
      );
      assert.ok(plain.connects().length >= 1, "no CONNECT reached tinyproxy through TLS");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test({
    name:
      "e2e proxies, kubectl and kubeno side by side: proxy-url, HTTPS_PROXY and NO_PROXY for a loopback server",
    ...opts,
  }, async () => {
    await ProxyServer.install();
    const e = clusterEnv();
    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-proxy-diff-" });
    try {
      await using proxy = await ProxyServer.tinyproxy(dir, e.ports.apiserver);
      const withUrl = kubeconfigFile(dir, { "proxy-url": `http://kubeno:proxy-pw@${proxy.url}` });
      const plain = kubeconfigFile(dir, {});
      const viaEnv = { HTTPS_PROXY: `http://kubeno:proxy-pw@${proxy.url}` };
      const runs: [string, Record<string, string>][] = [
        [withUrl, {}],
        [plain, viaEnv],
        [plain, { ...viaEnv, NO_PROXY: "127.0.0.1" }],
      ];
      // CONNECTs to the apiserver only (Deno's own update check may also use the proxy).
      const toApiserver = () =>
        proxy.connects().filter((l) => l.includes(`CONNECT 127.0.0.1:${e.ports.apiserver} `))
          .length;
      const counts: Record<string, number[]> = { kubectl: [], kubeno: [] };
      for (const who of ["kubectl", "kubeno"] as const) {
        for (const [kubeconfig, env] of runs) {
          const before = toApiserver();
          const args = who === "kubectl"
            ? ["--kubeconfig", kubeconfig, "get", "--raw", "/api/v1/namespaces/default"]
            : [
              "run",
              "-A",
              `--config=${here}../../deno.json`,
              `${here}_kubeno_get.ts`,
              kubeconfig,
              "/api/v1/namespaces/default",
            ];
          const out = await new Deno.Command(
            who === "kubectl" ? `${e.binDir}/kubectl` : Deno.execPath(),
            {
              args,
              stdin: "null",
              stdout: "piped",
              stderr: "piped",
              // kubectl: an empty HOME (no ~/.kube cache); Deno keeps its module cache.
              env: { ...env, ...(who === "kubectl" ? { HOME: dir } : {}) },
            },
          ).output();
          assert.ok(out.success, `${who}: ${new TextDecoder().decode(out.stderr)}`);
          counts[who].push(toApiserver() - before);
        }
      }
      console.log(
        `CONNECTs to the apiserver (proxy-url, HTTPS_PROXY, +NO_PROXY): ${JSON.stringify(counts)}`,
      );
      assert.deepEqual(counts.kubectl, [1, 0, 0]);
      // The known difference: Go never proxies a loopback address; Deno's HttpClient applies
      // HTTPS_PROXY to it too (README: set NO_PROXY=127.0.0.1,localhost). proxy-url and
      // NO_PROXY agree.
      assert.deepEqual(counts.kubeno, [1, 1, 0]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  Deno.test({
    name:
      "e2e proxies: pod exec and port-forward (WebSocket) through tinyproxy, socat TLS + tinyproxy, microsocks and HTTPS_PROXY",
    ...opts,
  }, async () => {
    await ProxyServer.install();
    const e = clusterEnv();
    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-ws-proxy-" });
    await using echo = echoServer();
    try {
      await withKubectlNamespace("e2e-ws-proxy", async (ns) => {
        await runPod(ns, "p");
        mapPodPort(ns, "p", 8080, echo.address);
        await using tiny = await ProxyServer.tinyproxy(dir, e.ports.apiserver);
        await using tls = await ProxyServer.tlsFront(tiny);
        await using socks = await ProxyServer.microsocks();
        const connects = () =>
          tiny.connects().filter((l) => l.includes(`CONNECT 127.0.0.1:${e.ports.apiserver} `))
            .length;
        const client = async (cluster: Record<string, unknown>) =>
          new Client(await configFromKubeconfig({ path: kubeconfigFile(dir, cluster) }), {
            retry: { maxRetries: 0 },
          });

        // http://: each stream is one CONNECT in tinyproxy's own log, tinyproxy holds the
        // connection to the apiserver.
        let before = connects();
        {
          using c = await client({ "proxy-url": `http://kubeno:proxy-pw@${tiny.url}` });
          await streamsThrough(c, ns, "tinyproxy");
        }
        assert.equal(connects() - before, 2, "exec and port-forward: one CONNECT each");

        // https://: TLS to socat, then the same CONNECTs reach tinyproxy.
        before = connects();
        {
          using c = await client({ "proxy-url": `https://kubeno:proxy-pw@${tls.url}` });
          await streamsThrough(c, ns, "tinyproxy");
        }
        assert.equal(connects() - before, 2);

        // socks5://: microsocks holds the connection; a wrong password is refused.
        {
          using c = await client({ "proxy-url": `socks5://kubeno:socks-pw@${socks.url}` });
          await streamsThrough(c, ns, "microsocks");
          using bad = await client({ "proxy-url": `socks5://kubeno:wrong@${socks.url}` });
          await assert.rejects(
            Api.namespaced(bad, Pod, ns).exec("p", ["true"]),
            (err: unknown) =>
              err instanceof ConnectionError && !String(err).includes("wrong") &&
              !String(err).includes("socks-pw"),
          );
        }

        // HTTPS_PROXY (no proxy-url): used, unless NO_PROXY names the server.
        const saved = ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"].map(
          (k) => [k, Deno.env.get(k)] as const,
        );
        try {
          for (const [k] of saved) Deno.env.delete(k);
          Deno.env.set("HTTPS_PROXY", `http://kubeno:proxy-pw@${tiny.url}`);
          before = connects();
          {
            using c = await client({});
            await streamsThrough(c, ns, "tinyproxy");
          }
          assert.equal(connects() - before, 2);
          Deno.env.set("NO_PROXY", "127.0.0.1");
          before = connects();
          {
            using c = await client({});
            await streamsThrough(c, ns, "(this test)");
          }
          assert.equal(connects() - before, 0);
        } finally {
          for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  Deno.test({
    name:
      "e2e proxy-url and HTTPS_PROXY http://user:pass@ (tinyproxy): the proxy's password never reaches the server, requests and WebSocket handshakes alike",
    ...opts,
  }, async () => {
    await ProxyServer.install();
    const e = clusterEnv();
    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-proxy-leak-" });
    // A server that records every header it gets (the exact request shape is the point, so
    // it stands in for the apiserver), with a certificate from the cluster CA.
    const seen: Headers[] = [];
    const ac = new AbortController();
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: Deno.readTextFileSync(e.oidc!.servingCert),
      key: Deno.readTextFileSync(e.oidc!.servingKey),
      signal: ac.signal,
      onListen: () => {},
    }, (req) => {
      seen.push(new Headers(req.headers));
      if (req.headers.get("upgrade") !== "websocket") return Response.json({ gitVersion: "x" });
      const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "v5.channel.k8s.io" });
      socket.onopen = () => socket.close();
      return response;
    });
    try {
      await using proxy = await ProxyServer.tinyproxy(dir, server.addr.port);
      const server_ = { server: `https://127.0.0.1:${server.addr.port}` };
      const user = { token: "bearer-for-the-server" };
      const viaUrl = writeClusterKubeconfig(`${dir}/kubeconfig`, user, {
        ...server_,
        "proxy-url": `http://kubeno:proxy-pw@${proxy.url}`,
      });
      const plain = writeClusterKubeconfig(`${dir}/kubeconfig-plain`, user, server_);
      const exchange = async (path: string) => {
        using client = new Client(await configFromKubeconfig({ path }));
        await client.requestText({
          method: "GET",
          path: "/version",
          query: new URLSearchParams(),
          headers: {},
        });
        const { socket, opened } = await client.webSocket({
          method: "GET",
          path: "/api/v1/namespaces/ns/pods/p/exec",
          query: new URLSearchParams(),
          headers: {},
        }, ["v5.channel.k8s.io"]);
        const closed = new Promise((r) => socket.addEventListener("close", r));
        await opened;
        await closed;
      };
      await exchange(viaUrl);
      // HTTPS_PROXY with a password (no proxy-url): Deno's fetch repeats it too.
      const names = [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
      ];
      const saved = names.map((k) => [k, Deno.env.get(k)] as const);
      try {
        const withPassword = `http://kubeno:proxy-pw@${proxy.url}`;
        // Alone, beside a NO_PROXY that does not name the server, and as ALL_PROXY (which Deno
        // takes first): each time Deno's fetch would send the password to the server.
        const variants: Record<string, string>[] = [
          { HTTPS_PROXY: withPassword },
          { HTTPS_PROXY: withPassword, NO_PROXY: "other.example, 10.0.0.0/8, 127.0.0.2" },
          { ALL_PROXY: withPassword, https_proxy: "http://127.0.0.1:9" },
        ];
        for (const vars of variants) {
          for (const k of names) Deno.env.delete(k);
          for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
          await exchange(plain);
        }
      } finally {
        for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
      }
      // A bare createHttpClient (no Client) relays alike, and closes its relay with it.
      {
        const config = await configFromKubeconfig({ path: viaUrl });
        using http = createHttpClient(config);
        const res = await fetch(new URL("/version", config.clusterUrl), {
          client: http,
          headers: { authorization: "Bearer bearer-for-the-server" },
        });
        assert.equal((await res.json()).gitVersion, "x");
      }
      assert.equal(seen.length, 9);
      const upgrades = seen.map((h) => h.get("upgrade") === "websocket");
      assert.deepEqual(upgrades, [false, true, false, true, false, true, false, true, false]);
      const proxyBasic = `Basic ${btoa("kubeno:proxy-pw")}`;
      for (const h of seen) {
        assert.equal(h.get("authorization"), "Bearer bearer-for-the-server");
        const all = [...h].map(([k, v]) => `${k}: ${v}`).join("\n");
        assert.ok(!all.includes(proxyBasic) && !all.includes("proxy-pw"), all);
      }
      // Both went through tinyproxy, with the proxy's password (it refuses any other).
      const connects = proxy.connects().filter((l) =>
        l.includes(`CONNECT 127.0.0.1:${server.addr.port} `)
      );
      assert.ok(connects.length >= 5, `not all through tinyproxy: ${connects}`);
    } finally {
      ac.abort();
      await server.finished;
      await Deno.remove(dir, { recursive: true });
    }
  });
}
