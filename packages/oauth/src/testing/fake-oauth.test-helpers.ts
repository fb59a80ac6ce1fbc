/** @module An in-process authorization server and resource metadata as a `fetch` handler, for unit tests. */
import { createHash, randomBytes } from "node:crypto";

export interface FakeOAuthOptions {
  issuer?: string;
  resource?: string;
  /** `resource` the metadata claims (for the RFC 9728 §3.3 negative case). */
  metadataResource?: string;
  s256?: boolean;
  registration?: boolean;
  scopesSupported?: string[];
  offlineAccess?: boolean;
  /** Send `iss` on the callback and advertise it. */
  issParameter?: boolean;
}

interface Code {
  clientId: string;
  redirectUri: string;
  challenge: string;
  resource: string;
  scope: string;
  used: boolean;
}

const random = () => randomBytes(18).toString("base64url");
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A fake AS + protected resource metadata. Its `fetch` is the only way in. */
export function createFakeOAuth(options: FakeOAuthOptions = {}) {
  const issuer = options.issuer ?? "https://as.test";
  const resource = options.resource ?? "https://mcp.test/mcp";
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<
    string,
    { clientId: string; resource: string; scope: string; used: boolean }
  >();
  const counters = {
    registrations: 0,
    codeGrants: 0,
    refreshGrants: 0,
    refreshRejected: 0,
    requests: [] as string[],
  };
  const issued = { accessTokens: [] as string[], refreshTokens: [] as string[] };
  const issuerUrl = new URL(issuer);
  const path = issuerUrl.pathname === "/" ? "" : issuerUrl.pathname;

  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    ...(options.registration === false ? {} : { registration_endpoint: `${issuer}/register` }),
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    ...(options.s256 === false ? {} : { code_challenge_methods_supported: ["S256"] }),
    scopes_supported: [
      ...(options.scopesSupported ?? []),
      ...(options.offlineAccess === false ? [] : ["offline_access"]),
    ],
    authorization_response_iss_parameter_supported: options.issParameter ?? true,
  };

  const issueTokens = (clientId: string, resourceValue: string, scope: string) => {
    const accessToken = `at_${random()}`;
    const refreshToken = `rt_${random()}`;
    issued.accessTokens.push(accessToken);
    issued.refreshTokens.push(refreshToken);
    refreshTokens.set(refreshToken, { clientId, resource: resourceValue, scope, used: false });
    return json({
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: refreshToken,
      scope,
    });
  };

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    counters.requests.push(`${request.method} ${url.origin}${url.pathname}`);
    if (
      url.href ===
      new URL(`/.well-known/oauth-protected-resource${new URL(resource).pathname}`, resource).href
    ) {
      return json({
        resource: options.metadataResource ?? resource,
        authorization_servers: [issuer],
        scopes_supported: options.scopesSupported ?? ["files.read"],
      });
    }
    if (url.href === `${issuerUrl.origin}/.well-known/oauth-authorization-server${path}`)
      return json(metadata);
    if (url.href === `${issuer}/register` && request.method === "POST") {
      counters.registrations += 1;
      const body = (await request.json()) as Record<string, unknown>;
      return json({ ...body, client_id: `client_${counters.registrations}` }, 201);
    }
    if (url.href === `${issuer}/token` && request.method === "POST") {
      const form = new URLSearchParams(await request.text());
      const clientId = form.get("client_id") ?? "";
      if (form.get("grant_type") === "authorization_code") {
        counters.codeGrants += 1;
        const code = codes.get(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (
          !code ||
          code.used ||
          code.clientId !== clientId ||
          code.redirectUri !== form.get("redirect_uri") ||
          code.challenge !== challenge ||
          code.resource !== form.get("resource")
        ) {
          return json({ error: "invalid_grant" }, 400);
        }
        code.used = true;
        return issueTokens(clientId, code.resource, code.scope);
      }
      if (form.get("grant_type") === "refresh_token") {
        counters.refreshGrants += 1;
        const held = refreshTokens.get(form.get("refresh_token") ?? "");
        if (!held || held.used || held.clientId !== clientId || held.resource !== form.get("resource")) {
          counters.refreshRejected += 1;
          return json(
            { error: "invalid_grant", error_description: "refresh token is invalid or was used" },
            400,
          );
        }
        held.used = true; // rotation: each refresh token is single-use
        return issueTokens(clientId, held.resource, held.scope);
      }
      return json({ error: "unsupported_grant_type" }, 400);
    }
    return json({ error: "not_found" }, 404);
  };

  /** What the authorization endpoint would do when the person answers. Returns the callback URL. */
  const answer = (authorizationUrl: string, approve = true): string => {
    const url = new URL(authorizationUrl);
    const p = url.searchParams;
    const callback = new URL(p.get("redirect_uri") ?? "");
    callback.searchParams.set("state", p.get("state") ?? "");
    if (options.issParameter ?? true) callback.searchParams.set("iss", issuer);
    if (!approve) {
      callback.searchParams.set("error", "access_denied");
      return callback.href;
    }
    const code = random();
    codes.set(code, {
      clientId: p.get("client_id") ?? "",
      redirectUri: p.get("redirect_uri") ?? "",
      challenge: p.get("code_challenge") ?? "",
      resource: p.get("resource") ?? "",
      scope: p.get("scope") ?? "",
      used: false,
    });
    callback.searchParams.set("code", code);
    return callback.href;
  };

  const revokeRefreshToken = (token: string) => {
    const held = refreshTokens.get(token);
    if (held) held.used = true;
  };

  return { fetch, answer, counters, issued, issuer, resource, metadata, revokeRefreshToken };
}
