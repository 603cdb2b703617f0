import assert from "node:assert/strict";
import fc from "fast-check";
import type { KubeObject } from "../../core/resource.ts";
import { type DeepReadonly, indexers, Store } from "../../runtime/store.ts";
import type { WatcherEvent } from "../../runtime/watcher.ts";

interface Obj extends KubeObject {
  data?: Record<string, string>;
}

function obj(name: string, namespace?: string, extra: Partial<Obj["metadata"]> = {}): Obj {
  return { metadata: { name, namespace, ...extra } };
}

function names(list: readonly DeepReadonly<Obj>[]): string[] {
  return list.map((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort();
}

Deno.test("store: get by key and by name+namespace, list, size, has, keys", () => {
  const s = new Store<Obj>();
  s.applyWatcherEvent({ type: "Apply", object: obj("a", "ns1") });
  s.applyWatcherEvent({ type: "Apply", object: obj("node-1") });
  assert.equal(s.get("ns1/a")?.metadata.name, "a");
  assert.equal(s.get("a", "ns1")?.metadata.name, "a");
  assert.equal(s.get("a"), undefined);
  assert.equal(s.get("node-1")?.metadata.name, "node-1");
  assert.equal(s.get("node-1", undefined)?.metadata.name, "node-1");
  assert.equal(s.size, 2);
  assert.ok(s.has("ns1/a"));
  assert.deepEqual([...s.keys()].sort(), ["node-1", "ns1/a"]);
  assert.deepEqual(names(s.list()), ["/node-1", "ns1/a"]);
});

Deno.test("store: Apply replaces, Delete removes, Delete of an unknown key is a no-op", () => {
  const s = new Store<Obj>();
  s.applyWatcherEvent({ type: "Apply", object: { ...obj("a", "n"), data: { v: "1" } } });
  s.applyWatcherEvent({ type: "Apply", object: { ...obj("a", "n"), data: { v: "2" } } });
  assert.equal(s.get("n/a")?.data?.v, "2");
  assert.equal(s.size, 1);
  s.applyWatcherEvent({ type: "Delete", object: obj("zzz", "n") });
  assert.equal(s.size, 1);
  s.applyWatcherEvent({ type: "Delete", object: obj("a", "n") });
  assert.equal(s.size, 0);
});

Deno.test("store: ready() resolves only at the first InitDone; isReady follows", async () => {
  const s = new Store<Obj>();
  let resolved = false;
  s.ready().then(() => (resolved = true));
  s.applyWatcherEvent({ type: "Init" });
  s.applyWatcherEvent({ type: "InitApply", object: obj("a", "n") });
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(resolved, false);
  assert.equal(s.isReady, false);
  s.applyWatcherEvent({ type: "InitDone" });
  await s.ready();
  assert.equal(resolved, true);
  assert.equal(s.isReady, true);
});

Deno.test("store: a relist is built aside and swapped at InitDone; missing objects are gone", () => {
  const s = new Store<Obj>({ indexers: { namespace: indexers.namespace } });
  for (
    const ev of [
      { type: "Init" },
      { type: "InitApply", object: obj("a", "n") },
      { type: "InitApply", object: obj("b", "n") },
      { type: "InitDone" },
    ] as WatcherEvent<Obj>[]
  ) s.applyWatcherEvent(ev);
  assert.deepEqual(names(s.list()), ["n/a", "n/b"]);

  // A relist: while it is being built, readers still see the old state, whole.
  s.applyWatcherEvent({ type: "Init" });
  assert.deepEqual(names(s.list()), ["n/a", "n/b"]);
  s.applyWatcherEvent({ type: "InitApply", object: obj("b", "n") });
  s.applyWatcherEvent({ type: "InitApply", object: obj("c", "m") });
  assert.deepEqual(names(s.list()), ["n/a", "n/b"]);
  assert.deepEqual(names(s.byIndex("namespace", "n")), ["n/a", "n/b"]);
  s.applyWatcherEvent({ type: "InitDone" });
  // "a" was deleted while nobody watched: gone after the swap, from the indexes too.
  assert.deepEqual(names(s.list()), ["m/c", "n/b"]);
  assert.deepEqual(names(s.byIndex("namespace", "n")), ["n/b"]);
  assert.deepEqual(names(s.byIndex("namespace", "m")), ["m/c"]);
  assert.equal(s.get("n/a"), undefined);
});

Deno.test("store: indexes by namespace, label, owner uid, controller uid and a function", () => {
  const s = new Store<Obj>({
    indexers: {
      namespace: indexers.namespace,
      app: indexers.label("app"),
      owner: indexers.ownerUid,
      controller: indexers.controllerUid,
      firstLetter: (o) => o.metadata.name?.slice(0, 1),
    },
  });
  const owners = [
    { apiVersion: "v1", kind: "X", name: "o1", uid: "u1", controller: true },
    { apiVersion: "v1", kind: "X", name: "o2", uid: "u2" },
  ];
  s.applyWatcherEvent({
    type: "Apply",
    object: obj("apple", "n", { labels: { app: "web" }, ownerReferences: owners }),
  });
  s.applyWatcherEvent({ type: "Apply", object: obj("avocado", "m", { labels: { app: "db" } }) });
  s.applyWatcherEvent({ type: "Apply", object: obj("banana") });
  assert.deepEqual(names(s.byIndex("namespace", "n")), ["n/apple"]);
  assert.deepEqual(s.byIndex("namespace", ""), []); // cluster-scoped objects are not indexed
  assert.deepEqual(names(s.byIndex("app", "web")), ["n/apple"]);
  assert.deepEqual(names(s.byIndex("owner", "u2")), ["n/apple"]);
  assert.deepEqual(names(s.byIndex("controller", "u1")), ["n/apple"]);
  assert.deepEqual(s.byIndex("controller", "u2"), []);
  assert.deepEqual(names(s.byIndex("firstLetter", "a")), ["m/avocado", "n/apple"]);
  assert.deepEqual([...s.indexValues("app")].sort(), ["db", "web"]);

  // A change of label moves the object between buckets; empty buckets disappear.
  s.applyWatcherEvent({ type: "Apply", object: obj("apple", "n", { labels: { app: "db" } }) });
  assert.deepEqual(s.byIndex("app", "web"), []);
  assert.deepEqual([...s.indexValues("app")], ["db"]);
  assert.deepEqual(names(s.byIndex("app", "db")), ["m/avocado", "n/apple"]);
  assert.deepEqual(s.byIndex("owner", "u2"), []);
  s.applyWatcherEvent({ type: "Delete", object: obj("avocado", "m") });
  assert.deepEqual(names(s.byIndex("app", "db")), ["n/apple"]);
  assert.deepEqual(s.byIndex("namespace", "m"), []);
});

Deno.test("store: byIndex of an unknown index names the ones that exist", () => {
  const s = new Store<Obj>({ indexers: { namespace: indexers.namespace } });
  assert.throws(() => s.byIndex("nope", "x"), /no index "nope" \(it has: namespace\)/);
  assert.throws(() => s.addIndexer("namespace", indexers.namespace), /already has an index/);
});

Deno.test("store: addIndexer indexes objects already there", () => {
  const s = new Store<Obj>();
  s.applyWatcherEvent({ type: "Apply", object: obj("a", "n") });
  s.addIndexer("namespace", indexers.namespace);
  assert.deepEqual(names(s.byIndex("namespace", "n")), ["n/a"]);
});

Deno.test("store: snapshotEvents replays the state, or the relist in progress", () => {
  const s = new Store<Obj>();
  assert.deepEqual(s.snapshotEvents(), []);
  s.applyWatcherEvent({ type: "Init" });
  s.applyWatcherEvent({ type: "InitApply", object: obj("a", "n") });
  assert.deepEqual(s.snapshotEvents().map((e) => e.type), ["Init", "InitApply"]);
  s.applyWatcherEvent({ type: "InitDone" });
  s.applyWatcherEvent({ type: "Apply", object: obj("b", "n") });
  assert.deepEqual(s.snapshotEvents().map((e) => e.type), [
    "Init",
    "InitApply",
    "InitApply",
    "InitDone",
  ]);
});

// Model-based: any sequence of events leaves the store equal to a simple model, and every index
// equal to the index recomputed from scratch.
Deno.test("store: property: equals a model under random event sequences", () => {
  const nameArb = fc.constantFrom("a", "b", "c", "d");
  const nsArb = fc.constantFrom("n1", "n2", undefined);
  const labelArb = fc.constantFrom("x", "y", undefined);
  const objArb = fc.record({ name: nameArb, ns: nsArb, app: labelArb, v: fc.nat(5) }).map(
    (r): Obj => ({
      metadata: {
        name: r.name,
        namespace: r.ns,
        labels: r.app ? { app: r.app } : undefined,
        resourceVersion: String(r.v),
      },
    }),
  );
  const evArb: fc.Arbitrary<WatcherEvent<Obj>> = fc.oneof(
    fc.constant({ type: "Init" } as const),
    fc.constant({ type: "InitDone" } as const),
    objArb.map((object) => ({ type: "InitApply", object }) as const),
    objArb.map((object) => ({ type: "Apply", object }) as const),
    objArb.map((object) => ({ type: "Delete", object }) as const),
  );
  fc.assert(
    fc.property(fc.array(evArb, { maxLength: 60 }), (events) => {
      const s = new Store<Obj>({
        indexers: { ns: indexers.namespace, app: indexers.label("app") },
      });
      let model = new Map<string, Obj>();
      let building: Map<string, Obj> | undefined;
      const key = (o: Obj) =>
        o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
      for (const ev of events) {
        s.applyWatcherEvent(ev);
        if (ev.type === "Init") building = new Map();
        else if (ev.type === "InitApply") (building ??= new Map()).set(key(ev.object), ev.object);
        else if (ev.type === "InitDone") [model, building] = [building ?? new Map(), undefined];
        else if (ev.type === "Apply") model.set(key(ev.object), ev.object);
        else model.delete(key(ev.object));
        assert.equal(s.size, model.size);
        for (const [k, o] of model) assert.equal(s.get(k), o);
        for (const ns of ["n1", "n2"]) {
          const want = [...model.values()].filter((o) => o.metadata.namespace === ns);
          assert.deepEqual(names(s.byIndex("ns", ns)), names(want));
        }
        for (const app of ["x", "y"]) {
          const want = [...model.values()].filter((o) => o.metadata.labels?.app === app);
          assert.deepEqual(names(s.byIndex("app", app)), names(want));
        }
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("store: the objects it hands out are read-only in the types (a copy is not)", () => {
  const s = new Store<Obj>({ indexers: { namespace: indexers.namespace } });
  s.applyWatcherEvent({ type: "Apply", object: obj("a", "n", { labels: { x: "1" } }) });
  const got = s.get("n/a")!;
  // Never called: these lines are here for the type checker, which must reject each.
  const mutations = () => {
    // @ts-expect-error: a store object's fields are read-only
    got.metadata.name = "b";
    // @ts-expect-error: nested maps too
    got.metadata.labels!.x = "2";
    // @ts-expect-error: and arrays
    s.list()[0].metadata.finalizers?.push("f");
    // @ts-expect-error: byIndex as well
    s.byIndex("namespace", "n")[0].metadata.namespace = "m";
  };
  assert.equal(typeof mutations, "function");
  const copy = structuredClone(got) as Obj;
  copy.metadata.labels = { x: "2" };
  assert.equal(s.get("n/a")!.metadata.labels!.x, "1");
});
