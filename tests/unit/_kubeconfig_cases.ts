/**
 * Kubeconfig files on which kubeno must decode as kubectl does, for the differential tests:
 * tests/unit/config_kubectl_test.ts compares kubeno with what kubectl printed for each case
 * (recorded in fixtures/kubeconfig_kubectl.json); tests/e2e/kubeconfig_kubectl_test.ts runs
 * kubectl again on them and checks the record.
 */

import fc from "fast-check";
import { ConfigError, type Kubeconfig, parseKubeconfig } from "../../client/config/mod.ts";

const enc = new TextEncoder();

/** UTF-16 bytes of `text` with a byte order mark. */
function utf16(text: string, bigEndian: boolean, bom = true): Uint8Array {
  const out = new Uint8Array((bom ? 2 : 0) + text.length * 2);
  const view = new DataView(out.buffer);
  if (bom) view.setUint16(0, 0xfeff, !bigEndian);
  for (let i = 0; i < text.length; i++) {
    view.setUint16((bom ? 2 : 0) + i * 2, text.charCodeAt(i), !bigEndian);
  }
  return out;
}

function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const bytes = parts.map((p) => typeof p === "string" ? enc.encode(p) : p);
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

const BASE = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:6443
users:
- name: u
  user:
    token: tok-abc123
contexts:
- name: dev
  context: {cluster: k, user: u, namespace: apps}
`;

/** One case: a file's bytes. */
export interface KubeconfigCase {
  /** What the case is about. */
  about: string;
  /** The file. */
  bytes: Uint8Array;
}

/** The cases, by name. */
export const CASES: Record<string, KubeconfigCase> = {
  "utf8": { about: "plain UTF-8", bytes: enc.encode(BASE) },
  "utf8-bom": {
    about: "UTF-8 with a BOM",
    bytes: concat(new Uint8Array([0xef, 0xbb, 0xbf]), BASE),
  },
  "utf16le-bom": { about: "UTF-16 LE with a BOM", bytes: utf16(BASE, false) },
  "utf16be-bom": { about: "UTF-16 BE with a BOM", bytes: utf16(BASE, true) },
  "utf16le-no-bom": { about: "UTF-16 LE without a BOM", bytes: utf16(BASE, false, false) },
  "invalid-utf8-comment": {
    about: "a byte that is not UTF-8, in a comment",
    bytes: concat("# caf", new Uint8Array([0xe9]), "\n", BASE),
  },
  "invalid-utf8-token": {
    about: "a byte that is not UTF-8, in the token",
    bytes: concat(
      ...BASE.split("abc123", 2).flatMap((p, i) => i ? [new Uint8Array([0xff]), p] : [p]),
    ),
  },
  "overlong-utf8": {
    about: "an overlong UTF-8 form of '/'",
    bytes: concat(
      ...BASE.split("abc123", 2).flatMap((p, i) => i ? [new Uint8Array([0xc0, 0xaf]), p] : [p]),
    ),
  },
  "control-char": {
    about: "a control character (U+0001) in a comment",
    bytes: enc.encode(`# a\u0001b\n${BASE}`),
  },
  "non-ascii-namespace": {
    about: "valid non-ASCII UTF-8",
    bytes: enc.encode(BASE.replace("namespace: apps", "namespace: äpps")),
  },
  "merge-keys": {
    about: "<< merge keys: single, list, override before and after",
    bytes: enc.encode(`current-context: a
clusters:
- name: base
  cluster: &base {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
- name: merged
  cluster:
    <<: *base
    server: https://10.0.0.2:6443
- name: listed
  cluster:
    <<: [{server: "https://first:1"}, {server: "https://second:2", proxy-url: "http://p:3128"}]
- name: late
  cluster:
    server: https://explicit:1
    <<: *base
users:
- name: u
  user: &u {token: t1, as: jane}
- name: u2
  user: {<<: *u, token: t2}
contexts:
- name: a
  context: {cluster: merged, user: u2}
`),
  },
  "binary": {
    about: "!!binary tokens, plain and block",
    bytes: enc.encode(`users:
- name: plain
  user: {token: !!binary dG9rZW4tdmFsdWU=}
- name: block
  user:
    token: !!binary |
      dG9rZW4t
      dmFsdWUy
- name: not-utf8
  user: {username: !!binary /w==, password: pw}
`),
  },
  "binary-bad": {
    about: "!!binary that is not base64",
    bytes: enc.encode(`users:\n- name: u\n  user: {token: !!binary "dG9rZW4"}\n`),
  },
  "yaml11-bools": {
    about: "YAML 1.1 booleans: yes, on, y",
    bytes: enc.encode(`clusters:
- name: a
  cluster: {server: "https://a", insecure-skip-tls-verify: yes, disable-compression: on}
- name: b
  cluster: {server: "https://b", insecure-skip-tls-verify: Off, disable-compression: n}
`),
  },
  "yaml11-bool-token": {
    about: "a token that YAML 1.1 reads as a boolean",
    bytes: enc.encode(`users:\n- name: u\n  user: {token: yes}\n`),
  },
  "yaml11-int-token": {
    about: "a token that YAML 1.1 reads as a number (underscores)",
    bytes: enc.encode(`users:\n- name: u\n  user: {token: 1_000}\n`),
  },
  "quoted-yes": {
    about: "quoted scalars stay strings",
    bytes: enc.encode(
      `users:\n- name: u\n  user: {token: "yes", username: 'on', password: "1_000"}\n`,
    ),
  },
  "date-namespace": {
    about: "a namespace that YAML 1.1 reads as a date",
    bytes: enc.encode(BASE.replace("namespace: apps", "namespace: 2024-1-2")),
  },
  "duplicate-keys": {
    about: "a duplicate key: the last wins",
    bytes: enc.encode(`users:\n- name: u\n  user:\n    token: first\n    token: second\n`),
  },
  "multi-document": {
    about: "two documents: the first counts",
    bytes: enc.encode(`current-context: one\n---\ncurrent-context: two\n`),
  },
  "tags": {
    about: "explicit !!str, !!int on a string field, local tags",
    bytes: enc.encode(
      `current-context: !!str 123\nusers:\n- name: u\n  user: {token: !local abc}\n`,
    ),
  },
  "surrogate-escape": {
    about: "a \\u escape of a surrogate (even a pair), refused by go-yaml",
    bytes: enc.encode(`current-context: "\\ud83d\\ude00"\n`),
  },
  "escapes": {
    about: "escapes go-yaml takes: \\U, \\x, an escaped backslash",
    bytes: enc.encode(`current-context: "\\U0001F600 \\x41 \\\\ud800"\n`),
  },
  "empty": { about: "an empty file", bytes: new Uint8Array() },
  "comments-only": { about: "only a comment", bytes: enc.encode("# nothing\n") },
};

