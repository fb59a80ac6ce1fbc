import { createAuthBus } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createBeginCoalescer, sharedBeginCoalescer } from "./begin-coalescer.js";
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

describe("sharedBeginCoalescer", () => {
  it("hands every wrapper of the same consents and bus one coalescer, so listeners do not pile up", () => {
    const bus = createAuthBus();
    const consents = {
      begin: async () => ({
        consentId: "c",
        authorizationUrl: "https://as/",
        scopes: [],
        reason: "missing_token" as const,
        expiresAt: 0,
      }),
    };
    const first = sharedBeginCoalescer(consents, bus);
    for (let i = 0; i < 50; i += 1) expect(sharedBeginCoalescer(consents, bus)).toBe(first);
    expect(bus.all.get("consent.granted")).toHaveLength(1);
    expect(sharedBeginCoalescer(consents, createAuthBus())).not.toBe(first);
  });
});
