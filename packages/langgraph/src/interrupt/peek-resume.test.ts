/**
 * The private LangGraph field this package reads (`__pregel_scratchpad`, see the README, "Private
 * LangGraph fields"), against a real graph: if a LangGraph upgrade changes it, this fails.
 */
import { Annotation, Command, END, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { currentTaskKey, type PeekedResume, peekResume, unreadResumes } from "./peek-resume.js";

const UPGRADED =
  "LangGraph's task scratchpad (__pregel_scratchpad) is not what src/interrupt/peek-resume.ts reads: " +
  "a LangGraph upgrade changed it; update peek-resume.ts (README: Private LangGraph fields)";

interface Seen {
  task: boolean;
  before: PeekedResume;
  unread: unknown[];
  between?: PeekedResume;
}

function twoQuestionGraph(seen: Seen[]) {
  const State = Annotation.Root({ answers: Annotation<string[]>() });
  return new StateGraph(State)
    .addNode("ask", () => {
      const entry: Seen = {
        task: currentTaskKey() !== undefined,
        before: peekResume(),
        unread: unreadResumes(),
      };
      seen.push(entry);
      const first = interrupt("first?");
      entry.between = peekResume();
      const second = interrupt("second?");
      return { answers: [String(first), String(second)] };
    })
    .addEdge(START, "ask")
    .addEdge("ask", END)
    .compile({ checkpointer: new MemorySaver() });
}

describe("peekResume over LangGraph's task scratchpad", () => {
  it("sees, before each interrupt(), whether it will return an answer (Command({ resume }) values)", async () => {
    const seen: Seen[] = [];
    const graph = twoQuestionGraph(seen);
    const config = { configurable: { thread_id: "plain" } };
    await graph.invoke({ answers: [] }, config);
    await graph.invoke(new Command({ resume: "one" }), config);
    const done = await graph.invoke(new Command({ resume: "two" }), config);

    expect(done.answers).toEqual(["one", "two"]);
    expect(
      seen.map((entry) => entry.task),
      UPGRADED,
    ).toEqual([true, true, true]);
    expect(seen[0], UPGRADED).toEqual({ task: true, before: { kind: "unanswered" }, unread: [] });
    expect(seen[1], UPGRADED).toEqual({
      task: true,
      before: { kind: "answered", value: "one" },
      unread: ["one"],
      between: { kind: "unanswered" },
    });
    expect(seen[2], UPGRADED).toEqual({
      task: true,
      before: { kind: "answered", value: "one" },
      unread: ["one", "two"],
      between: { kind: "answered", value: "two" },
    });
  });

  it("sees answers given by interrupt id (as resumeConsent gives them)", async () => {
    const seen: Seen[] = [];
    const graph = twoQuestionGraph(seen);
    const config = { configurable: { thread_id: "by-id" } };
    await graph.invoke({ answers: [] }, config);
    const [pending] = (await graph.getState(config)).tasks.flatMap((task) => task.interrupts);
    expect(pending?.id).toBeTypeOf("string");
    await graph.invoke(new Command({ resume: { [pending?.id ?? ""]: "by id" } }), config);

    expect(seen[1], UPGRADED).toEqual({
      task: true,
      before: { kind: "answered", value: "by id" },
      unread: ["by id"],
      between: { kind: "unanswered" },
    });
  });

  it("answers as outside a task when there is no graph", () => {
    expect(currentTaskKey()).toBeUndefined();
    expect(peekResume()).toEqual({ kind: "unknown" });
    expect(unreadResumes()).toEqual([]);
  });
});
