import { describe, expect, it } from "vitest";
import { itKeepsTheRefreshLeaseContract } from "../../testing/refresh-lease-contract.test-helpers.js";
import { openSqliteStores } from "./open-sqlite-stores.js";

const secret = "sqlite-lease-test-secret-0123456789abcdef";

describe("SqliteTokenStore refresh leases", () => {
  itKeepsTheRefreshLeaseContract(() => openSqliteStores({ path: ":memory:", secret }).tokens);
});

describe("SqliteLeaseStore", () => {
  it("holds a name until released or expired, with a growing fence", async () => {
    const { leases } = openSqliteStores({ path: ":memory:", secret });
    const a = await leases.acquire("resume:c1:t1", 40);
    expect(a?.fence).toBe(1);
    expect(await leases.acquire("resume:c1:t1", 40)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const b = await leases.acquire("resume:c1:t1", 10_000);
    expect(b?.fence).toBe(2);
    expect(await a?.renew(10_000)).toBe(false);
    await a?.release();
    expect(await leases.acquire("resume:c1:t1", 100)).toBeUndefined();
    await b?.release();
    expect((await leases.acquire("resume:c1:t1", 100))?.fence).toBe(3);
  });
});
