import { isAuthbusError } from "@authbus/core";
import type * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { createClientMetadataDocument } from "./client-metadata-document.js";
import { MemoryClientRegistrationStore } from "./client-registration-store.js";
import { clientForId, resolveClient } from "./resolve-client.js";

const redirectUri = "https://app.test/oauth/callback";
const metadataUrl = "https://app.test/oauth/client.json";

function authorizationServer(extra: Partial<oauth.AuthorizationServer> = {}): oauth.AuthorizationServer {
  return {
    issuer: "https://as.test",
    authorization_endpoint: "https://as.test/authorize",
    token_endpoint: "https://as.test/token",
    registration_endpoint: "https://as.test/register",
    ...extra,
  };
}

/** A registration endpoint that answers with `answer` and records what it was sent. */
function registrationEndpoint(answer: Record<string, unknown>, status = 201) {
  const sent: Record<string, unknown>[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    sent.push((await request.json()) as Record<string, unknown>);
    return new Response(JSON.stringify(answer), { status, headers: { "content-type": "application/json" } });
  };
  return { fetch, sent };
}

describe("resolveClient: the spec's order", () => {
  it("uses a client pre-registered for this issuer first, even where CIMD and DCR are offered", async () => {
    const as = authorizationServer({ client_id_metadata_document_supported: true });
    const { fetch, sent } = registrationEndpoint({ client_id: "dcr" });
    const resolved = await resolveClient(
      as,
      { redirectUri, metadataUrl, clients: { "https://as.test": { clientId: "pre", clientSecret: "s" } } },
      new MemoryClientRegistrationStore(),
      { fetch },
    );
    expect(resolved).toMatchObject({ client: { client_id: "pre" }, source: "pre-registered" });
    expect(sent).toEqual([]);
  });

  it("uses the Client ID Metadata Document URL when the server supports it, and registers nothing", async () => {
    const { fetch, sent } = registrationEndpoint({ client_id: "dcr" });
    const cimd = await resolveClient(
      authorizationServer({ client_id_metadata_document_supported: true }),
      { redirectUri, metadataUrl },
      new MemoryClientRegistrationStore(),
      { fetch },
    );
    expect(cimd).toMatchObject({ client: { client_id: metadataUrl }, source: "metadata-document" });
    expect(sent).toEqual([]);
    // Without server support the document URL is not used: dynamic registration is.
    const dcr = await resolveClient(
      authorizationServer(),
      { redirectUri, metadataUrl },
      new MemoryClientRegistrationStore(),
      {
        fetch,
      },
    );
    expect(dcr).toMatchObject({ client: { client_id: "dcr" }, source: "dynamic-registration" });
  });

  it("registers once per issuer, and again for another issuer (credentials are per server)", async () => {
    const registrations = new MemoryClientRegistrationStore();
    const { fetch, sent } = registrationEndpoint({ client_id: "dcr" });
    await resolveClient(authorizationServer(), { redirectUri }, registrations, { fetch });
    await resolveClient(authorizationServer(), { redirectUri }, registrations, { fetch });
    expect(sent).toHaveLength(1);
    await resolveClient(
      authorizationServer({ issuer: "https://as2.test", registration_endpoint: "https://as2.test/register" }),
      { redirectUri },
      registrations,
      { fetch },
    );
    expect(sent).toHaveLength(2);
  });

  it("accepts a registration with client_secret but no client_secret_expires_at, as real servers send", async () => {
    const { fetch } = registrationEndpoint({ client_id: "c", client_secret: "s" });
    const resolved = await resolveClient(
      authorizationServer(),
      { redirectUri },
      new MemoryClientRegistrationStore(),
      {
        fetch,
      },
    );
    expect(resolved.client.client_id).toBe("c");
    // RFC 7591 §2: no method named with a secret issued means client_secret_basic.
    const headers = new Headers();
    await resolved.auth(authorizationServer(), resolved.client, new URLSearchParams(), headers);
    expect(headers.get("authorization")).toMatch(/^Basic /);
  });

  it("asks for a public client where allowed, else the secret method the server supports, and says native for loopback", async () => {
    const { fetch, sent } = registrationEndpoint({ client_id: "c" });
    await resolveClient(
      authorizationServer(),
      { redirectUri: "http://127.0.0.1:3000/cb" },
      new MemoryClientRegistrationStore(),
      {
        fetch,
      },
    );
    expect(sent[0]).toMatchObject({ token_endpoint_auth_method: "none", application_type: "native" });
    await resolveClient(
      authorizationServer({ token_endpoint_auth_methods_supported: ["client_secret_post"] }),
      { redirectUri },
      new MemoryClientRegistrationStore(),
      { fetch },
    );
    expect(sent[1]).toMatchObject({
      token_endpoint_auth_method: "client_secret_post",
      application_type: "web",
    });
  });

  it("says what to configure when the server offers no way to register", async () => {
    const error = await resolveClient(
      authorizationServer({ registration_endpoint: undefined }),
      { redirectUri },
      new MemoryClientRegistrationStore(),
    ).catch((e: unknown) => e);
    expect(isAuthbusError(error, "CLIENT_REGISTRATION_FAILED")).toBe(true);
    expect((error as Error).message).toContain('client.clients["https://as.test"]');
  });
});

describe("clientForId", () => {
  it("finds the pre-registered client, the document URL or the stored registration by id", async () => {
    const as = authorizationServer({ token_endpoint_auth_methods_supported: ["client_secret_post"] });
    const pre = await clientForId(as, "pre", { redirectUri, clientId: "pre", clientSecret: "s" }, undefined);
    const body = new URLSearchParams();
    await pre.auth(as, pre.client, body, new Headers());
    expect(body.get("client_secret")).toBe("s");
    expect((await clientForId(as, metadataUrl, { redirectUri, metadataUrl }, undefined)).source).toBe(
      "metadata-document",
    );
  });
});

describe("createClientMetadataDocument", () => {
  it("builds a public client's document whose client_id is its own URL", () => {
    expect(createClientMetadataDocument({ redirectUri, metadataUrl, clientName: "Agent" })).toEqual({
      client_id: metadataUrl,
      client_name: "Agent",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      application_type: "web",
    });
  });

  it("refuses a URL that cannot be a client id", () => {
    for (const bad of [
      undefined,
      "http://app.test/c.json",
      "https://app.test/",
      "https://app.test/c#x",
      "nope",
    ]) {
      expect(() => createClientMetadataDocument({ redirectUri, metadataUrl: bad })).toThrow(
        expect.objectContaining({ code: "INVALID_CLIENT_METADATA_URL" }),
      );
    }
    expect(isAuthbusError(new Error("x"), "INVALID_CLIENT_METADATA_URL")).toBe(false);
  });
});
