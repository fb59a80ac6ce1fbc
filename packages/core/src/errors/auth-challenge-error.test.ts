import { describe, expect, it } from "vitest";
import { AuthChallengeError, isAuthChallengeError } from "./auth-challenge-error.js";

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
    expect(isAuthChallengeError(error)).toBe(true);
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

  it("is recognised by name and code, not by class identity", () => {
    const lookalike = Object.assign(new Error("x"), { name: "AuthChallengeError", code: "AUTH_CHALLENGE" });
    expect(isAuthChallengeError(lookalike)).toBe(true);
    expect(isAuthChallengeError(new Error("x"))).toBe(false);
    expect(isAuthChallengeError({ name: "AuthChallengeError", code: "AUTH_CHALLENGE" })).toBe(false);
    expect(isAuthChallengeError(undefined)).toBe(false);
  });
});
