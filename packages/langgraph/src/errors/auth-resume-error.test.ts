import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { AuthResumeError, ConsentNotPendingError } from "./auth-resume-error.js";

describe("langgraph errors", () => {
  const secret = "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0.sig";
  const cause = Object.assign(new Error(`resumed with ${secret}`), { value: { accessToken: secret } });

  it.each([
    [
      "AuthResumeError",
      new AuthResumeError({ code: "AUTH_RESUME_MISMATCH", message: "m", consentId: "c1", cause }),
    ],
    ["ConsentNotPendingError", new ConsentNotPendingError({ consentId: "c1", cause })],
  ])("%s serialises without its cause and narrows by code", (name, error) => {
    expect(isAuthbusError(error, error.code) && error.consentId).toBe("c1");
    expect(error.toJSON()).toMatchObject({ name, code: error.code, consentId: "c1" });
    expect(JSON.stringify(error)).not.toContain(secret);
  });
});
