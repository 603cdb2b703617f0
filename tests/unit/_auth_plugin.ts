/**
 * A recording exec credential plugin for tests (unit, e2e and the kubectl differential): a
 * bash script that appends one line per run to a log (its args, KUBERNETES_EXEC_INFO and the
 * variable EXTRA) and prints a credential.
 *
 * It reads, from its environment (set through the kubeconfig's `exec.env`):
 * - PLUGIN_LOG: the log file (required);
 * - PLUGIN_OUT: a file whose text it prints (`PLUGIN_OUT.N` instead on run N if it exists),
 *   with `@N@` replaced by the run number (1, 2...) and `@EXP@` by the time PLUGIN_TTL
 *   seconds from now (default 3600; negative for an expired credential); without it,
 *   `{"apiVersion": "$API", "kind": "ExecCredential", "status": {"token": "tok-N"}}`;
 * - API (default client.authentication.k8s.io/v1), PLUGIN_STDERR (printed on stderr),
 *   PLUGIN_SLEEP (seconds before answering), PLUGIN_HANG (never answers), PLUGIN_EXIT.
 */

import { stringify } from "yaml";
import type { ExecConfig, ExecInteractiveMode } from "../../client/mod.ts";

const SCRIPT = `#!/usr/bin/env bash
set -eu
info=$(printf '%s' "\${KUBERNETES_EXEC_INFO:-}" | base64 -w0)
printf 'RUN\\t%s\\t%s\\t%s\\n' "$*" "$info" "\${EXTRA:-}" >> "$PLUGIN_LOG"
n=$(grep -c '^RUN' "$PLUGIN_LOG")
if [ -n "\${PLUGIN_STDERR:-}" ]; then echo "$PLUGIN_STDERR" >&2; fi
if [ -n "\${PLUGIN_HANG:-}" ]; then exec sleep 600; fi
if [ -n "\${PLUGIN_SLEEP:-}" ]; then sleep "$PLUGIN_SLEEP"; fi
if [ -n "\${PLUGIN_EXIT:-}" ]; then exit "$PLUGIN_EXIT"; fi
if [ -n "\${PLUGIN_OUT:-}" ]; then
  f="$PLUGIN_OUT.$n"; [ -f "$f" ] || f="$PLUGIN_OUT"
  exp=$(date -u -d "\${PLUGIN_TTL:-3600} seconds" +%Y-%m-%dT%H:%M:%SZ)
  sed -e "s/@N@/$n/g" -e "s/@EXP@/$exp/g" "$f"
  exit 0
fi
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"tok-%s"}}\\n' \\
  "\${API:-client.authentication.k8s.io/v1}" "$n"
`;

function decodeBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** One run as the plugin logged it. */
export interface PluginRun {
  args: string;
  info: string;
  extra: string;
}

/** A plugin script in `dir` and its log. */
export class RecordingPlugin {
  readonly path: string;
  readonly log: string;

  constructor(readonly dir: string, name = "plugin.sh") {
    this.path = `${dir}/${name}`;
    this.log = `${dir}/${name}.log`;
    Deno.writeTextFileSync(this.path, SCRIPT, { mode: 0o755 });
    Deno.writeTextFileSync(this.log, "");
  }

  /** The runs so far. */
  runs(): PluginRun[] {
    return Deno.readTextFileSync(this.log).split("\n").filter((l) => l.startsWith("RUN\t"))
      .map((l) => {
        const [, args, info, extra] = l.split("\t");
        // KUBERNETES_EXEC_INFO as the plugin got it, byte for byte (base64 in the log).
        return { args, info: new TextDecoder().decode(decodeBase64(info)), extra };
      });
  }

  /** Forgets the runs so far. */
  reset(): void {
    Deno.writeTextFileSync(this.log, "");
  }
}

/** Options of {@link kubeconfigYaml}. */
export interface KubeconfigSpec {
  server: string;
  /** PEM CA, written as certificate-authority-data. */
  ca?: string;
  /** Extra cluster fields (extensions, tls-server-name...). */
  cluster?: Record<string, unknown>;
  /** The user's fields (exec, token...). */
  user: Record<string, unknown>;
}

/** A one-context kubeconfig. */
export function kubeconfigYaml(spec: KubeconfigSpec): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "ctx",
    clusters: [{
      name: "c",
      cluster: {
        server: spec.server,
        ...(spec.ca ? { "certificate-authority-data": btoa(spec.ca) } : {}),
        ...spec.cluster,
      },
    }],
    users: [{ name: "u", user: spec.user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
  });
}

/** The exec configuration of `plugin`, logging to its log, with more environment. */
export function pluginExec(
  plugin: RecordingPlugin,
  env: Record<string, string> = {},
  interactiveMode: ExecInteractiveMode = "Never",
): ExecConfig {
  return {
    apiVersion: "client.authentication.k8s.io/v1",
    command: plugin.path,
    interactiveMode,
    env: [
      { name: "PLUGIN_LOG", value: plugin.log },
      ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ],
  };
}

/** A kubeconfig `exec` stanza for `plugin`, with more fields and environment. */
export function execStanza(
  plugin: RecordingPlugin,
  more: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Record<string, unknown> {
  const { env: vars, ...rest } = pluginExec(plugin, env);
  return { ...rest, ...more, env: vars };
}
