/** @module `createAuthbus`: every part composed once, with each store passed once. */
import {
  type AuthBus,
  type ConsentOutcome,
  type ConsentStore,
  type ConsentWaitStore,
  createAuthBus,
  type LeaseStore,
  normalizeResource,
  type TokenRefresher,
  type TokenStore,
} from "@authbus/core";
import { authToolNode } from "@authbus/langgraph";
import {
  type CreateMCPClientOptions,
  createMCPClient,
  createUrlElicitations,
  type MCPClient,
  type MCPServerConfig,
  type ToolCatalog,
  type UrlElicitations,
} from "@authbus/mcp";
import {
  type ClientConfig,
  type ClientRegistrationStore,
  type Consents,
  type ConsentsOptions,
  createClientMetadataDocument,
  createConsents,
  createDiscovery,
  createRefresher,
  type Discovery,
  type HttpOptions,
} from "@authbus/oauth";
import { ConsentNotSettledError } from "./errors/consent-session-error.js";
import { checkConsentOwner, createFetchHandler, type RequestIdentity } from "./http/create-fetch-handler.js";
import type { AuthbusPage } from "./http/default-page.js";
import { createAuthbusMiddleware } from "./middleware/create-authbus-middleware.js";
import { createClientPool } from "./pool/create-client-pool.js";
import {
  type AttachOptions,
  createResumer,
  type RecoveryReport,
  type ResumableGraph,
  type ResumeReport,
} from "./resume/create-resumer.js";
import { outsideRuns } from "./resume/outside-runs.js";

/** Every store authbus keeps state in, passed once: `openSqliteStores()` or memory stores. */
export interface AuthbusStores {
  tokens: TokenStore;
  consents: ConsentStore;
  registrations: ClientRegistrationStore;
  /** Which threads wait on which consent, and tool calls under way. */
  waits: ConsentWaitStore;
  /** Each server's last tool list, so `connect_<server>` stand-ins still describe it after a restart. */
  toolCatalog?: ToolCatalog;
  /**
   * Leases shared by every process (the SQLite and Postgres stores have them): with several
   * workers, a thread is resumed by one worker at a time, whichever got the consent's event.
   */
  leases?: LeaseStore;
}

/** Options of {@link createAuthbus}. */
export interface CreateAuthbusOptions {
  /** The MCP servers the agent may use, by name. */
  servers: Readonly<Record<string, MCPServerConfig>>;
  stores: AuthbusStores;
  /**
   * The app's public base URL. Cards link to `{baseUrl}/consents/:id/authorize`, authorization
   * servers send the person back to `{baseUrl}/oauth/callback` (the redirect URI), and
   * {@link Authbus.fetch} serves both.
   */
  baseUrl: string;
  /**
   * How this app identifies itself to authorization servers: pre-registered clients, or a
   * `metadataUrl` where {@link Authbus.fetch} serves its Client ID Metadata Document. Default:
   * dynamic registration (kept in `stores.registrations`).
   */
  client?: Omit<ClientConfig, "redirectUri"> & { clientUri?: string; logoUri?: string };
  /** Default: a new bus. */
  bus?: AuthBus;
  /**
   * Consent lifetime, DPoP, retry limit, and how each consent reaches the person: `channel`
   * (`"redirect"` by default, `"ciba"` or `"device"`), with `loginHint` and `bindingMessage` for
   * CIBA. A CIBA or device consent has no callback: authbus waits for its outcome
   * (`consents.wait()`) and resumes its threads itself, once, as after a callback.
   */
  consent?: Pick<
    ConsentsOptions,
    "ttlSeconds" | "dpop" | "maxConsentsPerOperation" | "channel" | "loginHint" | "bindingMessage"
  >;
  /** Transport options for discovery, registration, consent and refresh. */
  http?: HttpOptions;
  /** Options of each subject's MCP client. */
  mcp?: Pick<CreateMCPClientOptions, "loadToolsOptions" | "clientInfo" | "fetch" | "onUnauthorized">;
  /** Per-subject MCP clients: at most `max` open (default 200), closed after `idleMs` unused (default 5 min). */
  pool?: { max?: number; idleMs?: number };
  /** The app session and user of a request to {@link Authbus.fetch} (e.g. read from your session cookie). */
  identify?: (request: Request) => RequestIdentity | undefined | Promise<RequestIdentity | undefined>;
  /** The page (or redirect) {@link Authbus.fetch} answers with. Default: a small HTML page that tells a popup's opener. */
  respond?: (page: AuthbusPage, request: Request) => Response | Promise<Response>;
  /** Failures of work done in the background (resuming a thread). Default: ignored; recovery retries on start. */
  onError?: (error: unknown, where: { consentId?: string; threadId?: string }) => void;
  /**
   * How a killed worker's work is taken over (with `stores.leases`): `leaseMs`, how long a
   * thread's lease and this process's runner lease last between renewals (default 30 s), and
   * `sweepIntervalMs`, how often on average a sweep resumes threads whose resume was lost and
   * finishes runs whose tool calls a dead worker left open (default `leaseMs`; `false`: only
   * `recover()` on attach does it). Without leases there is no sweep unless you set one.
   */
  recovery?: { leaseMs?: number; sweepIntervalMs?: number | false };
}

