import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { BusMessageTooLargeError } from "../bus/bridge/bridge-auth-bus.js";
import { parseAuthEvent } from "../events/auth-event-schemas.js";
import { InvalidChallengeParameterError } from "../oauth-challenge/read-oauth-challenge.js";
import { formatWWWAuthenticate } from "../www-authenticate/format.js";
import { parseWWWAuthenticate } from "../www-authenticate/parse.js";
import { AuthChallengeError } from "./auth-challenge-error.js";
import { AuthbusError } from "./authbus-error.js";
import { authbusErrorCodes } from "./authbus-error-codes.js";
import { HeaderTooLargeError } from "./header-too-large-error.js";
import { isAuthbusError } from "./is-authbus-error.js";

const packagesDir = fileURLToPath(new URL("../../../", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test(-d)?\.tsx?$|\.test-helpers\.ts$/.test(entry.name)
      ? [path]
      : [];
  });
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("the code union", () => {
  const sources = readdirSync(packagesDir)
    .flatMap((name) => {
      try {
        return sourceFiles(join(packagesDir, name, "src"));
      } catch {
        return [];
      }
    })
    .map((path) => readFileSync(path, "utf8"))
    .join("\n");
  const readme = readFileSync(join(packagesDir, "core", "README.md"), "utf8");

  it.each(authbusErrorCodes)("%s is thrown by some package and documented in the core README", (code) => {
    // Every error is built as `new X({ code: "…", … })` or `super({ code: "…", … })`.
    expect(sources.includes(`code: "${code}"`), `no source builds an error with code ${code}`).toBe(true);
    expect(readme.includes(`\`${code}\``), `${code} is not in packages/core/README.md`).toBe(true);
  });

  it("lists each code once", () => {
    expect(new Set(authbusErrorCodes).size).toBe(authbusErrorCodes.length);
  });
});

describe("isAuthbusError", () => {
  const error = new AuthbusError({
    code: "INVALID_TOKEN_SET",
    message: "invalid token set: check expiresAt",
  });

  it("recognises an authbus error and narrows it by code", () => {
    expect(isAuthbusError(error)).toBe(true);
    expect(isAuthbusError(error, "INVALID_TOKEN_SET")).toBe(true);
    expect(isAuthbusError(error, "INVALID_STORE_KEY")).toBe(false);
    expect(isAuthbusError(new HeaderTooLargeError({ header: "*", limit: 1 }), "HEADER_TOO_LARGE")).toBe(true);
  });

  it("refuses anything without the brand, even with an authbus name and code", () => {
    for (const value of [
      new Error("x"),
      Object.assign(new Error("x"), { name: "RefreshError", code: "REFRESH_FAILED" }),
      { name: "AuthbusError", code: "INVALID_TOKEN_SET", message: "x" },
      JSON.parse(JSON.stringify(error)),
      null,
      undefined,
      "AuthbusError",
      42,
    ]) {
      expect(isAuthbusError(value)).toBe(false);
    }
  });

  it("recognises an error from a second loaded copy of the module, which instanceof does not", async () => {
    vi.resetModules();
    const copy: typeof import("./authbus-error.js") = await import("./authbus-error.js");
    expect(copy.AuthbusError).not.toBe(AuthbusError);
    const fromCopy = new copy.AuthbusError({ code: "REFRESH_FAILED", message: "refresh failed" });
    expect(fromCopy instanceof AuthbusError).toBe(false);
    expect(isAuthbusError(fromCopy)).toBe(true);
    expect(isAuthbusError(fromCopy, "REFRESH_FAILED")).toBe(true);
    expect(isAuthbusError(fromCopy, "GRANT_FAILED")).toBe(false);
  });

  it("recognises a structurally identical error from a fake second copy, with its fields", () => {
    // What another installed version of @authbus/oauth would throw: its own classes, the same brand.
    class OtherCopyError extends Error {
      static {
        Object.defineProperty(OtherCopyError.prototype, Symbol.for("authbus.error"), { value: true });
      }
      override readonly name = "RefreshError";
      readonly code = "REFRESH_FAILED";
      readonly consentRequired = true;
    }
    const other: unknown = new OtherCopyError("the refresh token was refused");
    expect(isAuthbusError(other, "REFRESH_FAILED")).toBe(true);
    expect(isAuthbusError(other, "GRANT_FAILED")).toBe(false);
    expect(other).toMatchObject({ code: "REFRESH_FAILED", consentRequired: true });
  });
});

