// Which proxy Deno's fetch takes from the environment for an https URL, computed as Deno 2.9
// does it, so that the Client can tell when Deno is about to send an http:// proxy's password
// (which it repeats inside the tunnel, see _proxy_relay.ts) and relay it instead.
//
// Deno's rules (checked against the running Deno by tests/e2e/proxy_env_deno_test.ts):
// - candidates for https, first usable wins: ALL_PROXY (else all_proxy), then HTTPS_PROXY
//   (else https_proxy); HTTP_PROXY/http_proxy are for http URLs only. A value is unusable when
//   it does not parse, has a scheme other than http, https, socks5, socks5h, or has userinfo
//   without a `:`; the lower-case twin is then tried.
// - NO_PROXY (else no_proxy; a set but empty NO_PROXY hides no_proxy) is a comma list: an IP
//   address or CIDR block matches IP hosts only; any other entry is a domain that matches
//   itself and its subdomains (a leading dot is optional), compared case-sensitively with the
//   URL's (lower-case) host; `*` matches every name but no IP address; ports are not parsed.
// Internal to client.

/** The variables Deno reads for the proxy of an https URL. */
export const ENV_PROXY_VARS: readonly string[] = [
  "ALL_PROXY",
  "all_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "NO_PROXY",
  "no_proxy",
];

/** Deno's choice for one https URL: the proxy value and the variable it came from, or none. */
export interface EnvProxyChoice {
  /** The variable's value as written (credentials included), undefined when Deno goes direct. */
  proxy: string | undefined;
  /** The variable that decided: the proxy's, or the NO_PROXY that matched. */
  variable: string | undefined;
}

/** The proxy Deno's fetch uses for the https URL `target`, given the environment `get`. */
export function envProxyFor(
  target: URL,
  get: (name: string) => string | undefined,
): EnvProxyChoice {
  const bypass = noProxyFor(target, get);
  if (bypass) return { proxy: undefined, variable: bypass };
  for (const pair of [["ALL_PROXY", "all_proxy"], ["HTTPS_PROXY", "https_proxy"]]) {
    for (const variable of pair) {
      const value = get(variable);
      if (value !== undefined && usableProxy(value)) return { proxy: value, variable };
    }
  }
  return { proxy: undefined, variable: undefined };
}

/**
 * `NO_PROXY` or `no_proxy` when the one Deno reads names `target`'s host, else undefined. Deno
 * applies it to a proxy given to `createHttpClient` too (a kubeconfig's proxy-url), which
 * kubectl does not.
 */
export function noProxyFor(
  target: URL,
  get: (name: string) => string | undefined,
): string | undefined {
  const variable = get("NO_PROXY") !== undefined ? "NO_PROXY" : "no_proxy";
  const list = get(variable);
  return list && noProxyMatches(list, target.hostname) ? variable : undefined;
}

/** The URL Deno makes of a proxy value (no scheme means http), undefined when it refuses it. */
export function proxyValueUrl(value: string): URL | undefined {
  if (value === "") return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  const authority = withScheme.slice(withScheme.indexOf("://") + 3).split(/[/?#]/, 1)[0];
  const at = authority.indexOf("@");
  if (at >= 0 && !authority.slice(0, at).includes(":")) return undefined;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (!["http:", "https:", "socks5:", "socks5h:"].includes(url.protocol)) return undefined;
  return url.hostname === "" ? undefined : url;
}

function usableProxy(value: string): boolean {
  return proxyValueUrl(value) !== undefined;
}

/** Whether a NO_PROXY list names `host` (a URL's hostname: lower case, IPv6 in brackets). */
export function noProxyMatches(list: string, host: string): boolean {
  const bare = host.startsWith("[") ? host.replace(/^\[+|\]+$/g, "") : host;
  const ip = parseIp(bare);
  const entries = list.split(",").map((e) => e.trim());
  if (ip) {
    return entries.some((e) => {
      const net = parseNet(e);
      return net !== undefined && inNet(ip, net);
    });
  }
  const domains = entries.filter((e) => parseNet(e) === undefined);
  return domains.some((d) => domainMatches(d, bare));
}

function domainMatches(d: string, domain: string): boolean {
  if (d === domain || (d.startsWith(".") && d.slice(1) === domain)) return true;
  if (domain.endsWith(d)) {
    // A subdomain: the entry starts with a dot, or the character before it in the host is one.
    return d.startsWith(".") || domain[domain.length - d.length - 1] === ".";
  }
  return d === "*";
}

interface Net {
  bytes: Uint8Array;
  prefix: number;
}

/** An IP address (prefix = all bits) or `address/prefix`, undefined for anything else. */
function parseNet(entry: string): Net | undefined {
  const slash = entry.indexOf("/");
  const bytes = parseIp(slash < 0 ? entry : entry.slice(0, slash));
  if (!bytes) return undefined;
  if (slash < 0) return { bytes, prefix: bytes.length * 8 };
  const p = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p) || Number(p) > bytes.length * 8) return undefined;
  return { bytes, prefix: Number(p) };
}

function inNet(ip: Uint8Array, net: Net): boolean {
  if (ip.length !== net.bytes.length) return false; // IPv4 never matches an IPv6 entry
  for (let bit = 0; bit < net.prefix; bit += 8) {
    const mask = net.prefix - bit >= 8 ? 0xff : (0xff << (8 - (net.prefix - bit))) & 0xff;
    if ((ip[bit / 8] & mask) !== (net.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

/** 4 bytes for a strict dotted quad, 16 for an IPv6 address, else undefined. */
function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head, tail] = canonical.includes("::") ? canonical.split("::") : [canonical, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined
    ? left
    : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

/** Four decimal octets without leading zeros, as Rust's `Ipv4Addr` parses them. */
function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}
