// The loopback relay in front of an http:// proxy with credentials (client/_proxy_relay.ts):
// what it sends to the proxy, and how it treats hostile input from either side (a wrong
// secret, another target, garbage, oversized heads, cut connections). Raw TCP on 127.0.0.1;
// the e2e test (auth_proxy_test.ts) runs it with Deno's HttpClient, tinyproxy and TLS.

import assert from "node:assert/strict";
import {
  envProxyWithPassword,
  needsRelay,
  ProxyRelay,
  readHead,
} from "../../client/_proxy_relay.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A scripted upstream proxy: `script` gets each connection and the head it sent. */
function upstream(
  script: (conn: Deno.Conn, head: string) => Promise<void>,
  hostname = "127.0.0.1",
) {
  const listener = Deno.listen({ hostname, port: 0 });
  const heads: string[] = [];
  const conns = new Set<Deno.Conn>();
  const done = (async () => {
    for await (const c of listener) {
      conns.add(c);
      (async () => {
        const h = await readHead(c, 5_000);
        heads.push(h?.head ?? "(none)");
        await script(c, h?.head ?? "");
      })().catch(() => {}).finally(() => {
        try {
          c.close();
        } catch { /* closed */ }
        conns.delete(c);
      });
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    heads,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await done;
    },
  };
}

async function write(conn: Deno.Conn, text: string | Uint8Array): Promise<void> {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** Everything the peer sends until it closes (or `max` bytes). */
async function readAll(conn: Deno.Conn, max = 1 << 20): Promise<string> {
  const buf = new Uint8Array(64 * 1024);
  let out = "";
  while (out.length < max) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      break;
    }
    if (n === null) break;
    out += dec.decode(buf.subarray(0, n));
  }
  return out;
}

const TARGET = "api.example:6443";

function relayTo(port: number, auth = "user:p%40ss", maxConnections?: number): ProxyRelay {
  return new ProxyRelay({
    proxyUrl: `http://${auth}@127.0.0.1:${port}`,
    authority: TARGET,
    ...(maxConnections !== undefined ? { maxConnections } : {}),
  });
}

/** The relay's address and the Proxy-Authorization it expects, from its URL. */
function relayParts(relay: ProxyRelay): { port: number; auth: string } {
  const u = new URL(relay.url);
  return { port: Number(u.port), auth: `Basic ${btoa(`${u.username}:${u.password}`)}` };
}

async function connectTo(relay: ProxyRelay): Promise<Deno.Conn> {
  return await Deno.connect({ hostname: "127.0.0.1", port: relayParts(relay).port });
}

Deno.test("relay: needed for an http:// proxy with credentials in front of an https server only", () => {
  const https = new URL("https://h:6443");
  assert.equal(needsRelay("http://u:p@proxy:3128", https), true);
  assert.equal(needsRelay("http://u@proxy:3128", https), true);
  assert.equal(needsRelay("http://proxy:3128", https), false);
  assert.equal(needsRelay("https://u:p@proxy:3128", https), false);
  assert.equal(needsRelay("socks5://u:p@proxy:1080", https), false);
  assert.equal(needsRelay("http://u:p@proxy:3128", new URL("http://h:8080")), false);
  assert.equal(needsRelay(undefined, https), false);
  assert.equal(needsRelay("not a url", https), false);
});

Deno.test("relay: the real credentials go on its own CONNECT; bytes flow both ways, early bytes kept", async () => {
  await using up = upstream(async (c) => {
    // 200, with bytes right after the head (a server that speaks first).
    await write(c, "HTTP/1.1 200 Connection established\r\nX-Proxy: tiny\r\n\r\nearly;");
    const buf = new Uint8Array(1024);
    for (;;) {
      const n = await c.read(buf);
      if (n === null) return;
      await write(c, buf.subarray(0, n)); // echo
    }
  });
  const relay = relayTo(up.port);
  try {
    assert.ok(!Deno.inspect(relay).includes(new URL(relay.url).password), Deno.inspect(relay));
    assert.ok(!JSON.stringify(relay).includes(new URL(relay.url).password));
    const c = await connectTo(relay);
    await write(
      c,
      `CONNECT ${TARGET} HTTP/1.1\r\nHost: ${TARGET}\r\n` +
        `Proxy-Authorization: ${relayParts(relay).auth}\r\n\r\n`,
    );
    const head = await readHead(c, 5_000);
    assert.equal(head?.head, "HTTP/1.1 200 Connection Established");
    let got = dec.decode(head!.rest);
    await write(c, "ping");
    const buf = new Uint8Array(64);
    while (got.length < "early;ping".length) {
      const n = await c.read(buf);
      if (n === null) break;
      got += dec.decode(buf.subarray(0, n));
    }
    assert.equal(got, "early;ping");
    c.close();
    assert.equal(
      up.heads[0],
      `CONNECT ${TARGET} HTTP/1.1\r\nHost: ${TARGET}\r\n` +
        `Proxy-Authorization: Basic ${btoa("user:p@ss")}`,
    );
  } finally {
    relay.close();
  }
});

