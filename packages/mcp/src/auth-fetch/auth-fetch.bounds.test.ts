import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AuthEventName,
  createAuthBus,
  isAuthbusError,
  MAX_WWW_AUTHENTICATE_LENGTH,
  MemoryTokenStore,
  parseAuthEvent,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { authFetch } from "./auth-fetch.js";

const RESOURCE = "https://mcp.example.com/mcp";

function recordEvents() {
  const bus = createAuthBus();
  const events: { type: AuthEventName; payload: unknown }[] = [];
  bus.on("*", (type, payload) => {
    events.push({ type, payload });
  });
  return { bus, events };
}

describe("authFetch bounds", () => {
  it(`does not parse a WWW-Authenticate over MAX_WWW_AUTHENTICATE_LENGTH (${MAX_WWW_AUTHENTICATE_LENGTH}); the event says why`, async () => {
    const { bus, events } = recordEvents();
    const huge = `Bearer error="invalid_token", error_description="${"x".repeat(MAX_WWW_AUTHENTICATE_LENGTH)}"`;
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject: "alice",
      tokens: new MemoryTokenStore(),
      bus,
      fetch: async () => new Response("no", { status: 401, headers: { "www-authenticate": huge } }),
    });
    const caught = await fetch(RESOURCE).catch((error: unknown) => error);
    expect(isAuthbusError(caught, "AUTH_CHALLENGE")).toBe(true);
    expect(isAuthbusError((caught as Error).cause, "HEADER_TOO_LARGE")).toBe(true);
    const challenge = parseAuthEvent("challenge", events.find((e) => e.type === "challenge")?.payload);
    expect(challenge.wwwAuthenticate).toBeNull();
    expect(challenge.challenges).toEqual([]);
    expect(challenge.parseError).toMatchObject({ position: MAX_WWW_AUTHENTICATE_LENGTH });
    expect(JSON.stringify(events).length).toBeLessThan(4_000);
  });

  it("turns the HTTP client's header overflow into a HeaderTooLargeError, not `TypeError: fetch failed`", async () => {
    const server = createServer((_req, res) => {
      res.statusCode = 401;
      res.setHeader("www-authenticate", `Bearer realm="${"r".repeat(64 * 1024)}"`);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
      const fetch = authFetch({
        serverName: "files",
        resource: url,
        subject: "alice",
        tokens: new MemoryTokenStore(),
        bus: createAuthBus(),
      });
      const caught = await fetch(url).catch((error: unknown) => error);
      expect(isAuthbusError(caught, "HEADER_TOO_LARGE")).toBe(true);
      expect(caught).toMatchObject({ code: "HEADER_TOO_LARGE", header: "*" });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("authFetch redirects", () => {
  it("fails like fetch (a TypeError naming the problem) on a Location that is not a URL", async () => {
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject: "alice",
      tokens: new MemoryTokenStore(),
      bus: createAuthBus(),
      fetch: async () => new Response(null, { status: 302, headers: { location: "http://[::1" } }),
    });
    const caught = await fetch(RESOURCE).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(TypeError);
    expect((caught as Error).message).toContain("redirected to a Location that is not a URL");
  });
});
