/** @module The RefreshLeases contract (see @authbus/core), checked the same way on every store that offers it. */
import type { TokenSet, TokenStore } from "@authbus/core";
import { expect, it } from "vitest";

const key = { subject: "alice", resource: "https://calendar.example.com/mcp" };
const tokens = (n: number): TokenSet => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  tokenType: "Bearer",
  scopes: ["calendar.read"],
});

type LeasingStore = TokenStore & Required<Pick<TokenStore, "acquireRefreshLease">>;

/** Registers the contract's tests; `open` gives a fresh, empty store each time. */
export function itKeepsTheRefreshLeaseContract(open: () => Promise<LeasingStore> | LeasingStore): void {
  it("grants one lease of many concurrent attempts, with the stored tokens and version", async () => {
    const store = await open();
    await store.set(key, tokens(1));
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () => store.acquireRefreshLease(key, 10_000)),
    );
    const won = attempts.filter((attempt) => attempt.acquired);
    expect(won).toHaveLength(1);
    for (const attempt of attempts) {
      const seen = attempt.acquired ? attempt.lease : attempt;
      expect(seen.tokens).toEqual(tokens(1));
      expect(seen.version).toBeGreaterThan(0);
    }
    const lost = attempts.find((attempt) => !attempt.acquired);
    expect(lost && !lost.acquired && lost.heldUntil).toBeGreaterThan(0);
  });

  it("commits once, and the next holder sees the new tokens at a newer version", async () => {
    const store = await open();
    await store.set(key, tokens(1));
    const first = await store.acquireRefreshLease(key, 10_000);
    if (!first.acquired) throw new Error("expected the lease");
    expect(await first.lease.commit(tokens(2))).toBe(true);
    expect(await store.get(key)).toEqual(tokens(2));
    const waiting = await store.acquireRefreshLease(key, 10_000);
    expect(waiting).toMatchObject({ acquired: false, tokens: tokens(2), version: first.lease.version + 1 });
    await first.lease.release();
    const next = await store.acquireRefreshLease(key, 10_000);
    expect(next).toMatchObject({
      acquired: true,
      lease: { fence: first.lease.fence + 1, tokens: tokens(2) },
    });
  });

  it("fences: after the lease expired and was taken over, the old holder can neither commit nor discard", async () => {
    const store = await open();
    await store.set(key, tokens(1));
    const old = await store.acquireRefreshLease(key, 50);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const taken = await store.acquireRefreshLease(key, 10_000);
    if (!old.acquired || !taken.acquired) throw new Error("expected both leases");
    expect(await old.lease.renew(10_000)).toBe(false);
    expect(await taken.lease.commit(tokens(2))).toBe(true);
    expect(await old.lease.commit(tokens(3))).toBe(false);
    expect(await old.lease.discard()).toBe(false);
    expect(await store.get(key)).toEqual(tokens(2));
  });

  it("compare-and-set: tokens written after the lease was granted are never overwritten", async () => {
    const store = await open();
    await store.set(key, tokens(1));
    const attempt = await store.acquireRefreshLease(key, 10_000);
    if (!attempt.acquired) throw new Error("expected the lease");
    await store.set(key, tokens(9));
    expect(await attempt.lease.commit(tokens(2))).toBe(false);
    await store.delete(key);
    await store.set(key, tokens(1));
    expect(await attempt.lease.commit(tokens(2))).toBe(false);
    expect(await store.get(key)).toEqual(tokens(1));
  });

  it("discards dead tokens under the lease, and renews while held", async () => {
    const store = await open();
    await store.set(key, tokens(1));
    const attempt = await store.acquireRefreshLease(key, 10_000);
    if (!attempt.acquired) throw new Error("expected the lease");
    expect(await attempt.lease.renew(20_000)).toBe(true);
    expect(await attempt.lease.discard()).toBe(true);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.acquireRefreshLease(key, 10_000)).toMatchObject({
      acquired: false,
      tokens: undefined,
    });
  });
}
