/** @module An MCP server that is an OAuth 2.0 protected resource, on loopback, for tests. */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AuthbusError } from "@authbus/core";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from "jose";
import type { z } from "zod";
import type { AuthServer } from "../auth-server/start-auth-server.js";
import type { TokenStatus } from "../auth-server/token-ledger.js";
import { audienceList, fingerprintToken, peekJwtPayload } from "../shared/fingerprint.js";
import { type LoopbackServer, listenOnLoopback } from "../shared/listen.js";
import { BodyTooLargeError, readBody } from "../shared/read-body.js";
import {
  buildChallenge,
  buildDPoPChallenge,
  type ChallengeFacts,
  type HeaderStyle,
} from "./build-challenge.js";
import { createToolElicitation, type ToolElicitation } from "./tool-elicitation.js";
import { VerifiedTokens } from "./verified-tokens.js";
import { DEFAULT_DPOP_ALGORITHMS, DPoPNonces, JtiReplayCache, verifyDPoPProof } from "./verify-dpop-proof.js";

/** What a tool handler learns about the caller (from the verified access token). */
export interface ToolCallContext {
  /** The token's `sub`. */
  subject: string;
  clientId: string | undefined;
  /** The token's scopes. */
  scopes: readonly string[];
  /** The token's `acr`, if any. */
  acr: string | undefined;
  /** The MCP server's name. */
  server: string;
  /** URL-mode elicitation towards the calling client (see `requireThirdParty`). */
  elicitation?: ToolElicitation;
}

/** One tool of a protected MCP server. */
export interface ProtectedToolSpec {
  name: string;
  description?: string;
  /** Every scope the tool needs; a call without all of them gets 403 `insufficient_scope`. */
  scopes: readonly string[];
  /** A zod raw shape for the arguments (default: no arguments). */
  inputSchema?: Readonly<Record<string, z.ZodType>>;
  /**
   * Runs the tool. A string becomes text content, a `CallToolResult` passes through, anything
   * else is JSON text. Default: a text result naming the tool.
   */
  handler?: (args: Record<string, unknown>, context: ToolCallContext) => unknown;
  /** RFC 9470: the `acr` the token must carry; otherwise 401 `insufficient_user_authentication`. */
  requiresAcr?: string;
  /** MCP tool annotations (`readOnlyHint`, `idempotentHint`, `destructiveHint`, …) listed with the tool. */
  annotations?: ToolAnnotations;
}

/** Options of {@link startProtectedMCPServer}. */
export interface ProtectedMCPServerOptions {
  /** Server name (MCP `serverInfo.name`, RFC 9728 `resource_name` by default). */
  name: string;
  /**
   * The authorization server: the handle from `startAuthServer` (the resource registers itself
   * and revocation is checked in process) or its issuer URL (the resource registers over HTTP
   * with a testkit authorization server and revocation is checked over HTTP).
   */
  authServer: AuthServer | string;
  tools: readonly ProtectedToolSpec[];
  /** Path of the streamable HTTP endpoint, which is also the resource URL's path. Default `/mcp`. */
  path?: string;
  /** Port on 127.0.0.1; default 0. */
  port?: number;
  /** How challenges are written; default `standard`. */
  headerStyle?: HeaderStyle;
  /** Publish this (wrong) `resource` in the metadata, to test clients' RFC 9728 §3.3 check. */
  metadataResource?: string;
  /** RFC 9728 `resource_name`; default `name`. */
  resourceName?: string;
  /** MCP `instructions` returned by `initialize`. */
  instructions?: string;
  /** Register the resource and its scopes with the authorization server at start; default true. */
  registerWithAuthServer?: boolean;
  /** Access token lifetime (seconds) the authorization server uses for this resource. */
  accessTokenTTL?: number;
  /**
   * Scopes to name in the 401 sent to a request without a token (MCP 2025-11-25 scope selection:
   * clients prefer this `scope` over `scopes_supported`). Default: none, the challenge carries only
   * `resource_metadata`.
   */
  initialScope?: readonly string[];
  /** Answer POSTs with JSON instead of an SSE stream (streamable HTTP); default false. */
  jsonResponse?: boolean;
  /**
   * Take only DPoP-bound access tokens (RFC 9449): `Authorization: DPoP <token>` with a `DPoP`
   * proof per request — signature, `htm`, `htu`, `iat`, `ath`, `jti` replay, and the proof key
   * matching the token's `cnf.jkt` — and, with `requireNonce`, a nonce of this server (§9).
   * The metadata then says `dpop_bound_access_tokens_required` and challenges use the `DPoP`
   * scheme. Default off: Bearer tokens only (a DPoP-bound token is never taken as Bearer, §7.2).
   */
  dpop?: boolean | ProtectedResourceDPoPOptions;
}

