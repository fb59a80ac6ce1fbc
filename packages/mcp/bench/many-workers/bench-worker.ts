/**
 * @module One worker of the many-workers benchmark: Postgres stores, the bus bridge, consents,
 * the refresher and one `authFetch` MCP session per (user, server), driven by the parent over IPC.
 */
import {
  type AuthBusBridge,
  bridgeAuthBus,
  createAuthBus,
  isAuthbusError,
  type TokenRefresher,
} from "@authbus/core";
import { createConsents, createRefresher } from "@authbus/oauth";
import { createPostgresBusTransport, openPostgresStores } from "@authbus/oauth/postgres";
import { authFetch } from "../../src/index.js";

interface BenchWorkerConfig {
  name: string;
  databaseUrl: string;
  secret: string;
  redirectUri: string;
  servers: Record<string, { url: string; tool: string }>;
}

type Command =
  | { id: number; type: "call"; subject: string; server: string; consent: boolean }
  | { id: number; type: "complete"; callbackUrl: string }
  | { id: number; type: "stats" }
  | { id: number; type: "close" };

const config = JSON.parse(process.env.AUTHBUS_BENCH_WORKER ?? "{}") as BenchWorkerConfig;
const send = (message: unknown) => process.send?.(message);

// process.memoryUsage.rss() reads the RSS alone (memoryUsage() also walks the V8 heap spaces).
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
sampler.unref();

const bus = createAuthBus();
const stores = await openPostgresStores({
  connectionString: config.databaseUrl,
  secret: config.secret,
  max: 10,
});
const bridge: AuthBusBridge = await bridgeAuthBus({
  bus,
  transport: createPostgresBusTransport({ pool: stores.pool }),
  origin: config.name,
});
const http = { allowHttpLoopback: true };
const consents = createConsents({
  tokens: stores.tokens,
  store: stores.consents,
  registrations: stores.registrations,
  bus,
  client: { redirectUri: config.redirectUri },
  ...http,
});
const refresh: TokenRefresher = createRefresher({
  tokens: stores.tokens,
  bus,
  registrations: stores.registrations,
  client: { redirectUri: config.redirectUri },
  ...http,
});

/** One MCP streamable-HTTP session of one user with one server, every request through authFetch. */
class Session {
  readonly #url: string;
  readonly #fetch: ReturnType<typeof authFetch>;
  #id: string | undefined;
  #opening: Promise<void> | undefined;
  #next = 1;

  constructor(subject: string, serverName: string, url: string) {
    this.#url = url;
    this.#fetch = authFetch({ serverName, resource: url, subject, tokens: stores.tokens, bus, refresh });
  }

  async #post(body: unknown): Promise<Response> {
    return this.#fetch(this.#url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(this.#id ? { "mcp-session-id": this.#id } : {}),
      },
      body: JSON.stringify(body),
    });
  }

  async #open(): Promise<void> {
    const init = await this.#post({
      jsonrpc: "2.0",
      id: this.#next++,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "bench", version: "0" },
      },
    });
    if (!init.ok) throw new Error(`initialize answered ${init.status}`);
    await init.text();
    this.#id = init.headers.get("mcp-session-id") ?? undefined;
    const notified = await this.#post({ jsonrpc: "2.0", method: "notifications/initialized" });
    await notified.text();
  }

  async call(tool: string): Promise<void> {
    if (!this.#id) {
      this.#opening ??= this.#open().finally(() => {
        this.#opening = undefined;
      });
      await this.#opening;
    }
    const response = await this.#post({
      jsonrpc: "2.0",
      id: this.#next++,
      method: "tools/call",
      params: { name: tool, arguments: {} },
    });
    const text = await response.text();
    if (!response.ok || text.includes('"isError":true'))
      throw new Error(`tools/call answered ${response.status}`);
  }
}

const sessions = new Map<string, Session>();
const sessionOf = (subject: string, server: string): Session => {
  const key = `${subject}\u0000${server}`;
  let session = sessions.get(key);
  if (!session) {
    const spec = config.servers[server];
    if (!spec) throw new Error(`unknown server ${server}`);
    session = new Session(subject, server, spec.url);
    sessions.set(key, session);
  }
  return session;
};

async function handle(command: Command): Promise<Record<string, unknown>> {
  switch (command.type) {
    case "call": {
      const spec = config.servers[command.server];
      if (!spec) throw new Error(`unknown server ${command.server}`);
      const session = sessionOf(command.subject, command.server);
      try {
        await session.call(spec.tool);
        return { resultAt: Date.now(), consented: false };
      } catch (error) {
        if (!command.consent || !isAuthbusError(error, "AUTH_CHALLENGE")) throw error;
        const begun = await consents.begin({
          subject: command.subject,
          serverName: command.server,
          resource: spec.url,
          challenge: error,
        });
        send({
          type: "consent",
          id: command.id,
          consentId: begun.consentId,
          authorizationUrl: begun.authorizationUrl,
        });
        // Paused: the consent settles on whichever worker gets the callback; the bridge wakes this wait.
        const outcome = await consents.wait(begun.consentId);
        if (outcome !== "granted") throw new Error(`consent ended ${outcome}`);
        await session.call(spec.tool);
        return { resultAt: Date.now(), consented: true, consentId: begun.consentId };
      }
    }
    case "complete": {
      const result = await consents.complete(command.callbackUrl);
      return { completedAt: Date.now(), consentId: result.consentId };
    }
    case "stats":
      return { peakRss };
    case "close":
      consents.close();
      await bridge.close();
      await stores.close();
      clearInterval(sampler);
      return { peakRss };
  }
}

/** An error and its causes, by code and message (never a token: these errors carry none). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error && parts.length < 4; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    parts.push(`${typeof code === "string" ? `${code}: ` : ""}${current.message}`);
  }
  return parts.join(" <- ") || String(error);
}

process.on("message", (command: Command) => {
  handle(command).then(
    (result) => send({ id: command.id, ok: true, ...result }),
    (error: unknown) => send({ id: command.id, ok: false, message: describe(error) }),
  );
});
// The parent is gone (or stopped us): nothing else would end this process.
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
