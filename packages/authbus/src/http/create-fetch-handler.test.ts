import { MemoryConsentStore, MemoryConsentWaitStore } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createFetchHandler } from "./create-fetch-handler.js";

function handler(overrides: Partial<Parameters<typeof createFetchHandler>[0]> = {}) {
  const waits = new MemoryConsentWaitStore();
  const resumed: string[] = [];
  const handle = createFetchHandler({
    baseUrl: "https://app.example.com/auth/",
    consents: {
      complete: async () => {
        throw new Error("not expected");
      },
      authorizationUrl: async () => undefined,
      get: async () => undefined,
    },
    consentStore: new MemoryConsentStore(),
    waits,
    resume: async (consentId) => {
      resumed.push(consentId);
      return { consentId, outcome: "granted", threads: [] };
    },
    onError: () => undefined,
    ...overrides,
  });
  return { handle, resumed };
}

describe("createFetchHandler", () => {
  it("serves the client metadata document at metadataUrl's path", async () => {
    const document = {
      client_id: "https://app.example.com/auth/client.json",
      client_name: "app",
      redirect_uris: ["https://app.example.com/auth/oauth/callback"],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "none" as const,
      application_type: "web" as const,
    };
    const { handle } = handler({ metadata: { url: document.client_id, document } });
    const response = await handle(new Request(document.client_id));
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual(document);
  });

  it("routes only under the base path, and only GET", async () => {
    const { handle } = handler();
    expect((await handle(new Request("https://app.example.com/consents/x/authorize"))).status).toBe(404);
    expect((await handle(new Request("https://app.example.com/auth/consents/x/authorize"))).status).toBe(410);
    expect((await handle(new Request("https://app.example.com/auth/consents/%E0/authorize"))).status).toBe(
      410,
    );
    const post = await handle(new Request("https://app.example.com/auth/oauth/callback", { method: "POST" }));
    expect(post.status).toBe(405);
  });

  it("lets the app choose the page, and asks `identify` who is calling", async () => {
    const seen: unknown[] = [];
    const { handle } = handler({
      identify: (request) => {
        seen.push(request.headers.get("cookie"));
        return { session: "s" };
      },
      respond: (page) => Response.redirect(`https://app.example.com/?outcome=${page.kind}`, 303),
    });
    const response = await handle(
      new Request("https://app.example.com/auth/oauth/callback?state=nope", { headers: { cookie: "sid=s" } }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("https://app.example.com/?outcome=callback_refused");
    expect(seen).toEqual(["sid=s"]);
  });
});
