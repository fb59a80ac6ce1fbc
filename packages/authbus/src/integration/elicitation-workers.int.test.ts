/**
 * A tool call held open on worker A across a URL elicitation, replayed on worker B: two
 * `createAuthbus` instances in this process as two workers (one SQLite file for the stores and
 * leases, one for checkpoints, distinct runner ids, each its own bus and MCP sessions). The person
 * says "done" on a page B serves, so B resumes the thread; its replay of the call waits for A's
 * call, which goes on when the bus event reaches A, and answers with A's result: one execution.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuthEvents, type ConsentWaitStore, createAuthBus, type ToolCallKey } from "@authbus/core";
import { pendingAuthInterrupts } from "@authbus/langgraph";
import { openSqliteStores, type SqliteStores } from "@authbus/oauth/sqlite";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import { HumanMessage, ToolMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthbus } from "../create-authbus.js";
import { BASE_URL, consentAs, STORE_SECRET } from "../testing/mail-world.test-helpers.js";
import { lastText, ScriptedModel } from "../testing/scripted-model.test-helpers.js";

let dir: string;
let demo: DemoServers;
const workers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "authbus-held-call-"));
  demo = await startDemoServers({ reposElicitation: "request" });
});

afterAll(async () => {
  for (const worker of workers) await worker.close();
  await demo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openWorker(name: string) {
  const stores: SqliteStores = openSqliteStores({ path: join(dir, "authbus.db"), secret: STORE_SECRET });
  const checkpointer = SqliteSaver.fromConnString(join(dir, "checkpoints.db"));
  const bus = createAuthBus();
  const errors: unknown[] = [];
  /** The runs this worker's resumer made on a thread, and whether each had anything to do. */
  const runs: Array<{ reason: string; ran: boolean }> = [];
  /** The calls whose journal record this worker read, in order. */
  const reads: ToolCallKey[] = [];
  const waits = new Proxy(stores.waits, {
    get(target, property) {
      if (property === "getCall")
        return (key: ToolCallKey) => {
          reads.push(key);
          return target.getCall(key);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as ConsentWaitStore;
  const authbus = createAuthbus({
    servers: { repos: { url: demo.repos.url, description: "the user's Octo repositories" } },
    stores: { ...stores, waits },
    bus,
    baseUrl: BASE_URL,
    onError: (error) => errors.push(error),
  });
  const agent = createAgent({
    model: new ScriptedModel({ list_repositories: "repos" }),
    tools: [],
    checkpointer,
    middleware: [authbus.middleware()],
  });
  await authbus.attach(agent, {
    async run(run) {
      const input = await run.input();
      runs.push({ reason: run.reason, ran: input !== undefined });
      if (input !== undefined) await agent.graph.invoke(input, { ...run.config, durability: "sync" });
    },
  });
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  const worker = {
    name,
    stores,
    bus,
    authbus,
    errors,
    runs,
    reads,
    ask: (threadId: string, subject: string, session: string) =>
      agent.invoke(
        { messages: [new HumanMessage("use list_repositories")] },
        { ...config(threadId), context: { subject, session } },
      ),
    pending: async (threadId: string) => pendingAuthInterrupts(await agent.graph.getState(config(threadId))),
    messages: async (threadId: string) =>
      ((await agent.graph.getState(config(threadId))).values as { messages: unknown[] }).messages,
    async close() {
      await authbus.close();
      stores.close();
      checkpointer.db.close();
    },
  };
  workers.push(worker);
  return worker;
}

/** Whether another worker holds `name` (taken and handed straight back when free). */
async function isHeld(stores: SqliteStores, name: string): Promise<boolean> {
  const lease = await stores.leases.acquire(name, 1_000);
  if (!lease) return true;
  await lease.release();
  return false;
}

describe("a call held open on one worker, replayed on another", () => {
  it.each([
    ["the bridged event reaches A", "alice", true],
    ["the event is lost: A reads the consent again", "bob", false],
  ])("B waits for A's call and answers with its result, once (%s)", async (_, subject, bridged) => {
    const a = await openWorker("a");
    const b = await openWorker("b");
    const session = `s-${subject}`;
    const threadId = `t-held-${subject}`;

    const callsBefore = demo.repos.callCount("list_repositories");
    // A: the OAuth consent, then the server asks for Octo inside the call: A holds the call.
    await a.ask(threadId, subject, session);
    const [oauth] = await a.pending(threadId);
    const callback = await consentAs(a.authbus, oauth?.value.authorizationUrl ?? "", subject, { session });
    expect((await a.authbus.fetch(new Request(callback), { session })).status).toBe(200);
    await a.authbus.idle();
    const [card] = await b.pending(threadId);
    expect(card?.value.channel).toBe("elicitation");
    const consentId = card?.consentId ?? "";
    const [open] = await a.stores.waits.listOpenCalls();
    expect(open).toMatchObject({ threadId, toolName: "list_repositories", status: "started" });
    expect(open?.runnerId).toBeDefined();

    // The person says "done" on a page B serves: B settles the consent and resumes the thread.
    const completed: AuthEvents["elicitation.completed"][] = [];
    b.bus.on("elicitation.completed", (event) => completed.push(event));
    await b.authbus.finish(consentId, { session });
    await expect.poll(() => isHeld(a.stores, `authbus:thread:${threadId}`), { timeout: 10_000 }).toBe(true);
    // B's replay reads A's open call more than once: it waits for it (or, wrongly, already answered).
    await expect
      .poll(
        async () =>
          b.reads.filter((key) => key.callId === open?.callId).length >= 2 ||
          (await b.pending(threadId)).length === 0,
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(await b.pending(threadId)).toHaveLength(1);
    // The person did connect Octo; then the bridge brings B's event to A, whose held call goes on.
    await fetch(card?.value.authorizationUrl ?? "");
    expect(completed).toHaveLength(1);
    if (bridged) a.bus.emit("elicitation.completed", completed[0] as AuthEvents["elicitation.completed"]);

    await expect.poll(async () => (await b.pending(threadId)).length, { timeout: 20_000 }).toBe(0);
    await Promise.all([a.authbus.idle(), b.authbus.idle()]);

    // B ran the thread; A's resume (the bridged event) found nothing left to do.
    expect(b.runs).toEqual([{ reason: "consent", ran: true }]);
    expect(a.runs).toEqual([
      { reason: "consent", ran: true },
      ...(bridged ? [{ reason: "consent", ran: false }] : []),
    ]);
    const messages = await b.messages(threadId);
    const answers = messages.filter((message) => ToolMessage.isInstance(message));
    expect(answers.at(-1)?.status).not.toBe("error");
    expect(JSON.stringify(answers.at(-1)?.content)).toContain("authbus");
    expect(lastText(messages as { content: unknown }[])).toContain("authbus");
    expect(demo.repos.callCount("list_repositories") - callsBefore).toBe(1);
    expect(await a.stores.waits.listOpenCalls()).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
