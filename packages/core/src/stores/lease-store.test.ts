import { describe, expect, it, vi } from "vitest";
import { keepRenewed, type Lease, MemoryLeaseStore } from "./lease-store.js";

describe("keepRenewed", () => {
  it("keeps a live holder's lease past its first ttl, and lets it lapse once stopped", async () => {
    vi.useFakeTimers();
    try {
      const leases = new MemoryLeaseStore();
      const lease = (await leases.acquire("work", 300)) as Lease;
      const stop = keepRenewed(lease, 300);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await leases.acquire("work", 300)).toBeUndefined();
      await stop();
      await vi.advanceTimersByTimeAsync(400);
      expect(await leases.acquire("work", 300)).toBeDefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("stops renewing once the lease is lost, and keeps trying after a failed renewal", async () => {
    vi.useFakeTimers();
    try {
      const answers = [
        Promise.reject(new Error("store unreachable")),
        Promise.resolve(true),
        Promise.resolve(false),
      ];
      for (const answer of answers) answer.catch(() => undefined);
      const renew = vi.fn((_ttlMs: number) => answers.shift() ?? Promise.resolve(true));
      const stop = keepRenewed({ renew }, 300);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(renew).toHaveBeenCalledTimes(3);
      expect(renew).toHaveBeenCalledWith(300);
      await stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("stop waits for a renewal under way", async () => {
    vi.useFakeTimers();
    try {
      let finish: (held: boolean) => void = () => undefined;
      const renew = vi.fn(() => new Promise<boolean>((resolve) => (finish = resolve)));
      const stop = keepRenewed({ renew }, 300);
      await vi.advanceTimersByTimeAsync(100);
      expect(renew).toHaveBeenCalledTimes(1);
      let stopped = false;
      const stopping = stop().then(() => (stopped = true));
      await Promise.resolve();
      expect(stopped).toBe(false);
      finish(true);
      await stopping;
      expect(stopped).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
