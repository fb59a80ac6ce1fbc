import {
  AUTH_INTERRUPT_TYPE,
  type ConsentStatus,
  MemoryConsentWaitStore,
  MemoryLeaseStore,
} from "@authbus/core";
import type { ConsentView } from "@authbus/oauth";
import { describe, expect, it } from "vitest";
import { createResumer, type ResumableGraph } from "./create-resumer.js";

/** A graph whose threads wait on consents until resumed; `fail` threads throw instead. */
function fakeGraph(waiting: Record<string, string>, fail: Set<string> = new Set()) {
  const invoked: { threadId: string; input: unknown; config: unknown }[] = [];
  const graph: ResumableGraph = {
    async getState(config) {
      const threadId = (config as { configurable: { thread_id: string } }).configurable.thread_id;
      const consentId = waiting[threadId];
      const value = {
        type: AUTH_INTERRUPT_TYPE,
        consentId,
        serverName: "mail",
        resource: "https://mail.example/mcp",
        authorizationUrl: "https://app.example/consents/x/authorize",
        scopes: [],
        reason: "missing_token",
        expiresAt: 1,
      };
      return { tasks: consentId ? [{ interrupts: [{ id: `i-${threadId}`, value }] }] : [] };
    },
    async invoke(input, config) {
      const threadId = (config as { configurable: { thread_id: string } }).configurable.thread_id;
      invoked.push({ threadId, input, config });
      if (fail.has(threadId)) throw new Error("model down");
      delete waiting[threadId];
    },
  };
  return { graph, invoked };
}

function fakeConsents(statuses: Record<string, ConsentStatus>, expiresAt = 0) {
  return {
    async get(consentId: string): Promise<ConsentView | undefined> {
      const status = statuses[consentId];
      if (!status) return undefined;
      return {
        consentId,
        status,
        subject: "alice",
        serverName: "mail",
        resource: "https://mail.example/mcp",
        scopes: [],
        reason: "missing_token",
        expiresAt,
      };
    },
  };
}

const wait = (consentId: string, threadId: string, subject = "alice") => ({
  consentId,
  threadId,
  subject,
  sessionDigest: "sd_x",
  createdAt: 1,
});

