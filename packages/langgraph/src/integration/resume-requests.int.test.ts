/**
 * From the callback to the tool's result against the testkit servers: `complete()`, then the
 * graph resumed with how the consent ended. Counts every HTTP request the servers receive on the
 * way (issue 12: a mid-session challenge needs two, the token request and the call), and checks
 * that a failed code exchange ends the paused call as a declined consent, never a second one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenSet } from "@authbus/core";
import { createConsents, type FetchLike } from "@authbus/oauth";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { ToolMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeConsent } from "../resume/resume-consent.js";
import {
  type AgentRig,
  databaseText,
  openWorld,
  REDIRECT_URI,
  secretsOf,
  type World,
} from "../testing/consent-world.test-helpers.js";
import { lastText } from "../testing/scripted-chat-model.test-helpers.js";

let demo: DemoServers;
let dir: string;
let world: World;
let checkpointPath: string;
/** Code, state and token strings seen in this file's flows: none may reach a checkpoint. */
const secrets: Array<{ kind: string; value: string }> = [];
const rigs = new Map<string, AgentRig>();
/** One agent (one MCP client, one connection per server) per user, as an app keeps them. */
const rigFor = (user: string): AgentRig => {
  let rig = rigs.get(user);
  if (!rig) {
    rig = world.agentFor(user);
    rigs.set(user, rig);
  }
  return rig;
};

/** Every HTTP request the authorization server and the MCP servers have received. */
function requestsSoFar(): { authServer: number; mcp: number } {
  return {
    authServer: demo.authServer.stats.requests,
    mcp: demo.calendar.requests + demo.files.requests + demo.repos.requests,
  };
}

const config = (threadId: string) => ({ configurable: { thread_id: threadId } });

/**
 * Approves the thread's consent headlessly, then, from the callback on (counted): completes it
 * and resumes the graph with how it ended (a failed exchange denies the consent, as an app's
 * callback handler then resumes with `denied`).
 */
async function approveAndResume(
  rig: AgentRig,
  threadId: string,
  user: string,
  options: { consents?: World["consents"]; tamper?: (callback: URL) => void; grantScopes?: string[] } = {},
) {
  const [pending] = await rig.pending(threadId);
  if (!pending) throw new Error(`thread ${threadId} does not wait on a consent`);
  // What the launch link redirects to.
  const authorizationUrl = await world.consents.authorizationUrl(pending.consentId);
  if (!authorizationUrl) throw new Error(`consent ${pending.consentId} is not pending`);
  const callback = new URL(
    await approveConsent(authorizationUrl, {
      user,
      ...(options.grantScopes ? { grantScopes: options.grantScopes } : {}),
    }),
  );
  options.tamper?.(callback);
  for (const kind of ["code", "state"]) {
    const value = callback.searchParams.get(kind);
    if (value) secrets.push({ kind, value });
  }
  const before = requestsSoFar();
  const consents = options.consents ?? world.consents;
  const settled = await consents.complete(callback).then(
    (result) => result,
    (error: unknown) => error,
  );
  const view = await consents.get(pending.consentId);
  if (!view || view.status === "pending") throw new Error(`consent ${pending.consentId} did not settle`);
  const done = await rig.agent.invoke(
    await resumeConsent(rig.agent.graph, config(threadId), pending.consentId, view.status),
    config(threadId),
  );
  const after = requestsSoFar();
  const held = await world.stores.tokens.get({ subject: user, resource: pending.value.resource });
  secrets.push(...secretsOf([held]).map((value) => ({ kind: "token", value })));
  return {
    pending,
    done,
    settled,
    requests: { authServer: after.authServer - before.authServer, mcp: after.mcp - before.mcp },
  };
}

function lastToolMessage(messages: unknown[]): ToolMessage | undefined {
  return messages.filter((message): message is ToolMessage => ToolMessage.isInstance(message)).at(-1);
}

beforeAll(async () => {
  demo = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "authbus-resume-requests-"));
  checkpointPath = join(dir, "checkpoints.db");
  world = openWorld({
    urls: { calendar: demo.calendar.url, files: demo.files.url },
    storePath: join(dir, "authbus.db"),
    checkpointPath,
    // As an app does: the interrupt carries the app's launch link, never the state-bearing URL.
    launchUrl: (consentId) => `https://app.example/consents/${consentId}/authorize`,
  });
});