/** DPoP options of {@link startProtectedMCPServer}. */
export interface ProtectedResourceDPoPOptions {
  /**
   * Require a nonce of this server in every proof (RFC 9449 §9): a proof without the current
   * (or the previous) nonce gets `401 DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` header;
   * a request whose proof carried an older nonce than the current one gets the new one in
   * `DPoP-Nonce` on success. Default false.
   */
  requireNonce?: boolean;
  /** Seconds a nonce is current before the next one is issued; default 300. See `rotateDPoPNonce`. */
  nonceLifetime?: number;
  /** Accepted proof algorithms, also advertised (RFC 9728 `dpop_signing_alg_values_supported`). */
  algorithms?: readonly string[];
  /** How far a proof's `iat` may be from the server's clock, in seconds; default 60. */
  maxProofAge?: number;
}

/** A token that reached the server, named by fingerprint (never the token). */
export interface ReceivedToken {
  fingerprint: string;
  /** The token's `aud` as read (unverified) from it; empty when it was not a JWT. */
  audience: readonly string[];
  jti: string | undefined;
  /** Whether the token was accepted (valid, for this resource, active). */
  accepted: boolean;
  /** The `Authorization` scheme it came with, lower-cased: `bearer` or `dpop`. */
  scheme: string;
  /** ms since the epoch. */
  receivedAt: number;
}