describe("AuthbusError", () => {
  it("passes the cause through and names itself", () => {
    const cause = new Error("root");
    const error = new AuthbusError({ code: "INVALID_STORE_KEY", message: "bad key", cause });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe("AuthbusError");
    expect(error).toBeInstanceOf(Error);
    expect(error.toJSON()).toEqual({ name: "AuthbusError", code: "INVALID_STORE_KEY", message: "bad key" });
    expect("cause" in new AuthbusError({ code: "INVALID_STORE_KEY", message: "x" })).toBe(false);
  });

  it("serialises an authbus cause, and only that", () => {
    const inner = new HeaderTooLargeError({ header: "www-authenticate", limit: 10, length: 20 });
    const outer = new AuthbusError({ code: "INVALID_AUTH_EVENT", message: "outer", cause: inner });
    expect(outer.toJSON().cause).toEqual(inner.toJSON());
  });
});

describe("toJSON of every core error carries no secret", () => {
  const secret = "sk_live_0123456789abcdefSECRET";
  const token68 = Buffer.from(secret).toString("base64url");
  const secretCause = Object.assign(new Error(`token ${secret}`), { body: { access_token: secret } });
  const errors: [string, unknown][] = [
    [
      "AuthbusError",
      new AuthbusError({ code: "INVALID_TOKEN_SET", message: "invalid token set", cause: secretCause }),
    ],
    [
      "AuthChallengeError",
      new AuthChallengeError({
        status: 401,
        url: `https://user:${secret}@mcp.example.com/mcp?access_token=${secret}#${secret}`,
        headers: new Headers({
          "www-authenticate": 'Bearer error="invalid_token"',
          authorization: `Bearer ${secret}`,
          cookie: `session=${secret}`,
          "set-cookie": `session=${secret}`,
          dpop: secret,
        }),
        serverName: "files",
        cause: secretCause,
      }),
    ],
    [
      "HeaderTooLargeError",
      new HeaderTooLargeError({ header: "*", limit: 1, length: 2, cause: secretCause }),
    ],
    ["WWWAuthenticateParseError", caught(() => parseWWWAuthenticate(`Bearer ${token68}, realm=`))],
    [
      "WWWAuthenticateFormatError",
      caught(() => formatWWWAuthenticate([{ scheme: "Negotiate", params: {}, token68: `${secret} x` }])),
    ],
    [
      "InvalidChallengeParameterError",
      new InvalidChallengeParameterError({
        parameter: "max_age",
        value: "soon",
        expected: "seconds",
        cause: secretCause,
      }),
    ],
    ["InvalidAuthEventError", caught(() => parseAuthEvent("consent.granted", { accessToken: secret }))],
    [
      "BusMessageTooLargeError",
      new BusMessageTooLargeError({ event: "consent.granted", bytes: 10, limit: 1, cause: secretCause }),
    ],
  ];

  it.each(errors)("%s", (name, error) => {
    expect(isAuthbusError(error)).toBe(true);
    if (!isAuthbusError(error)) return;
    expect(error.name).toBe(name);
    const json = error.toJSON();
    expect(json).toMatchObject({ name, code: error.code, message: error.message });
    for (const text of [
      JSON.stringify(json),
      JSON.stringify(error),
      JSON.stringify({ ...error }),
      error.message,
    ]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(token68);
    }
    expect(JSON.stringify(json)).not.toMatch(/"stack"|"headers"|"input"/);
  });
});
