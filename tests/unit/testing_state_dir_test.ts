// The test kit's care for its state dir, without a cluster: a directory that is not one is never
// wiped, whichever way it is reached (start, stop, the unload of a shared cluster's last user).

import assert from "node:assert/strict";
import {
  type Layout,
  NotAStateDirError,
  removeStateDir,
  removeStateDirSync,
  startControlPlane,
  STATE_MARKER,
  stopControlPlane,
  wipeRefusal,
} from "../../testing/_control_plane.ts";

const tempDir = () => Deno.makeTempDir({ prefix: "kubeno-state-test-" });
const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const quiet = { info() {}, warn() {} };

/** A directory as a user's project or home is: files no cluster writes. */
async function userDir(): Promise<string> {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/thesis.md`, "years of work\n");
  await Deno.mkdir(`${dir}/logs`); // a layout name among them does not make it a state dir
  return dir;
}

/** What a started cluster leaves in its state dir, without the marker (an older kit's). */
async function clusterLayout(dir: string, withEnv: boolean): Promise<void> {
  for (const d of ["pki", "logs", "etcd/member", "pods", "sandbox", "holders"]) {
    await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  }
  for (const f of ["kubeconfig", "kwok.yaml", "authentication.yaml", "started-by-tests"]) {
    await Deno.writeTextFile(`${dir}/${f}`, "");
  }
  const env = { stateDir: dir, processes: {} };
  if (withEnv) await Deno.writeTextFile(`${dir}/env.json`, JSON.stringify(env));
}

Deno.test("wipeRefusal: empty, marked, a cluster's env.json or only layout names may go", () => {
  assert.equal(wipeRefusal([], false), undefined);
  assert.equal(wipeRefusal(["pki", "etcd", "logs", "kubeconfig", "env.json"], false), undefined);
  assert.equal(wipeRefusal([STATE_MARKER, "notes.txt"], false), undefined);
  assert.equal(wipeRefusal(["env.json", "pki", "notes.txt"], true), undefined);
  const why = wipeRefusal([".bashrc", "pki", "b", "c", "d"], false);
  assert.match(why ?? "", /^it holds "\.bashrc", "b", "c" and 1 more, which no test cluster/);
  // An env.json that is not a cluster's does not count.
  assert.match(wipeRefusal(["env.json", "src"], false) ?? "", /"src"/);
});

Deno.test("a directory of user files is never wiped: start, stop and the sync variant refuse", async () => {
  const dir = await userDir();
  try {
    const err = await removeStateDir(dir).then(() => undefined, (e) => e);
    assert.ok(err instanceof NotAStateDirError, String(err));
    assert.equal(err.dir, dir);
    assert.match(err.message, new RegExp(`^refusing to wipe ${dir} as a test cluster's state dir`));
    assert.match(err.message, /"thesis\.md"/);
    assert.match(err.message, /Nothing was deleted/);

    await assert.rejects(stopControlPlane(dir), NotAStateDirError);
    const L: Layout = {
      cacheRoot: `${dir}/cache`,
      version: "v0",
      binDir: `${dir}/bin`,
      stagesFile: `${dir}/stages.yaml`,
      stateDir: dir,
      timeoutMs: 1000,
    };
    await assert.rejects(startControlPlane(L, quiet), NotAStateDirError);
    assert.equal(removeStateDirSync(dir), false);

    // An unrelated env.json (a web project's, say) does not make it a state dir either.
    await Deno.writeTextFile(`${dir}/env.json`, '{"API_URL": "x"}');
    await assert.rejects(removeStateDir(dir), NotAStateDirError);
    assert.deepEqual(names(dir), ["env.json", "logs", "thesis.md"]);
    assert.equal(await Deno.readTextFile(`${dir}/thesis.md`), "years of work\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a cluster's state dir is removed: its layout, its env.json, or its marker", async () => {
  const parent = await tempDir();
  try {
    const layout = `${parent}/layout`;
    await clusterLayout(layout, false);
    await removeStateDir(layout);

    const withEnv = `${parent}/with-env`;
    await clusterLayout(withEnv, true);
    await Deno.writeTextFile(`${withEnv}/left-by-a-test.txt`, "");
    assert.equal(await stopControlPlane(withEnv), true);

    const marked = `${parent}/marked`;
    await Deno.mkdir(marked);
    await Deno.writeTextFile(`${marked}/${STATE_MARKER}`, "");
    await Deno.writeTextFile(`${marked}/anything`, "");
    assert.equal(removeStateDirSync(marked), true);

    const empty = `${parent}/empty`;
    await Deno.mkdir(empty);
    await removeStateDir(empty);
    // Missing is fine too.
    await removeStateDir(`${parent}/missing`);
    assert.equal(removeStateDirSync(`${parent}/missing`), true);
    assert.deepEqual(names(parent), []);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
