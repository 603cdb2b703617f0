/**
 * A kubectl in one example (kube-rs has examples/kubectl.rs): discovery resolves the type as
 * kubectl does, `Api.dynamic` does the rest, the server prints the tables.
 *
 *   deno run --allow-net --allow-read --allow-env examples/kubectl.ts get TYPE [NAME] [-n NS | -A] [-l SELECTOR] [-o name|json|yaml|wide] [--watch]
 *   ... apply -f FILE --server-side [--force-conflicts] [--field-manager NAME] [--dry-run=server] [-n NS]
 *   ... delete TYPE NAME [-n NS]
 *   ... api-resources [-o wide|name]
 *
 * `-o name`, `-o json` (one object), the default table and `api-resources` print what kubectl
 * prints, byte for byte.
 */

import { parseArgs } from "node:util";
import { stringify } from "yaml";
import {
  Api,
  type ApiResource,
  applyManifests,
  Client,
  decodeWatchStream,
  Discovery,
  type DynamicObject,
  KubeError,
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

async function main(args: string[]): Promise<number> {
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
    default:
      throw new KubeError(
        "usage: kubectl.ts get|apply|delete|api-resources ... (see the header of examples/kubectl.ts)",
      );
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    Deno.exit(1);
  }
}
