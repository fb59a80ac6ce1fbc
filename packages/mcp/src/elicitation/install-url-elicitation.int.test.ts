/**
 * The MCP client's side of URL-mode elicitation against the testkit's `repos` server, through
 * the real MCP SDK client: the capability, `elicitation/create` handed to the call's scope,
 * -32042 reported, `notifications/elicitation/complete` passed on outside the call's context.
 */
import { type AuthEvents, createAuthBus, MemoryTokenStore, normalizeResource } from "@authbus/core";
import {
  type AuthServer,
  type ProtectedMCPServer,
  requireThirdParty,
  startAuthServer,
  startProtectedMCPServer,
  startThirdPartySite,
  type ThirdPartySite,
} from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentCallId, runWithCallId } from "../call-context/call-id.js";
import { createMCPClient } from "../client/create-mcp-client.js";
import { grantTokens } from "../testing/oauth-flow.test-helpers.js";
import { type ElicitationScope, runWithElicitationScope } from "./elicitation-scope.js";
import type { UrlElicitationListener } from "./install-url-elicitation.js";
import type { UrlElicitationRequest } from "./url-elicitation.js";

let as: AuthServer;
let octo: ThirdPartySite;
let repos: ProtectedMCPServer;
let users = 0;

beforeAll(async () => {
  as = await startAuthServer();
  octo = await startThirdPartySite({ name: "Octo" });
  repos = await startProtectedMCPServer({
    name: "repos",
    authServer: as,
    tools: [
      {
        name: "list_repositories",
        scopes: ["repos.read"],
        handler: requireThirdParty(octo, { mode: "request", settleMs: 1_000 }, () => "authbus, testkit"),
      },
      {
        name: "list_issues",
        scopes: ["repos.read"],
        handler: requireThirdParty(octo, { mode: "error" }, () => "#1"),
      },
    ],
  });
});

afterAll(async () => {
  await repos?.close();
  await octo?.close();
  await as?.close();
});

interface Completion {
  input: Parameters<UrlElicitationListener["completed"]>[0];
  callId: string | undefined;
}

async function setup(options: { elicitation?: boolean } = {}) {
  users += 1;
  const subject = `user-${users}`;
  const bus = createAuthBus();
  const answered: AuthEvents["elicitation.answered"][] = [];
  bus.on("elicitation.answered", (event) => answered.push(event));
  const tokens = new MemoryTokenStore();
  const resource = normalizeResource(repos.url);
  await tokens.set(
    { subject, resource },
    await grantTokens(as, { resource: repos.url, scopes: ["repos.read"], user: subject }),
  );
  const completions: Completion[] = [];
  const listener: UrlElicitationListener = {
    completed: async (input) => {
      completions.push({ input, callId: currentCallId() });
    },
  };
  const client = createMCPClient({
    servers: { repos: { url: repos.url } },
    tokens,
    bus,
    subject,
    ...(options.elicitation === false ? {} : { elicitations: listener }),
  });
  // Connected inside a call, so the server's standalone stream is opened in that call's context.
  const tools = await runWithCallId("call-that-connected", () => client.getTools());
  const tool = (name: string) => {
    const found = tools.find((t) => t.name === name);
    if (!found) throw new Error(`no tool ${name}`);
    return found;
  };
  return { subject, bus, answered, client, tool, completions, resource };
}

function scopeOf(answer: (request: UrlElicitationRequest) => Promise<"accept" | "decline" | "cancel">) {
  const requests: UrlElicitationRequest[] = [];
  const required: UrlElicitationRequest[] = [];
  const scope: ElicitationScope = {
    async request(request) {
      requests.push(request);
      return { action: await answer(request), consentId: "consent-1" };
    },
    required(elicitations) {
      required.push(...elicitations);
    },
  };
  return { scope, requests, required };
}

describe("installUrlElicitation (through createMCPClient)", () => {
  it("hands elicitation/create to the call's scope; its answer goes back; completion is passed on outside the call", async () => {
    const { subject, client, tool, answered, completions, resource } = await setup();
    try {
      const { scope, requests } = scopeOf(async (request) => {
        await fetch(request.url);
        return "accept";
      });
      const result = await runWithCallId("call-1", () =>
        runWithElicitationScope(scope, () => tool("list_repositories").invoke({})),
      );
      expect(String(result)).toContain("authbus, testkit");
      expect(requests).toEqual([
        expect.objectContaining({
          serverName: "repos",
          subject,
          resource,
          message: expect.stringContaining("Octo"),
        }),
      ]);
      expect(answered).toEqual([
        expect.objectContaining({ action: "accept", consentId: "consent-1", serverName: "repos" }),
      ]);
      await expect.poll(() => completions.length).toBe(1);
      expect(completions[0]?.input).toEqual({
        serverName: "repos",
        resource,
        subject,
        elicitationId: requests[0]?.elicitationId,
      });
      // Not in the context of the call that opened the stream.
      expect(completions[0]?.callId).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it("with no call to ask (no scope), elicitation/create is answered cancel", async () => {
    const { client, tool, answered } = await setup();
    try {
      // The server's error result: the adapters throw it as a ToolException.
      await expect(tool("list_repositories").invoke({})).rejects.toThrow("did not connect Octo (cancel)");
      expect(answered).toEqual([expect.objectContaining({ action: "cancel" })]);
      expect(answered[0]?.consentId).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it("reports a -32042 refusal to the scope with its elicitations, then the error goes on", async () => {
    const { subject, client, tool } = await setup();
    try {
      const { scope, required } = scopeOf(async () => "cancel");
      await expect(runWithElicitationScope(scope, () => tool("list_issues").invoke({}))).rejects.toThrow(
        /-32042/,
      );
      expect(required).toEqual([
        expect.objectContaining({ serverName: "repos", subject, url: expect.stringContaining(octo.origin) }),
      ]);
    } finally {
      await client.close();
    }
  });

  it("without the option the client does not declare elicitation.url, and the server says so in its result", async () => {
    const { client, tool } = await setup({ elicitation: false });
    try {
      await expect(tool("list_issues").invoke({})).rejects.toThrow(`${octo.origin}/authorize?request=`);
    } finally {
      await client.close();
    }
  });
});
