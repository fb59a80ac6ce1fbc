/** @module In-memory stand-ins for consents and protected MCP tools, for unit tests. */
import { AuthChallengeError, createAuthBus, MemoryTokenStore } from "@authbus/core";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { ConsentBeginInput, ConsentBeginner, ConsentBegun } from "../consent/consent-types.js";

export const SUBJECT = "alice";

/** A bus, a token store and a consents double that records begins (and does not coalesce). */
export function createFakeAuth() {
  const bus = createAuthBus();
  const tokens = new MemoryTokenStore();
  const begins: ConsentBeginInput[] = [];
  let issued = 0;
  const consents: ConsentBeginner = {
    async begin(input): Promise<ConsentBegun> {
      begins.push(input);
      issued += 1;
      const n = issued;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const oauth = input.challenge;
      const reason =
        input.challenge === undefined
          ? "missing_token"
          : oauth?.error === "insufficient_scope"
            ? "insufficient_scope"
            : oauth?.error === "invalid_token"
              ? "invalid_token"
              : "missing_token";
      return {
        consentId: `consent_${n}`,
        authorizationUrl: `https://as.example/authorize?consent=${n}`,
        scopes: oauth?.scope ?? ["default"],
        reason,
        expiresAt: Date.now() + 600_000,
      };
    },
  };
  let minted = 0;
  const grant = async (resource: string, scopes: string[]): Promise<string> => {
    minted += 1;
    const accessToken = `at_secret_${minted}_${"x".repeat(20)}`;
    await tokens.set({ subject: SUBJECT, resource }, { accessToken, tokenType: "Bearer", scopes });
    return accessToken;
  };
  return { bus, tokens, consents, begins, grant };
}

/** A tool that acts as a protected MCP server would: 401 without a valid token, 403 without its scope. */
export function createProtectedTool(options: {
  name: string;
  serverName: string;
  resource: string;
  scope: string;
  tokens: MemoryTokenStore;
  /** Access tokens the server no longer accepts. */
  revoked?: Set<string>;
  /** Arguments of every call that the server executed. */
  executed?: unknown[];
  /** Every call that reached the server. */
  received?: unknown[];
}) {
  const url = options.resource;
  return tool(
    async (args: { query?: string | undefined }) => {
      options.received?.push(args);
      const held = await options.tokens.get({ subject: SUBJECT, resource: options.resource });
      if (!held) {
        throw new AuthChallengeError({
          status: 401,
          url,
          serverName: options.serverName,
          headers: new Headers({ "www-authenticate": `Bearer resource_metadata="${url}/.well-known"` }),
        });
      }
      if (options.revoked?.has(held.accessToken)) {
        throw new AuthChallengeError({
          status: 401,
          url,
          serverName: options.serverName,
          headers: new Headers({ "www-authenticate": 'Bearer error="invalid_token"' }),
        });
      }
      if (!held.scopes.includes(options.scope)) {
        const wanted = [...new Set([...held.scopes, options.scope])].join(" ");
        throw new AuthChallengeError({
          status: 403,
          url,
          serverName: options.serverName,
          headers: new Headers({
            "www-authenticate": `Bearer error="insufficient_scope", scope="${wanted}"`,
          }),
        });
      }
      options.executed?.push(args);
      return `${options.name} ran${args.query ? ` for ${args.query}` : ""}`;
    },
    {
      name: options.name,
      description: `${options.name} on ${options.serverName}`,
      schema: z.object({ query: z.string().optional() }),
    },
  );
}
