/**
 * Smoke test of the test control plane (tests/cluster): TLS client certs, RBAC and the
 * version it was built at, using nothing but fetch so it does not depend on kubeno's client.
 * The cluster comes from the test kit like every e2e test's (`_cluster.ts` sets KUBECONFIG).
 */

import { parse } from "yaml";
import { requireCluster } from "./_cluster.ts";

// Local helpers keep this test free of dependencies beyond deno.json's import map.
function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}
function assertEquals<T>(actual: T, expected: T, context = ""): void {
  if (actual !== expected) {
    const extra = context ? `\n${context}` : "";
    throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}${extra}`);
  }
}

interface NamedCluster {
  name: string;
  cluster: { server: string; "certificate-authority-data"?: string };
}
interface NamedUser {
  name: string;
  user: { "client-certificate-data"?: string; "client-key-data"?: string; token?: string };
}
interface NamedContext {
  name: string;
  context: { cluster: string; user: string };
}
interface Kubeconfig {
  clusters: NamedCluster[];
  users: NamedUser[];
  contexts: NamedContext[];
}

const hint = 'run `deno task cluster up` and `eval "$(deno task -q cluster env)"` first';

function loadKubeconfig(): { path: string; config: Kubeconfig } {
  const env = Deno.env.get("KUBECONFIG");
  if (!env) throw new Error(`KUBECONFIG is not set: ${hint}`);
  const path = env.split(":")[0];
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    throw new Error(`cannot read KUBECONFIG=${path} (${err}): ${hint}`);
  }
  return { path, config: parse(text) as Kubeconfig };
}

interface Conn {
  server: string;
  client: Deno.HttpClient;
  headers: Record<string, string>;
}

/** Resolves a context of the kubeno test kubeconfig into a base URL and a TLS client. */
function connect(kc: { path: string; config: Kubeconfig }, contextName: string): Conn {
  const { path, config } = kc;
  const ctx = config.contexts?.find((c) => c.name === contextName);
  if (!ctx) {
    throw new Error(
      `${path} has no context "${contextName}": is it kubeno's test cluster? ${hint}`,
    );
  }
  const cluster = config.clusters.find((c) => c.name === ctx.context.cluster)?.cluster;
  const user = config.users.find((u) => u.name === ctx.context.user)?.user;
  assert(cluster && user, `${path}: context "${contextName}" names a missing cluster or user`);
  // Refuse to create objects anywhere but the local test control plane.
  assert(
    cluster.server.startsWith("https://127.0.0.1:"),
    `${path}: server ${cluster.server} is not the local test cluster; ${hint}`,
  );
  const ca = cluster["certificate-authority-data"];
  assert(ca, `${path}: cluster has no certificate-authority-data`);
  const certData = user["client-certificate-data"];
  const keyData = user["client-key-data"];
  const client = Deno.createHttpClient({
    caCerts: [atob(ca)],
    ...(certData && keyData ? { cert: atob(certData), key: atob(keyData) } : {}),
  });
  const headers: Record<string, string> = { accept: "application/json" };
  if (user.token) headers.authorization = `Bearer ${user.token}`;
  return { server: cluster.server, client, headers };
}

async function request(
  c: Conn,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${c.server}${path}`, {
    method,
    client: c.client,
    headers: body === undefined ? c.headers : { ...c.headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

/** The version tests/cluster/go.mod pins, so bumping it there is the only edit needed. */
function pinnedVersion(): string {
  const mod = Deno.readTextFileSync(new URL("../cluster/go.mod", import.meta.url));
  const m = mod.match(/^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v\S+)/m);
  assert(m, "tests/cluster/go.mod does not require k8s.io/kubernetes");
  return m[1];
}

Deno.test(
  { name: "cluster smoke: version, ConfigMap round trip, RBAC", ignore: !requireCluster() },
  async (t) => {
    const kc = loadKubeconfig();
    const admin = connect(kc, "admin");
    const adminToken = connect(kc, "admin-token");
    const nobody = connect(kc, "nobody");
    const name = `kubeno-smoke-${crypto.randomUUID().slice(0, 8)}`;
    const base = "/api/v1/namespaces/default/configmaps";
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, labels: { "kubeno.dev/test": "smoke" } },
      data: { hello: "world" },
    };

    try {
      await t.step("/version reports the pinned release", async () => {
        const { status, json } = await request(admin, "GET", "/version");
        assertEquals(status, 200);
        assertEquals(json.gitVersion, pinnedVersion());
      });

      await t.step("admin creates, reads and deletes a ConfigMap", async () => {
        const created = await request(admin, "POST", base, cm);
        assertEquals(created.status, 201, JSON.stringify(created.json));
        const got = await request(admin, "GET", `${base}/${name}`);
        assertEquals(got.status, 200);
        assertEquals((got.json.data as Record<string, string>).hello, "world");
        const deleted = await request(admin, "DELETE", `${base}/${name}`);
        assertEquals(deleted.status, 200, JSON.stringify(deleted.json));
        const gone = await request(admin, "GET", `${base}/${name}`);
        assertEquals(gone.status, 404);
      });

      await t.step("the admin bearer token is accepted", async () => {
        const { status } = await request(adminToken, "GET", "/api/v1/namespaces/default");
        assertEquals(status, 200);
      });

      await t.step("nobody is forbidden to create a ConfigMap", async () => {
        const { status, json } = await request(nobody, "POST", base, cm);
        assertEquals(status, 403, JSON.stringify(json));
        assertEquals(json.reason, "Forbidden");
      });
    } finally {
      // Best effort: leave `default` clean even if a step failed half way.
      await request(admin, "DELETE", `${base}/${name}`).catch(() => {});
      for (const c of [admin, adminToken, nobody]) c.client.close();
    }
  },
);
