import { describe, expect, it } from "vitest";
import { isAuthbusError } from "../errors/is-authbus-error.js";
import type { Challenge } from "../www-authenticate/challenge.js";
import { readOAuthChallenge, selectOAuthChallenge } from "./read-oauth-challenge.js";

const bearer = (params: Record<string, string>): Challenge => ({ scheme: "bearer", params });

describe("readOAuthChallenge", () => {
  it("reads RFC 6750 §3 parameters", () => {
    // RFC 6750 §3, second example.
    expect(
      readOAuthChallenge(
        bearer({
          realm: "example",
          error: "invalid_token",
          error_description: "The access token expired",
        }),
      ),
    ).toEqual({
      scheme: "bearer",
      realm: "example",
      error: "invalid_token",
      errorDescription: "The access token expired",
    });
  });

  it("splits scope into a list, dropping empty items and repeats (RFC 6749 §3.3)", () => {
    expect(readOAuthChallenge(bearer({ scope: "files.read  files.write files.read" })).scope).toEqual([
      "files.read",
      "files.write",
    ]);
    expect(readOAuthChallenge(bearer({ scope: "" })).scope).toEqual([]);
  });

  it("reads resource_metadata and error_uri (RFC 9728 §5.1, RFC 6750 §3)", () => {
    const reading = readOAuthChallenge(
      bearer({
        resource_metadata: "https://resource.example.com/.well-known/oauth-protected-resource",
        error_uri: "https://docs.example.com/errors#scope",
      }),
    );
    expect(reading.resourceMetadata).toBe(
      "https://resource.example.com/.well-known/oauth-protected-resource",
    );
    expect(reading.errorUri).toBe("https://docs.example.com/errors#scope");
  });

  it("reads step-up parameters (RFC 9470 §3)", () => {
    expect(
      readOAuthChallenge(
        bearer({
          error: "insufficient_user_authentication",
          acr_values: "myACR urn:mace:incommon:iap:silver",
          max_age: "5",
        }),
      ),
    ).toMatchObject({
      error: "insufficient_user_authentication",
      acrValues: ["myACR", "urn:mace:incommon:iap:silver"],
      maxAge: 5,
    });
    expect(readOAuthChallenge(bearer({ max_age: "0" })).maxAge).toBe(0);
  });

  it.each(["-1", "5.5", "soon", "", " 5", "1e3", "9999999999999999"])(
    "rejects max_age=%j with a typed error",
    (maxAge) => {
      let caught: unknown;
      try {
        readOAuthChallenge(bearer({ max_age: maxAge }));
      } catch (error) {
        caught = error;
      }
      expect(isAuthbusError(caught, "INVALID_CHALLENGE_PARAMETER")).toBe(true);
      expect((caught as Error).message).toContain("max_age");
      expect((caught as Error).message).toContain("non-negative integer");
    },
  );

  it.each([
    "/x",
    "not a url",
    "",
    "mcp.example.com/.well-known/x",
    "javascript:alert(1)",
    "file:///etc/passwd",
  ])(
    "rejects resource_metadata=%j (RFC 9728 §5.1: an absolute URL) with a typed error, never a TypeError",
    (value) => {
      let caught: unknown;
      try {
        readOAuthChallenge(bearer({ error: "invalid_token", resource_metadata: value }));
      } catch (error) {
        caught = error;
      }
      expect(isAuthbusError(caught, "INVALID_CHALLENGE_PARAMETER")).toBe(true);
      expect(caught).toMatchObject({ code: "INVALID_CHALLENGE_PARAMETER", parameter: "resource_metadata" });
    },
  );

  it("keeps an absolute resource_metadata URL as written", () => {
    const url = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
    expect(readOAuthChallenge(bearer({ resource_metadata: url })).resourceMetadata).toBe(url);
  });

  it("reads DPoP algs (RFC 9449 §7.1)", () => {
    expect(readOAuthChallenge({ scheme: "dpop", params: { algs: "ES256 PS256" } })).toEqual({
      scheme: "dpop",
      algs: ["ES256", "PS256"],
    });
  });

  it("does not invent absent parameters", () => {
    expect(readOAuthChallenge(bearer({}))).toEqual({ scheme: "bearer" });
  });
});

describe("selectOAuthChallenge", () => {
  const dpop: Challenge = { scheme: "dpop", params: { algs: "ES256" } };
  const basic: Challenge = { scheme: "basic", params: { realm: "x" } };
  const bearerChallenge = bearer({ realm: "api" });

  it("prefers Bearer, then DPoP, whatever the header order", () => {
    expect(selectOAuthChallenge([dpop, bearerChallenge])).toBe(bearerChallenge);
    expect(selectOAuthChallenge([basic, dpop])).toBe(dpop);
  });

  it("honours a caller's preference and finds nothing among non-OAuth schemes", () => {
    expect(selectOAuthChallenge([bearerChallenge, dpop], ["DPoP"])).toBe(dpop);
    expect(selectOAuthChallenge([basic])).toBeUndefined();
    expect(selectOAuthChallenge([])).toBeUndefined();
  });
});
