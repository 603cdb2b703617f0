/**
 * A kubectl in one example (kube-rs has examples/kubectl.rs): discovery resolves the type as
 * kubectl does, `Api.dynamic` does the rest, the server prints the tables.
 *
 *   deno run --allow-net --allow-read --allow-env examples/kubectl.ts get TYPE [NAME] [-n NS | -A] [-l SELECTOR] [-o name|json|yaml|wide] [--watch]
 *   ... apply -f FILE --server-side [--force-conflicts] [--field-manager NAME] [--dry-run=server] [-n NS]
 *   ... delete TYPE NAME [-n NS]
 *   ... api-resources [-o wide|name]
 *   ... logs POD [-c CONTAINER] [--tail N] [--since DURATION] [--timestamps] [--limit-bytes N] [-f] [-n NS]
 *   ... exec POD [-c CONTAINER] [-i] [-t] [-n NS] -- COMMAND [ARG...]
 *
 * `-o name`, `-o json` (one object), the default table and `api-resources` print what kubectl
 * prints, byte for byte; so do `logs` and `exec` (stdout, stderr and the exit status: a command
 * that exits with N ends this program with N after kubectl's "command terminated with exit code
 * N" line), and an error from the server reads as kubectl's `Error from server (Reason): ...`.
 * One difference on a terminal (`exec -it`): Deno's raw mode keeps the terminal's output
 * processing, so the remote terminal's `\r\n` arrives on the screen as `\r\r\n` (it looks the
 * same).
 */

import { parseArgs } from "node:util";
import { Pod } from "../core/k8s/core/v1.ts";
import { stringify } from "yaml";
import {
  Api,
  ApiError,
  type ApiResource,
  applyManifests,
  Client,
  decodeWatchStream,
  Discovery,
  type DynamicObject,
  KubeError,
  type LogParams,
  type Table,
  TABLE_ACCEPT,
  watchRequest,
  withAccept,
} from "../mod.ts";

/**
 * Go's text/tabwriter as kubectl configures it: min width 6, padding 3, last cell unpadded,
 * widths remembered (`RememberWidths`: `--watch` rows keep the columns of the first table).
 */
export function tabulate(rows: readonly (readonly string[])[], widths: number[] = []): string {
  const len = (s: string) => [...s].length;
  for (const row of rows) {
    row.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 6, len(c) + 3)));
  }
  return rows.map((row) =>
    row.map((c, i) => i < row.length - 1 ? c + " ".repeat(widths[i] - len(c)) : c).join("") + "\n"
  ).join("");
}

/** `kind.group`, lower case: how kubectl names a type in `-o name` and messages. */
export function typeName(r: ApiResource): string {
  return (r.group ? `${r.kind}.${r.group}` : r.kind).toLowerCase();
}

/** Go's json.MarshalIndent of a decoded object: sorted keys, 4 spaces, HTML escaped. */
export function goJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === "object"
      ? Object.fromEntries(
        Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      )
      : v;
  return JSON.stringify(sort(value), null, 4)
    .replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029") + "\n";
}

/** The rows of a server Table as kubectl prints them (headers upper-cased, wide columns). */
export function tableRows(
  t: Table,
  opts: { wide?: boolean; namespaceColumn?: boolean; kindPrefix?: string },
): string[][] {
  const shown = t.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) =>
    opts.wide || c.priority === 0
  );
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return "";
    const s = typeof v === "string" ? v : String(v);
    const cut = s.search(/[\f\n\r]/);
    return cut < 0 ? s : s.slice(0, cut) + "...";
  };
  const rows = t.rows.map((r) => {
    const cells = shown.map(({ c, i }) =>
      (opts.kindPrefix && c.format === "name" ? opts.kindPrefix + "/" : "") + cell(r.cells[i])
    );
    return opts.namespaceColumn ? [r.object?.metadata?.namespace ?? "", ...cells] : cells;
  });
  const header = shown.map(({ c }) => c.name.toUpperCase());
  return [opts.namespaceColumn ? ["NAMESPACE", ...header] : header, ...rows];
}

/** Go's strings.Compare: by UTF-16 code units, which orders ASCII as bytes do. */
const compare = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0;

