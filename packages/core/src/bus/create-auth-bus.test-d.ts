import { describe, expectTypeOf, it } from "vitest";
import { createAuthBus } from "./create-auth-bus.js";

describe("AuthBus types", () => {
  it("types each handler by its event", () => {
    const bus = createAuthBus();
    bus.on("challenge", (event) => {
      expectTypeOf(event.status).toEqualTypeOf<number>();
      expectTypeOf(event.callId).toEqualTypeOf<string | undefined>();
    });
    bus.on("consent.granted", (event) => {
      expectTypeOf(event.tokenFingerprint).toEqualTypeOf<string>();
    });
  });

  it("rejects unknown events and wrong payloads", () => {
    const bus = createAuthBus();
    // @ts-expect-error: not an authbus event
    bus.on("token.leaked", () => {});
    // @ts-expect-error: consent.expired needs serverName, resource, subject, consentId
    bus.emit("consent.expired", { consentId: "c1" });
    bus.emit("consent.expired", { consentId: "c1", serverName: "s", resource: "https://r/", subject: "u" });
  });
});
