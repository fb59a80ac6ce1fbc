#!/usr/bin/env node
/**
 * @module authbus's client for the MCP conformance suite, built on the public API only.
 *
 * Usage: `node dist/client.js <server-url>`, with `MCP_CONFORMANCE_SCENARIO`,
 * `MCP_CONFORMANCE_PROTOCOL_VERSION` and (for some scenarios) `MCP_CONFORMANCE_CONTEXT` set by
 * the suite. The scenario decides only what an app configures (credentials the suite hands over,
 * which grant the app uses); every protocol decision is the library's.
 */
import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  summarizeError,
} from "@authbus/core";
import { authFetch } from "@authbus/mcp";
import {
  type ClientConfig,
  createConsents,
  createRefresher,
  MemoryClientRegistrationStore,
} from "@authbus/oauth";
import { runStatefulSession, runStatelessSession } from "./mcp-session.js";
import { runServiceClient, serviceContextFrom } from "./service-client.js";

const STATEFUL_VERSIONS = new Set(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]);
// The headless "person": a bound on how often the app sends them to consent in one run. The
// library's own limit (per subject, resource and operation) is what the suite checks.
const MAX_CONSENTS = 10;

const url = process.argv[2];
if (!url) {
  console.error("usage: client <server-url>");
  process.exit(2);
}
const protocolVersion = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION ?? "2025-11-25";
const subject = "conformance-user";
const serverName = "conformance";

const bus = createAuthBus();
bus.on("*", (type, event) => console.error(`[bus] ${String(type)} ${JSON.stringify(event)}`));
const tokens = new MemoryTokenStore();
const registrations = new MemoryClientRegistrationStore();
/** What an app configures: its redirect URI, where it publishes its client metadata, and a client its operator pre-registered. */
function appClientConfig(): ClientConfig {
  const config: ClientConfig = {
    redirectUri: "http://127.0.0.1:3000/oauth/callback",
    clientName: "authbus conformance client",
    // The suite accepts this URL as a Client ID Metadata Document without fetching it.
    metadataUrl: "https://conformance-test.local/client-metadata.json",
  };
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  const context = raw ? (JSON.parse(raw) as { client_id?: unknown; client_secret?: unknown }) : {};
  if (typeof context.client_id === "string") {
    config.clientId = context.client_id;
    if (typeof context.client_secret === "string") config.clientSecret = context.client_secret;
  }
  return config;
}
const client = appClientConfig();
const consents = createConsents({ tokens, store: new MemoryConsentStore(), registrations, client, bus });
const refresh = createRefresher({ tokens, bus, client, registrations });
const fetch = authFetch({ serverName, resource: url, subject, tokens, bus, refresh });

/** Plays the person at the authorization server: follows the link and hands back the redirect. */
async function approve(authorizationUrl: string): Promise<void> {
  const response = await globalThis.fetch(authorizationUrl, { redirect: "manual" });
  const location = response.headers.get("location");
  await response.body?.cancel();
  if (!location) throw new Error(`the authorization server answered ${response.status} without a redirect`);
  const result = await consents.complete(new URL(location, authorizationUrl));
  if (result.outcome !== "granted") throw new Error(`consent ended ${result.outcome}`);
}

async function main(): Promise<void> {
  // An app that runs as a service (the context hands over its grant's credentials) asks no person.
  const service = serviceContextFrom(process.env.MCP_CONFORMANCE_CONTEXT);
  if (service) {
    await runServiceClient(url as string, service, protocolVersion);
    return;
  }
  for (let consentsGiven = 0; ; consentsGiven++) {
    try {
      const result = STATEFUL_VERSIONS.has(protocolVersion)
        ? await runStatefulSession(url as string, fetch)
        : await runStatelessSession(url as string, fetch, protocolVersion);
      console.error(`tools: ${result.tools.join(", ")}; called: ${result.called ?? "none"}`);
      return;
    } catch (error) {
      if (!isAuthbusError(error, "AUTH_CHALLENGE") || consentsGiven >= MAX_CONSENTS) throw error;
      const consent = await consents.begin({
        subject,
        serverName,
        resource: url as string,
        challenge: error,
      });
      await approve(consent.authorizationUrl);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`failed: ${JSON.stringify(summarizeError(error))}`);
    process.exit(1);
  },
);
