/**
 * A scripted API server for tests: a `Deno.serve` on 127.0.0.1:0 that records every request
 * and answers from a handler the test supplies.
 */

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
}

export interface Scripted extends AsyncDisposable {
  url: URL;
  requests: Recorded[];
  close(): Promise<void>;
}

export type ScriptHandler = (req: Recorded, n: number) => Response | Promise<Response>;

/** Starts a scripted server; `n` counts requests from 0. */
export function scriptedServer(handler: ScriptHandler): Scripted {
  const requests: Recorded[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    async (req) => {
      const u = new URL(req.url);
      const rec: Recorded = {
        method: req.method,
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body: await req.text(),
      };
      requests.push(rec);
      return await handler(rec, requests.length - 1);
    },
  );
  const addr = server.addr as Deno.NetAddr;
  const close = async () => {
    ac.abort();
    await server.finished;
  };
  return {
    url: new URL(`http://127.0.0.1:${addr.port}`),
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A Status response, as the apiserver sends on errors. */
export function status(
  code: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(
    { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message },
    code,
    headers,
  );
}
