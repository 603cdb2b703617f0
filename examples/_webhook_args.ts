/**
 * The command line the webhook examples share: `--cert-file`, `--key-file`, `--ca-file`
 * (required), `--port`, `--namespace`, and one more string option with its default.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Webhook example arguments; exits with the usage when a file is missing. */
export function webhookArgs(
  program: string,
  port: number,
  extra: { name: string; default: string },
) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "cert-file": { type: "string" },
      "key-file": { type: "string" },
      "ca-file": { type: "string" },
      port: { type: "string", default: String(port) },
      namespace: { type: "string", default: "default" },
      [extra.name]: { type: "string", default: extra.default },
    },
  });
  const certFile = values["cert-file"], keyFile = values["key-file"], caFile = values["ca-file"];
  if (typeof certFile !== "string" || typeof keyFile !== "string" || typeof caFile !== "string") {
    console.error(
      `usage: ${program} --cert-file F --key-file F --ca-file F [--port N] [--namespace NS] [--${extra.name} X]`,
    );
    Deno.exit(2);
  }
  return {
    certFile,
    keyFile,
    caFile,
    port: Number(values.port),
    namespace: String(values.namespace),
    extra: String(values[extra.name]),
  };
}
