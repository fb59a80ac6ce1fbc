/** @module The client identity used with an authorization server: pre-registered, a metadata document URL, or registered dynamically once. */
import * as oauth from "oauth4webapi";
import { ClientRegistrationError, safeCause } from "../errors/oauth-errors.js";
import { type HttpOptions, isLoopback, requestOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { clientAuthFor, type SecretAuthMethod, secretMethodFor } from "./client-auth.js";
import type { ClientRegistration, ClientRegistrationStore } from "./client-registration-store.js";

/** A client an authorization server's operator registered for this app. */
export interface PreRegisteredClient {
  clientId: string;
  /** A confidential client's secret; a public client (PKCE only) has none. */
  clientSecret?: string;
  /**
   * How to authenticate at the token endpoint. Default: `none` without a secret; with one,
   * `client_secret_basic` unless the server lists only `client_secret_post`.
   */
  tokenEndpointAuthMethod?: SecretAuthMethod;
}

/** How this app identifies itself to authorization servers. */
export interface ClientConfig {
  /** Where the authorization server sends the person back (exact match, RFC 6749 §3.1.2). */
  redirectUri: string;
  /**
   * Clients registered in advance, by authorization server issuer (exactly as its metadata
   * states `issuer`). Used first, before any other way of registering.
   */
  clients?: Readonly<Record<string, PreRegisteredClient>>;
  /** A pre-registered client id used with every authorization server not listed in `clients`. */
  clientId?: string;
  /** The secret of the `clientId` client. */
  clientSecret?: string;
  /** How the `clientId` client authenticates; see {@link PreRegisteredClient.tokenEndpointAuthMethod}. */
  tokenEndpointAuthMethod?: SecretAuthMethod;
  /**
   * The HTTPS URL where this app publishes its Client ID Metadata Document (build it with
   * {@link createClientMetadataDocument}). With a server that advertises
   * `client_id_metadata_document_supported`, this URL is the `client_id` and nothing is
   * registered.
   */
  metadataUrl?: string;
  /** Shown by the authorization server on its consent page. Default `"authbus"`. */
  clientName?: string;
  /**
   * Register for the decoupled consent channels too, where the server offers them: CIBA in
   * poll mode and device authorization. `createConsents` sets it when the app chooses channels.
   */
  decoupledChannels?: boolean;
}

/** A client ready for oauth4webapi calls. */
export interface ResolvedClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  /** How the identity was obtained. */
  source: "pre-registered" | "metadata-document" | "dynamic-registration";
}

// One registration in flight per (store, issuer, redirect URI), across every user of the store.
const registrationFlights = new WeakMap<ClientRegistrationStore, Map<string, Promise<ClientRegistration>>>();

/** The pre-registered client for `as`, if the configuration has one. */
function preRegisteredFor(
  as: oauth.AuthorizationServer,
  config: ClientConfig,
): PreRegisteredClient | undefined {
  const listed = config.clients?.[as.issuer];
  if (listed) return listed;
  if (!config.clientId) return undefined;
  const client: PreRegisteredClient = { clientId: config.clientId };
  if (config.clientSecret !== undefined) client.clientSecret = config.clientSecret;
  if (config.tokenEndpointAuthMethod !== undefined)
    client.tokenEndpointAuthMethod = config.tokenEndpointAuthMethod;
  return client;
}

function resolvePreRegistered(as: oauth.AuthorizationServer, client: PreRegisteredClient): ResolvedClient {
  const method = client.tokenEndpointAuthMethod ?? (client.clientSecret ? secretMethodFor(as) : "none");
  return {
    client: { client_id: client.clientId },
    auth: clientAuthFor(method, client.clientSecret),
    source: "pre-registered",
  };
}

/** Whether `as` takes a Client ID Metadata Document URL as `client_id` and the app has one. */
function usesMetadataDocument(
  as: oauth.AuthorizationServer,
  config: ClientConfig,
): config is ClientConfig & {
  metadataUrl: string;
} {
  return config.metadataUrl !== undefined && as.client_id_metadata_document_supported === true;
}

/** The method asked for in a registration: public with PKCE when the server allows it. */
function registrationAuthMethod(as: oauth.AuthorizationServer): SecretAuthMethod {
  const supported = as.token_endpoint_auth_methods_supported;
  if (!supported || supported.includes("none")) return "none";
  return secretMethodFor(as);
}

const CIBA_GRANT_TYPE = "urn:openid:params:grant-type:ciba";
const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * The registration metadata the decoupled channels need where `as` offers them: the CIBA grant
 * with poll delivery (CIBA Core §4) and the device code grant (RFC 8628 §7.2).
 */
function decoupledRegistration(as: oauth.AuthorizationServer): {
  grant_types?: string[];
  backchannel_token_delivery_mode?: string;
} {
  const grants: string[] = [];
  const extra: { grant_types?: string[]; backchannel_token_delivery_mode?: string } = {};
  const modes = as.backchannel_token_delivery_modes_supported;
  if (
    typeof as.backchannel_authentication_endpoint === "string" &&
    (!Array.isArray(modes) || modes.includes("poll"))
  ) {
    grants.push(CIBA_GRANT_TYPE);
    extra.backchannel_token_delivery_mode = "poll";
  }
  if (typeof as.device_authorization_endpoint === "string") grants.push(DEVICE_CODE_GRANT_TYPE);
  if (grants.length > 0) extra.grant_types = grants;
  return extra;
}