/** A running protected MCP server. Dispose with `await using` or `close()`. */
export interface ProtectedMCPServer {
  readonly name: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** The streamable HTTP endpoint, which is the resource identifier (RFC 8707, RFC 9728 `resource`). */
  readonly url: string;
  /** Same as `url`. */
  readonly resource: string;
  /** The legacy SSE endpoint (`GET`), under the resource path so the resource still matches. */
  readonly sseUrl: string;
  /** Where the SSE transport takes POSTed messages. */
  readonly messagesUrl: string;
  /** RFC 9728 §3.1 path-inserted metadata URL, as sent in `resource_metadata`. */
  readonly resourceMetadataUrl: string;
  /** The same metadata at the root `/.well-known/oauth-protected-resource`. */
  readonly rootResourceMetadataUrl: string;
  readonly issuer: string;
  /** Union of the tools' scopes. */
  readonly scopesSupported: readonly string[];
  /** Executed tool calls per tool name (calls refused with 401/403 are not counted). */
  readonly calls: ReadonlyMap<string, number>;
  callCount(tool: string): number;
  /** Every bearer token that reached the server, in order. */
  readonly receivedTokens: readonly ReceivedToken[];
  /** Received tokens whose audience is not this resource (a client sent a token to the wrong server). */
  foreignTokens(): ReceivedToken[];
  /** Open MCP sessions (streamable HTTP and SSE). */
  readonly openSessions: number;
  /** Every HTTP request the server received, on any path (MCP messages, SSE, metadata), refused ones too. */
  readonly requests: number;
  /** Clears `requests`, `calls`, `receivedTokens` and `dpopNonceChallenges`. */
  resetCounters(): void;
  /** Requests answered `use_dpop_nonce` (with the `dpop` option's `requireNonce`). */
  readonly dpopNonceChallenges: number;
  /**
   * Issues a new DPoP nonce now (RFC 9449 §9) and returns it. The old one stays accepted only
   * with `keepPrevious` (then clients learn the new one from `DPoP-Nonce` on a success);
   * otherwise their next request is answered `use_dpop_nonce`.
   *
   * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` when the server does not require DPoP nonces.
   */
  rotateDPoPNonce(options?: { keepPrevious?: boolean }): string;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface VerifiedToken {
  token: string;
  payload: JWTPayload;
  scopes: string[];
  subject: string;
  clientId: string | undefined;
  acr: string | undefined;
}

type AuthOutcome =
  | { kind: "ok"; verified: VerifiedToken; headers?: Record<string, string> }
  | {
      kind: "challenge";
      status: 400 | 401;
      facts: Omit<ChallengeFacts, "resourceMetadata">;
      headers?: Record<string, string>;
    };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function validateOptions(options: ProtectedMCPServerOptions): void {
  const fail = (message: string): never => {
    throw new AuthbusError({ code: "TESTKIT_INVALID_OPTIONS", message });
  };
  if (!options.name) fail("name is required");
  if (!options.authServer) fail("authServer is required");
  if (!Array.isArray(options.tools) || options.tools.length === 0)
    fail(`server ${options.name}: tools must not be empty`);
  const names = new Set<string>();
  for (const tool of options.tools) {
    if (!tool.name) fail(`server ${options.name}: a tool has no name`);
    if (names.has(tool.name)) fail(`server ${options.name}: tool ${tool.name} is listed twice`);
    names.add(tool.name);
    if (!Array.isArray(tool.scopes) || tool.scopes.length === 0) {
      fail(`server ${options.name}: tool ${tool.name} needs at least one scope`);
    }
    for (const scope of tool.scopes) {
      // RFC 6749 §3.3 scope-token
      if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) fail(`tool ${tool.name}: invalid scope token ${scope}`);
    }
    if (tool.requiresAcr !== undefined && tool.requiresAcr.trim() === "") {
      fail(`tool ${tool.name}: requiresAcr must not be empty`);
    }
  }
  const path = options.path ?? "/mcp";
  if (!/^\/[A-Za-z0-9\-._~/]*[A-Za-z0-9\-._~]$/.test(path) || path.includes("//")) {
    fail(`path must start with "/" and not end with "/": ${path}`);
  }
  if (options.metadataResource !== undefined && !URL.canParse(options.metadataResource)) {
    fail("metadataResource must be an absolute URL");
  }
  if (typeof options.dpop === "object") {
    const { nonceLifetime, maxProofAge, algorithms } = options.dpop;
    for (const [name, value] of Object.entries({ nonceLifetime, maxProofAge })) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
        fail(`dpop.${name} must be a positive whole number of seconds`);
      }
    }
    if (
      algorithms !== undefined &&
      (algorithms.length === 0 || algorithms.some((a) => /^(none|HS)/.test(a)))
    ) {
      fail("dpop.algorithms must list asymmetric JWS algorithms");
    }
  }
}

function toToolResult(value: unknown, toolName: string): CallToolResult {
  if (value === undefined) return { content: [{ type: "text", text: `${toolName}: done` }] };
  if (typeof value === "string") return { content: [{ type: "text", text: value }] };
  if (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { content?: unknown }).content)
  ) {
    return value as CallToolResult;
  }
  return {
    content: [{ type: "text", text: JSON.stringify(value) }],
    ...(typeof value === "object" && value !== null && !Array.isArray(value)
      ? { structuredContent: value as Record<string, unknown> }
      : {}),
  };
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (m) => typeof m === "object" && m !== null && (m as { method?: unknown }).method === "initialize",
  );
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, DPoP-Nonce",
};

