import { type AuthBus, type AuthEvents, createAuthBus, fingerprintToken } from "@authbus/core";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ConsentTrace,
  type ConsentTraceStore,
  consentTraceSchema,
} from "../consent/consent-trace-store.js";
import {
  durationMs,
  histogramOf,
  pointsOf,
  sleep,
  startTelemetry,
  type Telemetry,
  timeMs,
  useAsyncContext,
} from "../testing/telemetry.test-helpers.js";
import { type AuthBusInstrumentation, instrumentAuthBus } from "./instrument-auth-bus.js";

const RESOURCE = "https://files.example.com:8443/mcp";
const where = { serverName: "files", resource: RESOURCE, subject: "alice" };

let undoContext: () => void;
beforeAll(() => {
  undoContext = useAsyncContext();
});
afterAll(() => undoContext());

let telemetry: Telemetry;
let bus: AuthBus;
let stop: AuthBusInstrumentation;
beforeEach(() => {
  telemetry = startTelemetry();
  bus = createAuthBus();
  stop = instrumentAuthBus(bus, { tracer: telemetry.tracer, meter: telemetry.meter });
});
afterEach(async () => {
  stop();
  await telemetry.shutdown();
});

/** Runs `fn` inside a tool call span, as an agent's tool execution would. */
function inToolCall<T>(tracer: Telemetry["tracer"], callId: string, fn: () => T): T {
  return tracer.startActiveSpan(`execute_tool ${callId}`, (span) => {
    try {
      return fn();
    } finally {
      span.end();
    }
  });
}

async function challengeEvent(token: string, callId: string): Promise<AuthEvents["challenge"]> {
  return {
    ...where,
    callId,
    status: 401,
    url: `${RESOURCE}?access_token=${token}#frag`,
    method: "post",
    wwwAuthenticate: `Bearer error="invalid_token", error_description="token ${token} expired"`,
    challenges: [{ scheme: "bearer", params: { error: "invalid_token" } }],
    oauth: { scheme: "bearer", error: "invalid_token", errorDescription: `token ${token} expired` },
    tokenFingerprint: await fingerprintToken(token),
  };
}

describe("span events", () => {
  it("puts each event on the active span with convention attributes, redacted", async () => {
    const event = await challengeEvent("secret-access-token", "call-1");
    inToolCall(telemetry.tracer, "call-1", () => bus.emit("challenge", event));

    const [tool] = telemetry.spans();
    expect(tool?.events.map((e) => e.name)).toEqual(["authbus.challenge"]);
    expect(tool?.events[0]?.attributes).toEqual({
      "authbus.server.name": "files",
      "authbus.resource": RESOURCE,
      "server.address": "files.example.com",
      "server.port": 8443,
      "gen_ai.tool.call.id": "call-1",
      "http.response.status_code": 401,
      "url.full": RESOURCE,
      "http.request.method": "POST",
      "authbus.token.fingerprint": event.tokenFingerprint,
      "authbus.challenge.scheme": "bearer",
      "authbus.challenge.error": "invalid_token",
      "authbus.challenge.reason": "invalid_token",
    });
    expect(JSON.stringify(tool?.events)).not.toContain("secret-access-token");
  });

  it("gives an event it does not know only the fields it knows, each checked", () => {
    const emit = bus.emit as (type: string, payload: unknown) => void;
    inToolCall(telemetry.tracer, "call-2", () =>
      emit("token.exchanged", {
        ...where,
        callId: "call-2",
        url: "https://as.example.com/cb?code=the-code&state=the-state",
        accessToken: "the-token",
        note: "the-verifier",
        method: "BREW",
        scopes: ["files.read", 'bad"scope', "files write"],
        error: { code: "EXCHANGE_FAILED", message: "refused the-token" },
      }),
    );
    const attributes = telemetry.spans()[0]?.events[0]?.attributes;
    expect(telemetry.spans()[0]?.events[0]?.name).toBe("authbus.token.exchanged");
    expect(attributes).toMatchObject({
      "authbus.server.name": "files",
      "url.full": "https://as.example.com/cb",
      "http.request.method": "_OTHER",
      "authbus.scopes": ["files.read"],
      "error.type": "EXCHANGE_FAILED",
    });
    expect(JSON.stringify(attributes)).not.toMatch(/the-token|the-code|the-state|the-verifier/);
  });

  it("without an active span records no span event, and still counts", async () => {
    bus.emit("challenge", await challengeEvent("t", "call-3"));
    expect(telemetry.spans()).toEqual([]);
    const [point] = pointsOf(await telemetry.collect(), "authbus.challenges");
    expect(point).toMatchObject({
      value: 1,
      attributes: {
        "authbus.server.name": "files",
        "http.response.status_code": 401,
        "authbus.challenge.reason": "invalid_token",
      },
    });
  });

  it("stops when the disposer is called", async () => {
    stop();
    inToolCall(telemetry.tracer, "call-4", () => bus.emit("consent.expired", { ...where, consentId: "c-4" }));
    expect(telemetry.spans()[0]?.events).toEqual([]);
  });
});