describe("createResumer", () => {
  it("keeps waits while no graph is attached, then resumes each thread once on attach", async () => {
    const waits = new MemoryConsentWaitStore();
    await waits.addWait(wait("c1", "t1"));
    await waits.addWait(wait("c1", "t2"));
    await waits.addWait(wait("c1", "t3", "mallory"));
    const errors: unknown[] = [];
    const resumer = createResumer({
      consents: fakeConsents({ c1: "granted" }),
      waits,
      onError: (error) => errors.push(error),
    });
    expect((await resumer.resume("c1")).threads).toEqual(["t1", "t2"]);
    expect(await waits.findWaits("c1")).toHaveLength(3);

    const { graph, invoked } = fakeGraph({ t1: "c1", t2: "c1", t3: "c1" });
    const report = await resumer.attach({ graph });
    expect(report.resumed).toEqual([{ consentId: "c1", outcome: "granted", threads: ["t1", "t2"] }]);
    expect(invoked.map((call) => call.threadId).sort()).toEqual(["t1", "t2"]);
    expect(invoked[0]?.config).toMatchObject({
      configurable: { authbus_session_digest: "sd_x" },
      context: { subject: "alice" },
    });
    // The other user's wait is never resumed by alice's consent.
    expect((await waits.findWaits("c1")).map((w) => w.threadId)).toEqual(["t3"]);
    await resumer.resume("c1");
    expect(invoked).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it("keeps the wait of a thread whose resumed run failed, and reports it", async () => {
    const waits = new MemoryConsentWaitStore();
    await waits.addWait(wait("c1", "t1"));
    const errors: unknown[] = [];
    const resumer = createResumer({
      consents: fakeConsents({ c1: "denied" }),
      waits,
      onError: (e) => errors.push(e),
    });
    const { graph } = fakeGraph({ t1: "c1" }, new Set(["t1"]));
    await resumer.attach(graph, { recover: false });
    await resumer.resume("c1");
    expect(errors).toHaveLength(1);
    expect(await waits.findWaits("c1")).toHaveLength(1);
  });

  it("on recovery drops waits on unknown consents and resumes pending ones when they expire", async () => {
    const waits = new MemoryConsentWaitStore();
    await waits.addWait(wait("gone", "t0"));
    await waits.addWait(wait("c2", "t2"));
    const statuses: Record<string, ConsentStatus> = { c2: "pending" };
    const resumer = createResumer({
      consents: fakeConsents(statuses, Date.now() + 20),
      waits,
      onError: () => undefined,
    });
    const { graph, invoked } = fakeGraph({ t0: "gone", t2: "c2" });
    expect(await resumer.attach(graph)).toEqual({ resumed: [], continued: [], pending: ["c2"] });
    expect(await waits.findWaits("gone")).toEqual([]);
    await expect(resumer.resume("c2")).rejects.toThrow("still pending");
    statuses.c2 = "expired";
    await new Promise((resolve) => setTimeout(resolve, 150));
    await resumer.idle();
    expect(invoked.map((call) => call.threadId)).toEqual(["t2"]);
    expect(await waits.listWaits()).toEqual([]);
    resumer.close();
  });

  it("waits out a thread lease a killed process still holds, then resumes the thread (never leaves it)", async () => {
    const waits = new MemoryConsentWaitStore();
    await waits.addWait(wait("c1", "t1"));
    const leases = new MemoryLeaseStore();
    // The process that was running t1 died holding its lease; it runs out shortly.
    expect(await leases.acquire("authbus:thread:t1", 300)).toBeDefined();
    const errors: unknown[] = [];
    const resumer = createResumer({
      consents: fakeConsents({ c1: "granted" }),
      waits,
      leases,
      onError: (error) => errors.push(error),
    });
    const { graph, invoked } = fakeGraph({ t1: "c1" });
    const report = await resumer.attach(graph);
    expect(report.resumed).toEqual([{ consentId: "c1", outcome: "granted", threads: ["t1"] }]);
    expect(invoked.map((call) => call.threadId)).toEqual(["t1"]);
    expect(await waits.listWaits()).toEqual([]);
    expect(errors).toEqual([]);
    resumer.close();
  });

  it("a sweep resumes a thread whose resume was lost, skipping it while another worker holds it", async () => {
    const waits = new MemoryConsentWaitStore();
    await waits.addWait(wait("c1", "t1"));
    const leases = new MemoryLeaseStore();
    // A worker was resuming t1 and died holding its lease.
    expect(await leases.acquire("authbus:thread:t1", 400)).toBeDefined();
    const errors: unknown[] = [];
    const resumer = createResumer({
      consents: fakeConsents({ c1: "granted" }),
      waits,
      leases,
      leaseMs: 300,
      sweepIntervalMs: 40,
      onError: (error) => errors.push(error),
    });
    const { graph, invoked } = fakeGraph({ t1: "c1" });
    await resumer.attach(graph, { recover: false });
    // A sweep never waits for a thread held elsewhere: the next one comes back to it.
    expect(await resumer.sweep()).toEqual({ resumed: [], continued: [], pending: [] });
    expect(invoked).toEqual([]);
    await until(async () => (await waits.listWaits()).length === 0);
    expect(invoked.map((call) => call.threadId)).toEqual(["t1"]);
    expect(errors).toEqual([]);
    resumer.close();
    await resumer.idle();
  });

  it("leaves the open calls of a live runner alone and continues its threads once its lease runs out", async () => {
    const waits = new MemoryConsentWaitStore();
    const leases = new MemoryLeaseStore();
    const call = (threadId: string, runnerId: string) => ({
      threadId,
      taskId: "task",
      callId: `call-${threadId}`,
      subject: "alice",
      toolName: "send_email",
      repeatable: false,
      runnerId,
      startedAt: Date.now(),
    });
    // Another worker runs a call on t1 and renews its runner lease, until it is killed.
    const other = await leases.acquire("authbus:runner:worker-a", 300);
    expect(other).toBeDefined();
    await waits.startCall(call("t1", "worker-a"));
    const errors: unknown[] = [];
    const resumer = createResumer({
      consents: fakeConsents({}),
      waits,
      leases,
      leaseMs: 300,
      sweepIntervalMs: 40,
      runnerId: "worker-b",
      onError: (error) => errors.push(error),
    });
    const { graph, invoked } = fakeGraph({});
    // Starting up: the other worker is alive, its call is not this worker's to answer.
    expect(await resumer.attach(graph)).toEqual({ resumed: [], continued: [], pending: [] });
    // A call this worker starts is recorded as its own, and never taken for abandoned here.
    await resumer.calls.startCall({ ...call("t2", "ignored"), runnerId: undefined });
    expect((await waits.getCall({ threadId: "t2", taskId: "task", callId: "call-t2" }))?.runnerId).toBe(
      "worker-b",
    );
    expect(await resumer.sweep()).toEqual({ resumed: [], continued: [], pending: [] });
    expect(invoked).toEqual([]);

    // worker-a dies (its lease is no longer renewed): a later sweep continues t1, once.
    await until(async () => (await waits.listOpenCalls()).every((open) => open.threadId !== "t1"));
    expect(invoked.map((run) => [run.threadId, run.input])).toEqual([["t1", null]]);
    const closed = await waits.getCall({ threadId: "t1", taskId: "task", callId: "call-t1" });
    expect(closed).toMatchObject({ status: "finished", result: { status: "error" } });
    expect((await waits.listOpenCalls()).map((open) => open.threadId)).toEqual(["t2"]);
    expect(errors).toEqual([]);
    resumer.close();
    await resumer.idle();
    // Closed: its runner lease is handed back, so its own open call is now the others' to finish.
    expect(await leases.acquire("authbus:runner:worker-b", 100)).toBeDefined();
  });
});

/** Polls `condition` until it holds (a generous deadline, not a timing assertion). */
async function until(condition: () => Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error("condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
