/** @module Resumed runs start in a fresh async context, never in the context of a run that is over. */
import { AsyncResource } from "node:async_hooks";

// Bound at module load: outside any graph run or tool call.
const atLoad = AsyncResource.bind(<T>(fn: () => T): T => fn());

/**
 * Runs `fn` in the async context this module was loaded in. What triggers a resume — a CIBA or
 * device poll, an expiry timer, an elicitation's completion notification — was often set up
 * inside a tool call, and timers and streams keep that run's AsyncLocalStorage context (LangGraph's
 * config); `graph.invoke()` there would be taken for a nested call of the finished run.
 */
export function outsideRuns<T>(fn: () => T): T {
  return atLoad(fn);
}
