import { describe, expect, it } from "vitest";
import {
  ConsentStateError,
  isConsentStateError,
  isRefreshError,
  isStoreSecretError,
  RefreshError,
  StoreSecretError,
  safeCause,
} from "./oauth-errors.js";

describe("oauth errors", () => {
  it("are recognised by name and code, also across copies", () => {
    const copy = Object.assign(new Error("x"), { name: "RefreshError", code: "REFRESH_FAILED" });
    expect(isRefreshError(copy)).toBe(true);
    expect(isRefreshError(new RefreshError("m", { consentRequired: true }))).toBe(true);
    expect(isRefreshError(Object.assign(new Error("x"), { name: "RefreshError" }))).toBe(false);
    expect(isStoreSecretError(new StoreSecretError("missing", "m"))).toBe(true);
    expect(isConsentStateError(new Error("CONSENT_STATE"))).toBe(false);
  });

  it("name the consent, never the state", () => {
    const error = new ConsentStateError("settled", "consent-1");
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
