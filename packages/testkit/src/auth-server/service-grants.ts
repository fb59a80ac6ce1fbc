/** @module Grants without a person for the testkit authorization server: service clients, jwt-bearer (RFC 7523) and token exchange to an ID-JAG (RFC 8693). */
import { randomUUID } from "node:crypto";
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWK,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from "jose";
import type * as OidcProviderModule from "oidc-provider";
import type {
  ClientMetadata,
  default as OidcProvider,
  ResourceServer,
  TokenEndpointGrantContext,
} from "oidc-provider";

/** `grant_type` of the JWT bearer grant (RFC 7523 §2.1). */
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** `grant_type` of token exchange (RFC 8693 §2.1). */
export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
/** Token type of an Identity Assertion JWT Authorization Grant. */
export const ID_JAG_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id-jag";
/** `typ` of an ID-JAG. */
export const ID_JAG_JWT_TYPE = "oauth-id-jag+jwt";
const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";

/** A grant a service client may use. */
export type ServiceGrantType = "client_credentials" | typeof JWT_BEARER_GRANT | typeof TOKEN_EXCHANGE_GRANT;

/** A client registered for grants without a person (and, with `redirectUris`, also for sign-in). */
export interface ServiceClientOptions {
  clientId: string;
  /** How it authenticates at the token endpoint (RFC 8414 §2 names). */
  tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none";
  /** For `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string;
  /** Its public keys, for `private_key_jwt`. */
  jwks?: { keys: JWK[] };
  /** Default `["client_credentials"]`. */
  grantTypes?: readonly ServiceGrantType[];
  /**
   * Redirect URIs, when the same client also signs users in (authorization code + PKCE, e.g.
   * to get the ID token it later exchanges). Loopback `http://127.0.0.1/...` matches any port.
   */
  redirectUris?: readonly string[];
  /**
   * The `client_id` claim of ID-JAGs this client gets by token exchange: its client id at the
   * resource authorization servers. Default: `clientId`.
   */
  idJagClientId?: string;
}

/** An issuer whose JWTs the jwt-bearer grant accepts: a workload identity platform, or an identity provider's ID-JAGs. */
export interface TrustedIssuer {
  issuer: string;
  /** Its public signing keys. */
  jwks: { keys: JWK[] };
}

/** oidc-provider client metadata for a service client. */
export function serviceClientMetadata(client: ServiceClientOptions): ClientMetadata {
  const grants = [...(client.grantTypes ?? ["client_credentials"])];
  const signsIn = (client.redirectUris?.length ?? 0) > 0;
  return {
    client_id: client.clientId,
    client_name: client.clientId,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
    ...(client.jwks === undefined ? {} : { jwks: client.jwks }),
    grant_types: signsIn ? ["authorization_code", ...grants] : grants,
    response_types: signsIn ? ["code"] : [],
    redirect_uris: [...(client.redirectUris ?? [])],
    ...(signsIn ? { application_type: "native" as const } : {}),
    id_token_signed_response_alg: "ES256",
  };
}

/** What {@link registerServiceGrants} needs from the server. */
export interface ServiceGrantsContext {
  provider: OidcProvider;
  errors: typeof OidcProviderModule.errors;
  issuer: string;
  tokenEndpoint: string;
  /** The server's own public keys (ID tokens it issued are checked with them). */
  publicJwks: { keys: JWK[] };
  /** Its signing key and `kid`, for the ID-JAGs it issues. */
  signingKey: { key: CryptoKey; kid: string };
  trustedIssuers: readonly TrustedIssuer[];
  serviceClients: readonly ServiceClientOptions[];
  /** The resource server for an RFC 8707 `resource`; throws `InvalidTarget` when unknown. */
  resourceServer: (
    ctx: TokenEndpointGrantContext,
    resource: string,
  ) => ResourceServer | Promise<ResourceServer>;
}

function single(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
  return undefined;
}

function scopeList(value: unknown): string[] {
  return typeof value === "string" ? value.split(" ").filter(Boolean) : [];
}

/**
 * Registers the jwt-bearer and token exchange grants on an oidc-provider instance.
 *
 * - jwt-bearer (RFC 7523 §2.1, §3): the assertion must be signed by a trusted issuer, have
 *   `aud` = this issuer (or the token endpoint), `sub` and `exp`, and not be expired. An ID-JAG
 *   (`typ: oauth-id-jag+jwt`) must also name the authenticated client in `client_id`, and its
 *   `resource` and `scope` bound the token. The access token's subject is the assertion's `sub`.
 * - token exchange (RFC 8693 §2.1; the identity provider side of ID-JAG): an ID token this
 *   server issued to the requesting client, exchanged for an ID-JAG (audience, resource, scope
 *   from the request), signed with this server's key.
 *
 * @see RFC 7523 §2.1, §3; RFC 8693 §2; draft-ietf-oauth-identity-assertion-authz-grant §4
 */
