import { describe, expect, it } from "vitest";
import { isAuthbusError } from "../errors/is-authbus-error.js";
import type { Challenge } from "./challenge.js";
import {
  WWWAuthenticateFormatError as FormatErrorClass,
  formatWWWAuthenticate,
  type WWWAuthenticateFormatError,
} from "./format.js";
import { parseWWWAuthenticate } from "./parse.js";

function formatError(challenges: readonly Challenge[]): WWWAuthenticateFormatError {
  try {
    formatWWWAuthenticate(challenges);
  } catch (e) {
    if (isAuthbusError(e, "WWW_AUTHENTICATE_FORMAT_ERROR")) return e;
    throw e;
  }
  throw new Error("expected the challenges to be rejected");
}

describe("formatWWWAuthenticate", () => {
  it("writes the RFC 6750 §3 expired-token challenge exactly as the RFC shows it (every value quoted)", () => {
    expect(
      formatWWWAuthenticate([
        {
          scheme: "Bearer",
          params: { realm: "example", error: "invalid_token", error_description: "The access token expired" },
        },
      ]),
    ).toBe('Bearer realm="example", error="invalid_token", error_description="The access token expired"');
  });

  it("writes the RFC 9728 §5.1 resource_metadata URL as a quoted-string (':' and '/' are not tchar)", () => {
    expect(
      formatWWWAuthenticate([
        {
          scheme: "Bearer",
          params: { resource_metadata: "https://resource.example.com/.well-known/oauth-protected-resource" },
        },
      ]),
    ).toBe('Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"');
  });

  it("joins challenges with ', ' and keeps the order", () => {
    expect(
      formatWWWAuthenticate([
        { scheme: "DPoP", params: { algs: "ES256 PS256" } },
        { scheme: "Bearer", params: { realm: "mcp", error: "invalid_token" } },
        { scheme: "Basic", params: {} },
      ]),
    ).toBe('DPoP algs="ES256 PS256", Bearer realm="mcp", error="invalid_token", Basic');
  });

  it("escapes only '\"' and '\\' inside quoted-strings", () => {
    expect(formatWWWAuthenticate([{ scheme: "x", params: { a: 'say "hi" \\ bye' } }])).toBe(
      'x a="say \\"hi\\" \\\\ bye"',
    );
  });

  it('writes an empty value as ""', () => {
    expect(formatWWWAuthenticate([{ scheme: "Bearer", params: { scope: "" } }])).toBe('Bearer scope=""');
  });

  it("quotes values with commas, '=' or spaces, and keeps HTAB and obs-text", () => {
    expect(formatWWWAuthenticate([{ scheme: "x", params: { a: "b,c=d\te\u00e9" } }])).toBe(
      'x a="b,c=d\te\u00e9"',
    );
  });

  it("writes a token68 as is", () => {
    expect(formatWWWAuthenticate([{ scheme: "Negotiate", params: {}, token68: "a+b/c==" }])).toBe(
      "Negotiate a+b/c==",
    );
  });

  it("writes a __proto__ parameter held as an own property", () => {
    const [challenge] = parseWWWAuthenticate('Bearer __proto__="x y"');
    expect(formatWWWAuthenticate([challenge as Challenge])).toBe('bearer __proto__="x y"');
  });

  it("is the inverse of parseWWWAuthenticate for lower-case names", () => {
    const challenges: Challenge[] = [
      { scheme: "dpop", params: { algs: "ES256", error: "use_dpop_nonce" } },
      { scheme: "negotiate", params: {}, token68: "abc==" },
      { scheme: "bearer", params: { realm: 'a"b\\c', scope: "", error_description: 'scope="x", Basic' } },
    ];
    expect(parseWWWAuthenticate(formatWWWAuthenticate(challenges))).toEqual(challenges);
  });
});

describe("formatWWWAuthenticate: what cannot be written", () => {
  const cases: [label: string, challenges: Challenge[], index: number, message: RegExp][] = [
    ["an empty list", [], -1, /at least one challenge/],
    ["an empty scheme", [{ scheme: "", params: {} }], 0, /auth-scheme "" is not a token/],
    ["a scheme with a space", [{ scheme: "Bear er", params: {} }], 0, /auth-scheme "Bear er" is not a token/],
    [
      "a parameter name with a space",
      [
        { scheme: "Basic", params: {} },
        { scheme: "Bearer", params: { "a b": "c" } },
      ],
      1,
      /parameter name "a b" is not a token/,
    ],
    [
      "an empty parameter name",
      [{ scheme: "Bearer", params: { "": "c" } }],
      0,
      /parameter name "" is not a token/,
    ],
    ["a NUL in a value", [{ scheme: "Bearer", params: { realm: "a\u0000b" } }], 0, /U\+0000/],
    ["a newline in a value", [{ scheme: "Bearer", params: { realm: "a\nb" } }], 0, /U\+000A/],
    ["DEL in a value", [{ scheme: "Bearer", params: { realm: "\u007f" } }], 0, /U\+007F/],
    ["a token68 with a space", [{ scheme: "Negotiate", params: {}, token68: "a b" }], 0, /token68 syntax/],
    ["a token68 of only '='", [{ scheme: "Negotiate", params: {}, token68: "==" }], 0, /token68 syntax/],
    ["an empty token68", [{ scheme: "Negotiate", params: {}, token68: "" }], 0, /token68 syntax/],
    ["'=' inside a token68", [{ scheme: "Negotiate", params: {}, token68: "ab=c" }], 0, /token68 syntax/],
    [
      "a token68 and parameters",
      [{ scheme: "Negotiate", params: { realm: "x" }, token68: "abc" }],
      0,
      /both a token68 and parameters/,
    ],
    [
      "names that differ only in case",
      [{ scheme: "Bearer", params: { realm: "a", Realm: "b" } }],
      0,
      /"realm" appears twice/,
    ],
  ];

  it.each(cases)("%s", (_label, challenges, index, message) => {
    const error = formatError(challenges);
    expect(error).toBeInstanceOf(FormatErrorClass);
    expect(error.name).toBe("WWWAuthenticateFormatError");
    expect(error.code).toBe("WWW_AUTHENTICATE_FORMAT_ERROR");
    expect(error.challengeIndex).toBe(index);
    expect(error.message).toMatch(message);
  });

  it("rejects a value that is not a string", () => {
    expect(formatError([{ scheme: "Bearer", params: { realm: 5 as unknown as string } }]).message).toMatch(
      /number value/,
    );
  });

  it("never repeats a value or a token68 in the message", () => {
    expect(formatError([{ scheme: "Bearer", params: { realm: "hunter2\u0001" } }]).message).not.toContain(
      "hunter2",
    );
    expect(formatError([{ scheme: "Negotiate", params: {}, token68: "hunter2 x" }]).message).not.toContain(
      "hunter2",
    );
  });
});
