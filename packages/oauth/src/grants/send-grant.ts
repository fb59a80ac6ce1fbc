/** @module One token endpoint request of a non-interactive grant, and its failure as a `GrantError`. */
import type { DPoPKey } from "@authbus/core";
import * as oauth from "oauth4webapi";
import type { AuthorizationServerMetadata } from "../discovery/discover-authorization-server.js";
import { createDPoPHandle, sendTokenRequest } from "../dpop/dpop-token-request.js";
import { GrantError, type GrantFailureStep, safeCause } from "../errors/oauth-errors.js";
import { type HttpOptions, requestOptions } from "../shared/http-options.js";
import { createServiceClientAuth, type ServiceClient } from "./service-client.js";

/** The grants of this folder, as `GrantError.grant` and bus events name them. */
export type GrantName = GrantError["grant"];

/** What every grant function takes. */
export interface ServiceGrantInput extends HttpOptions {
  /** The authorization server's metadata (`createDiscovery().forResource(…).authorizationServer`). */
  authorizationServer: AuthorizationServerMetadata;
  /** This app's client at that authorization server. */
  client: ServiceClient;
  /**
   * The RFC 8707 `resource`: the protected resource metadata's `resource`, exactly as stated
   * there.
   */
  resource: string;
  /** Scopes to ask for; none sends no `scope` (the server's default applies). */
  scopes?: readonly string[];
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * Binds the token to this key (RFC 9449 §5): the request carries a DPoP proof, and the
   * token set returned holds the key.
   */
  dpopKey?: DPoPKey | undefined;
}

// One client authentication per client configuration object: a PEM key is imported once.
const clientAuths = new WeakMap<
  ServiceClient,
  (as: oauth.AuthorizationServer) => Promise<oauth.ClientAuth>
>();

/**
 * The oauth4webapi client authentication for `client` at `as`.
 *
 * @throws {GrantError} (`step: "client_authentication"`) when the key cannot sign for `as`.
 */
export async function clientAuthAt(
  client: ServiceClient,
  as: oauth.AuthorizationServer,
  grant: GrantName,
): Promise<oauth.ClientAuth> {
  try {
    let authFor = clientAuths.get(client);
    if (!authFor) {
      authFor = createServiceClientAuth(client);
      clientAuths.set(client, authFor);
    }
    return await authFor(as);
  } catch (error) {
    throw new GrantError({
      message: `client ${client.clientId} cannot authenticate at ${as.issuer}: ${error instanceof Error ? error.message : "unknown error"}`,
      grant,
      step: "client_authentication",
      retryable: false,
      issuer: as.issuer,
      cause: safeCause(error),
    });
  }
}

// RFC 6749 §5.2 / RFC 6749 §4.1.2.1: the codes that say "try again later".
const passingErrors = new Set(["temporarily_unavailable", "server_error"]);

/** One grant request to send. */
export interface GrantRequest {
  grant: GrantName;
  step: Extract<GrantFailureStep, "token_request" | "token_exchange">;
  as: oauth.AuthorizationServer;
  client: ServiceClient;
  grantType: string;
  parameters: Record<string, string>;
  http: HttpOptions;
  /** Names the request in messages, e.g. `the client_credentials grant for https://mcp.example.com/mcp`. */
  what: string;
  /** Token types besides Bearer and DPoP that the response may carry (RFC 8693 `N_A`). */
  recognizedTokenTypes?: oauth.RecognizedTokenTypes;
  /** A DPoP key to prove possession of (RFC 9449 §5); a `use_dpop_nonce` answer is retried once. */
  dpopKey?: DPoPKey | undefined;
}

/**
 * Sends a grant to the token endpoint of `request.as` with the client's authentication and
 * checks the response (oauth4webapi `genericTokenEndpointRequest` +
 * `processGenericTokenEndpointResponse`).
 *
 * @see RFC 6749 §3.2, §5.1, §5.2
 * @throws {GrantError} for a refusal (`error` set), a failed request or a malformed response.
 */
export async function sendGrant(request: GrantRequest): Promise<oauth.TokenEndpointResponse> {
  const { as, grant, step } = request;
  if (!as.token_endpoint) {
    throw new GrantError({
      message: `${as.issuer} advertises no token_endpoint`,
      grant,
      step,
      retryable: false,
      issuer: as.issuer,
    });
  }
  const auth = await clientAuthAt(request.client, as, grant);
  const client: oauth.Client = { client_id: request.client.clientId };
  const endpoint = as.token_endpoint;
  try {
    const dpop = request.dpopKey ? await createDPoPHandle(client, request.dpopKey) : undefined;
    return await sendTokenRequest(
      dpop,
      endpoint,
      () =>
        oauth.genericTokenEndpointRequest(
          as,
          client,
          auth,
          request.grantType,
          new URLSearchParams(request.parameters),
          {
            ...requestOptions(endpoint, request.http),
            ...(dpop ? { DPoP: dpop } : {}),
          },
        ),
      (response) =>
        oauth.processGenericTokenEndpointResponse(as, client, response, {
          ...(request.recognizedTokenTypes ? { recognizedTokenTypes: request.recognizedTokenTypes } : {}),
        }),
    );
  } catch (error) {
    throw await grantErrorFrom(error, request);
  }
}

/** The `error` and `error_description` of a 5xx body, when it is an OAuth error object. */
async function oauthErrorOf(response: Response): Promise<{ error?: string; description?: string }> {
  try {
    const body = (await response.json()) as { error?: unknown; error_description?: unknown };
    return {
      ...(typeof body.error === "string" ? { error: body.error } : {}),
      ...(typeof body.error_description === "string" ? { description: body.error_description } : {}),
    };
  } catch {
    return {};
  }
}

async function grantErrorFrom(error: unknown, request: GrantRequest): Promise<GrantError> {
  const { as, grant, step, what } = request;
  const base = { grant, step, issuer: as.issuer, cause: safeCause(error) };
  if (error instanceof oauth.ResponseBodyError) {
    return new GrantError({
      message: `${as.issuer} refused ${what} (${error.error})`,
      ...base,
      error: error.error,
      errorDescription: error.error_description,
      retryable: passingErrors.has(error.error) || error.status >= 500,
    });
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // RFC 6749 §5.2: a failed client authentication may come as a 401 with a challenge.
    const params = error.cause[0]?.parameters;
    const code = params?.error ?? (error.status === 401 ? "invalid_client" : undefined);
    return new GrantError({
      message: `${as.issuer} refused ${what} (${code ?? `HTTP ${error.status}`})`,
      ...base,
      error: code,
      errorDescription: params?.error_description,
      retryable: false,
    });
  }
  // A 5xx or a failed request may pass; a malformed answer is the server's lasting problem.
  const status =
    error instanceof oauth.OperationProcessingError && error.cause instanceof Response
      ? error.cause.status
      : undefined;
  if (status !== undefined && status >= 500) {
    const body = await oauthErrorOf((error as oauth.OperationProcessingError).cause as Response);
    return new GrantError({
      message: `${what} at ${as.issuer} failed: HTTP ${status}${body.error ? ` (${body.error})` : ""}`,
      ...base,
      error: body.error,
      errorDescription: body.description,
      retryable: true,
    });
  }
  const malformed =
    error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError;
  return new GrantError({
    message: `${what} at ${as.issuer} failed: ${error instanceof Error ? error.message : "unknown error"}`,
    ...base,
    retryable: !malformed,
  });
}
