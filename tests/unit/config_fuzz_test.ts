// Issue 11 ("Also"): a seeded, bounded fuzz of the kubeconfig loader. Whatever the bytes, and
// whatever a kubeconfig-shaped document holds, the loader gives a Kubeconfig (then a Config) or
// a ConfigError, never another exception, and no message or stack holds a credential.
// Reproduce a failure with the seed and path fast-check prints. Runs are capped in number and,
// on a loaded machine, in time (interruptAfterTimeLimit: a partial run still passes or fails on
// what it ran, in the same order).

import assert from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import {
  ConfigError,
  configFromCustomKubeconfig,
  parseKubeconfig,
} from "../../client/config/mod.ts";

const SEED = 20261129;
const SECRET = "s3cr3t-FUZZ-7q";

/** Fails unless `err` is a ConfigError that shows no credential anywhere. */
function checkError(err: unknown, what: string): void {
  if (!(err instanceof ConfigError)) {
    throw new Error(`${what}: ${err instanceof Error ? err.name : typeof err} thrown: ${err}`);
  }
  for (let e: unknown = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    const text = `${e.message}\n${e.stack ?? ""}`;
    assert.ok(!text.includes(SECRET), `${what}: the secret is in: ${text}`);
  }
  assert.ok(!Deno.inspect(err, { depth: 10 }).includes(SECRET), `${what}: inspect shows it`);
}

/** A credential value, often broken the ways a header or YAML breaks. */
const secretValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(SECRET),
  fc.tuple(
    fc.constantFrom("\n", "\0", "\r\n", "\u0101", "\u00e9", "\t", " ", "\u0001", "\x7f", "\ud800"),
    fc.string({ maxLength: 3 }),
  ).map(([bad, tail]) => `${SECRET}${bad}${tail}`),
  fc.constant(btoa(SECRET)),
  fc.constant([SECRET]),
  fc.constant({ value: SECRET }),
  fc.constant(12345),
  fc.constant(true),
  fc.constant(null),
);

const word = fc.constantFrom("a", "k", "u", "dev", "x", "", "yes", "0x1F", "~", "2024-01-02");
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  word,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(word, { maxLength: 2 }),
  fc.dictionary(word, word, { maxKeys: 2 }),
);
const server = fc.constantFrom(
  "https://127.0.0.1:6443",
  "http://127.0.0.1:8080",
  "127.0.0.1:6443",
  "ftp://x",
  "https://u:p@h",
  "not a url",
  "",
);

/** A kubeconfig-shaped value: credentials in their fields, noise everywhere else. */
const kubeconfigLike = fc.record({
  "current-context": fc.oneof(word, anyValue),
  clusters: fc.array(
    fc.record({
      name: word,
      cluster: fc.record({
        server: fc.oneof(server, anyValue),
        "certificate-authority-data": fc.oneof(fc.constant(btoa("-----BEGIN X-----")), anyValue),
        "insecure-skip-tls-verify": anyValue,
        "tls-server-name": anyValue,
        "proxy-url": fc.oneof(fc.constant(`http://me:${SECRET}@127.0.0.1:3128`), anyValue),
      }, { requiredKeys: [] }),
    }, { requiredKeys: [] }),
    { maxLength: 3 },
  ),
  users: fc.array(
    fc.record({
      name: word,
      user: fc.record({
        token: secretValue,
        password: secretValue,
        username: fc.oneof(word, anyValue),
        "client-key-data": fc.oneof(secretValue, fc.constant(btoa(`-----BEGIN K-----${SECRET}`))),
        "client-certificate-data": anyValue,
        as: fc.oneof(word, secretValue),
        "as-groups": anyValue,
        "as-user-extra": anyValue,
        tokenFile: anyValue,
        "auth-provider": fc.oneof(
          fc.constant({ name: "oidc", config: { "id-token": SECRET } }),
          anyValue,
        ),
        exec: fc.oneof(
          fc.constant({ command: "x", env: [{ name: "T", value: SECRET }], args: [SECRET] }),
          anyValue,
        ),
      }, { requiredKeys: [] }),
    }, { requiredKeys: [] }),
    { maxLength: 3 },
  ),
  contexts: fc.array(
    fc.record({
      name: word,
      context: fc.record({ cluster: word, user: word, namespace: anyValue }, {
        requiredKeys: [],
      }),
    }, { requiredKeys: [] }),
    { maxLength: 3 },
  ),
}, { requiredKeys: [] });

/** The document as YAML text, sometimes cut, spliced or re-encoded. */
const kubeconfigBytes = fc.tuple(
  kubeconfigLike,
  fc.constantFrom("yaml", "json", "flow"),
  fc.option(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 4 })), {
    nil: undefined,
  }),
  fc.constantFrom("utf8", "bom", "utf16le", "utf16be"),
).map(([doc, style, splice, encoding]) => {
  let text = style === "json"
    ? JSON.stringify(doc)
    : stringify(doc, style === "flow" ? { collectionStyle: "flow" } : {});
  if (splice) {
    // Cut and insert without touching the middle of the secret: the message may then quote
    // the YAML around it only if kubeno is wrong.
    const [at, drop, insert] = splice;
    const i = at % (text.length + 1);
    text = text.slice(0, i) + insert + text.slice(i + drop);
  }
  const bytes = new TextEncoder().encode(text);
  if (encoding === "utf8") return bytes;
  if (encoding === "bom") return new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
  const le = encoding === "utf16le";
  const out = new Uint8Array(2 + text.length * 2);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfeff, le);
  for (let i = 0; i < text.length; i++) view.setUint16(2 + i * 2, text.charCodeAt(i), le);
  return out;
});

/** Loads `bytes` all the way to a Config; only ConfigErrors may come out. */
async function load(bytes: Uint8Array): Promise<void> {
  let kc;
  try {
    kc = parseKubeconfig(bytes, "/fuzz/config");
  } catch (err) {
    checkError(err, "parseKubeconfig");
    return;
  }
  for (const context of [undefined, ...kc.contexts.map((c) => c.name)]) {
    try {
      await configFromCustomKubeconfig(kc, context === undefined ? {} : { context });
    } catch (err) {
      checkError(err, `configFromCustomKubeconfig(${context})`);
    }
  }
}

Deno.test("fuzz: kubeconfig-shaped documents load or fail with a ConfigError without secrets", async () => {
  await fc.assert(
    fc.asyncProperty(kubeconfigBytes, load),
    { seed: SEED, numRuns: 150, interruptAfterTimeLimit: 8_000 },
  );
});

Deno.test("fuzz: arbitrary bytes and text load or fail with a ConfigError", async () => {
  const text = fc.string({ unit: "binary", maxLength: 200 });
  const yamlish = fc.array(
    fc.constantFrom(
      "users:",
      "\n- ",
      "name: u",
      "\n  user:",
      " {token: ",
      SECRET,
      "}",
      "&a ",
      "*a",
      "<<: ",
      "!!binary ",
      "!!int ",
      "'",
      '"',
      "[",
      "]",
      "{",
      "}",
      ": ",
      "\t",
      "---\n",
      "? ",
      "|\n  ",
      "\u0000",
      "\ud800",
      "#",
    ),
    { maxLength: 30 },
  ).map((parts) => parts.join(""));
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.uint8Array({ maxLength: 200 }), text, yamlish),
      (input) => load(typeof input === "string" ? new TextEncoder().encode(input) : input),
    ),
    { seed: SEED, numRuns: 300, interruptAfterTimeLimit: 8_000 },
  );
});