/**
 * RFC 7591 §3.2.1 requires `client_secret_expires_at` with a `client_secret`, but servers in use
 * leave it out; it is read as 0 (never expires), the value the RFC gives for that meaning.
 * Everything else is checked by oauth4webapi.
 */
async function withSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201) return response;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return response;
  }
  if (
    typeof body !== "object" ||
    body === null ||
    Array.isArray(body) ||
    !("client_secret" in body) ||
    "client_secret_expires_at" in body
  ) {
    return response;
  }
  return new Response(JSON.stringify({ ...body, client_secret_expires_at: 0 }), {
    status: response.status,
    headers: response.headers,
  });
}

/**
 * Registers this app at the server's `registration_endpoint`: a public client
 * (`token_endpoint_auth_method: "none"`, PKCE) when the server allows it, else a confidential
 * one with the method the server supports.
 *
 * @see RFC 7591 §3.1, §3.2.1, MCP 2025-11-25 Authorization §"Dynamic Client Registration"
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
    throw new ClientRegistrationError({
      issuer: as.issuer,
      message:
        `authorization server ${as.issuer} offers no registration_endpoint and no client is configured for it; ` +
        `pre-register this app and set client.clients[${JSON.stringify(as.issuer)}]` +
        (as.client_id_metadata_document_supported === true ? ", or set client.metadataUrl" : ""),
    });
  }
  const decoupled = config.decoupledChannels ? decoupledRegistration(as) : {};
  const metadata: Partial<oauth.OmitSymbolProperties<oauth.Client>> = {
    ...decoupled,
    redirect_uris: [config.redirectUri],
    client_name: config.clientName ?? "authbus",
    grant_types: ["authorization_code", "refresh_token", ...(decoupled.grant_types ?? [])],
    response_types: ["code"],
    token_endpoint_auth_method: registrationAuthMethod(as),
    // RFC 8252 §7.3 and OpenID Connect Registration §2: a loopback redirect is a native app's.
    application_type:
      isLoopback(config.redirectUri) && new URL(config.redirectUri).protocol === "http:" ? "native" : "web",
  };
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      metadata,
      requestOptions(as.registration_endpoint, http),
    );
    const issued = await oauth.processDynamicClientRegistrationResponse(await withSecretExpiry(response));
    const secret =
      typeof issued.client_secret === "string" && issued.client_secret !== ""
        ? issued.client_secret
        : undefined;
    const method =
      typeof issued.token_endpoint_auth_method === "string"
        ? issued.token_endpoint_auth_method
        : // RFC 7591 §2: the default is client_secret_basic; a client given no secret is public.
          secret
          ? "client_secret_basic"
          : "none";
    const registration: ClientRegistration = {
      issuer: as.issuer,
      redirectUri: config.redirectUri,
      clientId: issued.client_id,
      tokenEndpointAuthMethod: method,
      registeredAt: now(),
    };
    if (secret) registration.clientSecret = secret;
    const expiresAt = issued.client_secret_expires_at;
    if (typeof expiresAt === "number" && expiresAt > 0) registration.clientSecretExpiresAt = expiresAt * 1000;
    return registration;
  } catch (error) {
    throw new ClientRegistrationError({
      issuer: as.issuer,
      message: `dynamic client registration at ${as.issuer} failed: ${error instanceof Error ? error.message : "unknown error"}`,
      cause: safeCause(error),
    });
  }
}

/**
 * The client to use with `as`, in the order MCP gives: a client pre-registered for this
 * server; else the app's Client ID Metadata Document URL when the server supports it; else a
 * stored or new dynamic registration (stored per issuer and redirect URI, so it happens once
 * per server); else a {@link ClientRegistrationError} saying what to configure.
 *
 * @see MCP 2026-07-28 Authorization §"Client Registration Approaches", RFC 7591 §3,
 *   draft-ietf-oauth-client-id-metadata-document
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
  const preRegistered = preRegisteredFor(as, config);
  if (preRegistered) return resolvePreRegistered(as, preRegistered);
  if (usesMetadataDocument(as, config)) {
    return { client: { client_id: config.metadataUrl }, auth: oauth.None(), source: "metadata-document" };
  }
  const registration = await loadOrRegister(as, config, registrations, http, now);
  return {
    client: { client_id: registration.clientId },
    auth: clientAuthFor(registration.tokenEndpointAuthMethod, registration.clientSecret),
    source: "dynamic-registration",
  };
}

/**
 * The client for a consent or token that names its `clientId` (issued by `as`): the
 * pre-registered one, the metadata document URL, or the stored registration with that id. An
 * id found nowhere is used as a public client.
 */
export async function clientForId(
  as: oauth.AuthorizationServer,
  clientId: string,
  config: ClientConfig | undefined,
  registrations: ClientRegistrationStore | undefined,
): Promise<ResolvedClient> {
  const preRegistered = config ? preRegisteredFor(as, config) : undefined;
  if (preRegistered?.clientId === clientId) return resolvePreRegistered(as, preRegistered);
  if (config?.metadataUrl === clientId) {
    return { client: { client_id: clientId }, auth: oauth.None(), source: "metadata-document" };
  }
  if (config && registrations) {
    const stored = await registrations.get(as.issuer, config.redirectUri);
    if (stored?.clientId === clientId) {
      return {
        client: { client_id: clientId },
        auth: clientAuthFor(stored.tokenEndpointAuthMethod, stored.clientSecret),
        source: "dynamic-registration",
      };
    }
  }
  return { client: { client_id: clientId }, auth: oauth.None(), source: "dynamic-registration" };
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
