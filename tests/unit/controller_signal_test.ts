import assert from "node:assert/strict";

const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";
const controllerTs = new URL("../../runtime/controller.ts", import.meta.url).href;
const actionTs = new URL("../../runtime/action.ts", import.meta.url).href;

/**
 * A program running a Controller with shutdownOnSignal() over an in-memory API (one object,
 * a watch that stays open until aborted). Its reconcile takes 300 ms, so that the signal
 * arrives while one is in flight.
 */
const child = `
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
const c = new Controller(api).shutdownOnSignal();
for await (const r of c.run(async (o) => {
  console.log("reconciling " + o.metadata.name);
  await new Promise((r) => setTimeout(r, 300));
  return Action.awaitChange();
}, () => Action.awaitChange(), {})) console.log("result " + r.key + " " + r.outcome);
console.log("run ended");
`;

async function stopsOn(signal: Deno.Signal): Promise<void> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", child],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(proc.stderr).text();
  let out = "";
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  try {
    while (!out.includes("reconciling a")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    // (stderr is only read after the exit: awaiting it here would wait for the exit.)
    assert.match(out, /reconciling a/, "the child never started a reconcile");
    const t0 = performance.now();
    proc.kill(signal);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    const status = await proc.status;
    const took = performance.now() - t0;
    // Exits by itself (code 0, no Deno.exit, nothing left open), after the reconcile in
    // flight finished and the iteration of run ended.
    assert.equal(status.code, 0, `${out}\n${await stderr}`);
    assert.equal(status.signal, null);
    assert.deepEqual(out.trim().split("\n"), ["reconciling a", "result ns/a success", "run ended"]);
    assert.ok(took < 10_000, `took ${took} ms to stop`);
  } finally {
    clearTimeout(killer);
    reader.releaseLock();
    await stderr;
  }
}

Deno.test({
  name: "Controller.shutdownOnSignal: SIGTERM drains the reconcile in flight and ends run cleanly",
  ignore: !canRun || Deno.build.os === "windows",
}, () => stopsOn("SIGTERM"));

Deno.test({
  name: "Controller.shutdownOnSignal: SIGINT does the same",
  ignore: !canRun || Deno.build.os === "windows",
}, () => stopsOn("SIGINT"));
