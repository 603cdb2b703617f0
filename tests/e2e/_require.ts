/**
 * What an e2e test module needs and was not given makes the run fail, never skip: one failing
 * test per module says what is missing and how to get it.
 */

const registered = new Set<string>();

/** Registers one failing test named `name` (once per test module) that throws `message`. */
export function failOnce(name: string, message: string): void {
  if (registered.has(name)) return;
  registered.add(name);
  Deno.test(name, () => {
    throw new Error(message);
  });
}

/**
 * Whether `--allow-run` was granted; if not, registers one failing test naming the flag (the
 * tests that run programs are then left out, and the run fails).
 */
export function requireRun(): boolean {
  if (Deno.permissions.querySync({ name: "run" }).state === "granted") return true;
  failOnce(
    "e2e needs --allow-run",
    "these tests run programs: add --allow-run (deno task test has it)",
  );
  return false;
}
