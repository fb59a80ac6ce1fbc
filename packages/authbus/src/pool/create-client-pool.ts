/** @module One MCP client per subject, pooled: bounded (least recently used goes first) and closed when idle. */
import type { AuthClientSource } from "@authbus/langgraph";
import type { MCPClient } from "@authbus/mcp";

/** Options of {@link createClientPool}. */
export interface ClientPoolOptions {
  /** Makes the client of one subject (`createMCPClient({ subject, … })`). */
  create(subject: string): MCPClient;
  /** How many subjects' clients stay open at most. Default 200. Clients in use are never closed. */
  max?: number;
  /** Close a client nobody used for this long, in milliseconds. Default 300 000 (5 minutes). */
  idleMs?: number;
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Per-subject MCP clients; see {@link createClientPool}. */
export interface ClientPool extends AuthClientSource {
  /** The client of `subject` (opened on first use). It may be closed once idle: for a longer use, `use` it. */
  get(subject: string): MCPClient;
  /** Subjects with an open client, least recently used first. */
  subjects(): string[];
  /** Closes every client; the pool cannot be used afterwards. */
  close(): Promise<void>;
}

interface Entry {
  client: MCPClient;
  users: number;
  lastUsed: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  retired: boolean;
}

/**
 * Creates a pool of MCP clients, one per subject, so one agent serves every user while each
 * user's calls carry only that user's tokens. `use(subject, fn)` holds the client for the
 * length of `fn`; a client nobody holds is closed after `idleMs` (an unref'd timer, so an idle
 * pool never keeps the process alive) or when more than `max` subjects are open (least recently
 * used first).
 *
 * @example
 * const pool = createClientPool({ create: (subject) => createMCPClient({ servers, tokens, bus, subject }) });
 * await pool.use("alice", (client) => client.getTools());
 */
export function createClientPool(options: ClientPoolOptions): ClientPool {
  const max = Math.max(1, options.max ?? 200);
  const idleMs = Math.max(1, options.idleMs ?? 300_000);
  const now = options.now ?? Date.now;
  // Insertion order is recency: an entry is moved to the end on every use.
  const entries = new Map<string, Entry>();
  let closed = false;

  const retire = (subject: string, entry: Entry): void => {
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.retired) return;
    entry.retired = true;
    if (entries.get(subject) === entry) entries.delete(subject);
    void entry.client.close().catch(() => undefined);
  };

  const arm = (subject: string, entry: Entry): void => {
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.retired) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.users === 0 && now() - entry.lastUsed >= idleMs) retire(subject, entry);
      else if (entry.users === 0) arm(subject, entry);
    }, idleMs);
    entry.timer.unref?.();
  };

  /** Closes the least recently used idle clients beyond `max`, never `keep` (the one being handed out). */
  const trim = (keep?: Entry): void => {
    for (const [subject, entry] of entries) {
      if (entries.size <= max) return;
      if (entry.users === 0 && entry !== keep) retire(subject, entry);
    }
  };

  const touch = (subject: string): Entry => {
    if (closed) throw new Error("the client pool is closed");
    let entry = entries.get(subject);
    if (entry) {
      entries.delete(subject);
    } else {
      entry = {
        client: options.create(subject),
        users: 0,
        lastUsed: now(),
        timer: undefined,
        retired: false,
      };
    }
    entries.set(subject, entry);
    entry.lastUsed = now();
    trim(entry);
    return entry;
  };

  return {
    get(subject) {
      const entry = touch(subject);
      if (entry.users === 0) arm(subject, entry);
      return entry.client;
    },
    async use(subject, fn) {
      const entry = touch(subject);
      entry.users += 1;
      try {
        return await fn(entry.client);
      } finally {
        entry.users -= 1;
        entry.lastUsed = now();
        if (entry.users === 0 && entries.get(subject) === entry) {
          arm(subject, entry);
          trim();
        }
      }
    },
    subjects: () => [...entries.keys()],
    async close() {
      closed = true;
      const all = [...entries.values()];
      entries.clear();
      for (const entry of all) if (entry.timer) clearTimeout(entry.timer);
      await Promise.allSettled(all.map((entry) => entry.client.close()));
    },
  };
}
