import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  ElicitationCompleteNotificationSchema,
  ElicitRequestSchema,
  ErrorCode,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthServer, startAuthServer } from "../auth-server/start-auth-server.js";
import { obtainTokens } from "../testing/oauth-flow.test-helpers.js";
import { startThirdPartySite, type ThirdPartySite } from "../third-party/start-third-party-site.js";
import { requireThirdParty } from "./require-third-party.js";
import { type ProtectedMCPServer, startProtectedMCPServer } from "./start-protected-mcp-server.js";

let as: AuthServer;
let octo: ThirdPartySite;
let repos: ProtectedMCPServer;
let users = 0;

beforeAll(async () => {
  as = await startAuthServer();
  octo = await startThirdPartySite({ name: "Octo" });
  const result = () => ({ repositories: ["authbus"] });
  repos = await startProtectedMCPServer({
    name: "repos",
    authServer: as,
    tools: [
      {
        name: "list_repositories",
        scopes: ["repos.read"],
        handler: requireThirdParty(octo, { mode: "request", settleMs: 500 }, result),
      },
      {
        name: "list_issues",
        scopes: ["repos.read"],
        handler: requireThirdParty(octo, { mode: "error" }, () => ({ issues: [] })),
      },
    ],
  });
});

afterAll(async () => {
  await repos?.close();
  await octo?.close();
  await as?.close();
});

/** A new person each test, so no test finds Octo connected already. */
async function connect(options: { urlElicitation: boolean }) {
  users += 1;
  const user = `user-${users}`;
  const { access_token } = await obtainTokens(as, { resource: repos.url, scope: "repos.read", user });
  const client = new Client(
    { name: "elicitation-test", version: "0.0.0" },
    options.urlElicitation ? { capabilities: { elicitation: { url: {} } } } : {},
  );
  const completed: string[] = [];
  if (options.urlElicitation) {
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => {
      completed.push(notification.params.elicitationId);
    });
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL(repos.url), {
      requestInit: { headers: { Authorization: `Bearer ${access_token}` } },
    }),
  );
  return { client, user, completed };
}

describe("requireThirdParty", () => {
  it("request mode: elicitation/create with the site's link; opening it completes, and the tool runs", async () => {
    const { client, user, completed } = await connect({ urlElicitation: true });
    const asked: Array<{ mode?: string; url?: string; elicitationId?: string }> = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params as (typeof asked)[number]);
      const page = await fetch(String((request.params as { url: string }).url));
      expect(await page.text()).toContain("Connected to Octo");
      return { action: "accept" };
    });
    try {
      const result = await client.callTool({ name: "list_repositories" });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ repositories: ["authbus"] });
      expect(asked).toHaveLength(1);
      expect(asked[0]?.mode).toBe("url");
      expect(asked[0]?.url?.startsWith(`${octo.origin}/authorize?request=`)).toBe(true);
      // The link's secret is not the elicitation id.
      expect(asked[0]?.url).not.toContain(String(asked[0]?.elicitationId));
      expect(octo.isAuthorized(user)).toBe(true);
      await expect.poll(() => completed).toEqual([asked[0]?.elicitationId]);
      // Connected now: no second elicitation.
      await client.callTool({ name: "list_repositories" });
      expect(asked).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("request mode: a declined elicitation is an error result, and nothing is connected", async () => {
    const { client, user } = await connect({ urlElicitation: true });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "decline" }));
    try {
      const result = await client.callTool({ name: "list_repositories" });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain("did not connect Octo (decline)");
      expect(octo.isAuthorized(user)).toBe(false);
    } finally {
      await client.close();
    }
  });

  it("error mode: -32042 lists the elicitation; after the link is opened a notification comes and the retry runs", async () => {
    const { client, user, completed } = await connect({ urlElicitation: true });
    try {
      const refused = await client.callTool({ name: "list_issues" }).then(
        () => undefined,
        (error: unknown) =>
          error as { code?: number; data?: { elicitations?: Array<Record<string, string>> } },
      );
      expect(refused?.code).toBe(ErrorCode.UrlElicitationRequired);
      const [elicitation] = refused?.data?.elicitations ?? [];
      expect(elicitation).toMatchObject({ mode: "url", message: expect.stringContaining("Octo") });
      expect(octo.status(String(elicitation?.elicitationId))).toBe("pending");
      await fetch(String(elicitation?.url));
      await expect.poll(() => completed).toEqual([elicitation?.elicitationId]);
      expect(octo.isAuthorized(user)).toBe(true);
      const result = await client.callTool({ name: "list_issues" });
      expect(result.structuredContent).toEqual({ issues: [] });
    } finally {
      await client.close();
    }
  });

  it("a client without elicitation.url gets an error result naming the link", async () => {
    const { client } = await connect({ urlElicitation: false });
    try {
      const result = await client.callTool({ name: "list_issues" });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain(`${octo.origin}/authorize?request=`);
    } finally {
      await client.close();
    }
  });

  it("the site: ?decision=deny refuses, an unknown link is 404, revoke forgets", async () => {
    const denied = octo.request("zoe");
    const page = await fetch(`${denied.url}&decision=deny`);
    expect(await page.text()).toContain("Not connected");
    expect(octo.status(denied.elicitationId)).toBe("denied");
    expect(octo.isAuthorized("zoe")).toBe(false);
    expect((await fetch(`${octo.origin}/authorize?request=nope`)).status).toBe(404);
    const granted = octo.request("zoe");
    await fetch(granted.url);
    expect(await octo.waitForAuthorization("zoe", 100)).toBe(true);
    octo.revoke("zoe");
    expect(octo.isAuthorized("zoe")).toBe(false);
    expect(await octo.waitForAuthorization("zoe", 50)).toBe(false);
  });
});
