import { MemoryConsentStore, MemoryConsentWaitStore } from "@authbus/core";
import type { ConsentResult } from "@authbus/oauth";
import { describe, expect, it, vi } from "vitest";
import { createFetchHandler } from "./create-fetch-handler.js";

function handler(overrides: Partial<Parameters<typeof createFetchHandler>[0]> = {}) {
  const waits = new MemoryConsentWaitStore();
  const resumed: string[] = [];
  const handle = createFetchHandler({
    baseUrl: "https://app.example.com/auth/",
    consents: {
      accept: async () => {
        throw new Error("not expected");
      },
      authorizationUrl: async () => undefined,
      get: async () => undefined,
    },
    consentStore: new MemoryConsentStore(),
    waits,
    resumeAccepted: async ({ consentId }) => {
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

  it("resumes the waiting threads once the callback is accepted, before the code exchange ends", async () => {
    for (const ending of ["granted", "exchange failed"] as const) {
      let settle: (result: ConsentResult) => void = () => undefined;
      let fail: (error: unknown) => void = () => undefined;
      const settled = new Promise<ConsentResult>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      });
      const order: string[] = [];
      const { handle, resumed } = handler({
        consents: {
          accept: async () => {
            order.push("accepted");
            return {
              consentId: "c1",
              subject: "alice",
              serverName: "s",
              resource: "https://r.example",
              settled,
            };
          },
          authorizationUrl: async () => undefined,
          get: async () => undefined,
        },
      });
      const page = handle(new Request("https://app.example.com/auth/oauth/callback?state=st&code=co"));
      // The page waits for the exchange; the threads do not.
      await vi.waitFor(() => expect(resumed).toEqual(["c1"]));
      if (ending === "granted") {
        settle({
          consentId: "c1",
          subject: "alice",
          serverName: "s",
          resource: "https://r.example",
          outcome: "granted",
        });
        const response = await page;
        expect(response.status).toBe(200);
        expect(await response.text()).toContain("Access granted");
      } else {
        fail(new Error("exchanging the authorization code of consent c1 failed: invalid_grant"));
        expect((await page).status).toBe(400);
      }
      expect(order).toEqual(["accepted"]);
    }
  });
});
