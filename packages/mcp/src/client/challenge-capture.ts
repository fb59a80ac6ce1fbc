/** @module Recovers the AuthChallengeError of an operation when an SDK layer wrapped or dropped it. */
import { AsyncLocalStorage } from "node:async_hooks";
import { type AuthChallengeError, isAuthbusError } from "@authbus/core";

interface CaptureScope {
  challenge?: AuthChallengeError;
  /** Set when the operation settled: timers it left behind still see this scope, but it no longer listens. */
  settled?: boolean;
}

const scopes = new AsyncLocalStorage<CaptureScope>();

/**
 * Remembers `error` in the enclosing {@link withChallengeCapture} (an `authFetch` hook). Returns
 * false when no operation is waiting for it: the request was background work of a transport,
 * such as an SSE stream reconnecting.
 */
export function recordChallenge(error: AuthChallengeError): boolean {
  const scope = scopes.getStore();
  if (!scope || scope.settled) return false;
  scope.challenge = error;
  return true;
}

/** The first {@link AuthChallengeError} on `error`'s `cause` chain, if any. */
export function findChallenge(error: unknown): AuthChallengeError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (isAuthbusError(current, "AUTH_CHALLENGE")) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs `fn`; when it fails and an {@link AuthChallengeError} was behind the failure, rejects with
 * that error instead. The MCP SDK passes a fetch rejection through intact, but the SSE
 * transport's EventSource turns it into a message string, and `@langchain/mcp-adapters` wraps
 * tool call failures into a `ToolException` without the cause: both are recovered here.
 */
export async function withChallengeCapture<T>(fn: () => Promise<T>): Promise<T> {
  const scope: CaptureScope = {};
  try {
    return await scopes.run(scope, fn);
  } catch (error) {
    throw findChallenge(error) ?? scope.challenge ?? error;
  } finally {
    scope.settled = true;
  }
}
