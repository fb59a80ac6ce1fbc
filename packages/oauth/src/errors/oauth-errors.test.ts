import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { checkServerUrl } from "../shared/http-options.js";
import { ConsentChannelError } from "./consent-channel-error.js";
import {
  ClientRegistrationError,
  ConsentCallbackError,
  ConsentRetryLimitError,
  ConsentStateError,
  DiscoveryError,
  GrantError,
  PkceUnsupportedError,
  RefreshError,
  ResourceMismatchError,
  StoreSecretError,
  safeCause,
} from "./oauth-errors.js";
import { LimitExceededError, RequestAbortedError, RequestTimeoutError } from "./request-errors.js";
import { RevocationError } from "./revocation-error.js";
import { StoreCorruptError } from "./store-errors.js";
import { StoreUnavailableError } from "./store-unavailable-error.js";

const secret = "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0.SECRET-token-value";
// What oauth4webapi attaches to a failed token response: the body, with the tokens in it.
const cause = Object.assign(new Error(`bad response ${secret}`), { body: { access_token: secret } });
const url = `https://user:${secret}@as.example.com/token?code=${secret}&state=${secret}#${secret}`;

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("oauth errors", () => {
  const errors: [string, unknown][] = [
    [
      "DiscoveryError",
      new DiscoveryError({ message: "no metadata", tried: ["https://as.example.com/x"], cause }),
    ],
    [
      "ResourceMismatchError",
      new ResourceMismatchError({
        expected: "https://a/mcp",
        received: "https://b/mcp",
        metadataUrl: "https://b/m",
        cause,
      }),
    ],
    ["PkceUnsupportedError", new PkceUnsupportedError({ issuer: "https://as.example.com", cause })],
    [
      "ClientRegistrationError",
      new ClientRegistrationError({ issuer: "https://as", message: "refused", cause }),
    ],
    ["ConsentStateError", new ConsentStateError({ problem: "unknown", cause })],
    [
      "ConsentCallbackError",
      new ConsentCallbackError({ consentId: "c1", message: "refused", error: "x", cause }),
    ],
    [
      "ConsentChannelError",
      new ConsentChannelError({
        message: "refused",
        channel: "ciba",
        issuer: "https://as",
        error: "x",
        cause,
      }),
    ],
    ["ConsentRetryLimitError", new ConsentRetryLimitError({ resource: "https://a/mcp", attempts: 3, cause })],
    [
      "RefreshError",
      new RefreshError({ message: "refused", consentRequired: true, error: "invalid_grant", cause }),
    ],
    [
      "GrantError",
      new GrantError({ message: "refused", grant: "jwt_bearer", step: "assertion", retryable: false, cause }),
    ],
    ["RevocationError", new RevocationError({ message: "not confirmed", error: "x", cause })],
    ["RequestTimeoutError", new RequestTimeoutError({ url, timeoutMs: 5, cause })],
    ["RequestAbortedError", new RequestAbortedError({ url, cause })],
    ["UrlRefusedError", caught(() => checkServerUrl(url, "token_endpoint", {}))],
    [
      "LimitExceededError",
      new LimitExceededError({ limit: "response_body", max: 1, what: "the body", cause }),
    ],
    ["StoreSecretError", new StoreSecretError({ problem: "mismatch", message: "another secret", cause })],
    ["StoreCorruptError", new StoreCorruptError({ problem: "tampered", table: "tokens", row: "alice" })],
    [
      "StoreUnavailableError",
      new StoreUnavailableError({ store: "postgres", message: "unreachable", cause }),
    ],
  ];

  it.each(errors)("%s serialises without a secret and is recognised by its code", (name, error) => {
    expect(isAuthbusError(error)).toBe(true);
    if (!isAuthbusError(error)) return;
    expect(error.name).toBe(name);
    expect(isAuthbusError(error, error.code)).toBe(true);
    const json = error.toJSON();
    expect(json).toMatchObject({ name, code: error.code, message: error.message });
    for (const text of [
      JSON.stringify(json),
      JSON.stringify(error),
      JSON.stringify({ ...error }),
      error.message,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("narrows by code to the class and its fields", () => {
    const error: unknown = new RefreshError({ message: "m", consentRequired: true });
    expect(isAuthbusError(error, "REFRESH_FAILED") && error.consentRequired).toBe(true);
    expect(isAuthbusError(error, "GRANT_FAILED")).toBe(false);
    expect(
      isAuthbusError(Object.assign(new Error("x"), { name: "RefreshError", code: "REFRESH_FAILED" })),
    ).toBe(false);
  });

  it("name the consent, never the state", () => {
    const error = new ConsentStateError({ problem: "settled", consentId: "consent-1" });
    expect(error.message).toContain("consent-1");
    expect(error).toMatchObject({ code: "CONSENT_STATE", problem: "settled", consentId: "consent-1" });
  });

  it("keep a cause without its response body", () => {
    const original = Object.assign(
      new Error("bad token response", { cause: { body: { access_token: "AT-1" } } }),
      {
        code: "OAUTH_INVALID_RESPONSE",
        error: "invalid_grant",
      },
    );
    const cause = safeCause(original);
    expect(cause).toMatchObject({
      message: "bad token response",
      code: "OAUTH_INVALID_RESPONSE",
      error: "invalid_grant",
    });
    expect(cause?.cause).toBeUndefined();
    expect(JSON.stringify(cause)).not.toContain("AT-1");
    expect(safeCause("string")).toBeUndefined();
  });
});
