import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthBus, normalizeResource } from "@authbus/core";
import { createMCPClient } from "@authbus/mcp";
import { createConsents } from "@authbus/oauth";
import { openSqliteStores } from "@authbus/oauth/sqlite";
import { DEFAULT_CLIENT_ID, type DemoServers, startDemoServers } from "@authbus/testkit";
import { HumanMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authInterruptMiddleware } from "../middleware/auth-interrupt-middleware.js";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { assistantScript } from "../testing/chat-scripts.test-helpers.js";
import {
  databaseText,
  type EventLog,
  REDIRECT_URI,
  STORE_SECRET,
  secretsOf,
} from "../testing/consent-world.test-helpers.js";
import { lastText, ScriptedChatModel } from "../testing/scripted-chat-model.test-helpers.js";

let demo: DemoServers;
let dir: string;

beforeAll(async () => {
  demo = await startDemoServers({ authServer: { polling: { interval: 1, expiresIn: 3 } } });
  dir = mkdtempSync(join(tmpdir(), "authbus-device-agent-"));
});

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

function openAgent(name: string, subject: string) {
  const bus = createAuthBus();
  const events: EventLog = [];
  bus.on("*", (type, event) => events.push({ type: String(type), event: structuredClone(event) }));
  const paths = { store: join(dir, `${name}.db`), checkpoints: join(dir, `${name}-checkpoints.db`) };
  const stores = openSqliteStores({ path: paths.store, secret: STORE_SECRET });
  const consents = createConsents({
    tokens: stores.tokens,
    store: stores.consents,
    registrations: stores.registrations,
    bus,
    client: { redirectUri: REDIRECT_URI, clientId: DEFAULT_CLIENT_ID },
    // A CLI agent: the person opens the verification URI on any device.
    channel: () => "device",
  });
  const client = createMCPClient({
    servers: { calendar: { url: demo.calendar.url, description: "the user's calendar" } },
    tokens: stores.tokens,
    bus,
    subject,
  });
  const agent = createAgent({
    model: new ScriptedChatModel(assistantScript),
    tools: [],
    middleware: [authInterruptMiddleware({ client, bus, consents, subject, tokens: stores.tokens })],
    checkpointer: SqliteSaver.fromConnString(paths.checkpoints),
  });
  const config = { configurable: { thread_id: name } };
  return {
    events,
    stores,
    consents,
    paths,
    ask: (text: string) => agent.invoke({ messages: [new HumanMessage(text)] }, config),
    pending: async () => pendingAuthInterrupts(await agent.graph.getState(config)),
    resume: async (consentId: string, outcome: "granted" | "denied" | "expired") =>
      agent.invoke(await resumeConsent(agent.graph, config, consentId, outcome), config),
    async close() {
      consents.close();
      await client.close();
      stores.close();
    },
  };
}

describe("a CLI agent consenting through device authorization (RFC 8628)", () => {
  it("pauses with the user code and verification URI, and finishes after the person approves", async () => {
    const rig = openAgent("device-approve", "nina");
    await rig.ask("what's on my calendar");
    const [card] = await rig.pending();
    expect(card?.value).toMatchObject({
      type: "authbus/consent_required",
      channel: "device",
      serverName: "calendar",
      verificationUri: `${demo.authServer.issuer}/device`,
    });
    const userCode = card?.value.userCode ?? "";
    expect(userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(card?.value.verificationUriComplete).toContain(encodeURIComponent(userCode));

    await demo.authServer.approveDevice(userCode, { user: "nina" });
    const outcome = await rig.consents.wait(card?.consentId ?? "");
    expect(outcome).toBe("granted");
    const state = await rig.resume(card?.consentId ?? "", outcome ?? "expired");
    expect(lastText(state.messages)).toContain("Team standup");
    expect(await rig.pending()).toEqual([]);

    // The user code may be in the interrupt; the device code and the tokens are nowhere.
    const tokens = await rig.stores.tokens.get({
      subject: "nina",
      resource: normalizeResource(demo.calendar.url),
    });
    const secrets = [...secretsOf([tokens]), ...demo.authServer.deviceRequests().map((r) => r.deviceCode)];
    const checkpoints = databaseText(rig.paths.checkpoints);
    expect(checkpoints).toContain(userCode);
    for (const where of [checkpoints, JSON.stringify(rig.events), databaseText(rig.paths.store)]) {
      expect(secrets.filter((secret) => where.includes(secret))).toEqual([]);
    }
    await rig.close();
  });

  it("resumes with expired when nobody enters the code in time; the tool explains", async () => {
    const rig = openAgent("device-expire", "oscar");
    await rig.ask("what's on my calendar");
    const [card] = await rig.pending();
    expect(card?.value.channel).toBe("device");
    const outcome = await rig.consents.wait(card?.consentId ?? "");
    expect(outcome).toBe("expired");
    expect(rig.events.map((e) => e.type)).toContain("consent.expired");
    const state = await rig.resume(card?.consentId ?? "", outcome ?? "expired");
    expect(lastText(state.messages)).not.toContain("Team standup");
    await rig.close();
  });
});
