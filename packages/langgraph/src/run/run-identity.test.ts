/** Whose a run is, and which graph task, from LangGraph's public config (`context`, `configurable`, `executionInfo`). */
import { Annotation, Command, END, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { type RunIdentity, readRunIdentity } from "./run-identity.js";

describe("readRunIdentity", () => {
  it("reads the task id from LangGraph's public executionInfo, the same on the replay after a resume", async () => {
    const seen: RunIdentity[] = [];
    const State = Annotation.Root({ done: Annotation<boolean>() });
    const graph = new StateGraph(State)
      .addNode("work", async (_state, config) => {
        seen.push(await readRunIdentity(config), await readRunIdentity(undefined, "bob"));
        interrupt("wait");
        return { done: true };
      })
      .addEdge(START, "work")
      .addEdge("work", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "t-1", subject: "alice" } };
    await graph.invoke({ done: false }, config);
    const [task] = (await graph.getState(config)).tasks;
    await graph.invoke(new Command({ resume: "go" }), config);

    expect(task?.id).toMatch(/.+/);
    expect(seen.map((identity) => identity.taskId)).toEqual(Array(4).fill(task?.id));
    expect(seen[0]).toMatchObject({ subject: "alice", threadId: "t-1" });
    expect(seen[1]).toMatchObject({ subject: "bob", threadId: "t-1" });
  });

  it("has no task id outside a graph", async () => {
    expect(await readRunIdentity({ context: { subject: "carol" } })).toMatchObject({
      subject: "carol",
      taskId: "",
    });
  });
});
