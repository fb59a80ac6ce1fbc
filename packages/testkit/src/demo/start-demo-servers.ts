/**
 * @module The demo setup: one authorization server, the `calendar`, `files` and `repos` MCP
 * servers, and the third-party site `repos` needs the person to authorize it at.
 */
import { z } from "zod";
import {
  type AuthServer,
  type AuthServerOptions,
  startAuthServer,
} from "../auth-server/start-auth-server.js";
import type { HeaderStyle } from "../mcp-server/build-challenge.js";
import { requireThirdParty } from "../mcp-server/require-third-party.js";
import {
  type ProtectedMCPServer,
  startProtectedMCPServer,
} from "../mcp-server/start-protected-mcp-server.js";
import { startThirdPartySite, type ThirdPartySite } from "../third-party/start-third-party-site.js";

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

/** The repositories `list_repositories` returns once Octo is connected (fixed, so tests can compare). */
export const DEMO_REPOSITORIES = [
  { name: "authbus", stars: 42 },
  { name: "testkit", stars: 7 },
] as const;

/** Options of {@link startDemoServers}. */
export interface DemoServersOptions {
  /** Fixed ports (default 0 for each). */
  ports?: { authServer?: number; calendar?: number; files?: number; repos?: number; octo?: number };
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
  /**
   * How `repos` asks the person to connect Octo (MCP URL-mode elicitation): `"request"`
   * (`elicitation/create` during the call, the default) or `"error"` (-32042, then a retry).
   */
  reposElicitation?: "request" | "error";
}

/** The running demo servers. */
export interface DemoServers {
  readonly authServer: AuthServer;
  /** `calendar`: `list_events` (scope `calendar.read`). */
  readonly calendar: ProtectedMCPServer;
  /** `files`: `list_files` (`files.read`), `delete_file` (`files.write`). */
  readonly files: ProtectedMCPServer;
  /**
   * `repos`: `list_repositories` (`repos.read`), which also needs the person to have connected
   * their Octo account: it asks with a URL-mode elicitation pointing at {@link DemoServers.octo}.
   */
  readonly repos: ProtectedMCPServer;
  /** Octo, the third-party site `repos` sends the person to; `GET` a request's link to connect headlessly. */
  readonly octo: ThirdPartySite;
  /** The files currently on the `files` server. */
  fileNames(): string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the setup the demo app and other packages' tests share: an authorization server, three
 * protected MCP servers, `calendar`, `files` and `repos` (which also needs the person to connect
 * the third-party site Octo, asked with MCP URL-mode elicitation), all on 127.0.0.1.
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
  let octo: ThirdPartySite | undefined;
  try {
    octo = await startThirdPartySite({ name: "Octo", port: options.ports?.octo ?? 0 });
    const site = octo;
    const [calendar, filesServer, repos] = await Promise.all([
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
            annotations: { readOnlyHint: true },
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
            annotations: { readOnlyHint: true },
            description: "List the user's files.",
            scopes: ["files.read"],
            handler: () => ({ files: [...files.values()].map((f) => ({ ...f })) }),
          },
          {
            name: "delete_file",
            annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
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
      startProtectedMCPServer({
        name: "repos",
        resourceName: "Repositories",
        authServer,
        headerStyle,
        ...resourceDPoP,
        port: options.ports?.repos ?? 0,
        instructions: "Lists the user's code repositories on Octo.",
        initialScope: ["repos.read"],
        tools: [
          {
            name: "list_repositories",
            description: "List the user's code repositories on Octo.",
            scopes: ["repos.read"],
            annotations: { readOnlyHint: true },
            handler: requireThirdParty(site, { mode: options.reposElicitation ?? "request" }, () => ({
              repositories: DEMO_REPOSITORIES.map((r) => ({ ...r })),
            })),
          },
        ],
      }),
    ]);
    const close = async () => {
      await Promise.all([calendar.close(), filesServer.close(), repos.close(), site.close()]);
      await authServer.close();
    };
    return {
      authServer,
      calendar,
      files: filesServer,
      repos,
      octo: site,
      fileNames: () => [...files.keys()],
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await octo?.close();
    await authServer.close();
    throw error;
  }
}
