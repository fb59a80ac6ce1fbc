import { createAuthBus, isAuthbusError, MemoryTokenStore, type TokenSet } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { createServiceTokens, type ServiceGrant } from "./create-service-tokens.js";
import { exchangeForIdJag } from "./id-jag-exchange.js";

const issuer = "https://as.test";
const idpIssuer = "https://idp.test";
const resource = "https://mcp.test/mcp";
const secret = "client-secret-value-1234";
const idToken = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.aWQtdG9rZW4tc2lnbmF0dXJl";
const idJag =
  "eyJhbGciOiJFUzI1NiIsInR5cCI6Im9hdXRoLWlkLWphZytqd3QifQ.eyJzdWIiOiJhbGljZSJ9.amFnLXNpZ25hdHVyZQ";

interface Sent {
  url: string;
  form: Record<string, string>;
  authorization: string | null;
}

type Answer = (sent: Sent) => Response | Promise<Response>;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Protected resource metadata, AS metadata and two token endpoints (AS and IdP), as a fetch. */
function fakeServers(options: { asToken?: Answer; idpToken?: Answer; scopesSupported?: string[] } = {}) {
  const sent: Sent[] = [];
  let issued = 0;
  const accessTokens: string[] = [];
  const asToken: Answer =
    options.asToken ??
    ((request) => {
      issued += 1;
      const token = `at_${issued}_${"x".repeat(20)}`;
      accessTokens.push(token);
      return json({ access_token: token, token_type: "Bearer", expires_in: 600, scope: request.form.scope });
    });
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.href === "https://mcp.test/.well-known/oauth-protected-resource/mcp") {
      return json({
        resource,
        authorization_servers: [issuer],
        ...(options.scopesSupported ? { scopes_supported: options.scopesSupported } : {}),
      });
    }
    if (url.href === `${issuer}/.well-known/oauth-authorization-server`) {
      return json({
        issuer,
        token_endpoint: `${issuer}/token`,
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
      });
    }
    if (request.method === "POST" && (url.href === `${issuer}/token` || url.href === `${idpIssuer}/token`)) {
      const entry: Sent = {
        url: url.href,
        form: Object.fromEntries(new URLSearchParams(await request.text())),
        authorization: request.headers.get("authorization"),
      };
      sent.push(entry);
      if (url.href === `${idpIssuer}/token`) {
        return (options.idpToken ?? (() => json({ error: "unsupported_grant_type" }, 400)))(entry);
      }
      return asToken(entry);
    }
    return json({ error: "not_found" }, 404);
  };
  return { fetch, sent, accessTokens };
}

function setup(grant: ServiceGrant, servers = fakeServers()) {
  const bus = createAuthBus();
  const events = recordEvents(bus);
  const tokens = new MemoryTokenStore();
  const obtain = createServiceTokens({
    tokens,
    bus,
    grant,
    fetch: servers.fetch,
    serverName: () => "reports",
  });
  return { ...servers, bus, events, tokens, obtain, key: { subject: "reporting-agent", resource } };
}

const clientCredentials: ServiceGrant = {
  type: "client_credentials",
  client: { clientId: "reporting-agent", clientSecret: secret },
};

