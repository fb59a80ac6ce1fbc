/** The runner tells the page what changed, and reads a thread's state only when a consent may be pending. */
import type { AuthInterrupt, ConsentWait } from "@authbus/core";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { type ChatGraph, ThreadRunner, type ThreadUpdate } from "./thread-runner.js";

const card: AuthInterrupt = {
  type: "authbus/consent_required",
  consentId: "consent-1",
  serverName: "calendar",
  resource: "https://calendar.example/mcp",
  authorizationUrl: "https://chat.example/consents/consent-1/authorize",
  scopes: ["calendar.read"],
  reason: "missing_token",
  expiresAt: 1_900_000_000_000,
};

/** A graph whose runs stream the states `script` makes from the saved messages and the input. */
class FakeGraph implements ChatGraph {
  reads = 0;
  messages: BaseMessage[] = [
    new HumanMessage({ content: "hi", id: "h0" }),
    new AIMessage({ content: "hello", id: "a0" }),
  ];
  pending: AuthInterrupt[] = [];
  script: (saved: BaseMessage[], input: BaseMessage[]) => unknown[] = () => [];

  async stream(input: unknown) {
    const states = this.script(this.messages, (input as { messages?: BaseMessage[] }).messages ?? []);
    return (async function* () {
      yield* states;
    })();
  }

  async getState() {
    this.reads += 1;
    return {
      values: { messages: this.messages },
      tasks: this.pending.map((value, index) => ({ interrupts: [{ id: `i${index}`, value }] })),
    };
  }
}

function setUp(waits: ConsentWait[] = []) {
  const graph = new FakeGraph();
  const runner = new ThreadRunner(graph, { waits: { listWaits: async () => waits } });
  const updates: ThreadUpdate[] = [];
  runner.subscribe("t1", (update) => updates.push(update));
  return { graph, runner, updates };
}

const context = { subject: "ann" };

describe("ThreadRunner", () => {
  it("sends a message's new messages only, and reads no state when no consent waits", async () => {
    const { graph, runner, updates } = setUp();
    graph.script = (saved, [human]) => {
      const withInput = [...saved, human as BaseMessage];
      return [
        { messages: withInput },
        { messages: [...withInput, new AIMessage({ content: "done", id: "a1" })] },
      ];
    };
    await runner.send("t1", "what's on?", context);
    await runner.idle();
    expect(graph.reads).toBe(0);
    expect(updates).toEqual([
      { kind: "patch", patch: { running: true, error: null } },
      { kind: "patch", patch: { messages: [{ id: expect.any(String), role: "user", text: "what's on?" }] } },
      { kind: "patch", patch: { messages: [{ id: "a1", role: "assistant", text: "done" }] } },
      { kind: "patch", patch: { running: false, pending: [] } },
    ]);
  });

  it("reads the state of a thread with a wait, and refuses a message while its consent is pending", async () => {
    const { graph, runner, updates } = setUp([
      { consentId: "consent-1", threadId: "t1", subject: "ann", createdAt: 1 },
    ]);
    graph.pending = [card];
    await expect(runner.send("t1", "and now?", context)).rejects.toThrow("Authorize or Deny");
    expect(graph.reads).toBe(1);
    expect(updates).toEqual([]);
  });

  it("reads the state once when a run pauses on a consent, for the cards", async () => {
    const { graph, runner, updates } = setUp();
    graph.script = (saved, [human]) => [
      { messages: [...saved, human as BaseMessage] },
      { __interrupt__: [{ id: "i0", value: card }] },
    ];
    await runner.send("t1", "what's on?", context);
    graph.pending = [card];
    await runner.idle();
    expect(graph.reads).toBe(1);
    expect(updates.at(-1)).toEqual({ kind: "patch", patch: { running: false, pending: [card] } });
  });

  it("sends the whole view when messages went away", async () => {
    const { graph, runner, updates } = setUp();
    graph.script = (_saved, [human]) => [{ messages: [human as BaseMessage] }, { messages: [] }];
    await runner.send("t1", "start over", context);
    await runner.idle();
    expect(updates.find((update) => update.kind === "view")).toEqual({
      kind: "view",
      view: { threadId: "t1", running: true, messages: [], pending: [] },
    });
  });
});
