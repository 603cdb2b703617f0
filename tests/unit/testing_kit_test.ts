// The test kit's parts that need no cluster: the Go toolchain search and its error, the Go
// sources that ship with the package (and their download when imported over HTTPS), the
// version pin, client-certificate subjects for chosen users, and the permission errors.

import assert from "node:assert/strict";
import {
  findGoToolchain,
  GO_SOURCES,
  GoNotFoundError,
  goSourceDir,
  isFile,
  K8S_VERSION,
  parseGoVersion,
  timeoutFromEnv,
} from "../../testing/_build.ts";
import { certificateSubject, userCertificate } from "../../testing/_identity.ts";
import { webhookPki } from "./_webhook_pki.ts";
import { run, runScript } from "./_child.ts";

const ROOT = new URL("../../", import.meta.url);
const CLUSTER_DIR = new URL("tests/cluster/", ROOT);

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "kubeno-kit-test-" });
}

/** A fake executable `name` in `dir` printing `text` (as `go env GOVERSION` would). */
async function fakeTool(dir: string, name: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}`, `#!/bin/sh\necho '${text}'\n`, { mode: 0o755 });
}

Deno.test("K8S_VERSION is the k8s.io/kubernetes version tests/cluster/go.mod builds", async () => {
  const mod = await Deno.readTextFile(new URL("go.mod", CLUSTER_DIR));
  const m = mod.match(/^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v\S+)/m);
  assert.equal(m?.[1], K8S_VERSION);
});

Deno.test("GO_SOURCES lists every file of tests/cluster build.sh reads", async () => {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(new URL(dir, CLUSTER_DIR))) {
      const p = `${dir}${e.name}`;
      if (e.isDirectory) await walk(`${p}/`);
      else found.push(p);
    }
  };
  await walk("");
  // The CLI, its README and the proxy installer are not inputs of the build.
  const notBuild = ["cluster.ts", "README.md", "proxies.sh"];
  assert.deepEqual(found.filter((f) => !notBuild.includes(f)).sort(), [...GO_SOURCES].sort());
  // build.sh hashes node-streams' sources by glob: a new .go file there must be listed too.
  const script = await Deno.readTextFile(new URL("build.sh", CLUSTER_DIR));
  assert.match(script, /nodes\/node-streams\/\*\.go/);
});

Deno.test("deno publish ships the Go sources and build.sh, not the CLI", async () => {
  const r = await run(["publish", "--dry-run", "--allow-dirty"], {}, ROOT.pathname);
  assert.equal(r.code, 0, r.stderr);
  const listed = r.stdout + r.stderr;
  for (const f of GO_SOURCES) {
    assert.ok(listed.includes(`tests/cluster/${f}`), `${f} not published`);
  }
  assert.ok(listed.includes("testing/mod.ts"));
  assert.ok(!listed.includes("tests/cluster/cluster.ts"), "the CLI is published");
  assert.ok(!listed.includes("tests/unit/"), "unit tests are published");
});

Deno.test("parseGoVersion", () => {
  assert.deepEqual(parseGoVersion("go1.26.6\n"), [1, 26]);
  assert.deepEqual(parseGoVersion("go2.0"), [2, 0]);
  assert.equal(parseGoVersion("devel +abc"), undefined);
  assert.equal(parseGoVersion(""), undefined);
});

