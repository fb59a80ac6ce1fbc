import { createAuthBus } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createConsentWaiters } from "./consent-waiters.js";

const where = { serverName: "files", resource: "https://files.example.com/mcp", subject: "alice" };

describe("createConsentWaiters", () => {
  it("settles every waiter of a consent from the bus, once, and reports who waits", async () => {
    const bus = createAuthBus();
    const changes: Array<[string, boolean]> = [];
    const waiters = createConsentWaiters(bus, (id, waited) => changes.push([id, waited]));
    const a = waiters.add("c1");
    const b = waiters.add("c1");
    const other = waiters.add("c2");
    expect(waiters.has("c1")).toBe(true);
    bus.emit("consent.denied", { ...where, consentId: "c1", error: "access_denied" });
    expect(await Promise.all([a, b])).toEqual(["denied", "denied"]);
    expect(waiters.has("c1")).toBe(false);
    waiters.resolve("c2", "expired");
    expect(await other).toBe("expired");
    expect(changes).toEqual([
      ["c1", true],
      ["c2", true],
      ["c1", false],
      ["c2", false],
    ]);
    waiters.close();
  });

  it("stops waiting when the signal aborts", async () => {
    const waiters = createConsentWaiters(createAuthBus());
    const controller = new AbortController();
    const waiting = waiters.add("c1", controller.signal);
    controller.abort(new Error("gave up"));
    await expect(waiting).rejects.toThrow("gave up");
    expect(waiters.has("c1")).toBe(false);
    await expect(waiters.add("c1", controller.signal)).rejects.toThrow("gave up");
    waiters.close();
  });
});
