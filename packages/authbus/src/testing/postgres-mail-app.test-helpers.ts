/**
 * @module One worker's mail app on a shared Postgres database: Postgres stores, `PostgresSaver`
 * checkpoints, the bus bridged over LISTEN/NOTIFY, `createAuthbus` and one agent for every user.
 */
import { bridgeAuthBus, type ConsentWaitStore, createAuthBus } from "@authbus/core";
import { pendingAuthInterrupts } from "@authbus/langgraph";
import type { HttpOptions } from "@authbus/oauth";
import { createPostgresBusTransport, openPostgresStores } from "@authbus/oauth/postgres";
import { HumanMessage } from "@langchain/core/messages";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { createAgent } from "langchain";
import { type CreateAuthbusOptions, createAuthbus } from "../create-authbus.js";
import { BASE_URL, STORE_SECRET } from "./mail-world.test-helpers.js";
import { ScriptedModel } from "./scripted-model.test-helpers.js";

export interface PostgresMailAppOptions {
  databaseUrl: string;
  mailUrl: string;
  recovery?: CreateAuthbusOptions["recovery"];
  http?: HttpOptions;
  /** Wraps the wait store authbus gets (a test hook of the worker script, never of the library). */
  wrapWaits?: (waits: ConsentWaitStore) => ConsentWaitStore;
}

/** Opens the stores (migrating them), checkpoints (set up: open apps one after the other), bridge and agent. */
export async function openPostgresMailApp(options: PostgresMailAppOptions) {
  const stores = await openPostgresStores({
    connectionString: options.databaseUrl,
    secret: STORE_SECRET,
    max: 5,
  });
  const checkpointer = new PostgresSaver(stores.pool);
  await checkpointer.setup();
  const bus = createAuthBus();
  const bridge = await bridgeAuthBus({ bus, transport: createPostgresBusTransport({ pool: stores.pool }) });
  const errors: unknown[] = [];
  const authbus = createAuthbus({
    servers: { mail: { url: options.mailUrl, description: "the user's mail" } },
    stores: options.wrapWaits ? { ...stores, waits: options.wrapWaits(stores.waits) } : stores,
    bus,
    baseUrl: BASE_URL,
    onError: (error) => errors.push(error),
    ...(options.recovery ? { recovery: options.recovery } : {}),
    ...(options.http ? { http: options.http } : {}),
  });
  const agent = createAgent({
    model: new ScriptedModel({ whoami: "mail", read_inbox: "mail", send_email: "mail" }),
    tools: [],
    checkpointer,
    middleware: [authbus.middleware()],
  });
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  return {
    stores,
    authbus,
    agent,
    errors,
    /** Sends a user message on a thread as `subject` in `session`; resolves when the run ends or pauses. */
    ask: (threadId: string, subject: string, text: string, session: string) =>
      agent.invoke(
        { messages: [new HumanMessage(text)] },
        { ...config(threadId), context: { subject, session } },
      ),
    pending: async (threadId: string) => pendingAuthInterrupts(await agent.graph.getState(config(threadId))),
    messages: async (threadId: string) =>
      ((await agent.graph.getState(config(threadId))).values as { messages?: { content: unknown }[] })
        .messages ?? [],
    async close() {
      await authbus.close();
      await bridge.close();
      await stores.close();
    },
  };
}

export type PostgresMailApp = Awaited<ReturnType<typeof openPostgresMailApp>>;
