/**
 * @module The conformance client as an agent that runs as a service (no person): the suite's
 * context becomes the app's grant configuration, and everything else is the library's.
 */
import { createAuthBus, MemoryTokenStore } from "@authbus/core";
import { authFetch } from "@authbus/mcp";
import { createServiceTokens, type ServiceGrant } from "@authbus/oauth";
import { runStatefulSession, runStatelessSession, type SessionResult } from "./mcp-session.js";

// The same split as client.ts: these versions have the initialize handshake.
const STATEFUL_VERSIONS = new Set(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]);

/** The suite's `MCP_CONFORMANCE_CONTEXT`: the scenario `name` and the credentials it hands over. */
export type ConformanceContext = { name: string } & Record<string, unknown>;

function text(context: ConformanceContext, field: string): string {
  const value = context[field];
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`MCP_CONFORMANCE_CONTEXT for ${context.name} has no ${field}`);
  }
  return value;
}

/**
 * The grant an app would configure with the credentials of this context, or undefined when the
 * context is for an interactive client. Only configuration: which grant, which credentials.
 */
export function serviceGrantFor(context: ConformanceContext): ServiceGrant | undefined {
  switch (context.name) {
    case "auth/client-credentials-basic":
      // A client registered with a secret.
      return {
        type: "client_credentials",
        client: { clientId: text(context, "client_id"), clientSecret: text(context, "client_secret") },
      };
    case "auth/client-credentials-jwt":
      // A client registered with a public key; the app holds the private key.
      return {
        type: "client_credentials",
        client: {
          clientId: text(context, "client_id"),
          privateKey: text(context, "private_key_pem"),
          ...(typeof context.signing_algorithm === "string"
            ? { signingAlgorithm: context.signing_algorithm }
            : {}),
        },
      };
    case "auth/wif-jwt-bearer": {
      // The workload's platform issues its identity token; here the suite hands over a valid one.
      const workloadToken = text(context, "valid_jwt");
      return {
        type: "jwt_bearer",
        client: { clientId: text(context, "client_id") },
        assertion: () => workloadToken,
      };
    }
    case "auth/enterprise-managed-authorization": {
      // The user signed in at the enterprise identity provider; the app keeps their ID token.
      const idToken = text(context, "idp_id_token");
      return {
        type: "enterprise_managed",
        client: { clientId: text(context, "client_id"), clientSecret: text(context, "client_secret") },
        idp: {
          issuer: text(context, "idp_issuer"),
          tokenEndpoint: text(context, "idp_token_endpoint"),
          client: { clientId: text(context, "idp_client_id") },
        },
        idToken: () => idToken,
      };
    }
    default:
      return undefined;
  }
}

/** Reads `MCP_CONFORMANCE_CONTEXT`; returns it when it configures a service grant. */
export function serviceContextFrom(raw: string | undefined): ConformanceContext | undefined {
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    typeof (parsed as { name?: unknown }).name !== "string"
  ) {
    return undefined;
  }
  const context = parsed as ConformanceContext;
  return serviceGrantFor(context) ? context : undefined;
}

/**
 * Lists and calls the server's tools as a service client: `authFetch` with `obtain` from
 * `createServiceTokens`, so every challenge is answered by the configured grant or fails typed.
 */
export async function runServiceClient(
  url: string,
  context: ConformanceContext,
  protocolVersion: string,
): Promise<SessionResult> {
  const grant = serviceGrantFor(context);
  if (!grant) throw new TypeError(`${context.name} configures no service grant`);
  const bus = createAuthBus();
  bus.on("*", (type, event) => console.error(`[bus] ${String(type)} ${JSON.stringify(event)}`));
  const tokens = new MemoryTokenStore();
  const obtain = createServiceTokens({ tokens, bus, grant });
  const subject = grant.type === "enterprise_managed" ? "conformance-user" : "conformance-service";
  const fetch = authFetch({ serverName: "conformance", resource: url, subject, tokens, bus, obtain });
  const result = STATEFUL_VERSIONS.has(protocolVersion)
    ? await runStatefulSession(url, fetch)
    : await runStatelessSession(url, fetch, protocolVersion);
  console.error(`tools: ${result.tools.join(", ")}; called: ${result.called ?? "none"}`);
  return result;
}
