import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { ConsentNotSettledError, ConsentSessionError } from "./consent-session-error.js";

describe("authbus errors", () => {
  const session = "sess_0123456789abcdefSECRET";
  const cause = Object.assign(new Error(`cookie session=${session}`), { cookie: session });

  it.each([
    ["ConsentSessionError", new ConsentSessionError({ consentId: "c1", mismatch: "session", cause })],
    [
      "ConsentNotSettledError",
      new ConsentNotSettledError({ consentId: "c1", message: "there is no consent c1", cause }),
    ],
  ])("%s serialises the consent id, never the session", (name, error) => {
    expect(isAuthbusError(error, error.code) && error.consentId).toBe("c1");
    expect(error.toJSON()).toMatchObject({ name, code: error.code, consentId: "c1" });
    expect(JSON.stringify(error)).not.toContain(session);
    expect(error.message).not.toContain(session);
  });
});
