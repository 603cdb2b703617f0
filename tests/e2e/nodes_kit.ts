/**
 * Helpers for the e2e tests of the test control plane's nodes (tests/cluster: kube-scheduler,
 * kwok, node-streams), with kubectl of the same release as the oracle.
 *
 * The cluster is found through KUBECONFIG (`<state>/kubeconfig`); its `env.json` beside it says
 * where kubectl is and where the nodes keep their pods' files:
 *
 * - `<podsDir>/<namespace>/<pod>/<container>.log`: the container's log, in CRI log format;
 * - `<podsDir>/<namespace>/<pod>/ports/<port>`: `host:port` that port-forward to that pod port
 *   reaches;
 * - `<sandboxDir>`: the working directory of commands run by exec, on this machine.
 */

export interface NodesEnv {
  kubeconfig: string;
  kubectl: string;
  nodeNames: string[];
  podsDir: string;
  sandboxDir: string;
  /** The apiserver, `https://127.0.0.1:<port>`. */
  server: string;
  /** The kubelet port every node advertises (node-streams). */
  nodePort: number;
  /** The cluster CA and the admin client certificate (PEM file paths). */
  pki: { ca: string; adminCert: string; adminKey: string };
}

let cached: NodesEnv | undefined;

/** Reads `env.json` next to KUBECONFIG; fails with the fix when the cluster is not kubeno's. */
export function nodesEnv(): NodesEnv {
  if (cached) return cached;
  const kubeconfig = Deno.env.get("KUBECONFIG")?.split(":")[0];
  if (!kubeconfig) {
    throw new Error(
      'KUBECONFIG is not set: run `deno task cluster up` and `eval "$(deno task -q cluster env)"` first',
    );
  }
  const envPath = kubeconfig.replace(/[^/]*$/, "env.json");
  let e: {
    binDir: string;
    server: string;
    ports: { nodeStreams: number };
    pki: { ca: string; adminCert: string; adminKey: string };
    nodes?: { names: string[]; podsDir: string; sandboxDir: string };
  };
  try {
    e = JSON.parse(Deno.readTextFileSync(envPath));
  } catch (err) {
    throw new Error(`cannot read ${envPath} (${err}): these tests need tests/cluster's cluster`);
  }
  if (!e.nodes) {
    throw new Error(
      `${envPath} has no nodes: the cluster predates kwok nodes; run \`deno task cluster down\` and \`up\``,
    );
  }
  cached = {
    kubeconfig,
    kubectl: `${e.binDir}/kubectl`,
    nodeNames: e.nodes.names,
    podsDir: e.nodes.podsDir,
    sandboxDir: e.nodes.sandboxDir,
    server: e.server,
    nodePort: e.ports.nodeStreams,
    pki: e.pki,
  };
  return cached;
}

export interface KubectlResult {
  code: number;
  stdout: Uint8Array;
  stderr: string;
  /** stdout as text. */
  out: string;
}

/** Runs kubectl to completion; `stdin` is written and closed. */
export async function kubectl(
  args: string[],
  opts: { stdin?: string | Uint8Array; signal?: AbortSignal } = {},
): Promise<KubectlResult> {
  const env = nodesEnv();
  const child = new Deno.Command(env.kubectl, {
    args: [`--kubeconfig=${env.kubeconfig}`, ...args],
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: opts.signal,
  }).spawn();
  if (opts.stdin !== undefined) {
    const bytes = typeof opts.stdin === "string"
      ? new TextEncoder().encode(opts.stdin)
      : opts.stdin;
    const w = child.stdin.getWriter();
    // Written concurrently with reading the output: a large input would otherwise deadlock.
    (async () => {
      try {
        await w.write(bytes);
        await w.close();
      } catch { /* kubectl exited early; its status tells why */ }
    })();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: out.stdout,
    stderr: new TextDecoder().decode(out.stderr),
    out: new TextDecoder().decode(out.stdout),
  };
}

/** kubectl that must succeed: returns stdout, or throws with the arguments and stderr. */
export async function kubectlOk(
  args: string[],
  opts: { stdin?: string | Uint8Array } = {},
): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) {
    throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  }
  return r.out;
}

