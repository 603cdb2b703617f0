import assert from "node:assert/strict";

const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";
const shutdownTs = new URL("../../runtime/shutdown.ts", import.meta.url).href;

/** Runs a program that uses shutdownSignal and signals itself; returns its exit code and output. */
async function runChild(body: string): Promise<{ code: number; out: string }> {
  const src = `import { shutdownSignal } from ${JSON.stringify(shutdownTs)};\n${body}`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", src],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text };
}

Deno.test({
  name: "shutdownSignal: the same Ctrl-C delivered twice (terminal + deno task) stops gracefully",
  ignore: !canRun || Deno.build.os === "windows",
}, async () => {
  const { code, out } = await runChild(`
    const signal = shutdownSignal();
    const keepAlive = setInterval(() => {}, 1_000);
    signal.addEventListener("abort", () => {
      // Cleanup takes a while; the duplicate arrives meanwhile.
      setTimeout(() => { console.log("graceful:", signal.reason.message); clearInterval(keepAlive); }, 300);
    });
    Deno.kill(Deno.pid, "SIGINT");
    setTimeout(() => Deno.kill(Deno.pid, "SIGINT"), 50);
  `);
  assert.equal(code, 0, out);
  assert.match(out, /graceful: received SIGINT/);
});

Deno.test({
  name: "shutdownSignal: a second signal later than a second after the first exits with 130",
  ignore: !canRun || Deno.build.os === "windows",
}, async () => {
  const { code, out } = await runChild(`
    const signal = shutdownSignal();
    setInterval(() => {}, 1_000); // a stop that hangs
    Deno.kill(Deno.pid, "SIGTERM");
    setTimeout(() => Deno.kill(Deno.pid, "SIGINT"), 1_300);
  `);
  assert.equal(code, 130, out);
  assert.match(out, /SIGINT again: exiting without waiting/);
});
