/**
 * How the demo (and the e2e tests) start the configmapgen operator: a separate `deno run`
 * with only the permissions it needs.
 *
 * @module
 */

import { stringify } from "yaml";
import { netPermission } from "../../client/permissions.ts";
import { Api, type Client, rbacManifests, type RbacRules } from "../../mod.ts";
import { ServiceAccount } from "../../core/k8s/core/v1.ts";
import type { TokenRequest } from "../../core/k8s/authentication.k8s.io/v1.ts";
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from "../../core/k8s/rbac.authorization.k8s.io/v1.ts";
import { configMapGenController, MANAGER } from "../configmapgen_controller.ts";

/** The operator's entry file. */
export const OPERATOR_PATH: string = decodeURIComponent(
  new URL("../configmapgen_controller.ts", import.meta.url).pathname,
);

/**
 * Environment variables the operator reads: the kubeconfig's location and `HOME` (for
 * `~/.kube/config`) and the in-cluster service variables (checked when there is no kubeconfig).
 */
export const OPERATOR_ENV: readonly string[] = [
  "KUBECONFIG",
  "HOME",
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
];

/**
 * The exact permission flags of the operator: the apiserver's `host:port`, the kubeconfig file
 * (read), and {@link OPERATOR_ENV}. Nothing else: no write, no run, no other host.
 *
 * @param server the apiserver URL (from the kubeconfig)
 * @param kubeconfig the kubeconfig file
 * @param omit a flag kind to leave out, to show the error a missing permission gives
 */
export function operatorFlags(
  server: URL,
  kubeconfig: string,
  omit?: "net" | "read" | "env",
): string[] {
  const flags: string[] = [];
  if (omit !== "net") flags.push(`--allow-net=${netPermission(server)}`);
  if (omit !== "read") flags.push(`--allow-read=${kubeconfig}`);
  if (omit !== "env") flags.push(`--allow-env=${OPERATOR_ENV.join(",")}`);
  return flags;
}

