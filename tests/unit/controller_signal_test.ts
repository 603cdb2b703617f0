import assert from "node:assert/strict";

const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";
const controllerTs = new URL("../../runtime/controller.ts", import.meta.url).href;
const actionTs = new URL("../../runtime/action.ts", import.meta.url).href;

/** The start of each child program: imports and an in-memory API of one object `api`. */
const inMemoryApi = `
import { Controller } from ${JSON.stringify(controllerTs)};
import { Action } from ${JSON.stringify(actionTs)};
const obj = { metadata: { name: "a", namespace: "ns", uid: "u", resourceVersion: "1" } };
const api = {
  resource: { kind: "Foo", plural: "foos", apiVersion: "example.com/v1", group: "example.com", namespaced: true },
  list: () => Promise.resolve({ metadata: { resourceVersion: "1" }, items: [obj] }),
  async *watch(_wp, _rv, opts) {
    await new Promise((r) => opts?.signal?.addEventListener("abort", r, { once: true }));
  },
};
`;

/**
 * A program running a Controller with shutdownOnSignal() over an in-memory API (one object,
 * a watch that stays open until aborted). Its reconcile takes 300 ms, so that the signal
 * arrives while one is in flight.
 */
const child = `
${inMemoryApi}const c = new Controller(api).shutdownOnSignal();
for await (const r of c.run(async (o) => {
  console.log("reconciling " + o.metadata.name);
  await new Promise((r) => setTimeout(r, 300));
  return Action.awaitChange();
}, () => Action.awaitChange(), {})) console.log("result " + r.key + " " + r.outcome);
console.log("run ended");
`;

/** A `deno eval` child whose stdout the test reads; SIGKILLed after `killAfterMs`. */
async function withChild(
  code: string,
  killAfterMs: number,
  body: (child: {
    proc: Deno.ChildProcess;
    out: () => string;
    readUntil: (done: (out: string) => boolean) => Promise<void>;
    exit: () => Promise<{ status: Deno.CommandStatus; stderr: string }>;
  }) => Promise<void>,
): Promise<void> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // (stderr is only read after the exit: awaiting it earlier would wait for the exit.)
  const stderr = new Response(proc.stderr).text();
  let out = "";
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const killer = setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
  const readUntil = async (done: (out: string) => boolean) => {
    while (!done(out)) {
      const r = await reader.read();
      if (r.done) break;
      out += r.value;
    }
  };
  try {
    await body({
      proc,
      out: () => out,
      readUntil,
      exit: async () => {
        await readUntil(() => false);
        return { status: await proc.status, stderr: await stderr };
      },
    });
  } finally {
    clearTimeout(killer);
    reader.releaseLock();
    await stderr;
  }
}

function stopsOn(signal: Deno.Signal): Promise<void> {
  return withChild(child, 20_000, async ({ proc, out, readUntil, exit }) => {
    await readUntil((o) => o.includes("reconciling a"));
    assert.match(out(), /reconciling a/, "the child never started a reconcile");
    const t0 = performance.now();
    proc.kill(signal);
    const { status, stderr } = await exit();
    const took = performance.now() - t0;
    // Exits by itself (code 0, no Deno.exit, nothing left open), after the reconcile in
    // flight finished and the iteration of run ended.
    assert.equal(status.code, 0, `${out()}\n${stderr}`);
    assert.equal(status.signal, null);
    assert.deepEqual(out().trim().split("\n"), [
      "reconciling a",
      "result ns/a success",
      "run ended",
    ]);
    assert.ok(took < 10_000, `took ${took} ms to stop`);
  });
}

Deno.test({
  name: "Controller.shutdownOnSignal: SIGTERM drains the reconcile in flight and ends run cleanly",
  ignore: !canRun || Deno.build.os === "windows",
}, () => stopsOn("SIGTERM"));

Deno.test({
  name: "Controller.shutdownOnSignal: SIGINT does the same",
  ignore: !canRun || Deno.build.os === "windows",
}, () => stopsOn("SIGINT"));

/**
 * A program whose reconcile returns `Action.requeue(0)` without any I/O, beside a 100 ms
 * interval that prints how many reconciles ran so far. Before requeues went through a timer,
 * the reconciles chained through microtasks: no timer fired and SIGTERM was never handled.
 */
const spinning = `
${inMemoryApi}let n = 0;
const ticker = setInterval(() => console.log("tick " + n), 100);
const c = new Controller(api).shutdownOnSignal();
for await (const _ of c.run(async () => (n++, Action.requeue(0)), () => Action.awaitChange(), {})) {
  // Bounded: the old microtask loop ends here (after some seconds) instead of running forever.
  if (n >= 300_000) break;
}
clearInterval(ticker);
console.log("run ended after " + n);
`;

Deno.test({
  name:
    "Controller: a reconcile that requeues at once without I/O lets timers tick and SIGTERM stop it",
  ignore: !canRun || Deno.build.os === "windows",
}, () =>
  withChild(spinning, 60_000, async ({ proc, out, readUntil, exit }) => {
    // Two ticks while reconciles go on (n grows between them).
    await readUntil((o) => (o.match(/^tick \d+$/gm) ?? []).length >= 2);
    const ticks = (out().match(/^tick (\d+)$/gm) ?? []).map((l) => Number(l.slice(5)));
    assert.ok(ticks.length >= 2, `no two ticks before the loop ended:\n${out()}`);
    assert.ok(!out().includes("run ended"), `the interval ticked only after the loop:\n${out()}`);
    assert.ok(ticks[1] > ticks[0], `reconciles went on between ticks: ${ticks}`);
    proc.kill("SIGTERM");
    const { status, stderr } = await exit();
    assert.equal(status.code, 0, `${out()}\n${stderr}`);
    assert.equal(status.signal, null);
    assert.match(out(), /run ended after \d+\n$/);
  }));