/** `kubectl api-resources [-o wide|name]`: sorted by group, then name. */
export function apiResourcesText(resources: readonly ApiResource[], output?: string): string {
  const sorted = resources.filter((r) => r.verbs.length > 0).sort((a, b) =>
    compare(a.group, b.group) || compare(a.plural, b.plural)
  );
  if (output === "name") {
    return sorted.map((r) => (r.group ? `${r.plural}.${r.group}` : r.plural) + "\n").join("");
  }
  const wide = output === "wide";
  const head = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
  const rows = sorted.map((r) => {
    const row = [r.plural, r.shortNames.join(","), r.apiVersion, String(r.namespaced), r.kind];
    if (wide) {
      row.push(r.verbs.join(","), r.categories.join(","));
    }
    return row;
  });
  return tabulate([wide ? [...head, "VERBS", "CATEGORIES"] : head, ...rows]);
}

const out = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(s));
const err = (s: string) => Deno.stderr.writeSync(new TextEncoder().encode(s));

async function get(
  client: Client,
  discovery: Discovery,
  type: string,
  name: string | undefined,
  o: { namespace?: string; all: boolean; selector?: string; output?: string; watch: boolean },
): Promise<void> {
  const resources = await discovery.expand(type);
  const ns = o.all ? undefined : o.namespace ?? client.defaultNamespace;
  const objects: { r: ApiResource; obj: DynamicObject }[] = [];
  let printed = 0;
  for (const r of resources) {
    const api = Api.dynamic(client, r, r.namespaced ? ns : undefined);
    if (o.output === "name" || o.output === "json" || o.output === "yaml") {
      const items = name
        ? [await api.get(name)]
        : (await api.list({ labelSelector: o.selector })).items;
      for (const obj of items) objects.push({ r, obj });
      continue;
    }
    const t = name ? await api.getTable(name) : await api.listTable({ labelSelector: o.selector });
    if (t.rows.length === 0) continue;
    if (printed++ > 0) out("\n");
    const widths: number[] = [];
    out(tabulate(
      tableRows(t, {
        wide: o.output === "wide",
        namespaceColumn: o.all && r.namespaced,
        kindPrefix: resources.length > 1 ? typeName(r) : undefined,
      }),
      widths,
    ));
    if (o.watch) await watchRows(client, r, ns, o, t, widths);
  }
  if (o.output === "name") {
    for (const { r, obj } of objects) out(`${typeName(r)}/${obj.metadata.name}\n`);
  } else if (o.output === "json" || o.output === "yaml") {
    for (const { obj } of objects) delete obj.metadata.managedFields;
    const doc = name && objects.length === 1 ? objects[0].obj : {
      apiVersion: "v1",
      items: objects.map((x) => x.obj),
      kind: "List",
      metadata: { resourceVersion: "" },
    };
    out(o.output === "json" ? goJson(doc) : stringify(doc, { sortMapEntries: true }));
  } else if (printed === 0 && !name) {
    err(
      ns && resources.some((r) => r.namespaced)
        ? `No resources found in ${ns} namespace.\n`
        : "No resources found\n",
    );
  }
}

/** `--watch`: each change as one more row, from a watch that asks for Table rows. */
async function watchRows(
  client: Client,
  r: ApiResource,
  ns: string | undefined,
  o: { all: boolean; selector?: string; output?: string },
  first: Table,
  widths: number[],
): Promise<void> {
  const rv = first.metadata.resourceVersion;
  const req = withAccept(
    watchRequest({ resource: r, namespace: r.namespaced ? ns : undefined }, rv, {
      labelSelector: o.selector,
    }),
    TABLE_ACCEPT,
  );
  for await (
    const ev of decodeWatchStream<Table & { metadata: object }>(await client.requestStream(req))
  ) {
    if (ev.type === "BOOKMARK" || ev.type === "ERROR") continue;
    // Only the first event of a Table watch carries the column definitions.
    const t = { ...first, rows: (ev.object as unknown as Table).rows ?? [] };
    const [, ...rows] = tableRows(t, {
      wide: o.output === "wide",
      namespaceColumn: o.all && r.namespaced,
    });
    out(tabulate(rows, widths));
  }
}