Deno.test("relay: an IPv6 proxy ([::1]) gets the CONNECT with its credentials", async () => {
  await using up = upstream(async (c) => {
    await write(c, "HTTP/1.1 200 Connection established\r\n\r\n");
  }, "::1");
  const relay = new ProxyRelay({ proxyUrl: `http://u6:pw6@[::1]:${up.port}`, authority: TARGET });
  try {
    const c = await connectTo(relay);
    await write(
      c,
      `CONNECT ${TARGET} HTTP/1.1\r\nHost: ${TARGET}\r\n` +
        `Proxy-Authorization: ${relayParts(relay).auth}\r\n\r\n`,
    );
    assert.equal((await readHead(c, 5_000))?.head, "HTTP/1.1 200 Connection Established");
    c.close();
    assert.equal(
      up.heads[0],
      `CONNECT ${TARGET} HTTP/1.1\r\nHost: ${TARGET}\r\nProxy-Authorization: Basic ${
        btoa("u6:pw6")
      }`,
    );
  } finally {
    relay.close();
  }
});

Deno.test("relay: refuses a wrong or missing secret, another target, another method, garbage, and never calls the proxy", async () => {
  await using up = upstream(async (c) => {
    await write(c, "HTTP/1.1 200 OK\r\n\r\n");
  });
  const relay = relayTo(up.port);
  try {
    const { auth } = relayParts(relay);
    const cases: [string, string | Uint8Array, RegExp][] = [
      ["no secret", `CONNECT ${TARGET} HTTP/1.1\r\n\r\n`, /^HTTP\/1\.1 407 /],
      [
        "wrong secret",
        `CONNECT ${TARGET} HTTP/1.1\r\nProxy-Authorization: Basic ${
          btoa("kubeno-relay:x")
        }\r\n\r\n`,
        /^HTTP\/1\.1 407 /,
      ],
      [
        "the real proxy's password",
        `CONNECT ${TARGET} HTTP/1.1\r\nProxy-Authorization: Basic ${btoa("user:p@ss")}\r\n\r\n`,
        /^HTTP\/1\.1 407 /,
      ],
      [
        "another target",
        `CONNECT evil.example:443 HTTP/1.1\r\nProxy-Authorization: ${auth}\r\n\r\n`,
        /^HTTP\/1\.1 403 /,
      ],
      [
        "a plain GET",
        `GET http://${TARGET}/ HTTP/1.1\r\nProxy-Authorization: ${auth}\r\n\r\n`,
        /^HTTP\/1\.1 405 /,
      ],
      [
        "bytes after the head",
        `CONNECT ${TARGET} HTTP/1.1\r\nProxy-Authorization: ${auth}\r\n\r\nsmuggled`,
        /^HTTP\/1\.1 400 /,
      ],
      ["garbage", crypto.getRandomValues(new Uint8Array(20_000)), /^HTTP\/1\.1 400 /],
      ["a head without end", "CONNECT " + "a".repeat(17_000), /^HTTP\/1\.1 400 /],
    ];
    for (const [what, bytes, want] of cases) {
      const c = await connectTo(relay);
      await write(c, bytes).catch(() => {});
      const answer = await readAll(c);
      c.close();
      assert.match(answer, want, what);
      assert.ok(!answer.includes("p@ss") && !answer.includes(btoa("user:p@ss")), what);
    }
    // A client that goes away mid-head.
    const c = await connectTo(relay);
    await write(c, "CONNECT api");
    c.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(up.heads, []);
  } finally {
    relay.close();
  }
});