/** What kubectl printed: its JSON, or that it refused the file. */
export type KubectlView = { view: Record<string, unknown> } | { refused: string };

export const RECORD = new URL("./fixtures/kubeconfig_kubectl.json", import.meta.url);

/** kubeno's parse in the shape of `kubectl config view --raw -o json`, for comparison. */
export function asKubectlView(kc: Kubeconfig): Record<string, unknown> {
  const named = <T extends { name: string }>(list: T[], key: string) =>
    [...list].sort((a, b) => a.name < b.name ? -1 : 1).map((e) => ({
      name: e.name,
      [key]: compact((e as unknown as Record<string, unknown>)[key]),
    }));
  return {
    kind: "Config",
    apiVersion: "v1",
    clusters: named(kc.clusters, "cluster"),
    users: named(kc.users, "user"),
    contexts: named(kc.contexts, "context"),
    "current-context": kc["current-context"] ?? "",
  };
}

/** kubectl's JSON normalised as kubeno keeps values: `-data` fields canonical base64. */
export function normalizeKubectl(view: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(view, (k, v) => {
    if (k === "extensions" || k === "LocationOfOrigin" || k === "preferences") return undefined;
    // Go writes `server: ""` for a cluster without one; kubeno leaves it out.
    if (v === "" && k !== "current-context") return undefined;
    // Go writes an empty list as null.
    if (["clusters", "users", "contexts"].includes(k) && v === null) return [];
    return v;
  }));
}

/** The JSON kubectl writes: no false booleans, no empty values, credentials included. */
function compact(v: unknown): unknown {
  const out: Record<string, unknown> = {};
  const full = JSON.parse(JSON.stringify(v ?? {})) as Record<string, unknown>;
  for (const [k, x] of Object.entries(full)) {
    if (x === false || x === "" || x === undefined) continue;
    if (k.endsWith("-data") && typeof x === "string") {
      // kubectl decodes and re-encodes base64 data.
      out[k] = btoa(atob(x.replace(/\s+/g, "")));
      continue;
    }
    out[k] = x;
  }
  return out;
}

