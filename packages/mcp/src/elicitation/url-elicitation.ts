/** @module What an MCP server's URL-mode elicitation says, checked before it reaches a person. */
import { z } from "zod";

/** The JSON-RPC error code of "URL elicitation required" (MCP 2025-11-25). */
export const URL_ELICITATION_REQUIRED = -32042;

/**
 * One URL-mode elicitation, as `elicitation/create` (`mode: "url"`) or the `elicitations` of a
 * -32042 error carry it: the server's id, the URL the person should open, and why.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#url-mode-elicitation-requests
 */
export const urlElicitationSchema = z.object({
  elicitationId: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  message: z.string(),
});

export type UrlElicitation = z.infer<typeof urlElicitationSchema>;

/** How a client answers `elicitation/create`: the person agreed, said no, or did not choose. */
export const elicitationActionSchema = z.enum(["accept", "decline", "cancel"]);

export type ElicitationAction = z.infer<typeof elicitationActionSchema>;

/** A URL elicitation and the server (of one subject's client) that asked for it. */
export interface UrlElicitationRequest extends UrlElicitation {
  serverName: string;
  resource: string;
  subject: string;
}

/**
 * Reads one URL elicitation; `undefined` for anything else (form mode, a URL that is not
 * http(s), missing fields), which a client must not show.
 */
export function readUrlElicitation(value: unknown): UrlElicitation | undefined {
  if ((value as { mode?: unknown } | null)?.mode !== "url") return undefined;
  const parsed = urlElicitationSchema.safeParse(value);
  return parsed.success
    ? { elicitationId: parsed.data.elicitationId, url: parsed.data.url, message: parsed.data.message }
    : undefined;
}

/**
 * The URL elicitations of a -32042 error (an `McpError` or `UrlElicitationRequiredError` of the
 * MCP SDK, recognised by `code`, not `instanceof`), or `undefined` for any other error.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#error-handling
 */
export function readUrlElicitationRequired(error: unknown): UrlElicitation[] | undefined {
  if ((error as { code?: unknown } | null)?.code !== URL_ELICITATION_REQUIRED) return undefined;
  const listed = (error as { data?: { elicitations?: unknown } }).data?.elicitations;
  if (!Array.isArray(listed)) return undefined;
  const elicitations = listed.flatMap((item) => readUrlElicitation(item) ?? []);
  return elicitations.length > 0 ? elicitations : undefined;
}
