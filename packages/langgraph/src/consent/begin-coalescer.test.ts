import { createAuthBus } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createBeginCoalescer } from "./begin-coalescer.js";
import type { ConsentBeginInput, ConsentBegun } from "./consent-types.js";

function setUp() {
  const bus = createAuthBus();
  const begins: ConsentBeginInput[] = [];
  const coalescer = createBeginCoalescer(
    {
      async begin(input): Promise<ConsentBegun> {
        begins.push(input);
        return {
          consentId: `c${begins.length}`,
          authorizationUrl: "https://as.example/a",
          scopes: input.challenge?.scope ?? [],
          reason: "missing_token",
          expiresAt: Date.now() + 60_000,
        };
      },
    },
    bus,
  );
  return { bus, begins, coalescer };
}

const need = { subject: "alice", serverName: "calendar", resource: "https://cal.example/mcp" };

describe("createBeginCoalescer", () => {
  it("hands parallel begins for one need the same consent until it settles", async () => {
    const { bus, begins, coalescer } = setUp();
    const [a, b] = await Promise.all([coalescer.begin(need), coalescer.begin({ ...need, callId: "2" })]);
    expect(a.consentId).toBe("c1");
    expect(b.consentId).toBe("c1");
    bus.emit("consent.granted", {
      ...need,
      consentId: "c1",
      scopes: [],
      tokenFingerprint: "fp_AAAAAAAAAAAA",
    });
    expect((await coalescer.begin(need)).consentId).toBe("c2");
    expect(begins).toHaveLength(2);
  });

  it("keeps needs for other scopes apart (step-up)", async () => {
    const { begins, coalescer } = setUp();
    await coalescer.begin(need);
    await coalescer.begin({
      ...need,
      challenge: { scheme: "bearer", error: "insufficient_scope", scope: ["a", "b"] },
    });
    expect(begins).toHaveLength(2);
  });
});
