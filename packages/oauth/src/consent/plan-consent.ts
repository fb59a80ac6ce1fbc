/**
 * @module What a new consent asks for: the challenge read, the authorization server found
 * (afresh after a refused token), and the scopes chosen.
 */
import {
  type Challenge,
  type ConsentReason,
  checkTokenKey,
  type OAuthChallenge,
  readOAuthChallenge,
  type TokenKey,
  type TokenStore,
} from "@authbus/core";
import type { Discovery, ResourceDiscovery } from "../discovery/create-discovery.js";
import { assertPkceS256 } from "../discovery/discover-authorization-server.js";
import { reasonForChallenge } from "./consent-reason.js";
import type { BeginConsentInput, ChallengeCarrier } from "./consent-types.js";
import { selectScopes } from "./scopes.js";

/** What {@link planConsent} found. */
export interface ConsentPlan {
  key: TokenKey;
  challenge: OAuthChallenge | undefined;
  reason: ConsentReason;
  /** The resource's metadata and its authorization server. */
  found: ResourceDiscovery;
  scopes: string[];
}

function readChallenge(
  challenge: Challenge | OAuthChallenge | ChallengeCarrier | undefined,
): OAuthChallenge | undefined {
  if (!challenge) return undefined;
  if ("params" in challenge) return readOAuthChallenge(challenge);
  if ("scheme" in challenge) return challenge;
  return challenge.oauth;
}

/**
 * Reads the challenge, discovers the resource's authorization server and selects the scopes
 * for a consent; nothing is stored or sent to the authorization server.
 *
 * @see RFC 9728 §5, MCP 2025-11-25 Authorization §"Scope Selection Strategy"
 * @throws {ResourceMismatchError | PkceUnsupportedError | DiscoveryError}
 */
export async function planConsent(
  input: BeginConsentInput,
  deps: { tokens: TokenStore; discovery: Discovery },
): Promise<ConsentPlan> {
  const key = checkTokenKey({ subject: input.subject, resource: input.resource });
  const challenge = readChallenge(input.challenge);
  const held = await deps.tokens.get(key);
  const reason = input.reason ?? reasonForChallenge(challenge, held !== undefined);
  // A refused token may mean the server moved to another authorization server (MCP
  // 2026-07-28, SEP-2352): read its metadata again rather than trust the cache.
  const found = await deps.discovery.forResource(key.resource, challenge?.resourceMetadata, {
    fresh: held !== undefined && (reason === "invalid_token" || reason === "refresh_failed"),
  });
  const as = found.authorizationServer;
  // MCP Authorization §"Authorization Code Protection": no S256 advertised, no consent.
  assertPkceS256(as);
  // Credentials are per authorization server: scopes held from another one are not carried over.
  const heldHere = held && (held.issuer === undefined || held.issuer === as.issuer) ? held : undefined;
  const scopes = selectScopes({
    reason,
    challenged: challenge?.scope,
    resourceScopes: found.metadata.scopes_supported,
    held: heldHere?.scopes,
    authorizationServerScopes: as.scopes_supported,
  });
  return { key, challenge, reason, found, scopes };
}
