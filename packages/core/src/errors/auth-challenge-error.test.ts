import { describe, expect, it } from "vitest";
import { MAX_WWW_AUTHENTICATE_LENGTH } from "../limits.js";
import { AuthChallengeError } from "./auth-challenge-error.js";
import { HeaderTooLargeError } from "./header-too-large-error.js";
import { isAuthbusError } from "./is-authbus-error.js";

const metadata = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

describe("AuthChallengeError", () => {
  it("carries the status, the header, its challenges and their OAuth reading", () => {
    const headers = new Headers({
      "www-authenticate": `DPoP algs="ES256", Bearer error="insufficient_scope", scope="files.write", resource_metadata="${metadata}"`,
      "content-type": "application/json",
    });
    const error = new AuthChallengeError({
      status: 403,
      url: "https://mcp.example.com/mcp",
      headers,
      serverName: "files",
    });
    expect(error.name).toBe("AuthChallengeError");
    expect(error.code).toBe("AUTH_CHALLENGE");
    expect(error.status).toBe(403);
    expect(error.serverName).toBe("files");
    expect(error.wwwAuthenticate).toBe(headers.get("www-authenticate"));
    expect(error.challenges.map((challenge) => challenge.scheme)).toEqual(["dpop", "bearer"]);
    expect(error.oauth).toEqual({
      scheme: "bearer",
      error: "insufficient_scope",
      scope: ["files.write"],
      resourceMetadata: metadata,
    });
    expect(error.message).toBe("files answered 403: insufficient_scope");
    expect(error.headers.get("content-type")).toBe("application/json");
    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
  });

  it("keeps no credential-bearing header and serialises no headers", () => {
    const secret = "eyJhbGciOiJFUzI1NiJ9.secret-token.sig";
    const headers = new Headers({
      "www-authenticate": 'Bearer error="invalid_token"',
      "set-cookie": `session=${secret}`,
      authorization: `Bearer ${secret}`,
    });
    const error = new AuthChallengeError({
      status: 401,
      url: `https://user:${secret}@mcp.example.com/mcp?access_token=${secret}`,
      headers,
    });
    expect(error.headers.has("set-cookie")).toBe(false);
    expect(error.headers.has("authorization")).toBe(false);
    expect(error.url).toBe("https://mcp.example.com/mcp");
    expect(Object.keys(error)).not.toContain("headers");
    const serialised = JSON.stringify(error);
    expect(serialised).not.toContain(secret);
    expect(JSON.stringify({ ...error })).not.toContain(secret);
    expect(error.message).not.toContain(secret);
    expect(JSON.parse(serialised)).toMatchObject({ status: 401, oauth: { error: "invalid_token" } });
  });

  it("still describes a response whose header does not parse", () => {
    const error = new AuthChallengeError({
      status: 401,
      url: "https://mcp.example.com/mcp",
      headers: new Headers({ "www-authenticate": 'Bearer realm="unterminated' }),
    });
    expect(error.challenges).toEqual([]);
    expect(error.oauth).toBeUndefined();
    expect((error.cause as Error).name).toBe("WWWAuthenticateParseError");
    expect(error.message).toBe("https://mcp.example.com answered 401: authentication required");
  });

  it("says when there was no header at all", () => {
    const error = new AuthChallengeError({ status: 401, url: "not a url", headers: new Headers() });
    expect(error.wwwAuthenticate).toBeNull();
    expect(error.url).toBe("(invalid URL)");
    expect(error.message).toBe("the server answered 401: no WWW-Authenticate header");
  });

  it("is not recognised from its name and code alone", () => {
    const lookalike = Object.assign(new Error("x"), { name: "AuthChallengeError", code: "AUTH_CHALLENGE" });
    expect(isAuthbusError(lookalike)).toBe(false);
    expect(isAuthbusError({ name: "AuthChallengeError", code: "AUTH_CHALLENGE" })).toBe(false);
  });
});

describe("AuthChallengeError limits", () => {
  it(`does not parse a WWW-Authenticate value over MAX_WWW_AUTHENTICATE_LENGTH (${MAX_WWW_AUTHENTICATE_LENGTH})`, () => {
    const huge = `Bearer error="invalid_token", error_description="${"x".repeat(MAX_WWW_AUTHENTICATE_LENGTH)}"`;
    const error = new AuthChallengeError({
      status: 401,
      url: "https://mcp.example.com/mcp",
      headers: new Headers({ "www-authenticate": huge }),
    });
    expect(error.challenges).toEqual([]);
    expect(error.oauth).toBeUndefined();
    expect(error.wwwAuthenticate).toBeNull();
    expect(error.message).toBe("https://mcp.example.com answered 401: WWW-Authenticate header too large");
    expect(isAuthbusError(error.cause, "HEADER_TOO_LARGE")).toBe(true);
    expect(error.cause).toMatchObject({
      code: "HEADER_TOO_LARGE",
      header: "www-authenticate",
      limit: MAX_WWW_AUTHENTICATE_LENGTH,
      length: huge.length,
    });
    expect((error.cause as Error).message).not.toContain("xxxx");
    expect(JSON.stringify(error).length).toBeLessThan(1000);
  });

  it("parses a value of exactly the limit", () => {
    const value = `Bearer realm="${"r".repeat(MAX_WWW_AUTHENTICATE_LENGTH - 15)}"`;
    expect(value).toHaveLength(MAX_WWW_AUTHENTICATE_LENGTH);
    const error = new AuthChallengeError({
      status: 401,
      url: "https://h/",
      headers: new Headers({ "www-authenticate": value }),
    });
    expect(error.challenges).toHaveLength(1);
  });

  it("keeps a relative resource_metadata as a typed cause and no OAuth reading", () => {
    const error = new AuthChallengeError({
      status: 401,
      url: "https://mcp.example.com/mcp",
      headers: new Headers({ "www-authenticate": 'Bearer error="invalid_token", resource_metadata="/x"' }),
    });
    expect(error.challenges).toHaveLength(1);
    expect(error.oauth).toBeUndefined();
    expect(isAuthbusError(error.cause, "INVALID_CHALLENGE_PARAMETER")).toBe(true);
  });

  it("says what HeaderTooLargeError refused, never the value", () => {
    expect(isAuthbusError(new HeaderTooLargeError({ header: "*", limit: 1 }), "HEADER_TOO_LARGE")).toBe(true);
    expect(new HeaderTooLargeError({ header: "*", limit: 16384 }).message).toBe(
      "the response headers exceed the limit of 16384; not read",
    );
  });
});
