import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveConsent } from "../auth-server/approve-consent.js";
import { type DemoServers, startDemoServers } from "./start-demo-servers.js";

// The MCP SDK's own OAuth client against the kit: RFC 9728 discovery, RFC 8414 metadata,
// RFC 7591 registration, PKCE and RFC 8707 resource, exactly as a real MCP host runs them.
class HeadlessProvider implements OAuthClientProvider {
  readonly redirectUrl = "http://127.0.0.1:9/callback";
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  callback: Promise<string> | undefined;

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "sdk test",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.callback = approveConsent(url, { user: "sdk-user" });
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

let demo: DemoServers;

beforeAll(async () => {
  demo = await startDemoServers();
});

afterAll(async () => {
  await demo.close();
});

describe("MCP SDK OAuth client against the testkit", () => {
  it("discovers, registers, consents, gets an audience-bound token and calls the tool", async () => {
    const provider = new HeadlessProvider();
    const url = new URL(demo.calendar.url);
    const first = new StreamableHTTPClientTransport(url, { authProvider: provider });
    const client = new Client({ name: "sdk-oauth", version: "0.0.0" });
    const error = await client.connect(first).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(provider.client?.client_id).toBeTruthy();

    const callback = new URL((await provider.callback) ?? "");
    expect(callback.searchParams.get("iss")).toBe(demo.authServer.issuer);
    await first.finishAuth(callback.searchParams.get("code") ?? "");
    await first.close();
    expect(decodeJwt(provider.saved?.access_token ?? "")).toMatchObject({
      aud: demo.calendar.url,
      scope: "calendar.read",
      sub: "sdk-user",
    });

    const client2 = new Client({ name: "sdk-oauth", version: "0.0.0" });
    await client2.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
    try {
      const result = await client2.callTool({ name: "list_events" });
      expect(result.isError).toBeFalsy();
      expect(demo.calendar.callCount("list_events")).toBe(1);
      expect(demo.calendar.foreignTokens()).toEqual([]);

      // Every access token expires: the SDK refreshes (rotating the refresh token) and retries.
      const oldRefresh = provider.saved?.refresh_token;
      const refreshesBefore = demo.authServer.stats.refreshRequests;
      demo.authServer.expireAllTokens();
      const again = await client2.callTool({ name: "list_events" });
      expect(again.isError).toBeFalsy();
      expect(demo.authServer.stats.refreshRequests - refreshesBefore).toBe(1);
      expect(provider.saved?.refresh_token).not.toBe(oldRefresh);
      expect(demo.calendar.callCount("list_events")).toBe(2);
    } finally {
      await client2.close();
    }
    expect(demo.authServer.stats.registrations).toBe(1);
  });
});
