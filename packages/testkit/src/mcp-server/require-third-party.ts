/**
 * @module A tool that works only once the person authorized its server at a third-party site,
 * asking for it with MCP URL-mode elicitation: `elicitation/create` during the call, or the
 * -32042 "URL elicitation required" error.
 */
import { UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import type { ThirdPartySite } from "../third-party/start-third-party-site.js";
import type { ProtectedToolSpec, ToolCallContext } from "./start-protected-mcp-server.js";

/** Options of {@link requireThirdParty}. */
export interface RequireThirdPartyOptions {
  /**
   * `"request"`: send `elicitation/create` (`mode: "url"`) and wait for the answer, then for the
   * authorization; `"error"`: refuse the call with -32042 listing the elicitation (the client
   * retries once the person is done).
   */
  mode: "request" | "error";
  /** What the person is told. Default: "Connect your <site> account so <server> can …". */
  message?: string;
  /**
   * `"request"` mode: how long to wait for the authorization after the client answered
   * `accept` (the person may say they are done before the site has told the server). Default 5 s.
   */
  settleMs?: number;
}

type ToolHandler = NonNullable<ProtectedToolSpec["handler"]>;

function toolError(text: string) {
  return { content: [{ type: "text" as const, text }], isError: true };
}

/**
 * Wraps a tool handler so it runs only for subjects who authorized the server at `site`. For
 * anyone else the tool asks for it (MCP 2025-11-25 URL-mode elicitation), with the site's link,
 * and sends `notifications/elicitation/complete` when the person has opened it. A client that
 * did not declare `elicitation.url` gets an error result naming the link.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 * @example
 * await using octo = await startThirdPartySite({ name: "Octo" });
 * await using repos = await startProtectedMCPServer({
 *   name: "repos", authServer: as,
 *   tools: [{ name: "list_repositories", scopes: ["repos.read"],
 *     handler: requireThirdParty(octo, { mode: "request" }, () => ({ repositories: [] })) }],
 * });
 */
export function requireThirdParty(
  site: ThirdPartySite,
  options: RequireThirdPartyOptions,
  handler: ToolHandler = () => undefined,
): ToolHandler {
  return async (args: Record<string, unknown>, context: ToolCallContext) => {
    if (site.isAuthorized(context.subject)) return handler(args, context);
    const elicitation = context.elicitation;
    const request = site.request(context.subject, () => elicitation?.complete(request.elicitationId));
    const message =
      options.message ?? `Connect your ${site.name} account so ${context.server} can act for you there.`;
    const asked = { elicitationId: request.elicitationId, url: request.url, message };
    if (!elicitation?.supported) {
      return toolError(`${message} Open ${request.url} and then try again.`);
    }
    if (options.mode === "error") {
      throw new UrlElicitationRequiredError([{ mode: "url", ...asked }]);
    }
    const action = await elicitation.request(asked);
    if (action !== "accept") return toolError(`The person did not connect ${site.name} (${action}).`);
    if (!(await site.waitForAuthorization(context.subject, options.settleMs ?? 5_000))) {
      return toolError(`${site.name} has not been connected yet.`);
    }
    return handler(args, context);
  };
}
