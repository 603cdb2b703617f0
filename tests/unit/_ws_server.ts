// A scripted WebSocket server for the pod stream tests: records the handshake and the frames
// received, answers a plain GET with a 404 Status (what a refused handshake is followed by).

export interface Seen {
  url: URL;
  headers: Headers;
  protocols: string[];
  frames: Uint8Array[];
}

/** A WebSocket server that agrees `choose` of the offered protocols and runs `script`. */
export function wsServer(
  choose: (offered: string[]) => string | undefined,
  script: (ws: WebSocket, seen: Seen) => void,
) {
  const seen: Seen[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    (req) => {
      const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(/,\s*/);
      if (req.headers.get("upgrade") !== "websocket") {
        // The plain GET a refused handshake is followed by: the server's Status.
        return Response.json({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          code: 404,
          reason: "NotFound",
          message: 'pods "absent" not found',
        }, { status: 404 });
      }
      if (new URL(req.url).pathname.includes("/absent/")) {
        return new Response("no", { status: 404 });
      }
      const s: Seen = {
        url: new URL(req.url),
        headers: new Headers(req.headers),
        protocols: offered,
        frames: [],
      };
      const protocol = choose(offered);
      const { socket, response } = Deno.upgradeWebSocket(req, { protocol });
      socket.binaryType = "arraybuffer";
      seen.push(s);
      socket.onmessage = (e) => s.frames.push(new Uint8Array(e.data as ArrayBuffer));
      socket.onopen = () => script(socket, s);
      return response;
    },
  );
  const port = (server.addr as Deno.NetAddr).port;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    seen,
    async [Symbol.asyncDispose]() {
      ac.abort();
      await server.finished;
    },
  };
}
