import { describe, expect, it } from "vitest";
import { authInterruptSchema, authResumeSchema, isAuthInterrupt } from "./auth-interrupt.js";

const payload = {
  type: "authbus/consent_required",
  consentId: "c1",
  serverName: "calendar",
  resource: "https://calendar.example.com/mcp",
  authorizationUrl: "https://as.example.com/authorize?client_id=x",
  scopes: ["calendar.read"],
  reason: "missing_token",
  expiresAt: 1_900_000_000_000,
};

describe("authInterruptSchema", () => {
  it("accepts the DESIGN.md payload and recognises it", () => {
    expect(authInterruptSchema.parse(payload)).toEqual(payload);
    expect(isAuthInterrupt(payload)).toBe(true);
  });

  it("refuses extra fields (a token has nowhere to hide) and unknown reasons", () => {
    expect(isAuthInterrupt({ ...payload, accessToken: "secret" })).toBe(false);
    expect(isAuthInterrupt({ ...payload, reason: "because" })).toBe(false);
    expect(isAuthInterrupt({ ...payload, authorizationUrl: "not a url" })).toBe(false);
    expect(isAuthInterrupt("authbus/consent_required")).toBe(false);
  });

  it("names the channel, and carries what CIBA and device authorization show", () => {
    const ciba = { ...payload, channel: "ciba", bindingMessage: "KXQ7-M4TD" };
    expect(authInterruptSchema.parse(ciba)).toEqual(ciba);
    const device = {
      ...payload,
      channel: "device",
      userCode: "BCDF-GHJK",
      verificationUri: "https://as.example.com/device",
      verificationUriComplete: "https://as.example.com/device?user_code=BCDF-GHJK",
    };
    expect(isAuthInterrupt(device)).toBe(true);
    expect(isAuthInterrupt({ ...payload, channel: "carrier_pigeon" })).toBe(false);
    expect(isAuthInterrupt({ ...device, verificationUri: "not a url" })).toBe(false);
    // Never the grant's secrets.
    expect(isAuthInterrupt({ ...ciba, authReqId: "secret" })).toBe(false);
    expect(isAuthInterrupt({ ...device, deviceCode: "secret" })).toBe(false);
  });

  it("checks resume values", () => {
    expect(authResumeSchema.safeParse({ consentId: "c1", outcome: "granted" }).success).toBe(true);
    expect(authResumeSchema.safeParse({ consentId: "c1", outcome: "maybe" }).success).toBe(false);
    expect(authResumeSchema.safeParse({ consentId: "c1", outcome: "granted", token: "t" }).success).toBe(
      false,
    );
  });
});
