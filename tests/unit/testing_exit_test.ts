// An own test cluster does not outlive the Deno process that started it, without a cluster:
// a fake env whose processes are detached `sleep`s, in a child Deno that then goes away by
// SIGKILL (the watchdog), SIGTERM (the listener), or by ending without a stop (unload).

import assert from "node:assert/strict";
import { STATE_MARKER } from "../../testing/_control_plane.ts";
import { running, startScript } from "./_child.ts";

const ROOT = new URL("../../", import.meta.url);

/** The child: a fake own cluster under guardAtExit, then `how`. Prints `{ dir, pids }` first. */
function childScript(how: How): string {
  const url = (p: string) => JSON.stringify(new URL(p, ROOT).href);
  return `
import { procStatSync, STATE_MARKER } from ${url("testing/_control_plane.ts")};
import { guardAtExit } from ${url("testing/_exit.ts")};
const dir = await Deno.makeTempDir({ prefix: "kubeno-exit-test-" });
Deno.writeTextFileSync(dir + "/" + STATE_MARKER, "");
Deno.writeTextFileSync(dir + "/env.json", "{}");
const sleeper = () => {
  const out = new Deno.Command("sh", {
    args: ["-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!"], stdout: "piped",
  }).outputSync();
  const pid = Number(new TextDecoder().decode(out.stdout));
  return { pid, startTime: procStatSync(pid).startTime, args: [], log: "" };
};
const env = { stateDir: dir, processes: { etcd: sleeper(), kwok: sleeper() } };
const guard = await guardAtExit(env);
${
    how === "refresh"
      ? 'Deno.kill(env.processes.etcd.pid, "SIGKILL"); env.processes.etcd = sleeper();'
      : ""
  }
${how === "refresh" ? "await guard.refresh();" : ""}
console.log(JSON.stringify({ dir, pids: [env.processes.etcd.pid, env.processes.kwok.pid] }));
${how === "wait" || how === "refresh" ? "setInterval(() => {}, 1000);" : ""}
${how === "release" ? "guard.release();" : ""}
${how === "test" ? 'Deno.test("runs long", () => new Promise((r) => setTimeout(r, 60_000)));' : ""}
`;
}

type How = "wait" | "end" | "release" | "test" | "refresh";

interface Child {
  dir: string;
  pids: number[];
  proc: Deno.ChildProcess;
}

async function startChild(how: How): Promise<Child> {
  const json = (l: string) => l.startsWith("{") && l.endsWith("}");
  const { proc, line } = await startScript(how === "test" ? "test" : "run", childScript(how), json);
  return { ...JSON.parse(line), proc };
}

async function gone(c: Child, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const dirGone = await Deno.stat(c.dir).then(() => false, () => true);
    if (dirGone && !c.pids.some(running)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function cleanup(c: Child): void {
  for (const pid of c.pids) {
    if (running(pid)) Deno.kill(pid, "SIGKILL");
  }
  try {
    Deno.removeSync(c.dir, { recursive: true });
  } catch { /* gone */ }
}

/** Runs a child as `how`, and `check` on it; whatever happens, nothing of it stays. */
function withChild(name: string, how: How, check: (c: Child) => Promise<void>): void {
  Deno.test(name, async () => {
    const c = await startChild(how);
    try {
      await check(c);
    } finally {
      cleanup(c);
    }
  });
}

/** What the watchdog must do once the child is gone without running anything. */
async function killedThenGone(c: Child, signal: Deno.Signal, code: number): Promise<void> {
  assert.ok(c.pids.every(running));
  c.proc.kill(signal);
  assert.equal((await c.proc.status).code, code);
  assert.ok(await gone(c, 15_000), `left running after ${signal} to its Deno process`);
}

withChild(
  "SIGKILL of the Deno process: the watchdog stops the processes and removes the dir",
  "wait",
  (c) => killedThenGone(c, "SIGKILL", 137),
);

withChild(
  "after a process was replaced (an apiserver restart), the watchdog stops the new one",
  "refresh",
  (c) => killedThenGone(c, "SIGKILL", 137),
);

withChild(
  "Ctrl-C in deno test (which exits without running listeners): the watchdog stops them",
  "test",
  async (c) => {
    await new Promise((r) => setTimeout(r, 300)); // the test is running
    await killedThenGone(c, "SIGINT", 130);
  },
);

withChild(
  "SIGTERM: stopped at once, then the process ends as SIGTERM would (143)",
  "wait",
  async (c) => {
    c.proc.kill("SIGTERM");
    assert.equal((await c.proc.status).signal, "SIGTERM");
    // Stopped synchronously before the exit, not by the watchdog a second later.
    assert.ok(!c.pids.some(running), "still running when the process ended");
    assert.ok(await gone(c, 500));
  },
);

withChild(
  "a program that ends without stopping its cluster stops it on unload",
  "end",
  async (c) => {
    assert.equal((await c.proc.status).code, 0);
    assert.ok(!c.pids.some(running));
    assert.ok(await gone(c, 500));
  },
);

withChild(
  "after the release (a regular stop), nothing is stopped at exit and no watchdog stays",
  "release",
  async (c) => {
    assert.equal((await c.proc.status).code, 0);
    // Longer than the watchdog's poll: it is gone, so these stay.
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(c.pids.every(running), "stopped although released");
    assert.ok((await Deno.stat(`${c.dir}/${STATE_MARKER}`)).isFile);
  },
);
