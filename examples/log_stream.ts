/**
 * Prints a pod's log line by line, as `kubectl logs` does; with `-f` it follows until the
 * container ends or Ctrl-C / SIGTERM.
 *
 *   deno run --allow-net --allow-read --allow-env examples/log_stream.ts POD [-n NS] [-c C] [-f] [--tail N]
 */

import { parseArgs } from "node:util";
import { Api, Client, logLines } from "../mod.ts";
import { Pod } from "../core/k8s/core/v1.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    namespace: { type: "string", short: "n" },
    container: { type: "string", short: "c" },
    follow: { type: "boolean", short: "f" },
    tail: { type: "string" },
  },
});
if (positionals.length !== 1) {
  console.error("usage: log_stream.ts POD [-n NS] [-c CONTAINER] [-f] [--tail N]");
  Deno.exit(2);
}

using client = await Client.tryDefault();
const pods = Api.namespaced(client, Pod, values.namespace ?? client.defaultNamespace);
const stop = new AbortController();
const onSignal = () => stop.abort(new Error("stopped"));
Deno.addSignalListener("SIGINT", onSignal);
Deno.addSignalListener("SIGTERM", onSignal);
try {
  const stream = await pods.logStream(positionals[0], {
    container: values.container,
    follow: values.follow,
    tailLines: values.tail === undefined ? undefined : Number(values.tail),
  }, { signal: stop.signal });
  for await (const line of logLines(stream)) console.log(line);
} catch (e) {
  if (!stop.signal.aborted) throw e;
} finally {
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
}
