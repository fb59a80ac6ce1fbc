/** @module The demo setup: one authorization server and the `calendar` and `files` MCP servers. */
import { z } from "zod";
import {
  type AuthServer,
  type AuthServerOptions,
  startAuthServer,
} from "../auth-server/start-auth-server.js";
import type { HeaderStyle } from "../mcp-server/build-challenge.js";
import {
  type ProtectedMCPServer,
  startProtectedMCPServer,
} from "../mcp-server/start-protected-mcp-server.js";

/** The calendar events `list_events` returns (fixed, so tests can compare). */
export const DEMO_EVENTS = [
  { id: "evt-1", title: "Team standup", start: "2026-01-05T09:00:00Z", end: "2026-01-05T09:15:00Z" },
  { id: "evt-2", title: "Design review", start: "2026-01-05T14:00:00Z", end: "2026-01-05T15:00:00Z" },
  { id: "evt-3", title: "1:1 with Sam", start: "2026-01-06T10:30:00Z", end: "2026-01-06T11:00:00Z" },
] as const;

/** The files the `files` server starts with. */
export const DEMO_FILES = [
  { name: "notes.txt", size: 1204 },
  { name: "todo.md", size: 342 },
  { name: "report.pdf", size: 48213 },
] as const;

/** Options of {@link startDemoServers}. */
export interface DemoServersOptions {
  /** Fixed ports (default 0 for each). */
  ports?: { authServer?: number; calendar?: number; files?: number };
  /** Options passed to the authorization server (resources are registered by the MCP servers). */
  authServer?: Omit<AuthServerOptions, "port" | "resources">;
  /** Challenge style of both MCP servers; default `standard` (DPoP servers always challenge with `DPoP`). */
  headerStyle?: HeaderStyle;
  /**
   * DPoP (RFC 9449): the authorization server issues DPoP-bound tokens and both MCP servers take
   * nothing else; with `requireNonce`, both servers also demand their nonces (RFC 9449 §8, §9).
   * Default off: Bearer tokens, as MCP clients without DPoP (the MCP SDK's) need.
   */
  dpop?: boolean | { requireNonce?: boolean };
}

/** The running demo servers. */
export interface DemoServers {
  readonly authServer: AuthServer;
  /** `calendar`: `list_events` (scope `calendar.read`). */
  readonly calendar: ProtectedMCPServer;
  /** `files`: `list_files` (`files.read`), `delete_file` (`files.write`). */
  readonly files: ProtectedMCPServer;
  /** The files currently on the `files` server. */
  fileNames(): string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the setup the demo app and other packages' tests share: an authorization server and two
 * protected MCP servers, `calendar` and `files`, all on 127.0.0.1.
 *
 * @see RFC 9728, RFC 8707, MCP 2025-11-25 Authorization
 * @example
 * await using demo = await startDemoServers();
 * console.log(demo.authServer.issuer, demo.calendar.url, demo.files.url);
 */
export async function startDemoServers(options: DemoServersOptions = {}): Promise<DemoServers> {
  const dpop = options.dpop === true ? {} : options.dpop || undefined;
  const authServer = await startAuthServer({
    ...options.authServer,
    ...(dpop ? { dpop: { requireNonce: dpop.requireNonce === true } } : {}),
    port: options.ports?.authServer ?? 0,
  });
  const resourceDPoP = dpop ? { dpop: { requireNonce: dpop.requireNonce === true } } : {};
  const files = new Map<string, { name: string; size: number }>(DEMO_FILES.map((f) => [f.name, { ...f }]));
  const headerStyle = options.headerStyle ?? "standard";
  try {
    const [calendar, filesServer] = await Promise.all([
      startProtectedMCPServer({
        name: "calendar",
        resourceName: "Calendar",
        authServer,
        headerStyle,
        ...resourceDPoP,
        port: options.ports?.calendar ?? 0,
        instructions: "Reads the user's calendar.",
        initialScope: ["calendar.read"],
        tools: [
          {
            name: "list_events",
            description: "List the user's upcoming calendar events.",
            scopes: ["calendar.read"],
            handler: () => ({ events: DEMO_EVENTS.map((e) => ({ ...e })) }),
          },
        ],
      }),
      startProtectedMCPServer({
        name: "files",
        resourceName: "Files",
        authServer,
        headerStyle,
        ...resourceDPoP,
        port: options.ports?.files ?? 0,
        instructions: "Lists and deletes the user's files.",
        // First access asks for reading only; deleting is asked for later, as a step-up (403 insufficient_scope).
        initialScope: ["files.read"],
        tools: [
          {
            name: "list_files",
            description: "List the user's files.",
            scopes: ["files.read"],
            handler: () => ({ files: [...files.values()].map((f) => ({ ...f })) }),
          },
          {
            name: "delete_file",
            description: "Delete one of the user's files by name.",
            scopes: ["files.write"],
            inputSchema: { name: z.string().describe("The file name, e.g. notes.txt") },
            handler: (args) => {
              const name = String(args.name);
              if (!files.delete(name)) {
                return { content: [{ type: "text", text: `No file named ${name}.` }], isError: true };
              }
              return `Deleted ${name}.`;
            },
          },
        ],
      }),
    ]);
    const close = async () => {
      await Promise.all([calendar.close(), filesServer.close()]);
      await authServer.close();
    };
    return {
      authServer,
      calendar,
      files: filesServer,
      fileNames: () => [...files.keys()],
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await authServer.close();
    throw error;
  }
}
