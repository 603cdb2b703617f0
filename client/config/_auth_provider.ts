// The kubeconfig `auth-provider` stanza: which providers kubeno runs, and the error for the
// others. Internal to client/config.

import { ConfigError } from "./error.ts";
import type { AuthProvider } from "./auth.ts";
import { OidcAuth, parseOidcConfig, persistOidcTokens } from "./oidc.ts";

/**
 * The AuthProvider for a kubeconfig `auth-provider` (only `oidc` is run), or the error that
 * says why not. Renewed OIDC tokens go back into `file`, the kubeconfig defining `user`.
 */
export async function authProviderAuth(
  provider: Record<string, unknown>,
  withExec: boolean,
  at: { file: string; field: string },
  user: string | undefined,
  file: string | undefined,
): Promise<AuthProvider> {
  if (provider.name !== "oidc" || withExec) throw authProviderError(provider, withExec, at, user);
  const config = await parseOidcConfig(provider.config, { ...at, field: `${at.field}.config` });
  return new OidcAuth({
    config,
    origin: `${at.field} in kubeconfig ${at.file}`,
    ...(file !== undefined && user !== undefined
      ? { persist: (tokens) => persistOidcTokens(file, user, tokens) }
      : {}),
  });
}

/** The plugins that replaced the auth providers kubectl removed (1.26). */
const REPLACED: Record<string, string> = {
  gcp: "the exec plugin gke-gcloud-auth-plugin " +
    "(https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl)",
  azure: "the exec plugin kubelogin (https://azure.github.io/kubelogin/)",
};

/**
 * The error for a kubeconfig `auth-provider` kubeno does not run; for `gcp` and `azure`,
 * which kubectl removed, it names the exec plugin that replaced them.
 */
function authProviderError(
  provider: Record<string, unknown>,
  withExec: boolean,
  at: { file: string; field: string },
  user: string | undefined,
): ConfigError {
  const who = user !== undefined ? ` (user ${JSON.stringify(user)})` : "";
  const where = `kubeconfig ${at.file}: ${at.field}${who}`;
  if (withExec) {
    return new ConfigError(
      `${where}: auth-provider and exec cannot both be set; keep one`,
      at,
    );
  }
  const name = typeof provider.name === "string" ? provider.name : "";
  if (!name) return new ConfigError(`${where}.name is missing`, at);
  const replaced = REPLACED[name];
  if (replaced) {
    return new ConfigError(
      `${where}: the ${name} auth provider was removed from kubectl and client-go; ` +
        `use ${replaced} in an exec stanza instead`,
      at,
    );
  }
  return new ConfigError(
    `${where}: auth-provider ${JSON.stringify(name)} is not supported; use an exec ` +
      `credential plugin`,
    at,
  );
}
