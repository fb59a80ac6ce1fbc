import { describe, expect, it } from "vitest";
import { MemoryLeaseStore } from "./lease-store.js";
import { MemoryTokenStore, type TokenSet } from "./token-store.js";

const key = { subject: "alice", resource: "https://calendar.example.com/mcp" };
const tokens = (n: number): TokenSet => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  tokenType: "Bearer",
  scopes: ["calendar.read"],
});

describe("MemoryTokenStore refresh leases", () => {
  it("grants one lease at a time and reads the tokens with it", async () => {
    const store = new MemoryTokenStore();
    await store.set(key, tokens(1));
    const first = await store.acquireRefreshLease(key, 10_000);
    const second = await store.acquireRefreshLease(key, 10_000);
    expect(first.acquired).toBe(true);
    expect(second).toMatchObject({ acquired: false, version: 1, tokens: tokens(1) });
    if (!first.acquired) return;
    expect(first.lease).toMatchObject({ version: 1, tokens: tokens(1), fence: 1 });
    expect(await first.lease.commit(tokens(2))).toBe(true);
    await first.lease.release();
    const third = await store.acquireRefreshLease(key, 10_000);
    expect(third).toMatchObject({ acquired: true, lease: { version: 2, fence: 2, tokens: tokens(2) } });
  });

  it("fences: a holder whose lease expired and was taken over cannot commit", async () => {
    const store = new MemoryTokenStore();
    await store.set(key, tokens(1));
    const stale = await store.acquireRefreshLease(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fresh = await store.acquireRefreshLease(key, 10_000);
    if (!stale.acquired || !fresh.acquired) throw new Error("expected both leases");
    expect(fresh.lease.fence).toBe(stale.lease.fence + 1);
    expect(await fresh.lease.commit(tokens(2))).toBe(true);
    expect(await stale.lease.commit(tokens(3))).toBe(false);
    expect(await stale.lease.discard()).toBe(false);
    expect(await store.get(key)).toEqual(tokens(2));
  });

  it("compare-and-set: a write since the lease was granted wins over the commit", async () => {
    const store = new MemoryTokenStore();
    await store.set(key, tokens(1));
    const attempt = await store.acquireRefreshLease(key, 10_000);
    if (!attempt.acquired) throw new Error("expected the lease");
    await store.set(key, tokens(9)); // a consent completed meanwhile
    expect(await attempt.lease.commit(tokens(2))).toBe(false);
    expect(await store.get(key)).toEqual(tokens(9));
    await store.delete(key);
    await store.set(key, tokens(1));
    expect(await attempt.lease.commit(tokens(2))).toBe(false);
  });

  it("discards dead tokens under the lease", async () => {
    const store = new MemoryTokenStore();
    await store.set(key, tokens(1));
    const attempt = await store.acquireRefreshLease(key, 10_000);
    if (!attempt.acquired) throw new Error("expected the lease");
    expect(await attempt.lease.discard()).toBe(true);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.acquireRefreshLease(key, 10_000)).toMatchObject({ acquired: false, version: 2 });
  });

  it("refuses a bad ttl", async () => {
    await expect(new MemoryTokenStore().acquireRefreshLease(key, 0)).rejects.toThrow(RangeError);
  });
});

describe("MemoryLeaseStore", () => {
  it("holds a name until released or expired, with a growing fence", async () => {
    let now = 1_000;
    const leases = new MemoryLeaseStore({ now: () => now });
    const a = await leases.acquire("resume:c1:t1", 100);
    expect(a?.fence).toBe(1);
    expect(await leases.acquire("resume:c1:t1", 100)).toBeUndefined();
    expect(await leases.acquire("resume:c1:t2", 100)).toBeDefined();
    now += 101;
    const b = await leases.acquire("resume:c1:t1", 100);
    expect(b?.fence).toBe(2);
    expect(await a?.renew(100)).toBe(false);
    expect(await b?.renew(500)).toBe(true);
    await a?.release(); // not a's any more: b keeps it
    expect(await leases.acquire("resume:c1:t1", 100)).toBeUndefined();
    await b?.release();
    expect((await leases.acquire("resume:c1:t1", 100))?.fence).toBe(3);
  });
});