/** A running operator process and its output, line by line. */
export interface OperatorProcess {
  /** The child process. */
  child: Deno.ChildProcess;
  /** Every line it printed (stdout and stderr), in order. */
  lines: string[];
  /** Resolves with the exit status once it exited and its output was read. */
  done: Promise<Deno.CommandStatus>;
  /** Resolves when a line matching `re` was printed (rejects after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** True once it printed that it is stopping (e.g. the terminal's Ctrl-C reached it). */
  readonly stopping: boolean;
  /**
   * SIGTERM (unless it is already stopping: a second signal would make it exit at once), then
   * SIGKILL after `graceMs`; resolves to the exit status.
   */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/**
 * Starts the operator with {@link operatorFlags}. `onLine` sees every output line.
 *
 * @param opts the kubeconfig, server, extra operator arguments, and a line callback
 */
export function startOperator(opts: {
  server: URL;
  kubeconfig: string;
  args?: string[];
  omit?: "net" | "read" | "env";
  onLine?: (line: string) => void;
}): OperatorProcess {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...operatorFlags(opts.server, opts.kubeconfig, opts.omit),
      OPERATOR_PATH,
      ...(opts.args ?? []),
    ],
    env: { KUBECONFIG: opts.kubeconfig, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    opts.onLine?.(line);
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
    if (buf) onLine(buf);
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => child.status);
  return {
    child,
    lines,
    done,
    waitFor(re, timeoutMs = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.splice(waiters.findIndex((w) => w.re === re), 1);
          reject(new Error(`the operator did not print ${re} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
    get stopping() {
      return lines.some((l) => /\bstopping: /.test(l));
    },
    async stop(graceMs = 15_000) {
      if (!this.stopping) {
        try {
          child.kill("SIGTERM");
        } catch { /* already exited */ }
      }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already exited */ }
      }, graceMs);
      const status = await done;
      clearTimeout(t);
      return status;
    },
  };
}

/** The operator's own identity: a ServiceAccount bound to exactly its derived rules. */
export interface OperatorIdentity {
  /** A kubeconfig (mode 0600) with the ServiceAccount's token: give it to the operator. */
  kubeconfig: string;
  /** The user the apiserver sees, `system:serviceaccount:<ns>:configmapgen`. */
  user: string;
  /** The rules, as `configMapGenController(...).rbac()` derived them. */
  rules: RbacRules;
  /** What was created (`Role ns/configmapgen`, ...), for the summary. */
  objects: string[];
  /** Deletes the kubeconfig (the token) and any cluster-wide role and binding. */
  dispose(): Promise<void>;
}

/**
 * Creates a ServiceAccount `configmapgen` in `namespace`, the Role (or ClusterRole) and
 * binding that grant it exactly what the operator's controller derives for `watch` (its
 * namespace, or all), and a kubeconfig with a TokenRequest token for it: the operator then
 * runs as that ServiceAccount, not as the admin of `admin`'s kubeconfig.
 *
 * @param admin a client that may create ServiceAccounts, roles and tokens
 * @param namespace where the ServiceAccount (and the token's Role) go
 * @param watch the namespace the operator watches; all of them when absent
 */
export async function operatorIdentity(
  admin: Client,
  namespace: string,
  watch: string | undefined,
  signal?: AbortSignal,
): Promise<OperatorIdentity> {
  const rules = configMapGenController(admin, { namespace: watch }).rbac();
  const sas = Api.namespaced(admin, ServiceAccount, namespace);
  await sas.create({ metadata: { name: MANAGER } }, {}, { signal });
  const objects: string[] = [`ServiceAccount ${namespace}/${MANAGER}`];
  const clusterWide: (() => Promise<unknown>)[] = [];
  const manifests = rbacManifests(rules, {
    name: MANAGER,
    serviceAccount: { name: MANAGER, namespace },
  });
  for (const obj of manifests) {
    const ns = obj.metadata.namespace;
    if (obj.kind === "ClusterRole") {
      const api = Api.all(admin, ClusterRole);
      await api.create(obj as ClusterRole, {}, { signal });
      clusterWide.push(() => api.delete(MANAGER));
    } else if (obj.kind === "ClusterRoleBinding") {
      const api = Api.all(admin, ClusterRoleBinding);
      await api.create(obj as ClusterRoleBinding, {}, { signal });
      clusterWide.push(() => api.delete(MANAGER));
    } else if (obj.kind === "Role") {
      await Api.namespaced(admin, Role, ns!).create(obj as Role, {}, { signal });
    } else {
      await Api.namespaced(admin, RoleBinding, ns!).create(obj as RoleBinding, {}, { signal });
    }
    objects.push(`${obj.kind} ${ns ? `${ns}/` : ""}${MANAGER}`);
  }
  // A day: the demo may be left running on a terminal.
  const tr = await sas.createSubresource<TokenRequest>(
    "token",
    MANAGER,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 86_400 },
    },
    {},
    { signal },
  );
  const token = tr.status?.token;
  if (!token) throw new Error("the TokenRequest returned no token");
  const c = admin.config;
  const cluster: Record<string, unknown> = { server: c.clusterUrl.href.replace(/\/$/, "") };
  if (c.caCerts?.length) cluster["certificate-authority-data"] = btoa(c.caCerts.join("\n"));
  if (c.tlsServerName) cluster["tls-server-name"] = c.tlsServerName;
  if (c.proxyUrl) cluster["proxy-url"] = c.proxyUrl;
  const dir = await Deno.makeTempDir({ prefix: "kubeno-demo-" });
  const kubeconfig = `${dir}/operator.kubeconfig`;
  await Deno.writeTextFile(
    kubeconfig,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": MANAGER,
      clusters: [{ name: "cluster", cluster }],
      users: [{ name: MANAGER, user: { token } }],
      contexts: [{
        name: MANAGER,
        context: { cluster: "cluster", user: MANAGER, namespace: watch ?? namespace },
      }],
    }),
    { mode: 0o600 },
  );
  return {
    kubeconfig,
    user: `system:serviceaccount:${namespace}:${MANAGER}`,
    rules,
    objects,
    async dispose() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      for (const d of clusterWide) await d().catch(() => {});
    },
  };
}