/** What {@link createAuthbus} returns: the entry points, and every part underneath. */
export interface Authbus {
  /** `createAgent` middleware: offers each user's current tools and pauses for consent. Runs pass `context: { subject, session? }`. */
  middleware(): ReturnType<typeof createAuthbusMiddleware>;
  /**
   * The tool node for a hand-built graph (pair it with a model node that binds
   * `await authbus.client(subject).getTools()`); runs pass `configurable: { subject, session? }`.
   */
  toolNode(): ReturnType<typeof authToolNode>;
  /**
   * The web-standard handler for the consent launch link, the OAuth callback and the CIMD
   * document; `identity` overrides `options.identify` for this request.
   */
  fetch(request: Request, identity?: RequestIdentity): Promise<Response>;
  /**
   * Gives authbus the graph to resume (a `createAgent` agent or a compiled graph) and, unless
   * `recover: false`, runs {@link Authbus.recover}.
   */
  attach(graph: ResumableGraph | { graph: ResumableGraph }, options?: AttachOptions): Promise<RecoveryReport>;
  /**
   * Resumes every thread waiting on a settled consent, once, with how it ended (for apps with
   * their own callback route, after `consents.complete()`).
   *
   * @throws {ConsentNotSettledError} for an unknown or pending consent, or one that ended otherwise.
   * @throws {ConsentSessionError} when `identity` is not the consent's session or user.
   */
  resume(consentId: string, outcome?: ConsentOutcome, identity?: RequestIdentity): Promise<ResumeReport>;
  /**
   * Denies a pending consent (the person closed the card) and resumes its threads, in the
   * background, with how it really ended (a second tab may have granted it first).
   *
   * @throws {ConsentNotSettledError} for an unknown consent.
   * @throws {ConsentSessionError} when `identity` is not the consent's session or user.
   */
  deny(consentId: string, identity?: RequestIdentity): Promise<ResumeReport>;
  /**
   * The person is back from an MCP server's page (a consent of channel `elicitation`, MCP
   * URL-mode elicitation) and says they are done: settles it `granted` and resumes its threads
   * in the background, as the server's `notifications/elicitation/complete` does.
   *
   * @throws {ConsentNotSettledError} for an unknown consent, or one that is not an elicitation.
   * @throws {ConsentSessionError} when `identity` is not the consent's session or user.
   */
  finish(consentId: string, identity?: RequestIdentity): Promise<ResumeReport>;
  /**
   * After a restart: resumes threads whose consent settled meanwhile, finishes runs a dead
   * process left in a tool call, and waits again on CIBA and device consents still pending.
   * With several workers only calls whose worker is gone (its runner lease ran out) count as
   * left; the periodic sweep (see `recovery`) does the same while every worker keeps running.
   */
  recover(): Promise<RecoveryReport>;
  /** Resolves when no resume runs (tests, shutdown). */
  idle(): Promise<void>;
  /** The MCP client of one user, from the pool (it may be closed once idle). */
  client(subject: string): MCPClient;
  readonly bus: AuthBus;
  readonly stores: AuthbusStores;
  readonly tokens: TokenStore;
  readonly consents: Consents;
  /** URL-mode elicitations (MCP 2025-11-25): consents an MCP server asks for with a URL of its own. */
  readonly elicitations: UrlElicitations;
  readonly refresh: TokenRefresher;
  readonly discovery: Discovery;
  /** `{baseUrl}/oauth/callback`. */
  readonly redirectUri: string;
  /** Stops timers, closes the MCP clients; the stores stay open (they are yours). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Composes authbus: one bus, discovery, consents, refresher, a pool of per-subject MCP clients,
 * the LangGraph middleware (or tool node), a `fetch` handler and the consent wait index, over
 * the stores given once. One agent serves every user: each run names its `subject` (and app
 * `session`); a consent is bound to both.
 *
 * @see RFC 6749 §4.1, RFC 7636, RFC 8707, RFC 9207, RFC 9728; MCP Authorization
 * @example
 * const authbus = createAuthbus({
 *   servers: { calendar: { url: "https://calendar.example.com/mcp" } },
 *   stores: openSqliteStores({ path: "authbus.db" }),
 *   baseUrl: "https://app.example.com",
 * });
 * const agent = createAgent({ model, tools: [], checkpointer, middleware: [authbus.middleware()] });
 * await authbus.attach(agent);
 * await agent.invoke(input, { configurable: { thread_id }, context: { subject: "alice", session } });
 * // GET /consents/:id/authorize and /oauth/callback: return authbus.fetch(request, { session });
 */
export function createAuthbus(options: CreateAuthbusOptions): Authbus {
  const { stores } = options;
  const baseUrl = options.baseUrl.endsWith("/") ? options.baseUrl.slice(0, -1) : options.baseUrl;
  const redirectUri = `${baseUrl}/oauth/callback`;
  const { clientUri, logoUri, ...clientRest } = options.client ?? {};
  const client: ClientConfig = { ...clientRest, redirectUri };
  const http = options.http ?? {};
  const bus = options.bus ?? createAuthBus();
  const discovery = createDiscovery(http);
  const consents = createConsents({
    ...http,
    ...options.consent,
    tokens: stores.tokens,
    store: stores.consents,
    registrations: stores.registrations,
    client,
    bus,
    discovery,
    // Cards and checkpoints carry this link; the state-bearing URL is only handed out by `fetch`.
    launchUrl: (consentId) => `${baseUrl}/consents/${encodeURIComponent(consentId)}/authorize`,
  });
  // URL-mode elicitations are consents too (channel `elicitation`, in the same store).
  const elicitations = createUrlElicitations({
    store: stores.consents,
    bus,
    ...(options.consent?.ttlSeconds === undefined ? {} : { ttlSeconds: options.consent.ttlSeconds }),
  });
  const serverNames = new Map(
    Object.entries(options.servers).map(([name, config]) => [
      normalizeResource(config.resource ?? config.url),
      name,
    ]),
  );
  const refresh = createRefresher({
    ...http,
    tokens: stores.tokens,
    bus,
    client,
    registrations: stores.registrations,
    discovery,
    serverName: (key) => serverNames.get(normalizeResource(key.resource)) ?? new URL(key.resource).host,
  });
  const pool = createClientPool({
    ...options.pool,
    create: (subject) =>
      createMCPClient({
        ...options.mcp,
        servers: options.servers,
        tokens: stores.tokens,
        bus,
        subject,
        refresh,
        elicitations,
        ...(stores.toolCatalog ? { toolCatalog: stores.toolCatalog } : {}),
      }),
  });
  const onError = options.onError ?? (() => undefined);
  const resumer = createResumer({
    consents,
    waits: stores.waits,
    onError,
    ...(stores.leases ? { leases: stores.leases } : {}),
    ...(options.recovery?.leaseMs === undefined ? {} : { leaseMs: options.recovery.leaseMs }),
    ...(options.recovery?.sweepIntervalMs === undefined
      ? {}
      : { sweepIntervalMs: options.recovery.sweepIntervalMs }),
  });
  // Expiry (the consents' timers, or a lazy check) resumes the waiting threads too.
  const onExpired = ({ consentId }: { consentId: string }): void => {
    resumer.resume(consentId).catch((error: unknown) => onError(error, { consentId }));
  };
  bus.on("consent.expired", onExpired);
  // A URL elicitation completed (the server said so, or the person did): its threads resume.
  const onElicitationCompleted = ({ consentId }: { consentId: string }): void => {
    resumer.resume(consentId).catch((error: unknown) => onError(error, { consentId }));
  };
  bus.on("elicitation.completed", onElicitationCompleted);
  // CIBA and device consents settle by polling, never by a callback: wait for each one's outcome
  // here and resume its threads through the resumer (single-flight per consent, so once).
  const decoupled = new AbortController();
  const awaited = new Set<string>();
  const awaitOutcome = (consentId: string): void => {
    if (awaited.has(consentId) || decoupled.signal.aborted) return;
    awaited.add(consentId);
    consents
      .wait(consentId, { signal: decoupled.signal })
      .then((outcome) => (outcome === undefined ? undefined : resumer.resume(consentId)))
      .catch((error: unknown) => {
        if (!decoupled.signal.aborted) onError(error, { consentId });
      })
      .finally(() => awaited.delete(consentId));
  };
  // `consent.required` fires inside the run that began the consent: the wait, which may last
  // minutes, is kept outside it, so it does not hold that run's context (its state) meanwhile.
  const onRequired = ({ consentId, channel }: { consentId: string; channel?: string | undefined }): void => {
    if (channel === "ciba" || channel === "device") outsideRuns(() => awaitOutcome(consentId));
  };
  bus.on("consent.required", onRequired);
  /** After a restart: the CIBA and device consents still pending are waited on again. */
  const awaitPending = async (report: RecoveryReport): Promise<RecoveryReport> => {
    for (const consentId of report.pending) {
      const view = await consents.get(consentId);
      if (view?.status === "pending" && (view.channel === "ciba" || view.channel === "device"))
        awaitOutcome(consentId);
    }
    return report;
  };

  const callerOptions = {
    client: pool,
    bus,
    consents,
    tokens: stores.tokens,
    consentLookup: stores.consents,
    // Each call is recorded with this process's runner id: other workers leave it alone while we live.
    waits: resumer.calls,
    // A call another live worker holds open (across a URL elicitation) is waited for, not taken for abandoned.
    isCallLiveElsewhere: resumer.isLiveElsewhere,
    elicitations,
  };
  const metadata = options.client?.metadataUrl
    ? {
        url: options.client.metadataUrl,
        document: createClientMetadataDocument({
          redirectUri,
          metadataUrl: options.client.metadataUrl,
          ...(options.client.clientName === undefined ? {} : { clientName: options.client.clientName }),
          ...(clientUri === undefined ? {} : { clientUri }),
          ...(logoUri === undefined ? {} : { logoUri }),
        }),
      }
    : undefined;
  const handle = createFetchHandler({
    baseUrl,
    consents,
    consentStore: stores.consents,
    waits: stores.waits,
    resume: (consentId) => resumer.resume(consentId),
    metadata,
    identify: options.identify,
    respond: options.respond,
    onError,
  });

  const owned = async (consentId: string, identity: RequestIdentity | undefined): Promise<void> => {
    const record = await stores.consents.get(consentId);
    if (!record) throw new ConsentNotSettledError({ consentId, message: `there is no consent ${consentId}` });
    await checkConsentOwner(record, identity, stores.waits);
  };

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      bus.off("consent.expired", onExpired);
      bus.off("consent.required", onRequired);
      bus.off("elicitation.completed", onElicitationCompleted);
      elicitations.close();
      decoupled.abort();
      resumer.close();
      consents.close();
      await resumer.idle();
      await pool.close();
    })();
    return closed;
  };

  return {
    middleware: () => createAuthbusMiddleware(callerOptions),
    toolNode: () => authToolNode(callerOptions),
    fetch: handle,
    attach: (graph, attachOptions) => resumer.attach(graph, attachOptions).then(awaitPending),
    async resume(consentId, outcome, identity) {
      if (identity) await owned(consentId, identity);
      return resumer.resume(consentId, outcome);
    },
    async deny(consentId, identity) {
      await owned(consentId, identity);
      await consents.deny(consentId);
      const view = await consents.get(consentId);
      if (!view || view.status === "pending") {
        throw new ConsentNotSettledError({ consentId, message: `consent ${consentId} could not be denied` });
      }
      const threads = (await stores.waits.findWaits(consentId)).map((wait) => wait.threadId);
      // Resumed in the background, as after a callback (see `idle()`).
      resumer.resume(consentId).catch((error: unknown) => onError(error, { consentId }));
      return { consentId, outcome: view.status, threads };
    },
    async finish(consentId, identity) {
      await owned(consentId, identity);
      const finished = await elicitations.finish(consentId);
      const view = await elicitations.get(consentId);
      if (!view || (!finished && view.status === "pending")) {
        throw new ConsentNotSettledError({
          consentId,
          message: `consent ${consentId} is not a URL elicitation`,
        });
      }
      const threads = (await stores.waits.findWaits(consentId)).map((wait) => wait.threadId);
      // Resumed in the background by `elicitation.completed` (see `idle()`).
      return { consentId, outcome: view.status === "pending" ? "granted" : view.status, threads };
    },
    recover: () => resumer.recover().then(awaitPending),
    idle: () => resumer.idle(),
    client: (subject) => pool.get(subject),
    bus,
    stores,
    tokens: stores.tokens,
    consents,
    elicitations,
    refresh,
    discovery,
    redirectUri,
    close,
    [Symbol.asyncDispose]: close,
  };
}