describe("createServiceTokens: client credentials", () => {
  it("discovers the server, sends the grant with resource and scope, stores and reports the tokens", async () => {
    const { obtain, sent, tokens, key, events, accessTokens } = setup(clientCredentials);
    const result = await obtain(key, { scopes: ["reports.read"] });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.form).toEqual({ grant_type: "client_credentials", scope: "reports.read", resource });
    expect(Buffer.from((sent[0]?.authorization ?? "").slice(6), "base64").toString()).toBe(
      `reporting-agent:${secret}`,
    );
    expect(result).toMatchObject({
      tokenType: "Bearer",
      scopes: ["reports.read"],
      issuer,
      clientId: "reporting-agent",
    });
    expect(await tokens.get(key)).toEqual(result);
    expect(events.map((e) => e.type)).toEqual(["token.obtaining", "token.obtained"]);
    expect(events[1]?.payload).toMatchObject({
      serverName: "reports",
      subject: "reporting-agent",
      grant: "client_credentials",
      scopes: ["reports.read"],
    });
    expect(leakedSecrets(events, [secret, ...accessTokens])).toEqual([]);
  });

  it("asks for the resource's scopes_supported when no scope is asked for", async () => {
    const { obtain, sent, key } = setup(clientCredentials, fakeServers({ scopesSupported: ["a", "b"] }));
    await obtain(key);
    expect(sent[0]?.form.scope).toBe("a b");
  });

  it("runs one grant for concurrent callers, and one more for a caller that needs more scopes", async () => {
    const { obtain, sent, key } = setup(clientCredentials);
    const results = await Promise.all([
      obtain(key, { scopes: ["r"] }),
      obtain(key, { scopes: ["r"] }),
      obtain(key, { scopes: ["r"] }),
    ]);
    expect(sent).toHaveLength(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    const [narrow, wide] = await Promise.all([
      obtain(key, { scopes: ["r"] }),
      obtain(key, { scopes: ["r", "w"] }),
    ]);
    expect(sent).toHaveLength(3);
    expect(narrow.scopes).toEqual(["r"]);
    expect(wide.scopes).toEqual(["r", "w"]);
  });

  it("rejects a refused grant with a typed, non-retryable error and stores nothing", async () => {
    const servers = fakeServers({
      asToken: () => json({ error: "invalid_client", error_description: "bad client" }, 401),
    });
    const { obtain, tokens, key, events } = setup(clientCredentials, servers);
    const error = await obtain(key).catch((e: unknown) => e);
    expect(isAuthbusError(error, "GRANT_FAILED")).toBe(true);
    expect(error).toMatchObject({
      code: "GRANT_FAILED",
      grant: "client_credentials",
      step: "token_request",
      error: "invalid_client",
      errorDescription: "bad client",
      issuer,
      retryable: false,
    });
    expect((error as Error).message).not.toContain(secret);
    expect(await tokens.get(key)).toBeUndefined();
    expect(events.at(-1)).toMatchObject({
      type: "token.obtain_failed",
      payload: { grant: "client_credentials", error: { code: "GRANT_FAILED" } },
    });
    expect(leakedSecrets(events, [secret])).toEqual([]);
  });

  it("marks a passing failure (temporarily_unavailable, 5xx) as retryable", async () => {
    const servers = fakeServers({ asToken: () => json({ error: "temporarily_unavailable" }, 503) });
    const error = await setup(clientCredentials, servers)
      .obtain({ subject: "a", resource })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "GRANT_FAILED", error: "temporarily_unavailable", retryable: true });
    const down = fakeServers({ asToken: () => new Response("upstream down", { status: 502 }) });
    const failed = await setup(clientCredentials, down)
      .obtain({ subject: "a", resource })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: "GRANT_FAILED",
      retryable: true,
      message: expect.stringContaining("HTTP 502"),
    });
  });

  it("sends nothing to an authorization server the credentials are not for", async () => {
    const servers = fakeServers();
    const bus = createAuthBus();
    const obtain = createServiceTokens({
      tokens: new MemoryTokenStore(),
      bus,
      grant: clientCredentials,
      fetch: servers.fetch,
      authorizationServers: ["https://login.example.com"],
    });
    const error = await obtain({ subject: "a", resource }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "GRANT_FAILED", step: "discovery", retryable: false, issuer });
    expect(servers.sent).toHaveLength(0);
  });

  it("refuses an incomplete grant configuration at creation", () => {
    const bus = createAuthBus();
    const tokens = new MemoryTokenStore();
    expect(() =>
      createServiceTokens({
        tokens,
        bus,
        grant: { type: "jwt_bearer", client: { clientId: "w" } } as unknown as ServiceGrant,
      }),
    ).toThrow(/assertion provider/);
    expect(() =>
      createServiceTokens({ tokens, bus, grant: { type: "password" } as unknown as ServiceGrant }),
    ).toThrow(/unknown service grant/);
  });
});

