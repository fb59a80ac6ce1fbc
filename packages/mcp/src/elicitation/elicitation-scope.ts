/**
 * @module The tool call a server's URL elicitation belongs to, carried with AsyncLocalStorage:
 * the server asks inside the call (its `elicitation/create` arrives on the call's response
 * stream), so the code that made the call is the one that can ask the person.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ElicitationAction, UrlElicitationRequest } from "./url-elicitation.js";

/** The client's answer to an `elicitation/create`, and the consent it was asked under, if any. */
export interface ElicitationAnswer {
  action: ElicitationAction;
  consentId?: string | undefined;
}

/** What the code making a tool call is told about the URL elicitations of that call. */
export interface ElicitationScope {
  /**
   * The server sent `elicitation/create` (URL mode) during the call. Resolves with the answer
   * to send back (the server's tool waits for it); `signal` aborts when the server gives up.
   */
  request(elicitation: UrlElicitationRequest, signal: AbortSignal): Promise<ElicitationAnswer>;
  /** The call was refused with -32042 (URL elicitation required), listing these elicitations. */
  required(elicitations: UrlElicitationRequest[]): void;
}

const scopes = new AsyncLocalStorage<ElicitationScope>();

/**
 * Runs `fn` (a tool call) with `scope` as the receiver of the URL elicitations the call causes.
 *
 * @example
 * const result = await runWithElicitationScope(scope, () => tool.invoke(toolCall));
 */
export function runWithElicitationScope<T>(scope: ElicitationScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The scope of the nearest enclosing {@link runWithElicitationScope}, or `undefined`. */
export function currentElicitationScope(): ElicitationScope | undefined {
  return scopes.getStore();
}

/**
 * Runs `fn` outside any elicitation scope: for work that outlives the call, such as a request
 * that may open a pooled connection (a socket keeps the async context it was opened in).
 */
export function outsideElicitationScope<T>(fn: () => T): T {
  return scopes.exit(fn);
}
