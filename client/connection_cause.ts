/**
 * Why a connection to the API server failed, in words a person can act on. Deno's fetch says
 * `fetch failed`; the reason (refused, DNS, TLS, timeout) is one or two `cause`s deep in text
 * from hyper and rustls. This finds it and adds the hint kubectl gives. Internal.
 *
 * @module
 */

/** The messages of `err` and its causes, outermost first. */
function messages(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    out.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

const CAUSES: { test: RegExp; say: (host: string) => string }[] = [
  {
    test: /connection refused|os error 111|ECONNREFUSED/i,
    say: (host) =>
      `connection refused - did you specify the right host or port? ` +
      `(nothing listens on ${host}: is the API server running, is the kubeconfig's current context the right one?)`,
  },
  {
    test:
      /dns error|failed to lookup address|name or service not known|nodename nor servname|no such host/i,
    say: (host) =>
      `DNS lookup of ${hostOnly(host)} failed - is the server address in the kubeconfig right?`,
  },
  {
    test: /timed out|os error 110|ETIMEDOUT/i,
    say: (host) =>
      `connection to ${host} timed out - is the address reachable from here (VPN, firewall)?`,
  },
  {
    test: /UnknownIssuer|unknown (certificate )?authority|self[- ]signed/i,
    say: () =>
      `TLS: certificate signed by unknown authority - the kubeconfig's certificate-authority(-data) ` +
      `must be the CA that signed the API server's certificate`,
  },
  {
    test: /not valid for name|NotValidForName|hostname mismatch/i,
    say: (host) =>
      `TLS: the API server's certificate is not valid for ${hostOnly(host)} - use an address ` +
      `the certificate names in the kubeconfig's server`,
  },
  {
    test: /expired|NotValidYet|not valid yet/i,
    say: () =>
      `TLS: the API server's certificate has expired or is not valid yet - renew it, or check this machine's clock`,
  },
  {
    test: /connection reset|os error 104|ECONNRESET|broken pipe/i,
    say: () => `the connection was reset by the server or a proxy on the way`,
  },
];

function clip(m: string): string {
  return m.length > 240 ? `${m.slice(0, 240)}…` : m;
}

function hostOnly(hostPort: string): string {
  return hostPort.replace(/:\d+$/, "");
}

/**
 * The cause of a connection failure to `host` (`host:port`), first, with a hint; the deepest
 * message when the cause is not one of the known ones.
 */
export function connectionCause(err: unknown, host: string): string {
  const all = messages(err);
  for (const m of [...all].reverse()) {
    for (const c of CAUSES) if (c.test.test(m)) return `${c.say(host)} [${clip(m)}]`;
  }
  return all[all.length - 1] ?? "unknown error";
}