describe("createServiceTokens: jwt-bearer (workload identity)", () => {
  it("asks the provider for a fresh assertion each time, with the issuer as audience, and never reports it", async () => {
    const asked: unknown[] = [];
    const assertions = [`${idToken}1`, `${idToken}2`];
    const grant: ServiceGrant = {
      type: "jwt_bearer",
      client: { clientId: "workload" },
      assertion: (context) => {
        asked.push(context);
        return assertions[asked.length - 1] as string;
      },
    };
    const { obtain, sent, key, events, tokens } = setup(grant);
    await obtain(key);
    await tokens.delete(key);
    await obtain(key);
    expect(asked).toEqual([
      { subject: "reporting-agent", resource, audience: issuer },
      { subject: "reporting-agent", resource, audience: issuer },
    ]);
    expect(sent.map((s) => s.form)).toEqual([
      {
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion: assertions[0],
        resource,
        client_id: "workload",
      },
      {
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion: assertions[1],
        resource,
        client_id: "workload",
      },
    ]);
    expect(leakedSecrets(events, assertions)).toEqual([]);
  });

  it("does not retry a refused assertion (invalid_grant) and keeps it out of the error", async () => {
    const servers = fakeServers({ asToken: () => json({ error: "invalid_grant" }, 400) });
    const { obtain, sent, key } = setup(
      { type: "jwt_bearer", client: { clientId: "workload" }, assertion: () => idToken },
      servers,
    );
    const error = await obtain(key).catch((e: unknown) => e);
    expect(error).toMatchObject({ grant: "jwt_bearer", error: "invalid_grant", retryable: false });
    expect(JSON.stringify(error)).not.toContain(idToken);
    expect((error as Error).message).not.toContain(idToken);
    expect(sent).toHaveLength(1);
  });

  it("reports a provider that fails or returns something that is not a JWT", async () => {
    const failing = setup({
      type: "jwt_bearer",
      client: { clientId: "workload" },
      assertion: () => {
        throw new Error("metadata server unreachable");
      },
    });
    expect(await failing.obtain(failing.key).catch((e: unknown) => e)).toMatchObject({
      step: "assertion",
      retryable: true,
    });
    const garbage = setup({
      type: "jwt_bearer",
      client: { clientId: "workload" },
      assertion: () => "opaque",
    });
    expect(await garbage.obtain(garbage.key).catch((e: unknown) => e)).toMatchObject({
      step: "assertion",
      retryable: false,
    });
    expect(garbage.sent).toHaveLength(0);
  });
});

describe("createServiceTokens: enterprise-managed authorization (ID-JAG)", () => {
  const idp = {
    issuer: idpIssuer,
    tokenEndpoint: `${idpIssuer}/token`,
    client: { clientId: "agent-at-idp" },
  };
  const grant: ServiceGrant = {
    type: "enterprise_managed",
    client: { clientId: "agent", clientSecret: secret },
    idp,
    idToken: () => idToken,
  };
  const idpAnswers: Answer = () =>
    json({
      access_token: idJag,
      issued_token_type: "urn:ietf:params:oauth:token-type:id-jag",
      token_type: "N_A",
      expires_in: 300,
    });

  it("exchanges the ID token for an ID-JAG at the IdP, then presents it at the authorization server", async () => {
    const { obtain, sent, key, events } = setup(grant, fakeServers({ idpToken: idpAnswers }));
    const result = await obtain({ ...key, subject: "alice" }, { scopes: ["calendar.read"] });
    expect(sent.map((s) => s.url)).toEqual([`${idpIssuer}/token`, `${issuer}/token`]);
    expect(sent[0]?.form).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: idToken,
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:ietf:params:oauth:token-type:id-jag",
      audience: issuer,
      scope: "calendar.read",
      resource,
      client_id: "agent-at-idp",
    });
    expect(sent[1]?.form).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: idJag,
      scope: "calendar.read",
      resource,
    });
    expect(sent[1]?.authorization).toMatch(/^Basic /);
    expect(result).toMatchObject({ clientId: "agent", issuer, scopes: ["calendar.read"] });
    expect(leakedSecrets(events, [idToken, idJag, secret])).toEqual([]);
  });

  it("refuses an exchange answer that is not an ID-JAG, before anything reaches the authorization server", async () => {
    const servers = fakeServers({
      idpToken: () =>
        json({
          access_token: "at",
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
          token_type: "Bearer",
        }),
    });
    const { obtain, sent, key } = setup(grant, servers);
    const error = await obtain(key).catch((e: unknown) => e);
    expect(error).toMatchObject({ grant: "enterprise_managed", step: "token_exchange", issuer: idpIssuer });
    expect(sent).toHaveLength(1);
  });

  it("reports the identity provider's refusal as a token_exchange failure", async () => {
    const servers = fakeServers({ idpToken: () => json({ error: "invalid_grant" }, 400) });
    const error = await exchangeForIdJag({
      idp,
      subjectToken: idToken,
      audience: issuer,
      resource,
      fetch: servers.fetch,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ step: "token_exchange", error: "invalid_grant", retryable: false });
  });

  it("keeps the granted scopes when the server narrows them", async () => {
    const servers = fakeServers({
      idpToken: idpAnswers,
      asToken: () =>
        json({ access_token: "at_narrow_xxxxxxxxxxxx", token_type: "bearer", scope: "calendar.read" }),
    });
    const { obtain, key } = setup(grant, servers);
    const result: TokenSet = await obtain(key, { scopes: ["calendar.read", "calendar.write"] });
    expect(result.scopes).toEqual(["calendar.read"]);
  });
});
