/**
 * Builds the benchmarks' Go and Rust peers into $XDG_CACHE_HOME/kubeno/bench (default
 * ~/.cache), never into the repository: `go build` (its build cache makes an unchanged peer
 * quick) and `cargo build --release --locked -j1` (one job, as the machine is shared; cargo skips
 * a fresh one). Both run under `nice`.
 *
 * @module
 */

/** Where the peers' binaries and cargo's target directories go. */
export const benchCacheDir = `${
  Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`
}/kubeno/bench`;

async function run(what: string, args: string[], cwd: string): Promise<void> {
  const t0 = performance.now();
  const out = await new Deno.Command("nice", { args, cwd, stdout: "inherit", stderr: "inherit" })
    .output();
  if (out.code !== 0) throw new Error(`${args[0]} build of ${what} failed (in ${cwd})`);
  console.error(`# ${what} built in ${Math.round(performance.now() - t0)} ms`);
}

/** `go build` of the module in `dir` into `bin` (a path under {@link benchCacheDir}). */
export async function buildGo(what: string, dir: string, bin: string): Promise<void> {
  await run(what, ["go", "build", "-trimpath", "-o", bin, "."], dir);
}

/** `cargo build --release` of the crate in `dir`, with its target directory `targetDir`. */
export async function buildCargo(what: string, dir: string, targetDir: string): Promise<void> {
  await run(
    what,
    ["cargo", "build", "--release", "--locked", "-j1", "--target-dir", targetDir],
    dir,
  );
}
