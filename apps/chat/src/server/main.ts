/**
 * @module `npm run demo`: the chat on loopback, with the testkit's authorization server and MCP
 * servers, or with real MCP servers named in `AUTHBUS_MCP_SERVERS`.
 */
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemoServers } from "@authbus/testkit";
import { z } from "zod";
import { forkChatWorkers, isChatWorker, pickPort } from "./chat-cluster.js";
import { sessionKey } from "./chat-sessions.js";
import { chooseModel } from "./choose-model.js";
import { type ChatServerConfig, startChatApp } from "./start-chat-app.js";

const appRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// AUTHBUS_DATABASE_URL: every store and the checkpoints in Postgres, and N workers (node:cluster,
// AUTHBUS_WORKERS, default one per CPU) on one port. Without it: SQLite files, one process.
const databaseUrl = process.env.AUTHBUS_DATABASE_URL || undefined;
const workerCount = databaseUrl
  ? Math.max(1, Number(process.env.AUTHBUS_WORKERS ?? availableParallelism()))
  : 1;
const dataDir = process.env.AUTHBUS_DATA_DIR ?? join(appRoot, ".data");
mkdirSync(dataDir, { recursive: true });

const serversSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "server names are 1–40 letters, digits, - or _"),
  z.union([z.url(), z.strictObject({ url: z.url(), description: z.string().optional() })]),
);

function configuredServers(): Record<string, ChatServerConfig> | undefined {
  const raw = process.env.AUTHBUS_MCP_SERVERS;
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('AUTHBUS_MCP_SERVERS must be JSON, e.g. {"github": "https://mcp.example.com/mcp"}');
  }
  const result = serversSchema.safeParse(parsed);
  if (!result.success) {
    throw new Error(
      `AUTHBUS_MCP_SERVERS is not valid: ${result.error.issues.map((issue) => issue.message).join("; ")}`,
    );
  }
  return Object.fromEntries(
    Object.entries(result.data).map(([name, entry]) => [
      name,
      typeof entry === "string" ? { url: entry } : entry,
    ]),
  );
}

let servers: Record<string, ChatServerConfig>;
let lines: string[];
let stopDemo: () => Promise<void> = async () => {};
let playPhone: ((loginHint: string) => Promise<unknown>) | undefined;
let hint = "Each server's authorization server asks you to sign in when the agent first needs it.";
try {
  const real = configuredServers();
  if (isChatWorker()) {
    // A worker uses the servers its primary started or read.
    servers = JSON.parse(process.env.AUTHBUS_CHAT_SERVERS ?? "{}") as Record<string, ChatServerConfig>;
    lines = [];
  } else if (real) {
    servers = real;
    lines = Object.entries(real).map(([name, { url }]) => `  ${`${name} MCP server`.padEnd(22)}${url}`);
  } else {
    const demo = await startDemoServers();
    stopDemo = () => demo.close();
    playPhone = (loginHint) => demo.authServer.approveBackchannel(loginHint);
    hint = "Sign in with any user name on the test authorization server's page.";
    servers = {
      calendar: { url: demo.calendar.url, description: "Your calendar: list upcoming events." },
      files: { url: demo.files.url, description: "Your files: list them, delete one." },
      repos: {
        url: demo.repos.url,
        description: "Your code repositories on Octo (asks you to connect Octo).",
      },
    };
    lines = [
      `  authorization server  ${demo.authServer.issuer}`,
      `  calendar MCP server   ${demo.calendar.url}`,
      `  files MCP server      ${demo.files.url}`,
      `  repos MCP server      ${demo.repos.url}   (asks you to connect Octo, ${demo.octo.origin})`,
    ];
  }
} catch (error) {
  console.error(`authbus chat: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

// AUTHBUS_CONSENT_CHANNEL=ciba|device: consents reach the person on their phone (CIBA) or as a
// code to type at a verification page (RFC 8628) instead of the Authorize popup.
const channelSetting = z
  .enum(["redirect", "ciba", "device"])
  .safeParse(process.env.AUTHBUS_CONSENT_CHANNEL ?? "redirect");
if (!channelSetting.success) {
  console.error("authbus chat: AUTHBUS_CONSENT_CHANNEL must be redirect, ciba or device");
  process.exit(1);
}
const consentChannel = channelSetting.data;

if (workerCount > 1 && !isChatWorker()) {
  // The primary: the session key and the port are chosen once, then the workers serve.
  sessionKey(process.env.AUTHBUS_SECRET, join(dataDir, "session.key"));
  const port = Number(process.env.PORT ?? 0) || (await pickPort());
  const workers = await forkChatWorkers(workerCount, {
    AUTHBUS_CHAT_SERVERS: JSON.stringify(servers),
    PORT: String(port),
  });
  console.log(`
authbus chat is running on ${workers.count} workers (Postgres).

  open  http://127.0.0.1:${port}/

${lines.join("\n")}

${hint} Ctrl-C stops everything.
`);
  const stopAll = async () => {
    await workers.stop();
    await stopDemo();
    process.exit(0);
  };
  process.once("SIGINT", () => void stopAll());
  process.once("SIGTERM", () => void stopAll());
  // The primary serves nothing itself: the rest of this module is for a worker or a single process.
  await new Promise<never>(() => undefined);
}
const { model, label } = await chooseModel();
const app = await startChatApp({
  servers,
  dataDir,
  webRoot: join(appRoot, "dist", "web"),
  port: Number(process.env.PORT ?? 0),
  model,
  ...(databaseUrl ? { databaseUrl } : {}),
  consentChannel,
  ...(process.env.AUTHBUS_CLIENT_ID ? { clientId: process.env.AUTHBUS_CLIENT_ID } : {}),
});
// The test authorization server has no phone to ask: with CIBA the demo plays the person's
// phone, approving each request a few seconds after it arrives.
if (consentChannel === "ciba" && playPhone) {
  const approve = playPhone;
  app.bus.on("consent.required", ({ channel, subject }) => {
    if (channel !== "ciba") return;
    console.log(`  phone of ${subject}: a request arrived; approving in 5 s (the card shows the same code)`);
    setTimeout(() => void approve(subject).catch(() => undefined), 5_000).unref();
  });
}
// AUTHBUS_OTEL=console prints consent and refresh spans, span events and metrics (@authbus/otel).
const telemetry =
  process.env.AUTHBUS_OTEL === "console"
    ? (await import("./console-telemetry.js")).startConsoleTelemetry(app.bus)
    : undefined;

if (!isChatWorker())
  console.log(`
authbus chat is running.

  open  ${app.url}

${lines.join("\n")}
  model                 ${label}
  consent channel       ${consentChannel}

${hint} Ctrl-C stops everything.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  await telemetry?.stop();
  await stopDemo();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
