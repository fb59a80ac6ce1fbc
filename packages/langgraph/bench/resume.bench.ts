/**
 * @module Benchmark: from `consents.complete()` to the tool's result after `resumeConsent()`,
 * against the same MCP tool call made directly with a valid token.
 *
 * The resumed path is what a person waits for after clicking Approve: the code exchange and
 * token storage in `complete()`, reading the paused thread from `SqliteSaver`, the replay of
 * the tool node, and the call itself. The consent before it (interrupt, headless approval) is
 * set up outside the timed window.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthBus } from "@authbus/core";
import { createMCPClient } from "@authbus/mcp";
import { createConsents } from "@authbus/oauth";
import { openSqliteStores } from "@authbus/oauth/sqlite";
import { approveConsent, startDemoServers } from "@authbus/testkit";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { Bench, type Task } from "tinybench";
import { pendingAuthInterrupts, resumeConsent, withAuthInterrupts } from "../src/index.js";

const SUBJECT = "alice";
const REDIRECT_URI = "http://127.0.0.1:9/callback";

const demo = await startDemoServers();
const dir = mkdtempSync(join(tmpdir(), "authbus-bench-"));
const bus = createAuthBus();
const stores = openSqliteStores({
  path: join(dir, "authbus.db"),
  secret: "bench-secret-0123456789abcdef-0123456789",
});
const consents = createConsents({
  tokens: stores.tokens,
  store: stores.consents,
  registrations: stores.registrations,
  bus,
  client: { redirectUri: REDIRECT_URI },
  // Every round consents again for the same tool; the retry limit (3 by default) is for servers
  // that keep refusing fresh tokens, not for this loop.
  maxConsentsPerOperation: Number.POSITIVE_INFINITY,
});
const key = { subject: SUBJECT, resource: demo.calendar.url };

// A first consent, so the client lists the real tools.
const first = await consents.begin({ subject: SUBJECT, serverName: "calendar", resource: demo.calendar.url });
await consents.complete(await approveConsent(first.authorizationUrl, { user: SUBJECT }));
const client = createMCPClient({
  servers: { calendar: { url: demo.calendar.url } },
  tokens: stores.tokens,
  bus,
  subject: SUBJECT,
});
const tools = await client.getTools();
const listEvents = tools.find((tool) => tool.name === "list_events");
if (!listEvents) throw new Error("list_events is not listed");

const graph = new StateGraph(MessagesAnnotation)
  .addNode(
    "tools",
    new ToolNode(
      withAuthInterrupts(tools, {
        bus,
        consents,
        subject: SUBJECT,
        tokens: stores.tokens,
        serverFor: (name) => client.serverFor(name),
      }),
    ),
  )
  .addConditionalEdges(
    START,
    (state) =>
      ((state.messages.at(-1) as AIMessage).tool_calls ?? []).map(
        (call) => new Send("tools", { ...state, lg_tool_call: call }),
      ),
    ["tools"],
  )
  .addEdge("tools", END)
  .compile({ checkpointer: SqliteSaver.fromConnString(join(dir, "checkpoints.db")) });

let round = 0;
let config = { configurable: { thread_id: "bench-0" } };
let callback = "";
const split = { complete: [] as number[], resume: [] as number[] };

/** Untimed: forget the token, run until the graph pauses, approve headlessly. */
async function pauseAndApprove(): Promise<void> {
  round += 1;
  config = { configurable: { thread_id: `bench-${round}` } };
  await stores.tokens.delete(key);
  const call = { id: `call_${round}`, name: "list_events", args: {}, type: "tool_call" as const };
  await graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: [call] })] }, config);
  const [pending] = pendingAuthInterrupts(await graph.getState(config));
  if (!pending) throw new Error("the graph did not pause for consent");
  callback = await approveConsent(pending.value.authorizationUrl, { user: SUBJECT });
}

async function completeAndResume(): Promise<void> {
  const start = performance.now();
  const result = await consents.complete(callback);
  const completed = performance.now();
  const done = await graph.invoke(
    await resumeConsent(graph, config, result.consentId, result.outcome),
    config,
  );
  split.complete.push(completed - start);
  split.resume.push(performance.now() - completed);
  const message = done.messages.at(-1);
  if (!ToolMessage.isInstance(message) || !String(message.content).includes("Team standup")) {
    throw new Error("the resumed call did not return the events");
  }
}

async function callDirectly(): Promise<void> {
  const output = await listEvents?.invoke({});
  if (!JSON.stringify(output).includes("Team standup"))
    throw new Error("the direct call did not return the events");
}

async function callThroughGraph(): Promise<void> {
  round += 1;
  const thread = { configurable: { thread_id: `graph-${round}` } };
  const call = { id: `call_${round}`, name: "list_events", args: {}, type: "tool_call" as const };
  const done = await graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: [call] })] }, thread);
  if (!String(done.messages.at(-1)?.content).includes("Team standup"))
    throw new Error("the graph call failed");
}

const bench = new Bench({ iterations: 40, time: 0, warmupIterations: 5, warmupTime: 0 });
bench
  .add("direct list_events call (token held)", callDirectly)
  .add("same call through the graph (token held, no consent)", callThroughGraph)
  .add("complete() → resumeConsent() → tool result", completeAndResume, { beforeEach: pauseAndApprove });

await bench.run();
console.table(bench.table());

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const p50 = (task: Task | undefined): number =>
  task?.result.state === "completed" ? task.result.latency.p50 : Number.NaN;
const [direct, throughGraph, resumed] = bench.tasks;
const ratio = p50(resumed) / p50(direct);
console.log(
  `median: direct ${p50(direct).toFixed(2)} ms, complete→result ${p50(resumed).toFixed(2)} ms ` +
    `(complete() ${median(split.complete).toFixed(2)} ms + resume→result ${median(split.resume).toFixed(2)} ms); ` +
    `ratio ${ratio.toFixed(2)}×; through the graph without consent ${p50(throughGraph).toFixed(2)} ms`,
);

await client.close();
consents.close();
stores.close();
await demo.close();
rmSync(dir, { recursive: true, force: true });