Deno.test("relay: a refusing or broken proxy gives the client a status and the connection ends", async () => {
  const behaviours: [string, (c: Deno.Conn) => Promise<void>, RegExp][] = [
    [
      "407",
      (c) => write(c, "HTTP/1.1 407 Proxy Authentication Required\r\nX-Secret: s\r\n\r\nbody"),
      /^HTTP\/1\.1 407 Tunnel Refused\r\n/,
    ],
    ["garbage", (c) => write(c, "SSH-2.0-OpenSSH\r\n\r\n"), /^HTTP\/1\.1 502 /],
    ["a status out of range", (c) => write(c, "HTTP/1.1 999 What\r\n\r\n"), /^HTTP\/1\.1 502 /],
    ["closes at once", () => Promise.resolve(), /^HTTP\/1\.1 502 /],
    [
      "an endless head",
      (c) => write(c, "HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(4000)),
      /^HTTP\/1\.1 502 /,
    ],
  ];
  for (const [what, script, want] of behaviours) {
    await using up = upstream(script);
    const relay = relayTo(up.port);
    try {
      const c = await connectTo(relay);
      await write(
        c,
        `CONNECT ${TARGET} HTTP/1.1\r\nProxy-Authorization: ${relayParts(relay).auth}\r\n\r\n`,
      );
      const answer = await readAll(c);
      c.close();
      assert.match(answer, want, what);
      assert.doesNotMatch(answer, /X-Secret|body/, what);
    } finally {
      relay.close();
    }
  }
  // Nothing listens where the proxy should be.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const gone = (l.addr as Deno.NetAddr).port;
  l.close();
  const relay = relayTo(gone);
  try {
    const c = await connectTo(relay);
    await write(
      c,
      `CONNECT ${TARGET} HTTP/1.1\r\nProxy-Authorization: ${relayParts(relay).auth}\r\n\r\n`,
    );
    assert.match(await readAll(c), /^HTTP\/1\.1 502 /);
    c.close();
  } finally {
    relay.close();
  }
});

Deno.test("relay: close() cuts open tunnels and stops listening; readHead gives up on a silent peer", async () => {
  await using up = upstream(async (c) => {
    await write(c, "HTTP/1.1 200 OK\r\n\r\n");
    await readAll(c); // holds the tunnel open
  });
  const relay = relayTo(up.port);
  const c = await connectTo(relay);
  await write(
    c,
    `CONNECT ${TARGET} HTTP/1.1\r\nProxy-Authorization: ${relayParts(relay).auth}\r\n\r\n`,
  );
  assert.equal((await readHead(c, 5_000))?.head, "HTTP/1.1 200 Connection Established");
  relay.close();
  assert.equal(await readAll(c), "");
  c.close();
  await assert.rejects(connectTo(relay));

  // A peer that connects and says nothing: the head read ends at its deadline.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: (l.addr as Deno.NetAddr).port });
  const accepted = await l.accept();
  assert.equal(await readHead(accepted, 100), undefined);
  silent.close();
  l.close();
});

const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";

Deno.test({
  name: "relay: without --allow-net for the proxy and 127.0.0.1, the error names both",
  ignore: !canRun,
}, async () => {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const code = `import { Client } from ${JSON.stringify(mod)};
try {
  new Client({ clusterUrl: new URL("https://127.0.0.1:6443"), defaultNamespace: "ns",
    auth: { authorization: () => Promise.resolve(undefined) }, source: "t",
    proxyUrl: "http://me:pw-secret@proxy.corp:3128" }).close();
  console.log("created");
} catch (e) { console.log(e.name + ": " + e.message); }`;
  const dir = await Deno.makeTempDir();
  const script = `${dir}/relay_permission.ts`;
  await Deno.writeTextFile(script, code);
  for (const flags of [["--allow-net=127.0.0.1"], ["--allow-net=proxy.corp:3128"]]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        ...flags,
        script,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = dec.decode(out.stdout) + dec.decode(out.stderr);
    assert.match(text, /PermissionError: .*--allow-net=proxy\.corp:3128,127\.0\.0\.1 /, text);
    assert.doesNotMatch(text, /pw-secret/);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "relay: a Client that is never closed does not keep the program alive",
  ignore: !canRun,
}, async () => {
  await using up = upstream(async (c) => {
    await write(c, "HTTP/1.1 200 OK\r\n\r\n");
    await readAll(c);
  });
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const code = `import { Client } from ${JSON.stringify(mod)};
const client = new Client({ clusterUrl: new URL("https://127.0.0.1:6443"), defaultNamespace: "ns",
  auth: { authorization: () => Promise.resolve(undefined) }, source: "t",
  proxyUrl: "http://me:pw@127.0.0.1:${up.port}" }, { retry: { maxRetries: 0 }, timeoutMs: 300 });
// A tunnel is opened (the fake proxy says 200, then nothing answers the TLS handshake).
await client.requestText({ method: "GET", path: "/version", query: new URLSearchParams(), headers: {} })
  .catch((e) => console.log(e.name));
console.log("end");`;
  const dir = await Deno.makeTempDir();
  const script = `${dir}/relay_alive.ts`;
  await Deno.writeTextFile(script, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
      "--allow-net=127.0.0.1",
      script,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  await Deno.remove(dir, { recursive: true });
  assert.equal(dec.decode(out.stdout), "TimeoutError\nend\n", dec.decode(out.stderr));
  assert.equal(out.code, 0);
  assert.equal(up.heads.length, 1);
});

Deno.test("relay: idle connections beyond the limit (512; 16 here) are closed at once; it serves again when they go", async () => {
  await using up = upstream(async (c) => {
    await write(c, "HTTP/1.1 200 OK\r\n\r\n");
    await readAll(c);
  });
  const relay = relayTo(up.port, undefined, 16);
  const idle: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 16; i++) idle.push(await connectTo(relay));
    // Let the relay take them all before the one too many.
    await new Promise((r) => setTimeout(r, 200));
    const extra = await connectTo(relay);
    assert.equal(await readAll(extra), "");
    extra.close();
    for (const c of idle.splice(0)) c.close();
    await new Promise((r) => setTimeout(r, 200));
    const c = await connectTo(relay);
    await write(
      c,
      `CONNECT ${TARGET} HTTP/1.1\r\nProxy-Authorization: ${relayParts(relay).auth}\r\n\r\n`,
    );
    assert.equal((await readHead(c, 5_000))?.head, "HTTP/1.1 200 Connection Established");
    c.close();
  } finally {
    for (const c of idle) c.close();
    relay.close();
  }
});

Deno.test("relay: the environment's proxy for the server, by Deno's rules (ALL_PROXY, HTTPS_PROXY, NO_PROXY)", () => {
  const P = "http://u:p@proxy:3128/";
  const Q = "http://v:q@other:3128/";
  const server = new URL("https://api.example.test:6443");
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const all = () => true;
  const relayed: [Record<string, string>, string | undefined][] = [
    [{ HTTPS_PROXY: P }, P],
    [{ https_proxy: P }, P],
    [{ HTTPS_PROXY: P, https_proxy: Q }, P], // the upper-case name wins
    [{ HTTPS_PROXY: "", https_proxy: Q }, Q], // empty: unusable, the twin is tried
    [{ HTTPS_PROXY: "http://u@proxy:3128", https_proxy: Q }, Q], // userinfo without ':'
    [{ HTTPS_PROXY: "ftp://u:p@proxy", https_proxy: Q }, Q],
    [{ HTTPS_PROXY: "garbage::", https_proxy: Q }, Q],
    [{ HTTPS_PROXY: "u:p@proxy:3128" }, P], // no scheme: http
    [{ ALL_PROXY: Q, HTTPS_PROXY: P }, Q], // ALL_PROXY first
    [{ all_proxy: Q, HTTPS_PROXY: P }, Q],
    [{ ALL_PROXY: "socks5://x:1080", HTTPS_PROXY: P }, undefined], // socks5 wins: no leak
    [{ ALL_PROXY: "http://x:1080", HTTPS_PROXY: P }, undefined], // no password: no leak
    [{ HTTPS_PROXY: P, NO_PROXY: "example.test" }, undefined], // direct
    [{ HTTPS_PROXY: P, NO_PROXY: ".example.test" }, undefined],
    [{ HTTPS_PROXY: P, NO_PROXY: " other , api.example.test " }, undefined],
    [{ HTTPS_PROXY: P, NO_PROXY: "foo,*" }, undefined],
    [{ HTTPS_PROXY: P, no_proxy: "example.test" }, undefined],
    [{ HTTPS_PROXY: P, NO_PROXY: "xample.test" }, P], // not a subdomain
    [{ HTTPS_PROXY: P, NO_PROXY: "*.example.test" }, P], // no wildcards but '*' itself
    [{ HTTPS_PROXY: P, NO_PROXY: "api.example.test:6443" }, P], // ports are not parsed
    [{ HTTPS_PROXY: P, NO_PROXY: "API.example.test" }, P], // compared case-sensitively
    [{ HTTPS_PROXY: P, NO_PROXY: "", no_proxy: "example.test" }, P], // set NO_PROXY hides no_proxy
    [{ HTTPS_PROXY: P, NO_PROXY: "10.0.0.0/8" }, P],
    // Nothing to keep from the server: no password, another scheme, http only.
    [{ HTTPS_PROXY: "http://proxy:3128" }, undefined],
    [{ HTTPS_PROXY: "https://u:p@proxy:3128" }, undefined],
    [{ HTTPS_PROXY: "socks5://u:p@proxy:1080" }, undefined],
    [{ HTTP_PROXY: P }, undefined],
    [{ http_proxy: P }, undefined],
    [{}, undefined],
  ];
  for (const [vars, want] of relayed) {
    assert.equal(envProxyWithPassword(server, env(vars), all), want, JSON.stringify(vars));
  }
  // IP hosts: IP and CIDR entries only ('*' and names do not match them).
  const ipCases: [string, string, string | undefined][] = [
    ["https://10.1.2.3:6443", "10.0.0.0/8", undefined],
    ["https://10.1.2.3:6443", "10.1.2.3", undefined],
    ["https://10.1.2.3:6443", "10.1.2.3/32", undefined],
    ["https://10.1.2.3:6443", "10.1.2.4/31", P],
    ["https://10.1.2.3:6443", "10.1.2", P],
    ["https://10.1.2.3:6443", "*", P],
    ["https://10.1.2.3:6443", "::ffff:10.1.2.3", P], // another family
    ["https://[fd00::1]:6443", "fd00::/16", undefined],
    ["https://[fd00::1]:6443", "fd00:0:0::1", undefined],
    ["https://[fd00::1]:6443", "fd01::/16", P],
    ["https://[fd00::1]:6443", "[fd00::1]", P], // brackets make it a name
    ["https://[fd00::1]:6443", "fd00::/129", P],
  ];
  for (const [url, noProxy, want] of ipCases) {
    const got = envProxyWithPassword(new URL(url), env({ HTTPS_PROXY: P, NO_PROXY: noProxy }), all);
    assert.equal(got, want, `${url} NO_PROXY=${noProxy}`);
  }
  // Not for an http server (no tunnel), nor when a variable may not be read (no prompt).
  assert.equal(
    envProxyWithPassword(new URL("http://api:80"), env({ HTTPS_PROXY: P }), all),
    undefined,
  );
  const notNoProxy = (n: string) => n !== "no_proxy";
  assert.equal(envProxyWithPassword(server, env({ HTTPS_PROXY: P }), notNoProxy), undefined);
});

Deno.test("proxy-url that NO_PROXY overrides (Deno goes direct, kubectl would not): one warning per Client", async () => {
  const { Client, configFromCustomKubeconfig, parseKubeconfig, setLogHandler } = await import(
    "../../mod.ts"
  );
  const kc = parseKubeconfig(`
current-context: c
clusters: [{ name: k, cluster: { server: "https://api.kube.localhost:6443", proxy-url: "http://127.0.0.1:3128" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
`);
  const config = await configFromCustomKubeconfig(kc);
  const saved = ["NO_PROXY", "no_proxy"].map((n) => [n, Deno.env.get(n)] as const);
  const seen: { level: string; message: string }[] = [];
  const previous = setLogHandler((r) => seen.push(r));
  try {
    for (const [value, warned] of [["kube.localhost", true], ["other.localhost", false]] as const) {
      seen.length = 0;
      Deno.env.delete("no_proxy");
      Deno.env.set("NO_PROXY", value);
      new Client(config)[Symbol.dispose]();
      const warnings = seen.filter((r) => r.level === "warn" && r.message.includes("proxy-url"));
      assert.equal(warnings.length, warned ? 1 : 0, JSON.stringify(seen));
      if (warned) assert.match(warnings[0].message, /NO_PROXY names api\.kube\.localhost/);
    }
  } finally {
    setLogHandler(previous);
    for (const [n, v] of saved) v === undefined ? Deno.env.delete(n) : Deno.env.set(n, v);
  }
});
