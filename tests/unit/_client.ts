/** Builds a Client for a scripted server on plain HTTP. */

import { Client, type ClientOptions } from "../../client/client.ts";
import type { AuthProvider } from "../../client/config/auth.ts";
import type { Config, Impersonation } from "../../client/config/config.ts";

export interface TestClientOptions extends ClientOptions {
  token?: string;
  auth?: AuthProvider;
  impersonate?: Impersonation;
}

export function testClient(url: URL, opts: TestClientOptions = {}): Client {
  const auth: AuthProvider = opts.auth ??
    { authorization: () => Promise.resolve(opts.token ? `Bearer ${opts.token}` : undefined) };
  const config: Config = {
    clusterUrl: url,
    defaultNamespace: "default",
    auth,
    source: `scripted server ${url.origin}`,
    impersonate: opts.impersonate,
  };
  return new Client(config, opts);
}
