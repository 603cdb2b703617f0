// The oidc auth-provider against the real kube-apiserver, which trusts a JWT issuer through its
// structured authentication config (tests/cluster writes it). The issuer is a small HTTPS
// server here (a certificate from the cluster CA); what is tested is the apiserver's
// verification of the tokens kubeno sends, and kubeno's renewal through that issuer.

import assert from "node:assert/strict";
import {
  Api,
  ApiError,
  Client,
  type Config,
  configFromKubeconfig,
  OidcAuth,
  OidcError,
  parseKubeconfig,
  StaticTokenAuth,
} from "../../mod.ts";
import { SelfSubjectReview } from "../../core/k8s/authentication.k8s.io/v1.ts";
import { requireCluster } from "./_cluster.ts";
import { clusterCa, clusterEnv, writeClusterKubeconfig } from "./_auth.ts";
import type { OidcIssuerEnv } from "../cluster/cluster.ts";

const b64url = (b: Uint8Array | string) =>
  btoa(typeof b === "string" ? b : String.fromCharCode(...b)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");

/** An OIDC issuer: discovery, JWKS (one RS256 key) and a refresh-token grant. */
class Issuer implements AsyncDisposable {
  readonly #keys: CryptoKeyPair;
  readonly #kid = crypto.randomUUID();
  readonly #server: Deno.HttpServer;
  /** Refresh tokens it accepts, and the subject each renews for. */
  readonly refreshTokens = new Map<string, string>();
  tokenRequests = 0;

  private constructor(readonly env: OidcIssuerEnv, keys: CryptoKeyPair) {
    this.#keys = keys;
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: env.port,
      cert: Deno.readTextFileSync(env.servingCert),
      key: Deno.readTextFileSync(env.servingKey),
      onListen: () => {},
    }, (req) => this.#handle(req));
  }

  static async start(env: OidcIssuerEnv): Promise<Issuer> {
    const keys = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    return new Issuer(env, keys);
  }

  /** A signed id-token for `sub`, expiring `ttlS` seconds from now (negative: expired). */
  async idToken(sub: string, ttlS: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: "RS256", kid: this.#kid, typ: "JWT" }));
    const payload = b64url(JSON.stringify({
      iss: this.env.issuer,
      aud: this.env.audience,
      sub,
      groups: ["e2e"],
      iat: now - 120,
      nbf: now - 120,
      exp: now + ttlS,
    }));
    const sig = await crypto.subtle.sign(
      "RSASSA-PKCS1-v1_5",
      this.#keys.privateKey,
      new TextEncoder().encode(`${header}.${payload}`),
    );
    return `${header}.${payload}.${b64url(new Uint8Array(sig))}`;
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    const base = this.env.issuer;
    if (path === "/.well-known/openid-configuration") {
      return Response.json({
        issuer: base,
        jwks_uri: `${base}/jwks`,
        token_endpoint: `${base}/token`,
        authorization_endpoint: `${base}/auth`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (path === "/jwks") {
      const jwk = await crypto.subtle.exportKey("jwk", this.#keys.publicKey);
      return Response.json({
        keys: [{ kty: jwk.kty, n: jwk.n, e: jwk.e, kid: this.#kid, alg: "RS256", use: "sig" }],
      });
    }
    if (path === "/token" && req.method === "POST") {
      this.tokenRequests++;
      const form = new URLSearchParams(await req.text());
      const sub = this.refreshTokens.get(form.get("refresh_token") ?? "");
      if (form.get("grant_type") !== "refresh_token" || sub === undefined) {
        return Response.json(
          { error: "invalid_grant", error_description: "refresh token revoked" },
          {
            status: 400,
          },
        );
      }
      const next = `rt-${crypto.randomUUID()}`;
      this.refreshTokens.delete(form.get("refresh_token")!);
      this.refreshTokens.set(next, sub);
      return Response.json({
        id_token: await this.idToken(sub, 600),
        refresh_token: next,
        access_token: "unused",
        token_type: "Bearer",
      });
    }
    return new Response("not found", { status: 404 });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}

async function whoami(config: Config): Promise<string | undefined> {
  using client = new Client(config, { retry: { maxRetries: 0 } });
  const review = await Api.all(client, SelfSubjectReview).create({ metadata: {} });
  return review.status?.userInfo?.username;
}

/** A Config for the cluster with `auth`. */
async function withAuth(auth: Config["auth"]): Promise<Config> {
  const e = clusterEnv();
  const config = await configFromKubeconfig({ path: e.kubeconfig, context: "nobody-token" });
  return { ...config, auth };
}

/**
 * kube-apiserver fetches the issuer's discovery document and keys in the background, and
 * retries while the issuer is down (it is up only while a test runs): wait until it accepts
 * a valid token.
 */
async function untilApiserverTrusts(issuer: Issuer): Promise<void> {
  const token = await issuer.idToken("probe", 600);
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      await whoami(await withAuth(new StaticTokenAuth(token)));
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 401) || Date.now() > end) throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

if (requireCluster()) {
  Deno.test("e2e oidc: kube-apiserver accepts the id-token; an expired one is renewed, saved, and accepted; a revoked refresh-token is a clear error", async () => {
    const e = clusterEnv();
    assert.ok(
      e.oidc,
      "this cluster has no OIDC issuer configured: run `deno task cluster down` and `up` again",
    );
    await using issuer = await Issuer.start(e.oidc);
    await untilApiserverTrusts(issuer);

    // The apiserver itself refuses an expired id-token: renewal is what makes it work.
    const expired = await issuer.idToken("alice", -60);
    await assert.rejects(
      whoami(await withAuth(new StaticTokenAuth(expired))),
      (err: unknown) => err instanceof ApiError && err.code === 401,
    );

    const dir = await Deno.makeTempDir({ prefix: "kubeno-e2e-oidc-" });
    try {
      const oidcUser = (refreshToken: string) => ({
        "auth-provider": {
          name: "oidc",
          config: {
            "idp-issuer-url": e.oidc!.issuer,
            "client-id": e.oidc!.audience,
            "idp-certificate-authority-data": btoa(clusterCa(e)),
            "id-token": expired,
            "refresh-token": refreshToken,
          },
        },
      });
      issuer.refreshTokens.set("rt-alice", "alice");
      const path = writeClusterKubeconfig(`${dir}/kubeconfig`, oidcUser("rt-alice"));
      const config = await configFromKubeconfig({ path });
      assert.ok(config.auth instanceof OidcAuth);
      assert.equal(await whoami(config), `${e.oidc.prefix}alice`);
      assert.equal(await whoami(config), `${e.oidc.prefix}alice`);
      assert.equal(config.auth.refreshes, 1);
      assert.equal(issuer.tokenRequests, 1);

      // The renewed tokens were written back: a new program starts with them, no refresh.
      const saved = (parseKubeconfig(await Deno.readTextFile(path)).users[0].user[
        "auth-provider"
      ] as { config: Record<string, string> }).config;
      assert.notEqual(saved["id-token"], expired);
      assert.notEqual(saved["refresh-token"], "rt-alice");
      const again = await configFromKubeconfig({ path });
      assert.equal(await whoami(again), `${e.oidc.prefix}alice`);
      assert.equal((again.auth as OidcAuth).refreshes, 0);
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);

      // kubectl and kubeno read the tokens the other saved: no refresh either way.
      const kubectlWhoami = async (kubeconfig: string) => {
        const out = await new Deno.Command(`${e.binDir}/kubectl`, {
          args: [
            "--kubeconfig",
            kubeconfig,
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
          ],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          env: { HOME: dir },
        }).output();
        const dec = new TextDecoder();
        assert.ok(out.success, dec.decode(out.stderr));
        return dec.decode(out.stdout).trim();
      };
      let requests = issuer.tokenRequests;
      assert.equal(await kubectlWhoami(path), `${e.oidc.prefix}alice`);
      assert.equal(issuer.tokenRequests, requests, "kubectl refreshed the tokens kubeno saved");
      issuer.refreshTokens.set("rt-bob", "bob");
      const byKubectl = writeClusterKubeconfig(`${dir}/kubectl-kubeconfig`, oidcUser("rt-bob"));
      assert.equal(await kubectlWhoami(byKubectl), `${e.oidc.prefix}bob`);
      assert.equal(issuer.tokenRequests, requests + 1, "kubectl did not refresh");
      requests = issuer.tokenRequests;
      const fromKubectl = await configFromKubeconfig({ path: byKubectl });
      assert.equal(await whoami(fromKubectl), `${e.oidc.prefix}bob`);
      assert.equal((fromKubectl.auth as OidcAuth).refreshes, 0);
      assert.equal(issuer.tokenRequests, requests);

      // A revoked refresh-token: the old one was rotated away by the issuer.
      const revoked = new OidcAuth({
        config: {
          issuerUrl: e.oidc.issuer,
          clientId: e.oidc.audience,
          caCerts: [clusterCa(e)],
          idToken: expired,
          refreshToken: "rt-alice",
        },
      });
      await assert.rejects(whoami(await withAuth(revoked)), (err: unknown) => {
        assert.ok(err instanceof OidcError, String(err));
        assert.match(err.message, /invalid_grant: refresh token revoked.*log in again/);
        return true;
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
