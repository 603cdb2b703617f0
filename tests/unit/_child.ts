/** Child Deno processes for the test kit's tests: a script run once, or one kept running. */

import { procStatSync } from "../../testing/_control_plane.ts";

const ROOT = new URL("../../", import.meta.url);
const CONFIG = new URL("deno.json", ROOT).pathname;

/** What a finished child printed. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno <args>` to its end with `env` (and NO_COLOR), in `cwd`. */
export async function run(args: string[], env: Record<string, string>, cwd?: string): Promise<Ran> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1", ...env },
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Runs `script` with `deno run` and `flags` (not `deno eval`: that grants every permission). */
export async function runScript(
  script: string,
  flags: string[],
  env: Record<string, string> = {},
): Promise<Ran> {
  const dir = await Deno.makeTempDir({ prefix: "kubeno-kit-script-" });
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, script);
    return await run(["run", "--no-prompt", "--config", CONFIG, ...flags, `${dir}/main.ts`], env);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Starts `deno <command> -A` on `script` (written to a temporary file, removed once the child
 * printed) and resolves with the child and the first stdout line that `wanted` accepts; the rest
 * of its stdout is dropped. `stdin: "piped"` lets the test end the child by closing it.
 */
export async function startScript(
  command: "run" | "test",
  script: string,
  wanted: (line: string) => boolean,
  stdin: "null" | "piped" = "null",
): Promise<{ proc: Deno.ChildProcess; line: string }> {
  const file = await Deno.makeTempFile({ suffix: command === "test" ? "_test.ts" : ".ts" });
  await Deno.writeTextFile(file, script);
  const proc = new Deno.Command(Deno.execPath(), {
    args: [command, "--no-check", "-A", "--config", CONFIG, file],
    stdin,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let line: string | undefined;
    while (line === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the child printed no line wanted: ${text}`);
      text += value;
      line = text.split("\n").find(wanted);
    }
    reader.releaseLock();
    await proc.stdout.cancel().catch(() => {});
    return { proc, line };
  } finally {
    await Deno.remove(file);
  }
}

/** Whether process `pid` runs (a zombie does not). */
export function running(pid: number): boolean {
  const s = procStatSync(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}