/** kubectl's `--since` durations: `10s`, `5m`, `1h30m` (Go's time.ParseDuration, whole seconds). */
export function sinceSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  const parts = [...text.matchAll(/(\d+)([hms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new KubeError(`invalid --since ${JSON.stringify(text)}: use a duration like 30s, 5m, 1h`);
  }
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * units[u], 0);
}

/**
 * The pod and the container a `logs` or `exec` talks to, chosen as kubectl chooses it: `-c`,
 * else the `kubectl.kubernetes.io/default-container` annotation, else the first container (saying
 * so on stderr when the pod has others).
 */
async function podContainer(
  pods: Api<Pod>,
  name: string,
  container: string | undefined,
  verb: "logs" | "exec",
): Promise<string> {
  let pod: Pod;
  try {
    pod = await pods.get(name);
  } catch (e) {
    // kubectl logs words a missing pod its own way; exec shows the server's Status.
    if (verb === "logs" && e instanceof ApiError && e.code === 404) {
      throw new KubeError(
        `error from server (NotFound): ${e.status.message} in namespace ${
          JSON.stringify(pods.namespace)
        }`,
      );
    }
    throw e;
  }
  const phase = pod.status?.phase;
  if (verb === "exec" && (phase === "Succeeded" || phase === "Failed")) {
    throw new KubeError(
      `cannot exec into a container in a completed pod; current phase is ${phase}`,
    );
  }
  const spec = pod.spec!;
  const all = [
    ...spec.containers.map((c) => c.name),
    ...(spec.ephemeralContainers ?? []).map((c) => `${c.name} (ephem)`),
    ...(spec.initContainers ?? []).map((c) => `${c.name} (init)`),
  ].join(", ");
  const wanted = container ||
    pod.metadata?.annotations?.["kubectl.kubernetes.io/default-container"];
  if (wanted) {
    const known = [spec.containers, spec.initContainers ?? [], spec.ephemeralContainers ?? []]
      .some((cs) => cs.some((c) => c.name === wanted));
    if (!known) {
      throw new KubeError(`container ${wanted} is not valid for pod ${name} out of: ${all}`);
    }
    return wanted;
  }
  const first = spec.containers[0].name;
  if (all.includes(",")) err(`Defaulted container ${JSON.stringify(first)} out of: ${all}\n`);
  return first;
}

async function logs(
  client: Client,
  pod: string,
  namespace: string | undefined,
  container: string | undefined,
  lp: LogParams,
) {
  const pods = Api.namespaced(client, Pod, namespace ?? client.defaultNamespace);
  lp.container = await podContainer(pods, pod, container, "logs");
  const stream = await pods.logStream(pod, lp, { signal: shutdown.signal });
  // Byte for byte: the log is written as it comes, not decoded.
  await stream.pipeTo(Deno.stdout.writable, { preventClose: true });
}

async function exec(
  client: Client,
  pod: string,
  namespace: string | undefined,
  command: string[],
  opts: { container?: string; stdin: boolean; tty: boolean },
): Promise<number> {
  if (command.length === 0) throw new KubeError("exec needs a command after --");
  const pods = Api.namespaced(client, Pod, namespace ?? client.defaultNamespace);
  const container = await podContainer(pods, pod, opts.container, "exec");
  // As kubectl: a terminal only with -i, and only when our input is one.
  let tty = opts.tty && opts.stdin;
  if (tty && !Deno.stdin.isTerminal()) {
    err("Unable to use a TTY - input is not a terminal or the right kind of file\n");
    tty = false;
  }
  await using p = await pods.exec(pod, command, { container, stdin: opts.stdin, tty });
  const stops: (() => void)[] = [];
  if (tty) {
    const resize = () => {
      const { columns, rows } = Deno.consoleSize();
      p.resize(columns, rows);
    };
    Deno.stdin.setRaw(true);
    stops.push(() => Deno.stdin.setRaw(false));
    resize();
    Deno.addSignalListener("SIGWINCH", resize);
    stops.push(() => Deno.removeSignalListener("SIGWINCH", resize));
  }
  try {
    const stdin = opts.stdin && p.stdin ? Deno.stdin.readable.pipeTo(p.stdin) : undefined;
    stdin?.catch(() => {}); // the command may end before its input does
    const [, , status] = await Promise.all([
      p.stdout.pipeTo(Deno.stdout.writable, { preventClose: true }),
      p.stderr.pipeTo(Deno.stderr.writable, { preventClose: true }),
      p.status,
    ]);
    // kubectl's own line after the command's stderr, and its exit status.
    if (status.exitCode !== 0) err(`command terminated with exit code ${status.exitCode}\n`);
    return status.exitCode;
  } finally {
    for (const stop of stops.reverse()) stop();
  }
}

/** Ctrl-C ends `logs -f`: status 1 and no message, as kubectl's. */
const shutdown = new AbortController();

async function main(args: string[]): Promise<number> {
  // `-f` is --filename for apply and --follow for logs, as in kubectl; up to `--` only.
  const end = args.includes("--") ? args.indexOf("--") : args.length;
  if (args[0] === "logs") args = args.map((a, i) => i < end && a === "-f" ? "--follow" : a);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      namespace: { type: "string", short: "n" },
      "all-namespaces": { type: "boolean", short: "A", default: false },
      selector: { type: "string", short: "l" },
      output: { type: "string", short: "o" },
      watch: { type: "boolean", short: "w", default: false },
      filename: { type: "string", short: "f" },
      "server-side": { type: "boolean", default: false },
      "force-conflicts": { type: "boolean", default: false },
      "field-manager": { type: "string", default: "kubectl" },
      "dry-run": { type: "string" },
      container: { type: "string", short: "c" },
      tail: { type: "string" },
      since: { type: "string" },
      timestamps: { type: "boolean", default: false },
      "limit-bytes": { type: "string" },
      follow: { type: "boolean", default: false },
      stdin: { type: "boolean", short: "i", default: false },
      tty: { type: "boolean", short: "t", default: false },
    },
  });
  const [verb, type, name] = positionals;
  const client = await Client.tryDefault();
  const discovery = new Discovery(client);
  switch (verb) {
    case "api-resources":
      await discovery.refresh();
      out(apiResourcesText(discovery.mapper.preferred(), values.output));
      return 0;
    case "get":
      if (!type) throw new KubeError("get needs a TYPE, e.g. `get pods`");
      await get(client, discovery, type, name, {
        namespace: values.namespace,
        all: values["all-namespaces"],
        selector: values.selector,
        output: values.output,
        watch: values.watch,
      });
      return 0;
    case "delete": {
      if (!type || !name) throw new KubeError("delete needs TYPE and NAME");
      const r = await discovery.resolve(type);
      const api = Api.dynamic(
        client,
        r,
        r.namespaced ? values.namespace ?? client.defaultNamespace : undefined,
      );
      await api.delete(name);
      // kubectl 1.37's wording
      out(
        `${typeName(r)} "${name}" deleted${
          api.namespace ? ` from ${api.namespace} namespace` : ""
        }\n`,
      );
      return 0;
    }
    case "apply": {
      if (!values.filename || !values["server-side"]) {
        throw new KubeError("this kubectl only applies server-side: apply -f FILE --server-side");
      }
      const text = values.filename === "-"
        ? await new Response(Deno.stdin.readable).text()
        : await Deno.readTextFile(values.filename);
      const dryRun = values["dry-run"] === "server";
      const applied = await applyManifests(client, text, {
        discovery,
        fieldManager: values["field-manager"],
        force: values["force-conflicts"],
        namespace: values.namespace,
        dryRun,
      });
      for (const a of applied) {
        out(
          `${typeName(a.resource)}/${a.name} serverside-applied${
            dryRun ? " (server dry run)" : ""
          }\n`,
        );
      }
      return 0;
    }
    case "logs": {
      if (!type) throw new KubeError("logs needs a POD");
      const lp: LogParams = { timestamps: values.timestamps, follow: values.follow };
      if (values.tail !== undefined && Number(values.tail) >= 0) lp.tailLines = Number(values.tail);
      if (values.since) lp.sinceSeconds = sinceSeconds(values.since);
      if (values["limit-bytes"]) lp.limitBytes = Number(values["limit-bytes"]);
      Deno.addSignalListener("SIGINT", () => shutdown.abort());
      await logs(client, type, values.namespace, values.container, lp);
      return 0;
    }
    case "exec": {
      if (!type) throw new KubeError("exec needs a POD");
      return await exec(client, type, values.namespace, positionals.slice(2), {
        container: values.container,
        stdin: values.stdin,
        tty: values.tty,
      });
    }
    default:
      throw new KubeError(
        "usage: kubectl.ts get|apply|delete|api-resources|logs|exec ... (see the header of " +
          "examples/kubectl.ts)",
      );
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (shutdown.signal.aborted) Deno.exit(1);
    // kubectl's wording for a Status from the server; its own errors start with "error:".
    if (e instanceof ApiError && e.status.message) {
      err(`Error from server (${e.reason}): ${e.status.message}\n`);
    } else err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    Deno.exit(1);
  }
}
