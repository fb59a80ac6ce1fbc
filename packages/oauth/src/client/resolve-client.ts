/** @module The client identity used with an authorization server: pre-registered, or registered dynamically once. */
import * as oauth from "oauth4webapi";
import { ClientRegistrationError, safeCause } from "../errors/oauth-errors.js";
import { type HttpOptions, isLoopback, requestOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import type { ClientRegistration, ClientRegistrationStore } from "./client-registration-store.js";

/** How this app identifies itself to authorization servers. */
export interface ClientConfig {
  /** Where the authorization server sends the person back (exact match, RFC 6749 §3.1.2). */
  redirectUri: string;
  /** A pre-registered client id; when absent, RFC 7591 dynamic registration is used. */
  clientId?: string;
  /** The secret of a pre-registered confidential client; public clients (PKCE only) have none. */
  clientSecret?: string;
  /** Shown by the authorization server on its consent page. Default `"authbus"`. */
  clientName?: string;
}

/** A client ready for oauth4webapi calls. */
export interface ResolvedClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
}

// One registration in flight per (store, issuer, redirect URI), across every user of the store.
const registrationFlights = new WeakMap<ClientRegistrationStore, Map<string, Promise<ClientRegistration>>>();

function authFor(method: string, secret: string | undefined): oauth.ClientAuth {
  if (!secret || method === "none") return oauth.None();
  if (method === "client_secret_post") return oauth.ClientSecretPost(secret);
  return oauth.ClientSecretBasic(secret);
}

/**
 * Registers a public client (PKCE, `token_endpoint_auth_method: "none"`) at the server's
 * `registration_endpoint`.
 *
 * @see RFC 7591 §3.1, §3.2.1
 * @example
 * const registration = await registerClient(as, { redirectUri: "http://127.0.0.1:3000/callback" });
 * @throws {ClientRegistrationError} when the server has no registration endpoint or refuses.
 */
export async function registerClient(
  as: oauth.AuthorizationServer,
  config: ClientConfig,
  http: HttpOptions = {},
  now: () => number = Date.now,
): Promise<ClientRegistration> {
  if (!as.registration_endpoint) {
    throw new ClientRegistrationError(
      as.issuer,
      `authorization server ${as.issuer} offers no registration_endpoint; configure a pre-registered clientId`,
    );
  }
  const metadata: Partial<oauth.OmitSymbolProperties<oauth.Client>> = {
    redirect_uris: [config.redirectUri],
    client_name: config.clientName ?? "authbus",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
    // RFC 8252 §7.3: a loopback redirect URI is a native app's.
    ...(isLoopback(config.redirectUri) && new URL(config.redirectUri).protocol === "http:"
      ? { application_type: "native" }
      : {}),
  };
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      metadata,
      requestOptions(as.registration_endpoint, http),
    );
    const issued = await oauth.processDynamicClientRegistrationResponse(response);
    const registration: ClientRegistration = {
      issuer: as.issuer,
      redirectUri: config.redirectUri,
      clientId: issued.client_id,
      tokenEndpointAuthMethod:
        typeof issued.token_endpoint_auth_method === "string" ? issued.token_endpoint_auth_method : "none",
      registeredAt: now(),
    };
    if (typeof issued.client_secret === "string" && issued.client_secret !== "") {
      registration.clientSecret = issued.client_secret;
    }
    const expiresAt = issued.client_secret_expires_at;
    if (typeof expiresAt === "number" && expiresAt > 0) registration.clientSecretExpiresAt = expiresAt * 1000;
    return registration;
  } catch (error) {
    throw new ClientRegistrationError(
      as.issuer,
      `dynamic client registration at ${as.issuer} failed: ${error instanceof Error ? error.message : "unknown error"}`,
      safeCause(error),
    );
  }
}

/**
 * The client to use with `as`: the pre-registered `clientId`, else a stored registration,
 * else a new dynamic registration (stored, so it happens once per server and redirect URI).
 *
 * @see RFC 7591 §3, MCP 2025-11-25 Authorization §"Client Registration Approaches"
 * @example
 * const { client, auth } = await resolveClient(as, { redirectUri }, registrations);
 * @throws {ClientRegistrationError}
 */
export async function resolveClient(
  as: oauth.AuthorizationServer,
  config: ClientConfig,
  registrations: ClientRegistrationStore,
  http: HttpOptions = {},
  now: () => number = Date.now,
): Promise<ResolvedClient> {
  if (config.clientId) {
    const method = config.clientSecret ? "client_secret_basic" : "none";
    return { client: { client_id: config.clientId }, auth: authFor(method, config.clientSecret) };
  }
  const registration = await loadOrRegister(as, config, registrations, http, now);
  return {
    client: { client_id: registration.clientId },
    auth: authFor(registration.tokenEndpointAuthMethod, registration.clientSecret),
  };
}

/**
 * The client for a consent or token that names its `clientId`: the pre-registered one when it
 * matches, else the stored registration with that id.
 */
export async function clientForId(
  issuer: string,
  clientId: string,
  config: Pick<ClientConfig, "clientId" | "clientSecret" | "redirectUri"> | undefined,
  registrations: ClientRegistrationStore | undefined,
): Promise<ResolvedClient> {
  if (config?.clientId === clientId) {
    return {
      client: { client_id: clientId },
      auth: authFor(config.clientSecret ? "client_secret_basic" : "none", config.clientSecret),
    };
  }
  if (config && registrations) {
    const stored = await registrations.get(issuer, config.redirectUri);
    if (stored?.clientId === clientId) {
      return {
        client: { client_id: clientId },
        auth: authFor(stored.tokenEndpointAuthMethod, stored.clientSecret),
      };
    }
  }
  return { client: { client_id: clientId }, auth: oauth.None() };
}

async function loadOrRegister(
  as: oauth.AuthorizationServer,
  config: ClientConfig,
  registrations: ClientRegistrationStore,
  http: HttpOptions,
  now: () => number,
): Promise<ClientRegistration> {
  let flights = registrationFlights.get(registrations);
  if (!flights) {
    flights = new Map();
    registrationFlights.set(registrations, flights);
  }
  return singleFlight(flights, JSON.stringify([as.issuer, config.redirectUri]), async () => {
    const stored = await registrations.get(as.issuer, config.redirectUri);
    const usable =
      stored && (stored.clientSecretExpiresAt === undefined || stored.clientSecretExpiresAt > now());
    if (stored && usable) return stored;
    const registration = await registerClient(as, config, http, now);
    await registrations.set(registration);
    return registration;
  });
}
