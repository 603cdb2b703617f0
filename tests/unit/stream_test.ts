import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import type { KubeObject } from "../../core/resource.ts";
import { combinePredicates, predicates } from "../../runtime/predicate.ts";
import {
  appliedObjects,
  modify,
  predicateFilter,
  stripManagedFields,
  touchedObjects,
} from "../../runtime/stream.ts";
import type { WatcherEvent } from "../../runtime/watcher.ts";

interface Obj extends KubeObject {
  status?: { ready: boolean };
}

function obj(name: string, meta: Partial<Obj["metadata"]> = {}, status?: boolean): Obj {
  const o: Obj = { metadata: { name, namespace: "n", uid: "u-" + name, ...meta } };
  if (status !== undefined) o.status = { ready: status };
  return o;
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const events: WatcherEvent<Obj>[] = [
  { type: "Init" },
  { type: "InitApply", object: obj("a") },
  { type: "InitDone" },
  { type: "Apply", object: obj("b") },
  { type: "Delete", object: obj("a") },
];

Deno.test("stream: appliedObjects yields InitApply and Apply objects only", async () => {
  const got = await collect(appliedObjects(from(events)));
  assert.deepEqual(got.map((o) => o.metadata.name), ["a", "b"]);
});

Deno.test("stream: touchedObjects yields applied and deleted objects", async () => {
  const got = await collect(touchedObjects(from(events)));
  assert.deepEqual(got.map((o) => o.metadata.name), ["a", "b", "a"]);
});

Deno.test("stream: predicateFilter(generation) drops status-only changes", async () => {
  const objs = [
    obj("a", { generation: 1 }, false),
    obj("a", { generation: 1 }, true), // status only: dropped
    obj("b", { generation: 1 }),
    obj("a", { generation: 2 }, true), // spec change: passes
    obj("a", { generation: 2, uid: "other" }), // recreated (new uid): passes
    obj("c"), // no generation: always passes
    obj("c"),
  ];
  const got = await collect(predicateFilter(from(objs), predicates.generation));
  assert.deepEqual(
    got.map((o) => `${o.metadata.name}:${o.metadata.generation ?? "-"}`),
    ["a:1", "b:1", "a:2", "a:2", "c:-", "c:-"],
  );
});

Deno.test("stream: predicates for labels and annotations ignore key order", async () => {
  const objs = [
    obj("a", { labels: { x: "1", y: "2" } }),
    obj("a", { labels: { y: "2", x: "1" } }), // same labels
    obj("a", { labels: { x: "1" } }),
    obj("a", { labels: { x: "1" }, annotations: { k: "v" } }), // labels unchanged
  ];
  const byLabels = await collect(predicateFilter(from(objs), predicates.labels));
  assert.equal(byLabels.length, 2);
  const byAnn = await collect(predicateFilter(from(objs), predicates.annotations));
  assert.equal(byAnn.length, 2); // first, and the one that gained an annotation
  const byRv = await collect(
    predicateFilter(
      from([
        obj("a", { resourceVersion: "1" }),
        obj("a", { resourceVersion: "1" }),
        obj("a", {
          resourceVersion: "2",
        }),
      ]),
      predicates.resourceVersion,
    ),
  );
  assert.equal(byRv.length, 2);
  const both = combinePredicates(predicates.generation, predicates.labels);
  const got = await collect(predicateFilter(
    from([
      obj("a", { generation: 1, labels: { x: "1" } }),
      obj("a", { generation: 1, labels: { x: "1" } }),
      obj("a", { generation: 1, labels: { x: "2" } }),
      obj("a", { generation: 2, labels: { x: "2" } }),
    ]),
    both,
  ));
  assert.equal(got.length, 3);
});

Deno.test("stream: modify changes objects in place; stripManagedFields drops managedFields", async () => {
  const withMf = () =>
    obj("a", {
      managedFields: [{ manager: "kubectl", operation: "Apply", fieldsV1: { f: {} } }],
    });
  const evs: WatcherEvent<Obj>[] = [
    { type: "Init" },
    { type: "InitApply", object: withMf() },
    { type: "InitDone" },
    { type: "Apply", object: withMf() },
  ];
  const got = await collect(modify(from(evs), stripManagedFields));
  assert.deepEqual(got.map((e) => e.type), ["Init", "InitApply", "InitDone", "Apply"]);
  for (const ev of got) {
    if ("object" in ev) {
      assert.equal(ev.object.metadata.managedFields, undefined);
      assert.ok(!JSON.stringify(ev.object).includes("managedFields"));
    }
  }
  const o = withMf();
  assert.equal(stripManagedFields(o), o);
});

Deno.test("predicateFilter: a TTL bounds its memory (fake time)", async () => {
  const clock = FakeTimers.install({ toFake: ["Date"], now: 0 });
  try {
    const a = obj("a", { generation: 1 });
    const later = async function* (): AsyncGenerator<Obj> {
      yield a;
      yield a;
      clock.tick(5_000);
      yield a; // forgotten after the TTL: passes again
      yield a;
    };
    const got = await collect(predicateFilter(later(), predicates.generation, { ttlMs: 5_000 }));
    assert.equal(got.length, 2);
    const plain = await collect(predicateFilter(from([a, a, a]), predicates.generation));
    assert.equal(plain.length, 1);
  } finally {
    clock.uninstall();
  }
});
