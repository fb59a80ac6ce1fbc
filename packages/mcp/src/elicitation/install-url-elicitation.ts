/**
 * @module Makes an MCP SDK `Client` take part in URL-mode elicitation: it declares the
 * capability, hands `elicitation/create` to the tool call that caused it, reports -32042 errors
 * with their elicitations, and passes `notifications/elicitation/complete` on.
 */
import type { AuthBus } from "@authbus/core";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  ElicitationCompleteNotificationSchema,
  ElicitRequestSchema,
  ErrorCode,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import {
  currentElicitationScope,
  type ElicitationAnswer,
  type ElicitationScope,
} from "./elicitation-scope.js";
import { runOutsideRuns } from "./outside-runs.js";
import { readUrlElicitation, readUrlElicitationRequired } from "./url-elicitation.js";

/** Told when a server reports a URL elicitation complete; `createUrlElicitations()` is one. */
export interface UrlElicitationListener {
  completed(input: {
    subject: string;
    serverName: string;
    resource: string;
    elicitationId: string;
  }): Promise<unknown>;
}

/** Options of {@link installUrlElicitation}. */
export interface InstallUrlElicitationOptions {
  serverName: string;
  resource: string;
  subject: string;
  bus: AuthBus;
  listener: UrlElicitationListener;
}

/**
 * Prepares `client` (before `connect`) for URL-mode elicitation (MCP 2025-11-25):
 *
 * - declares `capabilities.elicitation.url` (form mode is not declared, so the SDK refuses it);
 * - answers `elicitation/create` with what the tool call waiting on it decides (see
 *   {@link runWithElicitationScope}); a URL that is not http(s) is declined unseen, and with no
 *   call to ask (none in flight, or calls made outside a scope) the answer is `cancel`;
 * - tells the call's scope about a -32042 error and its elicitations before the error goes on
 *   (`@langchain/mcp-adapters` turns it into text);
 * - hands `notifications/elicitation/complete` to `listener` with the server it came from, so a
 *   server can only complete its own elicitations.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 */
export function installUrlElicitation(client: Client, options: InstallUrlElicitationOptions): void {
  const { serverName, resource, subject, bus } = options;
  const where = { serverName, resource, subject };
  // Calls in flight with a scope: a transport that loses the async context (the legacy SSE
  // transport reads every message on one stream) still finds the call when it is the only one.
  const inFlight = new Set<ElicitationScope>();

  client.registerCapabilities({ elicitation: { url: {} } });

  client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    if (request.params.mode !== "url") {
      throw new McpError(ErrorCode.InvalidParams, "this client supports URL-mode elicitation only");
    }
    const elicitationId = String(request.params.elicitationId);
    const elicitation = readUrlElicitation(request.params);
    const only = inFlight.size === 1 ? [...inFlight][0] : undefined;
    const scope = currentElicitationScope() ?? only;
    let answer: ElicitationAnswer = { action: elicitation ? "cancel" : "decline" };
    if (elicitation && scope) answer = await scope.request({ ...elicitation, ...where }, extra.signal);
    bus.emit("elicitation.answered", {
      ...where,
      ...(answer.consentId === undefined ? {} : { consentId: answer.consentId }),
      elicitationId,
      action: answer.action,
    });
    return { action: answer.action };
  });

  // It arrives on a stream some run opened: told outside that run's context.
  client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) =>
    runOutsideRuns(() =>
      options.listener
        .completed({ ...where, elicitationId: notification.params.elicitationId })
        .then(() => undefined)
        .catch(() => undefined),
    ),
  );

  const callTool = client.callTool.bind(client);
  client.callTool = async (...args: Parameters<Client["callTool"]>) => {
    const scope = currentElicitationScope();
    if (scope) inFlight.add(scope);
    try {
      return await callTool(...args);
    } catch (error) {
      const elicitations = readUrlElicitationRequired(error);
      if (elicitations && scope) scope.required(elicitations.map((item) => ({ ...item, ...where })));
      throw error;
    } finally {
      if (scope) inFlight.delete(scope);
    }
  };
}
