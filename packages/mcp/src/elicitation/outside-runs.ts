/**
 * @module Runs code outside the async context of whatever run is current: a stream a graph run
 * opened, or a timer a tool call set, keeps that run's AsyncLocalStorage context (LangGraph's
 * config, the call id) for as long as it lives.
 */
import { AsyncResource } from "node:async_hooks";

// Bound when this module is loaded, which is not inside a tool call or a graph run.
const outside = AsyncResource.bind(<T>(fn: () => T): T => fn());

/**
 * Runs `fn` in the context this module was loaded in. Bus events that make an app resume a
 * graph (an elicitation completed or expired) are emitted through it: `graph.invoke()` inside
 * a stale run's context would be taken for a nested call of that run.
 */
export function runOutsideRuns<T>(fn: () => T): T {
  return outside(fn);
}
