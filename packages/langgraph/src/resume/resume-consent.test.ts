import { AUTH_INTERRUPT_TYPE, type AuthInterrupt, isAuthbusError } from "@authbus/core";
import { isCommand } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { pendingAuthInterrupts, type SnapshotLike } from "./pending-auth-interrupts.js";
import { resumeConsent } from "./resume-consent.js";

const payload = (consentId: string, serverName = "calendar"): AuthInterrupt => ({
  type: AUTH_INTERRUPT_TYPE,
  consentId,
  serverName,
  resource: `https://${serverName}.example/mcp`,
  authorizationUrl: "https://as.example/authorize?x=1",
  scopes: ["calendar.read"],
  reason: "missing_token",
  expiresAt: 1_900_000_000_000,
});

const snapshot: SnapshotLike = {
  tasks: [
    { interrupts: [{ id: "aa", value: payload("c1") }] },
    {
      interrupts: [
        { id: "bb", value: payload("c1") },
        { id: "bb", value: payload("c1") },
      ],
    },
    { interrupts: [{ id: "cc", value: { question: "approve the wire transfer?" } }] },
    { interrupts: [{ id: "dd", value: payload("c2", "files") }] },
    { interrupts: [{ value: payload("c3") }] },
    { interrupts: [{ id: "ff", value: payload("c1") }], result: { messages: [] } },
    { interrupts: [], state: { tasks: [{ interrupts: [{ id: "ee", value: payload("c1") }] }] } },
  ],
};

describe("pendingAuthInterrupts", () => {
  it("lists consent interrupts once per id, subgraphs included, skipping other interrupts", () => {
    expect(
      pendingAuthInterrupts(snapshot).map(({ interruptId, consentId }) => [interruptId, consentId]),
    ).toEqual([
      ["aa", "c1"],
      ["bb", "c1"],
      ["dd", "c2"],
      ["ee", "c1"],
    ]);
  });

  it("skips a payload that does not validate", () => {
    const broken = {
      tasks: [{ interrupts: [{ id: "x", value: { ...payload("c1"), accessToken: "secret" } }] }],
    };
    expect(pendingAuthInterrupts(broken)).toEqual([]);
  });
});

describe("resumeConsent", () => {
  it("answers every interrupt waiting on the consent by id, and only those", async () => {
    const command = await resumeConsent(snapshot, undefined, "c1", "granted");
    expect(isCommand(command)).toBe(true);
    expect(command.resume).toEqual({
      aa: { consentId: "c1", outcome: "granted" },
      bb: { consentId: "c1", outcome: "granted" },
      ee: { consentId: "c1", outcome: "granted" },
    });
  });

  it("reads the snapshot from a graph with subgraphs", async () => {
    const calls: unknown[] = [];
    const graph = {
      async getState(config: unknown, options?: unknown) {
        calls.push([config, options]);
        return snapshot;
      },
    };
    const command = await resumeConsent(graph, { configurable: { thread_id: "t" } }, "c2", "denied");
    expect(command.resume).toEqual({ dd: { consentId: "c2", outcome: "denied" } });
    expect(calls).toEqual([[{ configurable: { thread_id: "t" } }, { subgraphs: true }]]);
  });

  it("throws typed errors for a consent nothing waits on and for a bad outcome", async () => {
    const missing = await resumeConsent(snapshot, undefined, "c9", "granted").catch(
      (error: unknown) => error,
    );
    expect(isAuthbusError(missing, "CONSENT_NOT_PENDING")).toBe(true);
    const bad = await resumeConsent(snapshot, undefined, "c1", "maybe" as never).catch(
      (error: unknown) => error,
    );
    expect(isAuthbusError(bad, "INVALID_AUTH_RESUME")).toBe(true);
  });
});
