/** @module A `createMCPClient` stand-in over in-memory protected tools: servers refuse to list tools without a token. */
import { AuthChallengeError, type MemoryTokenStore } from "@authbus/core";
import { type StructuredToolInterface, tool } from "@langchain/core/tools";
import { z } from "zod";
import type { AuthToolClient } from "../client/client-tool-caller.js";
import { SUBJECT } from "./fake-auth.test-helpers.js";

export interface FakeServer {
  name: string;
  url: string;
  tools: StructuredToolInterface[];
}

export function createFakeClient(
  servers: FakeServer[],
  tokens: MemoryTokenStore,
): AuthToolClient & { listed: number } {
  const client = {
    listed: 0,
    async getTools() {
      client.listed += 1;
      const all: StructuredToolInterface[] = [];
      for (const server of servers) {
        if (await tokens.get({ subject: SUBJECT, resource: server.url })) {
          all.push(...server.tools);
          continue;
        }
        all.push(
          tool(
            async () => {
              throw new AuthChallengeError({
                status: 401,
                url: server.url,
                serverName: server.name,
                headers: new Headers({ "www-authenticate": 'Bearer realm="mcp"' }),
              });
            },
            {
              name: `connect_${server.name}`,
              description: `Connect to ${server.name} (asks the user for access)`,
              schema: z.object({}),
            },
          ),
        );
      }
      return all;
    },
    serverFor(toolName: string) {
      const server = servers.find(
        (candidate) =>
          toolName === `connect_${candidate.name}` || candidate.tools.some((t) => t.name === toolName),
      );
      return server ? { name: server.name, url: server.url } : undefined;
    },
  };
  return client;
}