/** Parses `kubectl ... -o json`. */
export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk([...args, "-o", "json"])) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value; the bound is generous (a loaded machine), not a claim. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`, { cause: last });
}

/** Runs `fn` in a fresh namespace made with kubectl, deleted afterwards (not waited for). */
export async function withKubectlNamespace(
  prefix: string,
  fn: (ns: string) => Promise<void>,
): Promise<void> {
  const ns = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await kubectlOk(["create", "namespace", ns]);
  try {
    await fn(ns);
  } finally {
    await kubectl(["delete", "namespace", ns, "--wait=false"]);
  }
}

/**
 * Creates a bare pod with one container `app` and waits until it is Ready on a kwok node.
 * The image is never pulled: kwok only pretends to run it.
 */
export async function runPod(ns: string, name: string): Promise<void> {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: { containers: [{ name: "app", image: "kubeno.invalid/app:1" }] },
  };
  // Admission refuses a pod until kube-controller-manager has made the namespace's default
  // ServiceAccount, which a fresh namespace may not have yet.
  await until(`the default ServiceAccount in ${ns}`, async () => {
    const r = await kubectl(["get", "serviceaccount", "default", "-n", ns, "-o", "name"]);
    return r.code === 0 || undefined;
  });
  await kubectlOk(["create", "-f", "-"], { stdin: JSON.stringify(pod) });
  await kubectlOk(["wait", "-n", ns, "--for=condition=Ready", `pod/${name}`, "--timeout=90s"]);
}

/** The container's log file on the node (its directory is created). */
export function containerLogPath(ns: string, pod: string, container: string): string {
  const dir = `${nodesEnv().podsDir}/${ns}/${pod}`;
  Deno.mkdirSync(dir, { recursive: true });
  return `${dir}/${container}.log`;
}

/**
 * A CRI log timestamp whose nanoseconds end in a non-zero digit, so that the kubelet's
 * RFC 3339 (nano) rendering in `--timestamps` is the same text.
 */
export function criTime(t: Date): string {
  return `${t.toISOString().slice(0, -1)}123456Z`;
}
/** One line of a CRI log file. */
export const cri = (time: string, stream: "stdout" | "stderr", tag: "F" | "P", text: string) =>
  `${time} ${stream} ${tag} ${text}\n`;

/** Makes port-forward to `port` of the pod reach `target` (`host:port`) on this machine. */
export function mapPodPort(ns: string, pod: string, port: number, target: string): void {
  const dir = `${nodesEnv().podsDir}/${ns}/${pod}/ports`;
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(`${dir}/${port}`, `${target}\n`);
}

/** Hex SHA-256. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A long-running kubectl (logs -f, attach, port-forward) whose output is collected. */
export class KubectlProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  #out = "";
  #err = "";
  readonly #done: Promise<Deno.CommandStatus>;

  constructor(args: string[]) {
    const env = nodesEnv();
    this.#child = new Deno.Command(env.kubectl, {
      args: [`--kubeconfig=${env.kubeconfig}`, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const collect = async (s: ReadableStream<Uint8Array>, add: (t: string) => void) => {
      for await (const t of s.pipeThrough(new TextDecoderStream())) add(t);
    };
    const reading = Promise.all([
      collect(this.#child.stdout, (t) => this.#out += t),
      collect(this.#child.stderr, (t) => this.#err += t),
    ]);
    this.#done = reading.then(() => this.#child.status);
  }

  /** What kubectl printed on stdout so far. */
  get stdout(): string {
    return this.#out;
  }

  /** What kubectl printed on stderr so far. */
  get stderr(): string {
    return this.#err;
  }

  /** kubectl's exit, once its output is read to the end. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#done;
  }

  /** Waits until stdout matches; fails with both outputs if kubectl exits first. */
  async waitFor(re: RegExp, what: string, timeoutMs = 90_000): Promise<RegExpMatchArray> {
    let exited = false;
    this.#done.then(() => exited = true);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const m = this.#out.match(re);
      if (m) return m;
      if (exited) throw new Error(`kubectl exited before ${what}:\n${this.#out}\n${this.#err}`);
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}:\n${this.#err}`);
      }
      await sleep(100);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already exited */ }
    await this.#done;
  }
}
