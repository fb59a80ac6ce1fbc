/** @module The client identity used with an authorization server: pre-registered, a metadata document URL, or registered dynamically once. */
import * as oauth from "oauth4webapi";
import { type HttpOptions } from "../shared/http-options.js";
import { type SecretAuthMethod } from "./client-auth.js";
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
export declare function registerClient(as: oauth.AuthorizationServer, config: ClientConfig, http?: HttpOptions, now?: () => number): Promise<ClientRegistration>;
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
export declare function resolveClient(as: oauth.AuthorizationServer, config: ClientConfig, registrations: ClientRegistrationStore, http?: HttpOptions, now?: () => number): Promise<ResolvedClient>;
/**
 * The client for a consent or token that names its `clientId` (issued by `as`): the
 * pre-registered one, the metadata document URL, or the stored registration with that id. An
 * id found nowhere is used as a public client.
 */
export declare function clientForId(as: oauth.AuthorizationServer, clientId: string, config: ClientConfig | undefined, registrations: ClientRegistrationStore | undefined): Promise<ResolvedClient>;
