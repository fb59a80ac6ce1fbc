/** @module The stand-in `connect_<server>` tool offered for a server that asked for authorization. */
import { DynamicStructuredTool } from "@langchain/core/tools";
import { z } from "zod";
import { toolCallIdOf } from "../call-context/call-id.js";

/** A tool the server offered at its last connection, remembered for the stand-in's description. */
export interface RememberedTool {
  name: string;
  description: string;
}

/**
 * Keeps each server's last tool list beyond the process, so a `connect_<server>` stand-in
 * shown after a restart still says what the server offers. Tool names and descriptions only.
 */
export interface ToolCatalog {
  load(serverName: string): Promise<readonly RememberedTool[] | undefined>;
  save(serverName: string, tools: readonly RememberedTool[]): Promise<void>;
}

const TOOL_NAME_LIMIT = 64;

/**
 * The stand-in tool's name for a server: `connect_` and the server name with every character
 * outside `[A-Za-z0-9_-]` replaced by `_` (the tool-name alphabet model APIs accept), at most 64.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/create (function names: `^[a-zA-Z0-9_-]{1,64}$`)
 * @example
 * connectToolName("github.com"); // "connect_github_com"
 */
export function connectToolName(serverName: string): string {
  return `connect_${serverName.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, TOOL_NAME_LIMIT);
}

function firstSentence(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, " ");
  const end = trimmed.search(/[.!?](\s|$)/);
  const sentence = end === -1 ? trimmed : trimmed.slice(0, end);
  return sentence.length > 120 ? `${sentence.slice(0, 117)}...` : sentence;
}

/** Describes what the server offers, from its configured description or its remembered tools. */
export function describeConnectTool(
  serverName: string,
  description: string | undefined,
  remembered: readonly RememberedTool[] | undefined,
): string {
  let offers = "its tools are listed once it is connected";
  if (description !== undefined && description.trim() !== "") offers = description.trim();
  else if (remembered && remembered.length > 0) {
    const listed = remembered
      .slice(0, 20)
      .map((tool) => (tool.description ? `${tool.name} (${firstSentence(tool.description)})` : tool.name));
    const more = remembered.length > 20 ? `, and ${remembered.length - 20} more` : "";
    offers = `it offers the tools ${listed.join(", ")}${more}`;
  }
  return (
    `Connect to the "${serverName}" MCP server: ${offers}. ` +
    "The user has not authorized access to it yet (or the authorization ended); call this tool to ask " +
    "them to. Once authorized, the server's own tools take this tool's place."
  );
}

/**
 * Creates the stand-in tool. `connect` tries to connect the server and resolves with the names of
 * its tools, or rejects with its `AuthChallengeError`.
 */
export function createConnectTool(
  serverName: string,
  description: string,
  connect: (callId: string | undefined) => Promise<string[]>,
): DynamicStructuredTool {
  return new DynamicStructuredTool({
    name: connectToolName(serverName),
    description,
    schema: z.object({}),
    metadata: { authbus: { serverName, connectTool: true } },
    func: async (_args, _runManager, config) => {
      const names = await connect(toolCallIdOf(config));
      return `Connected to the "${serverName}" MCP server. Its tools are now available: ${names.join(", ") || "(none)"}.`;
    },
  });
}