/** kubeno's verdict on a case's bytes. */
export function kubenoView(bytes: Uint8Array, file: string): KubectlView {
  try {
    return { view: asKubectlView(parseKubeconfig(bytes, file)) };
  } catch (err) {
    if (err instanceof ConfigError) return { refused: err.message };
    throw err;
  }
}

/** Scalars where YAML 1.1 (go-yaml v2) and YAML 1.2 differ, or that break a field's type. */
const SCALARS = [
  "a",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "n",
  "~",
  "null",
  "0x1F",
  "0o17",
  "017",
  "089",
  "1_000",
  "1e3",
  ".5",
  ".inf",
  "-.INF",
  ".nan",
  "2024-01-02",
  "2024-1-2 10:00:00",
  "12:30",
  "+5",
  "-0b11",
  "true",
  "'q'",
  '"yes"',
  "!!str 12",
  "!!int 12",
  "!!float 1",
  "!!bool yes",
  "!!null ~",
  "!!binary YWJj",
  "!!binary YWJ",
  "<<",
  "''",
  "1.",
  "0.",
  "1_0.5",
  "0x_1",
  "_1",
  "+.5",
  "1e",
  "0b2",
  "!!int '7'",
  "!foo bar",
  "|\n      block",
  ">\n      folded",
  "tok-\u00e9",
  '"a\\u0000b"',
  '"\\x01"',
  '"\\ud800"',
  '"\\U0001F600"',
];

/**
 * `count` kubeconfigs drawn (seeded) from fields and scalars on which decoders disagree, for a
 * differential against kubectl. (A bare `-` before `}` in a flow mapping is left out: go-yaml
 * reads it as a string, the yaml package refuses it; a known difference.)
 */
export function randomKubeconfigs(seed: number, count: number): string[] {
  const scalar = fc.constantFrom(...SCALARS);
  const inline = scalar.filter((v) => !/^[|>!]/.test(v));
  const clusterField = fc.constantFrom(
    "server",
    "insecure-skip-tls-verify",
    "proxy-url",
    "tls-server-name",
    "disable-compression",
  );
  const userField = fc.constantFrom("token", "username", "password", "as", "as-uid");
  const doc = fc.tuple(
    fc.array(fc.tuple(clusterField, scalar), { maxLength: 3 }),
    fc.array(fc.tuple(userField, scalar), { maxLength: 3 }),
    inline,
    inline,
  ).map(([c, u, ns, cc]) =>
    [
      `current-context: ${cc}`,
      "clusters:",
      "- name: c",
      "  cluster:",
      ...(c.length ? c.map(([k, v]) => `    ${k}: ${v}`) : ["    {}"]),
      "users:",
      "- name: u",
      "  user:",
      ...(u.length ? u.map(([k, v]) => `    ${k}: ${v}`) : ["    {}"]),
      "contexts:",
      "- name: x",
      `  context: {cluster: c, user: u, namespace: ${ns}}`,
      "",
    ].join("\n")
  );
  return fc.sample(doc, { seed, numRuns: count });
}

/** kubectl's verdict on `bytes`, from the kubectl on PATH. */
export async function kubectlView(
  bytes: Uint8Array,
  dir: string,
  name: string,
): Promise<KubectlView> {
  const file = `${dir}/${name}`;
  await Deno.writeFile(file, bytes);
  const r = await new Deno.Command("kubectl", {
    args: ["config", "view", "--raw", "-o", "json", `--kubeconfig=${file}`],
    env: { KUBECONFIG: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return r.success
    ? { view: normalizeKubectl(JSON.parse(new TextDecoder().decode(r.stdout))) }
    : { refused: new TextDecoder().decode(r.stderr).trim().replaceAll(dir, "<dir>") };
}

if (import.meta.main) {
  // Records kubectl's verdicts (kubectl from PATH, e.g. after `eval "$(deno task -q cluster env)"`).
  const dir = await Deno.makeTempDir();
  const out: Record<string, KubectlView> = {};
  for (const [name, c] of Object.entries(CASES)) out[name] = await kubectlView(c.bytes, dir, name);
  await Deno.remove(dir, { recursive: true });
  await Deno.writeTextFile(RECORD, JSON.stringify(out, null, 2) + "\n");
  console.log(`recorded ${Object.keys(out).length} cases in ${RECORD.pathname}`);
}
