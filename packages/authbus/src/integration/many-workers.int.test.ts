/**
 * Two workers on one Postgres database (stores, PostgresSaver checkpoints, the bus bridged over
 * LISTEN/NOTIFY), each with its own pool, authbus and agent, as two processes would have: a thread
 * paused on worker A is resumed exactly once when the callback lands on worker B, or on both.
 */
import { randomBytes } from "node:crypto";
import { bridgeAuthBus, createAuthBus } from "@authbus/core";
import { pendingAuthInterrupts } from "@authbus/langgraph";
import { createPostgresBusTransport, openPostgresStores, type PostgresStores } from "@authbus/oauth/postgres";
import { HumanMessage } from "@langchain/core/messages";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { createAgent } from "langchain";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthbus } from "../create-authbus.js";
import {
  BASE_URL,
  consentAs,
  type MailServers,
  STORE_SECRET,
  startMailServers,
} from "../testing/mail-world.test-helpers.js";
import { lastText, ScriptedModel } from "../testing/scripted-model.test-helpers.js";

const adminUrl = process.env.AUTHBUS_TEST_DATABASE_URL;
const ci = process.env.CI === "true" || process.env.CI === "1";
if (!adminUrl && !ci) console.warn("skipping the many-workers tests: AUTHBUS_TEST_DATABASE_URL is not set");

async function openWorker(databaseUrl: string, mailUrl: string) {
  const stores: PostgresStores = await openPostgresStores({
    connectionString: databaseUrl,
    secret: STORE_SECRET,
  });
  const checkpointer = new PostgresSaver(stores.pool);
  await checkpointer.setup();
  const bus = createAuthBus();
  const bridge = await bridgeAuthBus({ bus, transport: createPostgresBusTransport({ pool: stores.pool }) });
  const errors: unknown[] = [];
  const authbus = createAuthbus({
    servers: { mail: { url: mailUrl, description: "the user's mail" } },
    stores,
    bus,
    baseUrl: BASE_URL,
    onError: (error) => errors.push(error),
  });
  const agent = createAgent({
    model: new ScriptedModel({ whoami: "mail", read_inbox: "mail", send_email: "mail" }),
    tools: [],
    checkpointer,
    middleware: [authbus.middleware()],
  });
  await authbus.attach(agent);
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  return {
    stores,
    authbus,
    errors,
    ask: (threadId: string, subject: string, text: string, session: string) =>
      agent.invoke(
        { messages: [new HumanMessage(text)] },
        { ...config(threadId), context: { subject, session } },
      ),
    pending: async (threadId: string) => pendingAuthInterrupts(await agent.graph.getState(config(threadId))),
    messages: async (threadId: string) =>
      ((await agent.graph.getState(config(threadId))).values as { messages: { content: unknown }[] })
        .messages,
    async close() {
      await authbus.close();
      await bridge.close();
      await stores.close();
    },
  };
}

describe.skipIf(!adminUrl && !ci)("createAuthbus on two workers sharing Postgres", () => {
  let servers: MailServers;
  let admin: pg.Client;
  const name = `authbus_workers_${randomBytes(5).toString("hex")}`;
  let workers: Awaited<ReturnType<typeof openWorker>>[] = [];

  beforeAll(async () => {
    if (!adminUrl) throw new Error("AUTHBUS_TEST_DATABASE_URL is not set (CI starts Postgres in .ci/run)");
    servers = await startMailServers();
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    // Started one after the other: PostgresSaver.setup() is not safe to run twice at once.
    for (let index = 0; index < 2; index += 1) workers.push(await openWorker(url.href, servers.mail.url));
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    workers = [];
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
    await servers?.close();
  });

  it("a callback landing on the other worker, and on both, resumes the thread paused on A exactly once", async () => {
    const [a, b] = workers as [
      Awaited<ReturnType<typeof openWorker>>,
      Awaited<ReturnType<typeof openWorker>>,
    ];
    const session = "session-alice-workers";
    await a.ask("w-1", "alice", "use send_email", session);
    const [card] = await a.pending("w-1");
    expect(card?.consentId).toBeDefined();
    const consentId = card?.consentId ?? "";
    // Worker B sees the thread and its wait: checkpoints and waits are shared.
    expect(await b.pending("w-1")).toHaveLength(1);

    const callback = await consentAs(b.authbus, card?.value.authorizationUrl ?? "", "alice", { session });
    const answers = await Promise.all([
      b.authbus.fetch(new Request(callback), { session }),
      a.authbus.fetch(new Request(callback), { session }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    // Both workers try to resume too (a bridged event, a retried request): one run happens.
    await Promise.all([a.authbus.resume(consentId), b.authbus.resume(consentId)]);
    await Promise.all([a.authbus.idle(), b.authbus.idle()]);

    expect(servers.mail.callCount("send_email")).toBe(1);
    expect(lastText(await a.messages("w-1"))).toBe("done: sent for alice");
    expect(await a.pending("w-1")).toEqual([]);
    expect(await a.stores.waits.findWaits(consentId)).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
