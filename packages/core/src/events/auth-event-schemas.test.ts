import { describe, expect, it } from "vitest";
import { isAuthbusError } from "../errors/is-authbus-error.js";
import { authEventSchemas, parseAuthEvent } from "./auth-event-schemas.js";

const where = { serverName: "files", resource: "https://files.example.com/mcp", subject: "alice" };

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("parseAuthEvent", () => {
  it("returns a valid payload typed", () => {
    const payload = { ...where, callId: "call_1", tokenFingerprint: "fp_abcdefghijkl" };
    expect(parseAuthEvent("token.refreshing", payload)).toEqual(payload);
  });

  it("rejects a payload carrying a field that is not in the schema, such as a token", () => {
    const token = "eyJ.access-token-value.sig";
    const error = caught(() =>
      parseAuthEvent("consent.granted", {
        ...where,
        consentId: "c1",
        scopes: [],
        tokenFingerprint: "fp_abcdefghijkl",
        accessToken: token,
      }),
    );
    expect(isAuthbusError(error, "INVALID_AUTH_EVENT")).toBe(true);
    expect((error as Error).message).toContain("accessToken");
    expect((error as Error).message).not.toContain(token);
  });

  it("rejects a token where a fingerprint belongs", () => {
    const token = "eyJ.access-token-value.sig";
    const error = caught(() => parseAuthEvent("token.refreshed", { ...where, tokenFingerprint: token }));
    expect(isAuthbusError(error, "INVALID_AUTH_EVENT")).toBe(true);
    expect((error as Error).message).toContain("tokenFingerprint");
    expect((error as Error).message).not.toContain(token);
  });

  it("token.revoked carries fingerprints and outcomes, never a token", () => {
    const payload = {
      ...where,
      tokenFingerprint: "fp_abcdefghijkl",
      server: "failed" as const,
      revoked: ["refresh_token" as const],
      error: { code: "REVOCATION_FAILED", message: "unreachable" },
    };
    expect(parseAuthEvent("token.revoked", payload)).toEqual(payload);
    expect(
      caught(() =>
        parseAuthEvent("token.revoked", { ...where, server: "revoked", revoked: [], refreshToken: "rt" }),
      ),
    ).toMatchObject({ code: "INVALID_AUTH_EVENT" });
    expect(
      caught(() => parseAuthEvent("token.revoked", { ...where, server: "gone", revoked: [] })),
    ).toMatchObject({ code: "INVALID_AUTH_EVENT" });
  });

  it("rejects unknown event names and names the known ones", () => {
    const error = caught(() => parseAuthEvent("token.stolen", {}));
    expect(isAuthbusError(error, "INVALID_AUTH_EVENT")).toBe(true);
    expect((error as Error).message).toContain("consent.granted");
    expect(caught(() => parseAuthEvent("__proto__", {}))).toMatchObject({ code: "INVALID_AUTH_EVENT" });
  });

  it("has a schema for every event DESIGN.md names", () => {
    expect(Object.keys(authEventSchemas).sort()).toEqual(
      [
        "challenge",
        "token.refreshing",
        "token.refreshed",
        "token.refresh_failed",
        "token.obtaining",
        "token.obtained",
        "token.obtain_failed",
        "token.revoked",
        "consent.required",
        "consent.granted",
        "consent.denied",
        "consent.expired",
        "elicitation.completed",
        "elicitation.answered",
        "request.retried",
        "handler.failed",
      ].sort(),
    );
  });
});
