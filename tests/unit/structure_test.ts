// The module structure of the published package, from `deno info --json` of every export in
// deno.json: no import cycle between local modules, and imports point one way
// (`core <- client <- runtime`, `crd` on `core` only).

import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);
const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";

/** Local module (path relative to the repository) -> the local modules it imports. */
async function localGraph(): Promise<Map<string, string[]>> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const entries = Object.values(config.exports as Record<string, string>);
  const graph = new Map<string, string[]>();
  const rel = (s: string) => s.startsWith(root.href) ? s.slice(root.href.length) : undefined;
  // `deno info` takes one entry point at a time.
  for (const entry of entries) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const g = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: { specifier: string; dependencies?: { code?: { specifier?: string } }[] }[];
    };
    for (const m of g.modules) {
      const from = rel(m.specifier);
      if (!from) continue;
      const deps = (m.dependencies ?? []).map((d) => rel(d.code?.specifier ?? "")).filter(
        (d): d is string => d !== undefined,
      );
      graph.set(from, [...new Set([...(graph.get(from) ?? []), ...deps])]);
    }
  }
  return graph;
}

/** The import cycles of a graph (its strongly connected components of more than one module). */
export function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** What each top-level directory may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  crd: ["core"],
  client: ["core", "crd"],
  runtime: ["core", "client", "crd"],
};

Deno.test("structure: the cycle finder finds a cycle and passes a chain", () => {
  assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])), [["a", "b", "c"]]);
  assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]])), []);
  assert.deepEqual(cycles(new Map([["a", ["a"]]])), [["a"]]);
});

Deno.test({
  name: "structure: no import cycle, and core <- client <- runtime, crd on core only",
  ignore: !canRun,
  async fn() {
    const graph = await localGraph();
    assert.ok(graph.size > 100, `only ${graph.size} local modules found`);
    assert.deepEqual(cycles(graph), []);
    const wrong: string[] = [];
    for (const [from, deps] of graph) {
      const top = from.split("/")[0];
      const allowed = ALLOWED[top];
      if (!allowed) continue;
      for (const dep of deps) {
        const depTop = dep.split("/")[0];
        if (depTop !== top && !allowed.includes(depTop)) wrong.push(`${from} imports ${dep}`);
      }
    }
    assert.deepEqual(wrong, []);
  },
});