afterAll(async () => {
  await world?.close();
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("from the callback to the tool result, against the testkit servers", () => {
  it("connect-time consent: the token request, the MCP handshake and the call", async () => {
    const rig = rigFor("alice");
    await rig.ask("alice-1", "what's on my calendar");
    const { done, settled, requests } = await approveAndResume(rig, "alice-1", "alice");
    expect(settled).toMatchObject({ outcome: "granted" });
    expect(lastText(done.messages as never)).toContain("Team standup");
    expect(demo.calendar.callCount("list_events")).toBe(1);
    // The token request; then the MCP handshake (initialize, notifications/initialized, the GET
    // that opens the server's SSE stream, tools/list) and the call.
    expect(requests).toEqual({ authServer: 1, mcp: 5 });
  });

  it("mid-session, the token deleted: the token request and the call, nothing else", async () => {
    const rig = rigFor("alice");
    await world.stores.tokens.delete({ subject: "alice", resource: demo.calendar.url });
    await rig.ask("alice-2", "what's on my calendar");
    const before = demo.calendar.callCount("list_events");
    const { done, pending, requests } = await approveAndResume(rig, "alice-2", "alice");
    expect(pending.value.reason).toBe("missing_token");
    expect(lastText(done.messages as never)).toContain("Team standup");
    expect(demo.calendar.callCount("list_events")).toBe(before + 1);
    expect(requests).toEqual({ authServer: 1, mcp: 1 });
  });

  it("mid-session, the token revoked (refresh refused): the token request and the call", async () => {
    const rig = rigFor("alice");
    const held = (await world.stores.tokens.get({
      subject: "alice",
      resource: demo.calendar.url,
    })) as TokenSet;
    await demo.authServer.revokeToken(held.refreshToken ?? held.accessToken);
    await demo.authServer.revokeToken(held.accessToken);
    await rig.ask("alice-3", "what's on my calendar");
    const { done, pending, requests } = await approveAndResume(rig, "alice-3", "alice");
    expect(["refresh_failed", "invalid_token"]).toContain(pending.value.reason);
    expect(lastText(done.messages as never)).toContain("Team standup");
    expect(requests).toEqual({ authServer: 1, mcp: 1 });
  });

  it("mid-session step-up (insufficient_scope): the token request and the call", async () => {
    const rig = rigFor("bob");
    await rig.ask("bob-1", "list my files");
    await approveAndResume(rig, "bob-1", "bob", { grantScopes: ["files.read"] });
    await rig.ask("bob-2", "delete todo.md");
    const { done, pending, settled, requests } = await approveAndResume(rig, "bob-2", "bob");
    expect(pending.value.reason).toBe("insufficient_scope");
    expect(pending.value.scopes).toEqual(expect.arrayContaining(["files.read", "files.write"]));
    expect(settled).toMatchObject({ outcome: "granted" });
    expect(lastToolMessage(done.messages as unknown[])?.status).not.toBe("error");
    expect(demo.files.callCount("delete_file")).toBe(1);
    expect(requests).toEqual({ authServer: 1, mcp: 1 });
  });

  it("a code the server refuses (invalid_grant): the call ends as a declined consent, with no second consent", async () => {
    const rig = rigFor("carol");
    await rig.ask("carol-1", "what's on my calendar");
    const required = world.events.filter((e) => e.type === "consent.required").length;
    const { done, pending, settled } = await approveAndResume(rig, "carol-1", "carol", {
      tamper: (callback) => callback.searchParams.set("code", "not-the-code"),
    });
    expect(settled).toMatchObject({ code: "CONSENT_CALLBACK", error: "invalid_grant" });
    expect((await world.consents.get(pending.consentId))?.status).toBe("denied");
    expect(lastText(done.messages as never)).toContain("declined");
    expect(lastToolMessage(done.messages as unknown[])?.status).toBe("error");
    expect(world.events.filter((e) => e.type === "consent.required").length).toBe(required);
    expect(await rig.pending("carol-1")).toEqual([]);
  });

  it("the authorization server unreachable, or too slow (timeout): the same, on another worker's consents", async () => {
    const rig = rigFor("dave");
    for (const failure of ["down", "timeout"] as const) {
      const threadId = `dave-${failure}`;
      await world.stores.tokens.delete({ subject: "dave", resource: demo.calendar.url });
      await rig.ask(threadId, "what's on my calendar");
      // Another worker's consents over the same stores and bus, whose token requests fail.
      const failing: FetchLike = (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (!url.startsWith(demo.authServer.endpoints.token)) return fetch(input, init);
        if (failure === "down") return Promise.reject(new TypeError("fetch failed"));
        return new Promise<Response>((_resolve, reject) => {
          const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      };
      const other = createConsents({
        tokens: world.stores.tokens,
        store: world.stores.consents,
        registrations: world.stores.registrations,
        bus: world.bus,
        client: { redirectUri: REDIRECT_URI },
        fetch: failing,
        timeoutMs: 100,
      });
      try {
        const { done, pending, settled } = await approveAndResume(rig, threadId, "dave", { consents: other });
        expect(settled).toMatchObject({ code: "CONSENT_CALLBACK" });
        expect((await world.consents.get(pending.consentId))?.status).toBe("denied");
        expect(lastText(done.messages as never)).toContain("declined");
        expect(await rig.pending(threadId)).toEqual([]);
      } finally {
        other.close();
      }
    }
  });

  it("no code, state or token in the checkpoints", () => {
    const text = databaseText(checkpointPath);
    expect(secrets.length).toBeGreaterThan(10);
    for (const { kind, value } of secrets)
      expect(text.includes(value), `a ${kind} reached the checkpoints`).toBe(false);
    // What the checkpoint holds instead: the consent id and how it ended.
    expect(text).toContain('"outcome":"granted"');
  });
});