/**
 * Starts an MCP server (streamable HTTP at `path`, legacy SSE at `path/sse` + `path/messages`) on
 * 127.0.0.1 that is an OAuth 2.0 protected resource: it verifies JWT access tokens (RFC 9068:
 * signature, `iss`, `aud` = its resource URL, `exp`, not revoked), answers 401 without a token or
 * with a bad one, 403 `insufficient_scope` when a `tools/call` lacks the tool's scopes, 401
 * `insufficient_user_authentication` when a tool needs a stronger `acr`, and serves its RFC 9728
 * metadata at the path-inserted and root well-known URLs.
 *
 * @see RFC 6750 §3, RFC 9728 §3 and §5, RFC 9470 §3, RFC 8707, RFC 9068 §4, MCP 2025-11-25 Authorization
 * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` for a tool without scopes, a duplicate tool or a bad path;
 *   `TESTKIT_UNKNOWN_RESOURCE` when the authorization server refuses to register the resource.
 * @example
 * await using calendar = await startProtectedMCPServer({
 *   name: "calendar",
 *   authServer: as,
 *   tools: [{ name: "list_events", scopes: ["calendar.read"], handler: () => "[]" }],
 * });
 * calendar.url; // "http://127.0.0.1:PORT/mcp"
 */
export async function startProtectedMCPServer(
  options: ProtectedMCPServerOptions,
): Promise<ProtectedMCPServer> {
  validateOptions(options);
  const path = options.path ?? "/mcp";
  const style: HeaderStyle = options.headerStyle ?? "standard";
  const handleAs = typeof options.authServer === "string" ? undefined : options.authServer;
  const issuer = (
    typeof options.authServer === "string" ? options.authServer : options.authServer.issuer
  ).replace(/\/$/, "");
  const tools = new Map(options.tools.map((t) => [t.name, t]));
  const scopesSupported = [...new Set(options.tools.flatMap((t) => t.scopes))];

  let jwks: JSONWebKeySet;
  if (handleAs) {
    jwks = handleAs.jwks as JSONWebKeySet;
  } else {
    try {
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
        jwks_uri?: string;
      };
      jwks = (await (await fetch(discovery.jwks_uri ?? `${issuer}/jwks`)).json()) as JSONWebKeySet;
    } catch (error) {
      throw new AuthbusError({
        code: "TESTKIT_INVALID_OPTIONS",
        message: `cannot read the JWKS of ${issuer}`,
        cause: error,
      });
    }
  }
  const keySet = createLocalJWKSet(jwks);
  // A session's requests all carry one token: its signature is checked once.
  const verifiedTokens = new VerifiedTokens();
  // One validator for every session's server (each would otherwise build its own Ajv).
  const jsonSchemaValidator = new AjvJsonSchemaValidator();

  const calls = new Map<string, number>();
  let requests = 0;
  const receivedTokens: ReceivedToken[] = [];
  const streamable = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  const sse = new Map<string, { transport: SSEServerTransport; server: McpServer }>();

  // Filled in once the port is known.
  let resource = "";
  let resourceMetadataUrl = "";
  let closed = false;

  const tokenStatus = async (jti: string): Promise<TokenStatus> => {
    if (handleAs) return handleAs.tokenStatus(jti);
    try {
      const response = await fetch(`${issuer}/testkit/token-status?jti=${encodeURIComponent(jti)}`);
      return response.ok ? ((await response.json()) as TokenStatus) : { active: true };
    } catch {
      return { active: true };
    }
  };

  const dpop = options.dpop === true ? {} : options.dpop || undefined;
  const dpopAlgorithms = [...(dpop?.algorithms ?? DEFAULT_DPOP_ALGORITHMS)];
  const maxProofAge = dpop?.maxProofAge ?? 60;
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const replay = new JtiReplayCache();
  const nonces = dpop?.requireNonce ? new DPoPNonces(dpop.nonceLifetime ?? 300, nowSeconds()) : undefined;
  let dpopNonceChallenges = 0;

  /** RFC 9449 §4.3 and §9: the request's proof, its replay and its nonce. */
  const checkProof = async (
    req: IncomingMessage,
    url: URL,
    token: string,
  ): Promise<
    { ok: true; jkt: string; headers: Record<string, string> } | Extract<AuthOutcome, { kind: "challenge" }>
  > => {
    const now = nowSeconds();
    const header = req.headers.dpop;
    const checked = await verifyDPoPProof(Array.isArray(header) ? header.join(",") : header, {
      method: req.method ?? "GET",
      url: url.href,
      accessToken: token,
      algorithms: dpopAlgorithms,
      maxAgeSeconds: maxProofAge,
      now,
    });
    const invalidProof = { kind: "challenge", status: 401, facts: { error: "invalid_dpop_proof" } } as const;
    if (!checked.ok) return invalidProof;
    // RFC 9449 §11.1: a proof is accepted once (its jti is kept while its iat is acceptable).
    if (!replay.firstUse(checked.proof.jkt, checked.proof.jti, now + 2 * maxProofAge, now))
      return invalidProof;
    if (!nonces) return { ok: true, jkt: checked.proof.jkt, headers: {} };
    const current = nonces.current(now);
    if (!nonces.accepts(checked.proof.nonce, now)) {
      dpopNonceChallenges += 1;
      return {
        kind: "challenge",
        status: 401,
        facts: { error: "use_dpop_nonce" },
        headers: { "dpop-nonce": current },
      };
    }
    // RFC 9449 §9: a proof signed with the previous nonce is taken, and the next one handed out.
    return {
      ok: true,
      jkt: checked.proof.jkt,
      headers: checked.proof.nonce === current ? {} : { "dpop-nonce": current },
    };
  };

  const authenticate = async (req: IncomingMessage, url: URL): Promise<AuthOutcome> => {
    const header = req.headers.authorization;
    const match = header ? /^(\S+)(?: +(.*))?$/.exec(header) : null;
    const scheme = match?.[1]?.toLowerCase();
    // RFC 6750 §3.1, RFC 9449 §7.1: a request without credentials for the scheme this server
    // takes gets a challenge with no error code.
    if (!match || scheme !== (dpop ? "dpop" : "bearer")) return { kind: "challenge", status: 401, facts: {} };
    const token = (match[2] ?? "").trim();
    if (!B64TOKEN.test(token)) return { kind: "challenge", status: 400, facts: { error: "invalid_request" } };

    const peeked = peekJwtPayload(token);
    const record: ReceivedToken = {
      fingerprint: fingerprintToken(token),
      audience: audienceList(peeked?.aud),
      jti: typeof peeked?.jti === "string" ? peeked.jti : undefined,
      accepted: false,
      receivedAt: Date.now(),
      scheme: scheme ?? "",
    };
    receivedTokens.push(record);
    const proof = dpop ? await checkProof(req, url, token) : undefined;
    if (proof && !("ok" in proof)) return proof;
    const invalid: AuthOutcome = { kind: "challenge", status: 401, facts: { error: "invalid_token" } };
    let payload: JWTPayload | undefined = verifiedTokens.get(token, nowSeconds());
    if (!payload) {
      try {
        // RFC 9068 §4: typ at+jwt, iss, aud = this resource (RFC 8707), exp.
        ({ payload } = await jwtVerify(token, keySet, {
          issuer,
          audience: resource,
          typ: "at+jwt",
          algorithms: ["ES256", "RS256", "PS256", "EdDSA"],
          requiredClaims: ["exp", "sub", "jti"],
        }));
      } catch {
        return invalid;
      }
      verifiedTokens.remember(token, payload);
    }
    // RFC 9449 §7.1, §7.2: a DPoP-bound token comes with a proof of its key (cnf.jkt, RFC 9449
    // §6), and is never taken as a Bearer token.
    const cnf = payload.cnf as { jkt?: unknown } | undefined;
    if (proof ? cnf?.jkt !== proof.jkt : cnf !== undefined) return invalid;
    const status = await tokenStatus(String(payload.jti));
    if (!status.active) return invalid;
    record.accepted = true;
    return {
      kind: "ok",
      ...(proof ? { headers: proof.headers } : {}),
      verified: {
        token,
        payload,
        scopes: typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [],
        subject: String(payload.sub),
        clientId: typeof payload.client_id === "string" ? payload.client_id : undefined,
        acr: typeof payload.acr === "string" ? payload.acr : undefined,
      },
    };
  };

  const challenge = (
    res: ServerResponse,
    status: number,
    facts: Omit<ChallengeFacts, "resourceMetadata">,
    headers: Record<string, string> = {},
  ): void => {
    const full = { ...facts, resourceMetadata: resourceMetadataUrl };
    res.writeHead(status, {
      ...CORS_HEADERS,
      ...headers,
      "content-type": "application/json",
      // RFC 9449 §7.1: a server that takes only DPoP-bound tokens challenges with the DPoP scheme.
      "www-authenticate": dpop ? buildDPoPChallenge(dpopAlgorithms, full) : buildChallenge(style, full),
    });
    res.end(JSON.stringify({ error: facts.error ?? "unauthorized" }));
  };

  /** Scope and acr checks on `tools/call` (they need the JSON-RPC body, so they run before the transport). */
  const checkToolCalls = (
    body: unknown,
    verified: VerifiedToken,
  ): Omit<ChallengeFacts, "resourceMetadata"> | undefined => {
    const messages = Array.isArray(body) ? body : [body];
    for (const message of messages) {
      if (typeof message !== "object" || message === null) continue;
      const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
      if (method !== "tools/call" || typeof params?.name !== "string") continue;
      const tool = tools.get(params.name);
      if (!tool) continue;
      const held = new Set(verified.scopes);
      // RFC 6750 §3.1 / MCP scope challenge: name every scope the tool needs.
      if (!tool.scopes.every((s) => held.has(s)))
        return { error: "insufficient_scope", scope: tool.scopes.join(" ") };
      // RFC 9470 §3: the token's authentication level is not enough for this tool.
      if (tool.requiresAcr !== undefined && verified.acr !== tool.requiresAcr) {
        return { error: "insufficient_user_authentication", acrValues: tool.requiresAcr };
      }
    }
    return undefined;
  };

  const createMcpServer = (): McpServer => {
    const server = new McpServer(
      { name: options.name, version: "0.1.0" },
      {
        capabilities: { tools: {} },
        jsonSchemaValidator,
        ...(options.instructions ? { instructions: options.instructions } : {}),
      },
    );
    for (const tool of options.tools) {
      server.registerTool(
        tool.name,
        {
          ...(tool.description ? { description: tool.description } : {}),
          inputSchema: (tool.inputSchema ?? {}) as Record<string, z.ZodType>,
          ...(tool.annotations ? { annotations: tool.annotations } : {}),
        },
        async (
          args: Record<string, unknown>,
          extra: { authInfo?: { extra?: Record<string, unknown> }; requestId: string | number },
        ) => {
          const auth = extra.authInfo?.extra as { context?: ToolCallContext } | undefined;
          const context: ToolCallContext = {
            ...(auth?.context ?? {
              subject: "",
              clientId: undefined,
              scopes: [],
              acr: undefined,
              server: options.name,
            }),
            elicitation: createToolElicitation(server, extra),
          };
          calls.set(tool.name, (calls.get(tool.name) ?? 0) + 1);
          const result = tool.handler ? await tool.handler(args, context) : undefined;
          return toToolResult(result, tool.name);
        },
      );
    }
    return server;
  };

  const authInfoFor = (verified: VerifiedToken) => ({
    token: verified.token,
    clientId: verified.clientId ?? "",
    scopes: verified.scopes,
    ...(typeof verified.payload.exp === "number" ? { expiresAt: verified.payload.exp } : {}),
    resource: new URL(resource),
    extra: {
      context: {
        subject: verified.subject,
        clientId: verified.clientId,
        scopes: verified.scopes,
        acr: verified.acr,
        server: options.name,
      } satisfies ToolCallContext,
    },
  });

  const readJson = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ ok: true; body: unknown } | { ok: false }> => {
    let text: string;
    try {
      text = await readBody(req, 4 * 1024 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLargeError) jsonRpcError(res, 413, -32600, "Request body too large");
      else jsonRpcError(res, 400, -32700, "Parse error");
      return { ok: false };
    }
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch {
      jsonRpcError(res, 400, -32700, "Parse error: invalid JSON");
      return { ok: false };
    }
  };

  const handleStreamable = async (
    req: IncomingMessage & { auth?: unknown },
    res: ServerResponse,
    verified: VerifiedToken,
  ) => {
    let body: unknown;
    if (req.method === "POST") {
      const parsed = await readJson(req, res);
      if (!parsed.ok) return;
      body = parsed.body;
      const problem = checkToolCalls(body, verified);
      if (problem) {
        challenge(res, problem.error === "insufficient_scope" ? 403 : 401, problem);
        return;
      }
    }
    req.auth = authInfoFor(verified);
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const session = streamable.get(sessionId);
      if (!session) {
        jsonRpcError(res, 404, -32001, "Session not found");
        return;
      }
      await session.transport.handleRequest(
        req as Parameters<StreamableHTTPServerTransport["handleRequest"]>[0],
        res,
        body,
      );
      return;
    }
    if (req.method !== "POST" || !isInitialize(body)) {
      jsonRpcError(res, 400, -32000, "Bad Request: no valid session ID provided");
      return;
    }
    const server = createMcpServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: options.jsonResponse ?? false,
      onsessioninitialized: (id) => {
        streamable.set(id, { transport, server });
      },
      onsessionclosed: (id) => {
        streamable.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) streamable.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(
      req as Parameters<StreamableHTTPServerTransport["handleRequest"]>[0],
      res,
      body,
    );
  };

  const handleSse = async (
    req: IncomingMessage & { auth?: unknown },
    res: ServerResponse,
    verified: VerifiedToken,
    isStream: boolean,
  ) => {
    if (isStream) {
      if (req.method !== "GET") {
        res.writeHead(405, { allow: "GET" }).end();
        return;
      }
      const server = createMcpServer();
      const transport = new SSEServerTransport(`${path}/messages`, res);
      sse.set(transport.sessionId, { transport, server });
      transport.onclose = () => {
        sse.delete(transport.sessionId);
      };
      res.on("close", () => {
        sse.delete(transport.sessionId);
        void server.close();
      });
      await server.connect(transport);
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const sessionId = new URL(req.url ?? "/", resource).searchParams.get("sessionId") ?? "";
    const session = sse.get(sessionId);
    if (!session) {
      jsonRpcError(res, 404, -32001, "Session not found");
      return;
    }
    const parsed = await readJson(req, res);
    if (!parsed.ok) return;
    const problem = checkToolCalls(parsed.body, verified);
    if (problem) {
      challenge(res, problem.error === "insufficient_scope" ? 403 : 401, problem);
      return;
    }
    req.auth = authInfoFor(verified);
    await session.transport.handlePostMessage(
      req as Parameters<SSEServerTransport["handlePostMessage"]>[0],
      res,
      parsed.body,
    );
  };

  const metadata = () => ({
    // RFC 9728 §2 / §3.3: `resource` must equal the resource identifier the client used.
    resource: options.metadataResource ?? resource,
    authorization_servers: [issuer],
    scopes_supported: scopesSupported,
    bearer_methods_supported: ["header"],
    resource_name: options.resourceName ?? options.name,
    // RFC 9728 §2: the proof algorithms taken, and that Bearer tokens are not.
    ...(dpop
      ? { dpop_signing_alg_values_supported: dpopAlgorithms, dpop_bound_access_tokens_required: true }
      : {}),
  });

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", resource);
    if (closed) {
      res.writeHead(503).end();
      return;
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        ...CORS_HEADERS,
        "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
        "access-control-allow-headers":
          "Authorization, DPoP, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID",
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    // RFC 9728 §3.1: path-inserted metadata URL, and the root one for clients that try it.
    if (
      url.pathname === `/.well-known/oauth-protected-resource${path}` ||
      url.pathname === "/.well-known/oauth-protected-resource"
    ) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      res.writeHead(200, {
        ...CORS_HEADERS,
        "content-type": "application/json",
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : JSON.stringify(metadata()));
      return;
    }
    const isStreamable = url.pathname === path;
    const isSseStream = url.pathname === `${path}/sse`;
    const isSseMessages = url.pathname === `${path}/messages`;
    if (!isStreamable && !isSseStream && !isSseMessages) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    // Every MCP request, `initialize` and the SSE GET included, needs a valid token first.
    const outcome = await authenticate(req, url);
    if (outcome.kind === "challenge") {
      const initial =
        !outcome.facts.error && options.initialScope?.length ? options.initialScope.join(" ") : undefined;
      challenge(
        res,
        outcome.status,
        initial ? { ...outcome.facts, scope: initial } : outcome.facts,
        outcome.headers,
      );
      return;
    }
    for (const [name, value] of Object.entries(outcome.headers ?? {})) res.setHeader(name, value);
    if (isStreamable) await handleStreamable(req, res, outcome.verified);
    else await handleSse(req, res, outcome.verified, isSseStream);
  };

  let loopback: LoopbackServer;
  loopback = await listenOnLoopback((req, res) => {
    requests += 1;
    handler(req, res).catch(() => {
      if (!res.headersSent) jsonRpcError(res, 500, -32603, "Internal error");
      else res.end();
    });
  }, options.port ?? 0);
  resource = `${loopback.origin}${path}`;
  resourceMetadataUrl = `${loopback.origin}/.well-known/oauth-protected-resource${path}`;

  if (options.registerWithAuthServer ?? true) {
    const extra = {
      name: options.resourceName ?? options.name,
      ...(options.accessTokenTTL !== undefined ? { accessTokenTTL: options.accessTokenTTL } : {}),
    };
    try {
      if (handleAs) {
        handleAs.registerResource(resource, scopesSupported, extra);
      } else {
        const response = await fetch(`${issuer}/testkit/resources`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ resource, scopes: scopesSupported, ...extra }),
        });
        if (response.status !== 201) throw new Error(`status ${response.status}`);
      }
    } catch (error) {
      await loopback.close();
      throw new AuthbusError({
        code: "TESTKIT_UNKNOWN_RESOURCE",
        message: `the authorization server ${issuer} did not register ${resource}`,
        cause: error,
      });
    }
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      const sessions = [...streamable.values(), ...sse.values()];
      streamable.clear();
      sse.clear();
      await Promise.allSettled(
        sessions.map(async ({ transport, server }) => {
          await transport.close();
          await server.close();
        }),
      );
      await loopback.close();
    })();
    return closing;
  };

  return {
    name: options.name,
    origin: loopback.origin,
    url: resource,
    resource,
    sseUrl: `${resource}/sse`,
    messagesUrl: `${resource}/messages`,
    resourceMetadataUrl,
    rootResourceMetadataUrl: `${loopback.origin}/.well-known/oauth-protected-resource`,
    issuer,
    scopesSupported,
    calls,
    callCount: (tool) => calls.get(tool) ?? 0,
    get receivedTokens() {
      return receivedTokens.map((t) => ({ ...t }));
    },
    foreignTokens: () => receivedTokens.filter((t) => !t.audience.includes(resource)).map((t) => ({ ...t })),
    get openSessions() {
      return streamable.size + sse.size;
    },
    get requests() {
      return requests;
    },
    resetCounters() {
      requests = 0;
      calls.clear();
      receivedTokens.length = 0;
      dpopNonceChallenges = 0;
    },
    get dpopNonceChallenges() {
      return dpopNonceChallenges;
    },
    rotateDPoPNonce(rotation = {}) {
      if (!nonces) {
        throw new AuthbusError({
          code: "TESTKIT_INVALID_OPTIONS",
          message: `server ${options.name} does not use DPoP nonces`,
        });
      }
      return nonces.rotate(rotation.keepPrevious === true, nowSeconds());
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