Deno.test("no Go and no python3 on PATH: GoNotFoundError names what to install", async () => {
  const empty = await tempDir();
  const cache = await tempDir();
  try {
    const err = await findGoToolchain(empty, cache).then(() => undefined, (e) => e);
    assert.ok(err instanceof GoNotFoundError, String(err));
    assert.match(err.message, /needs Go 1\.26 or newer/);
    assert.match(err.message, /https:\/\/go\.dev\/dl\//);
    assert.match(err.message, /python3/);
    assert.ok(err.message.includes(`${cache}/kubeno/cluster/${K8S_VERSION}/bin`));
    assert.deepEqual(err.searched, [`no go in PATH=${empty}`]);
  } finally {
    await Deno.remove(empty, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("a Go older than 1.26 is not taken, and the error says which one was found", async () => {
  const dir = await tempDir();
  try {
    await fakeTool(dir, "go", "go1.22.1");
    const err = await findGoToolchain(dir, dir).then(() => undefined, (e) => e);
    assert.ok(err instanceof GoNotFoundError);
    assert.match(err.message, new RegExp(`${dir}/go: go1\\.22\\.1, older than 1\\.26`));
    // A go that prints garbage does not count either.
    await fakeTool(dir, "go", "not a version");
    await assert.rejects(findGoToolchain(dir, dir), GoNotFoundError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findGoToolchain takes Go 1.26+ first on PATH, else python3 for build.sh's fallback", async () => {
  const a = await tempDir();
  const b = await tempDir();
  try {
    await fakeTool(a, "go", "go1.20.0");
    await fakeTool(b, "go", "go1.26.1");
    assert.deepEqual(await findGoToolchain(`${a}:${b}`, a), {
      kind: "go",
      path: `${b}/go`,
      version: "go1.26.1",
    });
    await Deno.remove(`${b}/go`);
    await fakeTool(b, "python3", "");
    assert.deepEqual(await findGoToolchain(`${a}:${b}`, a), {
      kind: "python",
      path: `${b}/python3`,
    });
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("startCluster with an empty cache and no Go on PATH fails with the way out, starting nothing", async () => {
  const empty = await tempDir();
  const cache = await tempDir();
  const state = `${empty}/state`;
  try {
    const script = `
      import { startCluster } from ${JSON.stringify(new URL("testing/mod.ts", ROOT).href)};
      try {
        await startCluster({ cacheHome: ${JSON.stringify(cache)}, stateDir: ${
      JSON.stringify(state)
    } });
        console.log("started");
      } catch (e) {
        console.log(e.name + ": " + e.message);
      }
    `;
    const r = await runScript(
      script,
      [`--allow-read`, `--allow-write`, `--allow-env`, "--allow-run", "--allow-net=127.0.0.1"],
      { PATH: empty },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^GoNotFoundError: building the test control plane/m);
    assert.match(r.stdout, /Install Go from https:\/\/go\.dev\/dl\//);
    // Nothing was built or started.
    assert.deepEqual([...Deno.readDirSync(cache)], []);
    assert.throws(() => Deno.statSync(`${state}/env.json`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(empty, { recursive: true });
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("without --allow-run, startCluster's error names the flag", async () => {
  const cache = await tempDir();
  try {
    const script = `
      import { startCluster } from ${JSON.stringify(new URL("testing/mod.ts", ROOT).href)};
      try {
        await startCluster({ cacheHome: ${JSON.stringify(cache)}, stateDir: ${
      JSON.stringify(`${cache}/state`)
    } });
      } catch (e) {
        console.log(e.name + ": " + e.message + " flag=" + e.flag);
      }
    `;
    const r = await runScript(
      script,
      ["--allow-read", "--allow-write", "--allow-env"],
      { PATH: Deno.env.get("PATH") ?? "" },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^PermissionError: starting the test control plane: Deno denied run access/m,
    );
    assert.match(r.stdout, /Run again with --allow-run /);
    assert.match(r.stdout, /flag=--allow-run$/m);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("certificateSubject escapes what would add a field and refuses control characters", () => {
  assert.equal(certificateSubject("jane", ["devs", "ops"]), "/O=devs/O=ops/CN=jane");
  assert.equal(
    certificateSubject("x/O=system:masters", ["a+b,c\\d"]),
    "/O=a\\+b\\,c\\\\d/CN=x\\/O\\=system:masters",
  );
  assert.throws(() => certificateSubject(""), /must not be empty/);
  assert.throws(() => certificateSubject("a\nb"), /control character/);
  assert.throws(() => certificateSubject("a", [""]), /group of a test client must not be empty/);
});

Deno.test("userCertificate: a hostile user name stays one common name, signed by the CA", async () => {
  const pki = await tempDir();
  try {
    const sh = async (script: string) => {
      const out = await new Deno.Command("sh", {
        args: ["-c", script],
        cwd: pki,
        stderr: "piped",
        stdout: "piped",
      })
        .output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout);
    };
    await sh(
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null && " +
        "openssl req -x509 -new -key ca.key -subj /CN=test-ca -days 1 -out ca.crt",
    );
    const { cert, key } = await userCertificate(pki, "eve/O=system:masters", ["devs"]);
    assert.match(key, /BEGIN PRIVATE KEY/);
    await Deno.writeTextFile(`${pki}/user.crt`, cert);
    const subject = await sh("openssl x509 -in user.crt -noout -subject -nameopt RFC2253");
    assert.equal(subject.trim(), "subject=CN=eve/O=system:masters,O=devs");
    assert.match(await sh("openssl verify -CAfile ca.crt user.crt"), /user\.crt: OK/);
    // Nothing (no serial file) is left beside the CA.
    assert.deepEqual([...Deno.readDirSync(pki)].map((e) => e.name).sort(), [
      "ca.crt",
      "ca.key",
      "user.crt",
    ]);
  } finally {
    await Deno.remove(pki, { recursive: true });
  }
});

Deno.test("imported over HTTPS, the Go sources are downloaded once into the cache", async () => {
  const cache = await tempDir();
  const requests: string[] = [];
  let fail = "";
  const [{ ca, serving }] = await webhookPki();
  const client = Deno.createHttpClient({ caCerts: [ca] });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, ...serving, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      requests.push(path);
      const rel = path.replace(/^\/pkg\/tests\/cluster\//, "");
      if (rel === fail || !GO_SOURCES.includes(rel)) return new Response("no", { status: 404 });
      return new Response(await Deno.readFile(new URL(rel, CLUSTER_DIR)));
    },
  );
  try {
    const base = new URL(`https://127.0.0.1:${server.addr.port}/pkg/tests/cluster/`);
    const dir = await goSourceDir(cache, base, client);
    assert.ok(dir.startsWith(`${cache}/src/${K8S_VERSION}-`));
    for (const f of GO_SOURCES) {
      assert.deepEqual(
        await Deno.readFile(`${dir}/${f}`),
        await Deno.readFile(new URL(f, CLUSTER_DIR)),
      );
    }
    assert.equal(requests.length, GO_SOURCES.length);
    assert.equal(await goSourceDir(cache, base, client), dir);
    assert.equal(requests.length, GO_SOURCES.length, "downloaded twice");

    // A server that lacks a file: an error naming it, and no half copy left to be used later.
    fail = "nodes/go.sum";
    const other = new URL(`https://127.0.0.1:${server.addr.port}/pkg/tests/cluster/?v=2`);
    await assert.rejects(goSourceDir(cache, other, client), /nodes\/go\.sum: HTTP 404/);
    const left = [...Deno.readDirSync(`${cache}/src`)].map((e) => e.name);
    assert.deepEqual(left, [dir.slice(dir.lastIndexOf("/") + 1)]);

    // Plain HTTP is refused before anything is fetched: build.sh would run what came back.
    const plain = new URL(`http://127.0.0.1:${server.addr.port}/pkg/tests/cluster/`);
    const before = requests.length;
    await assert.rejects(goSourceDir(cache, plain), /only file: and https: are used/);
    assert.equal(requests.length, before);
  } finally {
    client.close();
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("KUBENO_CLUSTER_TIMEOUT: seconds; garbage is an error naming the variable", () => {
  assert.equal(timeoutFromEnv(undefined, 120), 120_000);
  assert.equal(timeoutFromEnv("", 120), 120_000);
  assert.equal(timeoutFromEnv("2.5", 120), 2500);
  for (const bad of ["abc", "0", "-3", "Infinity", "1s"]) {
    assert.throws(
      () => timeoutFromEnv(bad, 120),
      (e: unknown) => e instanceof RangeError && /^KUBENO_CLUSTER_TIMEOUT must be/.test(e.message),
      bad,
    );
  }
});

Deno.test("isFile is false for what is missing, and lets a Deno permission denial through", async () => {
  assert.equal(isFile("/nonexistent/file"), false);
  assert.equal(isFile(new URL("deno.json", ROOT).pathname), true);
  const script = `
    import { isFile } from ${JSON.stringify(new URL("testing/_build.ts", ROOT).href)};
    try {
      console.log("returned " + isFile("/etc/hostname"));
    } catch (e) {
      console.log("threw " + e.name);
    }
  `;
  const r = await runScript(script, [`--allow-read=${ROOT.pathname}`], {});
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "threw NotCapable");
});

Deno.test("a checkout's own tests/cluster is used in place", async () => {
  assert.equal(
    await goSourceDir("/nonexistent", CLUSTER_DIR),
    CLUSTER_DIR.pathname.replace(/\/$/, ""),
  );
});
