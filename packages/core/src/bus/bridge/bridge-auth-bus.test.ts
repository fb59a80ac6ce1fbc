import { describe, expect, it, vi } from "vitest";
import { isAuthbusError } from "../../errors/is-authbus-error.js";
import { createAuthBus } from "../create-auth-bus.js";
import { type BusTransport, bridgeAuthBus } from "./bridge-auth-bus.js";
import { createMemoryBusHub } from "./memory-bus-transport.js";

const granted = {
  serverName: "calendar",
  resource: "https://calendar.example.com/mcp",
  subject: "alice",
  consentId: "c1",
  scopes: ["calendar.read"],
  tokenFingerprint: "fp_AAAAAAAAAAAA",
};

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("bridgeAuthBus", () => {
  it("carries an event to the other processes once, without echo", async () => {
    const hub = createMemoryBusHub();
    const [a, b, c] = [createAuthBus(), createAuthBus(), createAuthBus()];
    const seen = { a: vi.fn(), b: vi.fn(), c: vi.fn() };
    a.on("consent.granted", seen.a);
    b.on("consent.granted", seen.b);
    c.on("consent.granted", seen.c);
    const bridges = await Promise.all(
      [a, b, c].map((bus) => bridgeAuthBus({ bus, transport: hub.transport() })),
    );
    a.emit("consent.granted", granted);
    await tick();
    expect(seen.a).toHaveBeenCalledTimes(1);
    expect(seen.b).toHaveBeenCalledTimes(1);
    expect(seen.c).toHaveBeenCalledTimes(1);
    expect(seen.b).toHaveBeenCalledWith(granted);
    await Promise.all(bridges.map((bridge) => bridge.close()));
    a.emit("consent.granted", granted);
    await tick();
    expect(seen.b).toHaveBeenCalledTimes(1);
  });

  it("never sends or emits a payload its schema refuses (a token, say)", async () => {
    const hub = createMemoryBusHub();
    const [a, b] = [createAuthBus(), createAuthBus()];
    const errors: unknown[] = [];
    const received = vi.fn();
    b.on("*", received);
    await bridgeAuthBus({ bus: a, transport: hub.transport(), onError: (error) => errors.push(error) });
    await bridgeAuthBus({ bus: b, transport: hub.transport() });
    (a.emit as (type: string, payload: unknown) => void)("consent.granted", {
      ...granted,
      accessToken: "secret-token",
    });
    await tick();
    expect(received).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).not.toContain("secret-token");
  });

  it("drops forged, malformed and unknown messages arriving from the transport", async () => {
    let deliver: (message: string) => void = () => undefined;
    const transport: BusTransport = {
      maxMessageBytes: 8000,
      publish: async () => undefined,
      subscribe: async (onMessage) => {
        deliver = onMessage;
      },
      close: async () => undefined,
    };
    const bus = createAuthBus();
    const received = vi.fn();
    const errors: string[] = [];
    bus.on("*", received);
    await bridgeAuthBus({ bus, transport, onError: (_error, event) => errors.push(event) });
    deliver("not json");
    deliver(
      JSON.stringify({ v: 1, o: "other", e: "consent.granted", p: { ...granted, tokenFingerprint: "x" } }),
    );
    deliver(JSON.stringify({ v: 1, o: "other", e: "token.stolen", p: {} }));
    deliver(JSON.stringify({ v: 2, o: "other", e: "consent.granted", p: granted }));
    expect(received).not.toHaveBeenCalled();
    // An event this process does not carry (a newer worker's, during a rolling deploy) is ignored.
    expect(errors).toEqual(["(unknown)", "consent.granted", "(unknown)"]);
    deliver(JSON.stringify({ v: 1, o: "other", e: "consent.granted", p: granted }));
    expect(received).toHaveBeenCalledWith("consent.granted", granted);
  });

  it("does not send a message larger than the transport carries, and says so", async () => {
    const hub = createMemoryBusHub();
    const [a, b] = [createAuthBus(), createAuthBus()];
    const errors: unknown[] = [];
    const received = vi.fn();
    b.on("*", received);
    await bridgeAuthBus({
      bus: a,
      transport: hub.transport({ maxMessageBytes: 300 }),
      onError: (error) => errors.push(error),
    });
    await bridgeAuthBus({ bus: b, transport: hub.transport() });
    a.emit("consent.granted", { ...granted, scopes: Array.from({ length: 50 }, (_, i) => `scope-${i}`) });
    await tick();
    expect(received).not.toHaveBeenCalled();
    expect(isAuthbusError(errors[0], "BUS_MESSAGE_TOO_LARGE")).toBe(true);
  });

  it("reports a failed publish as handler.failed by default, and carries only the chosen events", async () => {
    const transport: BusTransport = {
      maxMessageBytes: 8000,
      publish: async () => {
        throw new Error("connection lost");
      },
      subscribe: async () => undefined,
      close: async () => undefined,
    };
    const bus = createAuthBus();
    const failed = vi.fn();
    bus.on("handler.failed", failed);
    const bridge = await bridgeAuthBus({ bus, transport, events: ["consent.granted"] });
    bus.emit("consent.expired", { ...granted, consentId: "c2", scopes: undefined } as never);
    bus.emit("consent.granted", granted);
    await bridge.flush();
    expect(failed).toHaveBeenCalledTimes(1);
    expect(failed.mock.calls[0]?.[0]).toMatchObject({ event: "bridge:consent.granted" });
  });
});