describe("consent spans", () => {
  const required = (consentId: string): AuthEvents["consent.required"] => ({
    ...where,
    callId: "call-c",
    consentId,
    reason: "insufficient_scope",
    scopes: ["files.read", "files.write"],
    authorizationUrl: "https://as.example.com/authorize?state=s3cret-state&code_challenge=x",
    expiresAt: Date.now() + 600_000,
  });

  it("spans from consent.required to its outcome, linked to the tool call", async () => {
    // Taken just before the event, so the span's true duration lies within [150 ms, answered - asked].
    const asked = Date.now();
    const tool = inToolCall(telemetry.tracer, "call-c", () => {
      bus.emit("consent.required", required("c-1"));
      return trace.getActiveSpan()?.spanContext();
    });
    await sleep(150);
    bus.emit("consent.granted", {
      ...where,
      consentId: "c-1",
      scopes: ["files.read", "files.write"],
      tokenFingerprint: await fingerprintToken("new"),
    });
    const answered = Date.now();
    await stop.flush();

    const [consent] = telemetry.spansNamed("authbus.consent");
    expect(consent?.parentSpanContext).toBeUndefined();
    expect(durationMs(consent?.duration ?? [0, 0])).toBeGreaterThanOrEqual(150);
    expect(durationMs(consent?.duration ?? [0, 0])).toBeLessThanOrEqual(answered - asked + 2);
    expect(consent?.links.map((link) => link.context.spanId)).toEqual([tool?.spanId]);
    expect(consent?.links[0]?.attributes).toEqual({ "authbus.link.type": "consent.required" });
    expect(consent?.attributes).toMatchObject({
      "authbus.consent.id": "c-1",
      "authbus.consent.outcome": "granted",
      "authbus.consent.reason": "insufficient_scope",
      "authbus.server.name": "files",
    });
    expect(JSON.stringify(consent?.attributes)).not.toContain("s3cret-state");

    const metrics = await telemetry.collect();
    expect(pointsOf(metrics, "authbus.consents")).toMatchObject([
      {
        value: 1,
        attributes: { "authbus.consent.outcome": "granted", "authbus.consent.reason": "insufficient_scope" },
      },
    ]);
    const histogram = histogramOf(metrics, "authbus.consent.duration");
    expect(histogram?.count).toBe(1);
    expect(histogram?.sum).toBeGreaterThanOrEqual(0.15);
  });

  it("records denied and expired outcomes, with the authorization server's error", async () => {
    bus.emit("consent.required", required("c-2"));
    bus.emit("consent.required", required("c-3"));
    bus.emit("consent.denied", {
      ...where,
      consentId: "c-2",
      error: "access_denied",
      errorDescription: "no",
    });
    bus.emit("consent.expired", { ...where, consentId: "c-3" });
    await stop.flush();
    const spans = telemetry.spansNamed("authbus.consent");
    expect(spans.map((span) => span.attributes["authbus.consent.outcome"]).sort()).toEqual([
      "denied",
      "expired",
    ]);
    const denied = spans.find((span) => span.attributes["authbus.consent.id"] === "c-2");
    expect(denied?.attributes["authbus.consent.error"]).toBe("access_denied");
    expect(denied?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("one span for a consent required by several calls, linked to each", async () => {
    const first = inToolCall(telemetry.tracer, "call-a", () => {
      bus.emit("consent.required", required("c-5"));
      return trace.getActiveSpan()?.spanContext().spanId;
    });
    const second = inToolCall(telemetry.tracer, "call-b", () => {
      bus.emit("consent.required", required("c-5"));
      return trace.getActiveSpan()?.spanContext().spanId;
    });
    bus.emit("consent.expired", { ...where, consentId: "c-5" });
    bus.emit("consent.expired", { ...where, consentId: "c-5" });
    await stop.flush();
    const spans = telemetry.spansNamed("authbus.consent");
    expect(spans).toHaveLength(1);
    expect(spans[0]?.links.map((link) => link.context.spanId)).toEqual([first, second]);
  });

  it("ends a consent in another process from the start a durable store kept", async () => {
    // A durable store: JSON text, as a SQL row or a Redis value would hold it.
    const rows = new Map<string, string>();
    const durable: ConsentTraceStore = {
      get: async (id) => {
        const row = rows.get(id);
        return row === undefined ? undefined : consentTraceSchema.parse(JSON.parse(row));
      },
      set: async (id, value: ConsentTrace) => {
        rows.set(id, JSON.stringify(value));
      },
      delete: async (id) => {
        rows.delete(id);
      },
    };
    const before = startTelemetry();
    const busBefore = createAuthBus();
    const stopBefore = instrumentAuthBus(busBefore, {
      tracer: before.tracer,
      meter: before.meter,
      consentTraces: durable,
    });
    const tool = inToolCall(before.tracer, "call-r", () => {
      busBefore.emit("consent.required", required("c-restart"));
      return trace.getActiveSpan()?.spanContext();
    });
    const asked = Date.now();
    await stopBefore.flush();
    stopBefore();
    await before.shutdown();
    expect(rows.get("c-restart")).not.toContain("s3cret-state");

    await sleep(120);
    const after = startTelemetry();
    const busAfter = createAuthBus();
    const stopAfter = instrumentAuthBus(busAfter, {
      tracer: after.tracer,
      meter: after.meter,
      consentTraces: durable,
    });
    busAfter.emit("consent.granted", {
      ...where,
      consentId: "c-restart",
      scopes: ["files.read"],
      tokenFingerprint: await fingerprintToken("t"),
    });
    await stopAfter.flush();
    stopAfter();

    const [consent] = after.spansNamed("authbus.consent");
    expect(timeMs(consent?.startTime ?? [0, 0])).toBeGreaterThanOrEqual(asked - 2);
    expect(timeMs(consent?.startTime ?? [0, 0])).toBeLessThanOrEqual(asked);
    expect(durationMs(consent?.duration ?? [0, 0])).toBeGreaterThanOrEqual(120);
    expect(consent?.links[0]?.context).toMatchObject({ traceId: tool?.traceId, spanId: tool?.spanId });
    expect(consent?.attributes).toMatchObject({ "authbus.consent.reason": "insufficient_scope" });
    expect(rows.has("c-restart")).toBe(false);
    await after.shutdown();
  });

  it("without the start (memory store, another process) counts the outcome but writes no span", async () => {
    bus.emit("consent.granted", {
      ...where,
      consentId: "c-unknown",
      scopes: [],
      tokenFingerprint: await fingerprintToken("t"),
    });
    await stop.flush();
    expect(telemetry.spansNamed("authbus.consent")).toEqual([]);
    expect(pointsOf(await telemetry.collect(), "authbus.consents")).toMatchObject([{ value: 1 }]);
  });
});

describe("refresh spans", () => {
  it("one span per flight, a child of the caller that started it, the others as waiters", async () => {
    const old = await fingerprintToken("old-token");
    const fresh = await fingerprintToken("fresh-token");
    const challenge = await challengeEvent("old-token", "call-0");
    const callers = ["call-0", "call-1", "call-2", "call-3"];
    // The first caller's 401 starts the refresh; the others arrive while it is in flight.
    const starter = inToolCall(telemetry.tracer, "call-0", () => {
      bus.emit("challenge", challenge);
      bus.emit("token.refreshing", { ...where, tokenFingerprint: old });
      return trace.getActiveSpan()?.spanContext();
    });
    for (const callId of callers.slice(1)) {
      inToolCall(telemetry.tracer, callId, () => bus.emit("challenge", { ...challenge, callId }));
    }
    await sleep(30);
    bus.emit("token.refreshed", { ...where, tokenFingerprint: fresh, previousFingerprint: old });
    // A late caller (sent the old token, answered after the refresh) waits on nothing.
    inToolCall(telemetry.tracer, "call-late", () =>
      bus.emit("challenge", { ...challenge, callId: "call-late" }),
    );

    const [refresh, ...more] = telemetry.spansNamed("authbus.token.refresh");
    expect(more).toEqual([]);
    expect(refresh?.parentSpanContext?.spanId).toBe(starter?.spanId);
    expect(refresh?.attributes).toMatchObject({
      "authbus.refresh.result": "success",
      "authbus.refresh.waiters": 4,
      "authbus.token.fingerprint": fresh,
      "authbus.token.previous_fingerprint": old,
    });
    expect(refresh?.links).toHaveLength(4);
    // Every caller links back to the refresh that answered its 401, the late one too.
    for (const callId of [...callers, "call-late"]) {
      const [caller] = telemetry.spansNamed(`execute_tool ${callId}`);
      expect(caller?.links).toMatchObject([
        { context: refresh?.spanContext(), attributes: { "authbus.link.type": "refresh" } },
      ]);
    }
    expect(durationMs(refresh?.duration ?? [0, 0])).toBeGreaterThanOrEqual(29);

    const metrics = await telemetry.collect();
    expect(pointsOf(metrics, "authbus.token.refreshes")).toMatchObject([
      { value: 1, attributes: { "authbus.refresh.result": "success", "authbus.server.name": "files" } },
    ]);
    expect(histogramOf(metrics, "authbus.token.refresh.duration")?.count).toBe(1);
  });

  it("a failed refresh is an error span with error.type and no message", () => {
    bus.emit("token.refreshing", { ...where });
    bus.emit("token.refresh_failed", {
      ...where,
      error: { code: "REFRESH_FAILED", message: "refused refresh token rt-secret" },
    });
    const [refresh] = telemetry.spansNamed("authbus.token.refresh");
    expect(refresh?.status.code).toBe(SpanStatusCode.ERROR);
    expect(refresh?.status.message).toBeUndefined();
    expect(refresh?.attributes).toMatchObject({
      "error.type": "REFRESH_FAILED",
      "authbus.refresh.result": "failure",
    });
    expect(JSON.stringify(refresh?.attributes)).not.toContain("rt-secret");
  });
});
