import type { MCPClient } from "@authbus/mcp";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createClientPool } from "./create-client-pool.js";

function fakeClients() {
  const closed: string[] = [];
  const create = (subject: string) =>
    ({
      subject,
      close: async () => {
        closed.push(subject);
      },
    }) as unknown as MCPClient;
  return { closed, create };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("createClientPool", () => {
  it("keeps one client per subject, and closes the least recently used beyond max", async () => {
    const { closed, create } = fakeClients();
    const pool = createClientPool({ create, max: 2 });
    const alice = pool.get("alice");
    expect(pool.get("alice")).toBe(alice);
    pool.get("bob");
    pool.get("alice");
    pool.get("carol");
    expect(pool.subjects()).toEqual(["alice", "carol"]);
    expect(closed).toEqual(["bob"]);
    await pool.close();
    expect(closed.sort()).toEqual(["alice", "bob", "carol"]);
    expect(() => pool.get("dave")).toThrow("closed");
  });

  it("never closes a client while it is used, and closes it once idle", async () => {
    vi.useFakeTimers();
    const { closed, create } = fakeClients();
    const pool = createClientPool({ create, max: 1, idleMs: 1000 });
    let finish: () => void = () => undefined;
    const using = pool.use("alice", () => new Promise<void>((resolve) => (finish = resolve)));
    pool.get("bob");
    vi.advanceTimersByTime(5000);
    expect(closed).toEqual(["bob"]);
    expect(pool.subjects()).toEqual(["alice"]);
    finish();
    await using;
    vi.advanceTimersByTime(999);
    expect(closed).toEqual(["bob"]);
    vi.advanceTimersByTime(2);
    expect(closed).toEqual(["bob", "alice"]);
    expect(pool.subjects()).toEqual([]);
  });
});
