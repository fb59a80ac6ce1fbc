import { describe, expect, it } from "vitest";
import { parseAuthEvent } from "../events/auth-event-schemas.js";
import { authInterruptSchema, isAuthInterrupt } from "./auth-interrupt.js";

// MCP 2025-11-25 URL-mode elicitation, carried by the same interrupt type as every consent.
const elicitation = {
  type: "authbus/consent_required",
  consentId: "c1",
  serverName: "repos",
  resource: "https://repos.example.com/mcp",
  authorizationUrl: "https://octo.example.com/authorize?request=abc",
  scopes: [],
  reason: "url_elicitation",
  expiresAt: 1_900_000_000_000,
  channel: "elicitation",
  elicitationId: "el-1",
  message: "Connect your Octo account.",
};

const where = { serverName: "repos", resource: "https://repos.example.com/mcp", subject: "alice" };

describe("URL-mode elicitation in the interrupt schema", () => {
  it("accepts an elicitation: channel, the server's elicitationId and URL, its message", () => {
    expect(authInterruptSchema.parse(elicitation)).toEqual(elicitation);
    const { message: _message, ...withoutMessage } = elicitation;
    expect(isAuthInterrupt(withoutMessage)).toBe(true);
  });

  it("elicitationId comes exactly with channel elicitation", () => {
    const { elicitationId: _id, ...withoutId } = elicitation;
    expect(isAuthInterrupt(withoutId)).toBe(false);
    const { channel: _channel, ...withoutChannel } = elicitation;
    expect(isAuthInterrupt(withoutChannel)).toBe(false);
    expect(isAuthInterrupt({ ...elicitation, channel: "redirect" })).toBe(false);
  });

  it("refuses a URL a browser must not open, and anything that could hold a secret", () => {
    expect(isAuthInterrupt({ ...elicitation, authorizationUrl: "javascript:alert(1)" })).toBe(false);
    expect(isAuthInterrupt({ ...elicitation, authorizationUrl: "data:text/html,x" })).toBe(false);
    expect(isAuthInterrupt({ ...elicitation, accessToken: "secret" })).toBe(false);
  });
});

describe("elicitation events", () => {
  it("elicitation.completed: by the server or by the person", () => {
    const event = { ...where, consentId: "c1", elicitationId: "el-1", by: "server" };
    expect(parseAuthEvent("elicitation.completed", event)).toEqual(event);
    expect(() => parseAuthEvent("elicitation.completed", { ...event, by: "someone" })).toThrow();
    expect(() => parseAuthEvent("elicitation.completed", { ...event, url: "https://x" })).toThrow();
  });

  it("elicitation.answered: the client's action, with the consent when one was begun", () => {
    const event = { ...where, elicitationId: "el-1", action: "cancel" };
    expect(parseAuthEvent("elicitation.answered", event)).toEqual(event);
    expect(
      parseAuthEvent("elicitation.answered", { ...event, consentId: "c1", action: "accept" }),
    ).toBeTruthy();
    expect(() => parseAuthEvent("elicitation.answered", { ...event, action: "maybe" })).toThrow();
  });

  it("consent.required takes the elicitation channel and reason", () => {
    const event = {
      ...where,
      consentId: "c1",
      reason: "url_elicitation",
      scopes: [],
      authorizationUrl: "https://octo.example.com/authorize",
      expiresAt: 1,
      channel: "elicitation",
    };
    expect(parseAuthEvent("consent.required", event)).toEqual(event);
  });
});
