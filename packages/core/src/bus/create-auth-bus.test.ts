import { describe, expect, it, vi } from "vitest";
import type { AuthEvents } from "../events/auth-event-schemas.js";
import { createAuthBus } from "./create-auth-bus.js";

const granted: AuthEvents["consent.granted"] = {
  serverName: "calendar",
  resource: "https://calendar.example.com/mcp",
  subject: "alice",
  consentId: "c1",
  scopes: ["calendar.read"],
  tokenFingerprint: "fp_AAAAAAAAAAAA",
};

describe("createAuthBus", () => {
  it("delivers events to typed and wildcard handlers, and off() stops delivery", () => {
    const bus = createAuthBus();
    const typed = vi.fn();
    const wildcard = vi.fn();
    bus.on("consent.granted", typed);
    bus.on("*", wildcard);
    bus.emit("consent.granted", granted);
    expect(typed).toHaveBeenCalledWith(granted);
    expect(wildcard).toHaveBeenCalledWith("consent.granted", granted);
    bus.off("consent.granted", typed);
    bus.emit("consent.granted", granted);
    expect(typed).toHaveBeenCalledTimes(1);
    expect(wildcard).toHaveBeenCalledTimes(2);
  });

  it("runs every handler when one throws, and reports the failure as an event", () => {
    const bus = createAuthBus();
    const after = vi.fn();
    const failures: AuthEvents["handler.failed"][] = [];
    bus.on("handler.failed", (event) => failures.push(event));
    bus.on("consent.granted", () => {
      throw Object.assign(new Error("render failed"), { code: "E_RENDER" });
    });
    bus.on("consent.granted", after);
    expect(() => bus.emit("consent.granted", granted)).not.toThrow();
    expect(after).toHaveBeenCalledOnce();
    expect(failures).toEqual([
      { event: "consent.granted", error: { code: "E_RENDER", message: "render failed" } },
    ]);
  });

  it("reports a rejected async handler instead of leaving an unhandled rejection", async () => {
    const bus = createAuthBus();
    const failures: AuthEvents["handler.failed"][] = [];
    bus.on("handler.failed", (event) => failures.push(event));
    bus.on("consent.granted", async () => {
      throw new Error("store unavailable");
    });
    bus.emit("consent.granted", granted);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(failures).toEqual([{ event: "consent.granted", error: { message: "store unavailable" } }]);
  });

  it("does not loop when a handler.failed handler itself throws", () => {
    const bus = createAuthBus();
    const reporter = vi.fn(() => {
      throw new Error("reporter broken");
    });
    bus.on("handler.failed", reporter);
    bus.on("consent.granted", () => {
      throw "not even an Error";
    });
    expect(() => bus.emit("consent.granted", granted)).not.toThrow();
    expect(reporter).toHaveBeenCalledOnce();
    expect(reporter).toHaveBeenCalledWith({
      event: "consent.granted",
      error: { message: "not even an Error" },
    });
  });

  it("lets a handler unsubscribe itself without skipping the next one", () => {
    const bus = createAuthBus();
    const second = vi.fn();
    const once = () => bus.off("consent.granted", once);
    bus.on("consent.granted", once);
    bus.on("consent.granted", second);
    bus.emit("consent.granted", granted);
    expect(second).toHaveBeenCalledOnce();
  });

  it("clears handlers through all, as mitt does", () => {
    const bus = createAuthBus();
    const handler = vi.fn();
    bus.on("consent.granted", handler);
    bus.all.clear();
    bus.emit("consent.granted", granted);
    expect(handler).not.toHaveBeenCalled();
  });
});