export function registerServiceGrants(context: ServiceGrantsContext): void {
  const { provider, errors } = context;
  const trusted = new Map(
    context.trustedIssuers.map((t) => [
      t.issuer,
      createLocalJWKSet(t.jwks as Parameters<typeof createLocalJWKSet>[0]),
    ]),
  );
  const ownKeys = createLocalJWKSet(context.publicJwks as Parameters<typeof createLocalJWKSet>[0]);
  const clients = new Map(context.serviceClients.map((c) => [c.clientId, c]));

  const issueAccessToken = async (
    ctx: TokenEndpointGrantContext,
    subject: string,
    resource: string,
    requested: string[],
    allowed: string[] | undefined,
    gty: string,
  ): Promise<void> => {
    const { client } = ctx.oidc;
    const server = new provider.ResourceServer(resource, await context.resourceServer(ctx, resource));
    // RFC 6749 §3.3: the server may issue fewer scopes than asked; only registered ones are issued.
    const scopes = requested.filter(
      (s) => server.scopes.has(s) && (allowed === undefined || allowed.includes(s)),
    );
    const grant = new provider.Grant({ accountId: subject, clientId: client.clientId });
    if (scopes.length > 0) grant.addResourceScope(resource, scopes.join(" "));
    const grantId = await grant.save();
    const token = new provider.AccessToken({
      accountId: subject,
      client,
      grantId,
      gty,
      scope: scopes.join(" ") || undefined,
    });
    token.resourceServer = server;
    const value = await token.save();
    ctx.body = {
      access_token: value,
      token_type: "Bearer",
      expires_in: token.expiration,
      ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
    };
  };

  provider.registerGrantType(
    JWT_BEARER_GRANT,
    async (ctx) => {
      const params = ctx.oidc.params;
      const assertion = single(params.assertion);
      if (!assertion) throw new errors.InvalidRequest("missing assertion");
      let claims: JWTPayload;
      let typ: string | undefined;
      try {
        claims = decodeJwt(assertion);
        typ = decodeProtectedHeader(assertion).typ;
      } catch {
        throw new errors.InvalidGrant("the assertion is not a JWT");
      }
      const keys = typeof claims.iss === "string" ? trusted.get(claims.iss) : undefined;
      if (!keys) throw new errors.InvalidGrant("the assertion's issuer is not trusted");
      try {
        ({ payload: claims } = await jwtVerify(assertion, keys, {
          issuer: claims.iss as string,
          // RFC 7523 §3: aud identifies the authorization server (its issuer or token endpoint).
          audience: [context.issuer, `${context.issuer}/`, context.tokenEndpoint],
          requiredClaims: ["sub", "exp"],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired)
          throw new errors.InvalidGrant("the assertion has expired");
        if (error instanceof joseErrors.JWTClaimValidationFailed) {
          throw new errors.InvalidGrant(`the assertion's ${error.claim} claim is not valid here`);
        }
        throw new errors.InvalidGrant("the assertion's signature does not verify");
      }
      const requestedResource = single(params.resource);
      let allowed: string[] | undefined;
      let resource = requestedResource;
      if (typ?.toLowerCase() === ID_JAG_JWT_TYPE) {
        // ID-JAG: issued for this client, this resource and at most these scopes.
        if (claims.client_id !== ctx.oidc.client.clientId) {
          throw new errors.InvalidGrant("the ID-JAG was issued for another client");
        }
        const jagResource = typeof claims.resource === "string" ? claims.resource : undefined;
        if (
          jagResource !== undefined &&
          requestedResource !== undefined &&
          jagResource !== requestedResource
        ) {
          throw new errors.InvalidGrant("the ID-JAG was issued for another resource");
        }
        resource ??= jagResource;
        if (typeof claims.scope === "string") allowed = scopeList(claims.scope);
      }
      if (!resource) throw new errors.InvalidTarget("a resource indicator is required");
      await issueAccessToken(
        ctx,
        String(claims.sub),
        resource,
        scopeList(params.scope),
        allowed,
        "jwt_bearer",
      );
    },
    ["assertion", "scope", "resource"],
  );

  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx) => {
      const params = ctx.oidc.params;
      const clientId = ctx.oidc.client.clientId;
      const subjectToken = single(params.subject_token);
      if (!subjectToken) throw new errors.InvalidRequest("missing subject_token");
      if (params.subject_token_type !== ID_TOKEN_TYPE) {
        throw new errors.InvalidRequest("only ID tokens are exchanged (subject_token_type)");
      }
      if (params.requested_token_type !== ID_JAG_TOKEN_TYPE) {
        throw new errors.InvalidRequest("only ID-JAGs are issued (requested_token_type)");
      }
      const audience = single(params.audience);
      const resource = single(params.resource);
      if (!audience || !URL.canParse(audience))
        throw new errors.InvalidTarget("audience must be an issuer URL");
      if (!resource || !URL.canParse(resource))
        throw new errors.InvalidTarget("resource must be an absolute URL");
      let subject: string;
      try {
        const { payload } = await jwtVerify(subjectToken, ownKeys, {
          issuer: context.issuer,
          // The ID token was issued to this very client.
          audience: clientId,
          requiredClaims: ["sub", "exp"],
        });
        subject = String(payload.sub);
      } catch {
        throw new errors.InvalidGrant("the subject_token is not a valid ID token for this client");
      }
      const scopes = scopeList(params.scope);
      const jag = await new SignJWT({
        sub: subject,
        client_id: clients.get(clientId)?.idJagClientId ?? clientId,
        resource,
        ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
      })
        .setProtectedHeader({ alg: "ES256", typ: ID_JAG_JWT_TYPE, kid: context.signingKey.kid })
        .setIssuer(context.issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("5m")
        .setJti(randomUUID())
        .sign(context.signingKey.key);
      ctx.body = {
        access_token: jag,
        issued_token_type: ID_JAG_TOKEN_TYPE,
        // RFC 8693 §2.2.1: the issued token is not an access token.
        token_type: "N_A",
        expires_in: 300,
        ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
      };
    },
    ["subject_token", "subject_token_type", "requested_token_type", "audience", "resource", "scope"],
  );
}
