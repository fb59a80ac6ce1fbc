/**
 * URL-mode elicitation through `createAuthbus`: the testkit demo's `repos` server asks the person
 * to connect Octo; the run pauses with the same consent interrupt as any consent (channel
 * `elicitation`), and authbus resumes it when the server reports completion or the person
 * says they are done; a denial ends the call with a message for the model.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pendingAuthInterrupts } from "@authbus/langgraph";
import { openSqliteStores, type SqliteStores } from "@authbus/oauth/sqlite";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import { HumanMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Authbus, createAuthbus } from "../create-authbus.js";
import { BASE_URL, consentAs, STORE_SECRET } from "../testing/mail-world.test-helpers.js";
import { lastText, ScriptedModel } from "../testing/scripted-model.test-helpers.js";

const demos: DemoServers[] = [];
let dir: string;
const apps: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "authbus-elicitation-"));
});

afterAll(async () => {
  for (const app of apps) await app.close();
  for (const demo of demos) await demo.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openApp(mode: "request" | "error") {
  const demo = await startDemoServers({ reposElicitation: mode });
  demos.push(demo);
  const path = join(dir, `${mode}-${demos.length}`);
  const stores: SqliteStores = openSqliteStores({ path: `${path}-authbus.db`, secret: STORE_SECRET });
  const checkpointer = SqliteSaver.fromConnString(`${path}-checkpoints.db`);
  const errors: unknown[] = [];
  const authbus: Authbus = createAuthbus({
    servers: { repos: { url: demo.repos.url, description: "the user's Octo repositories" } },
    stores,
    baseUrl: BASE_URL,
    onError: (error) => errors.push(error),
  });
  const agent = createAgent({
    model: new ScriptedModel({ list_repositories: "repos" }),
    tools: [],
    checkpointer,
    middleware: [authbus.middleware()],
  });
  await authbus.attach(agent);
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  const app = {
    demo,
    authbus,
    errors,
    ask: (threadId: string, subject: string, session: string) =>
      agent.invoke(
        { messages: [new HumanMessage("use list_repositories")] },
        { ...config(threadId), context: { subject, session } },
      ),
    pending: async (threadId: string) => pendingAuthInterrupts(await agent.graph.getState(config(threadId))),
    messages: async (threadId: string) =>
      ((await agent.graph.getState(config(threadId))).values as { messages: { content: unknown }[] })
        .messages,
    async close() {
      await authbus.close();
      stores.close();
      checkpointer.db.close();
    },
  };
  apps.push(app);
  return app;
}

type App = Awaited<ReturnType<typeof openApp>>;

/** Signs `subject` in to `repos` (the OAuth consent, through the launch link and callback) and returns the next card. */
async function connectRepos(app: App, threadId: string, subject: string, session: string) {
  await app.ask(threadId, subject, session);
  const [oauth] = await app.pending(threadId);
  expect(oauth?.value.channel).toBeUndefined();
  const callback = await consentAs(app.authbus, oauth?.value.authorizationUrl ?? "", subject, { session });
  expect((await app.authbus.fetch(new Request(callback), { session })).status).toBe(200);
  await app.authbus.idle();
  const [card] = await app.pending(threadId);
  return card;
}

describe("URL-mode elicitation through createAuthbus", () => {
  it("elicitation/create: the card carries Octo's link; the server's completion resumes the thread by itself", async () => {
    const app = await openApp("request");
    const session = "s-alice";
    const card = await connectRepos(app, "t-1", "alice", session);
    expect(card?.value).toMatchObject({
      channel: "elicitation",
      reason: "url_elicitation",
      serverName: "repos",
      message: expect.stringContaining("Octo"),
    });
    expect(card?.value.authorizationUrl.startsWith(`${app.demo.octo.origin}/authorize?request=`)).toBe(true);
    expect((await app.authbus.stores.waits.findWaits(card?.consentId ?? "")).map((w) => w.threadId)).toEqual([
      "t-1",
    ]);

    // The person opens the link; Octo tells repos, repos tells the client, authbus resumes.
    await fetch(card?.value.authorizationUrl ?? "");
    await expect.poll(async () => (await app.pending("t-1")).length, { timeout: 10_000 }).toBe(0);
    await app.authbus.idle();
    expect(lastText(await app.messages("t-1"))).toContain("authbus");
    expect(app.demo.repos.callCount("list_repositories")).toBe(1);
    expect(await app.authbus.stores.waits.findWaits(card?.consentId ?? "")).toEqual([]);
    expect(app.errors).toEqual([]);
  });

  it("-32042: the person says they are done (finish); the thread resumes and the call is made once more", async () => {
    const app = await openApp("error");
    const session = "s-bob";
    const card = await connectRepos(app, "t-2", "bob", session);
    expect(card?.value.channel).toBe("elicitation");
    // Another session cannot finish it.
    await expect(app.authbus.finish(card?.consentId ?? "", { session: "s-mallory" })).rejects.toThrow();
    expect(await app.pending("t-2")).toHaveLength(1);

    await fetch(card?.value.authorizationUrl ?? "");
    const report = await app.authbus.finish(card?.consentId ?? "", { session });
    expect(report).toMatchObject({ outcome: "granted", threads: ["t-2"] });
    await expect.poll(async () => (await app.pending("t-2")).length, { timeout: 10_000 }).toBe(0);
    await app.authbus.idle();
    expect(lastText(await app.messages("t-2"))).toContain("authbus");
    expect(app.demo.repos.callCount("list_repositories")).toBe(2);
  });

  it("deny: the server's request is declined and the model is told", async () => {
    const app = await openApp("request");
    const session = "s-carol";
    const card = await connectRepos(app, "t-3", "carol", session);
    const report = await app.authbus.deny(card?.consentId ?? "", { session });
    expect(report.outcome).toBe("denied");
    await app.authbus.idle();
    expect(lastText(await app.messages("t-3"))).toMatch(/^sorry: Access to repos was declined/);
    expect(app.demo.octo.isAuthorized("carol")).toBe(false);
  });
});
