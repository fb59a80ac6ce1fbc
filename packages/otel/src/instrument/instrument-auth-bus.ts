/** @module Subscribes OpenTelemetry to an authbus bus: span events, consent and refresh spans, metrics. */
import type { AuthBus } from "@authbus/core";
import { type Attributes, context, type Meter, metrics, type Tracer, trace } from "@opentelemetry/api";
import {
  ATTR_CHALLENGE_REASON,
  ATTR_CONSENT_ID,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_NAME,
} from "../attributes/attribute-names.js";
import {
  type EventAttributeOptions,
  eventAttributes,
  safeEventName,
} from "../attributes/event-attributes.js";
import { type ConsentSpanOutcome, ConsentSpans } from "../consent/consent-spans.js";
import { type ConsentTraceStore, MemoryConsentTraceStore } from "../consent/consent-trace-store.js";
import { createAuthMetrics } from "../metrics/auth-metrics.js";
import { RefreshSpans } from "../refresh/refresh-spans.js";

/** The instrumentation scope tracers and meters are named by. */
export const INSTRUMENTATION_SCOPE = "@authbus/otel";
const INSTRUMENTATION_VERSION = "0.1.0";

/** Options of {@link instrumentAuthBus}. */
export interface InstrumentAuthBusOptions {
  /** Default: the global tracer provider's tracer for `@authbus/otel`. */
  tracer?: Tracer;
  /** Default: the global meter provider's meter for `@authbus/otel`. */
  meter?: Meter;
  /**
   * Where a consent's start and tool-call link wait for its outcome. Default: in memory, so a
   * consent answered after a restart (or on another worker) gets no span, only its count. Pass
   * a store backed by durable storage to keep those spans; see {@link ConsentTraceStore}.
   */
  consentTraces?: ConsentTraceStore;
  /**
   * Adds the subject as `enduser.id` to span events and spans. Default `false`: it identifies a
   * person, which many deployments must not send to a telemetry backend.
   */
  recordSubject?: boolean;
}

/** Stops the instrumentation; see {@link instrumentAuthBus}. */
export interface AuthBusInstrumentation {
  (): void;
  /** Resolves when the consent spans of every event seen so far are written (they wait on the store). */
  flush(): Promise<void>;
}

const CONSENT_OUTCOMES: Readonly<Record<string, ConsentSpanOutcome>> = {
  "consent.granted": "granted",
  "consent.denied": "denied",
  "consent.expired": "expired",
  // A URL-mode elicitation's consent is granted when it completes.
  "elicitation.completed": "granted",
};

function dimensionsOf(attributes: Attributes, names: readonly string[]): Attributes {
  const picked: Attributes = {};
  for (const name of names) if (attributes[name] !== undefined) picked[name] = attributes[name];
  return picked;
}

/**
 * Reports an authbus bus to OpenTelemetry:
 *
 * - every event becomes a span event `authbus.<event>` on the active span (the tool call's, as
 *   `context.active()` sees it where the event is emitted), with safe attributes only;
 * - a consent becomes a span `authbus.consent` from `consent.required` to its outcome, linked to
 *   the span that was active when it was required (and the one active when it was answered);
 * - a refresh flight becomes a span `authbus.token.refresh` from `token.refreshing` to its end,
 *   a child of the span that started it, with every caller that waited on it as a link and in
 *   `authbus.refresh.waiters`;
 * - metrics: `authbus.challenges`, `authbus.consents`, `authbus.token.refreshes` and the
 *   histograms `authbus.consent.duration`, `authbus.token.refresh.duration` (seconds).
 *
 * No token, authorization code, `state`, PKCE verifier, URL query or error message is written:
 * events carry fingerprints, URLs are redacted, and fields are copied only when known and checked
 * against their grammar, so events added later get the common attributes and nothing else.
 *
 * @see https://opentelemetry.io/docs/specs/semconv/ (attribute names where a convention exists)
 * @example
 * const stop = instrumentAuthBus(bus); // global tracer and meter providers
 * // … on shutdown:
 * stop();
 * @returns a function that unsubscribes (and ends refresh spans still open).
 */
export function instrumentAuthBus(
  bus: AuthBus,
  options: InstrumentAuthBusOptions = {},
): AuthBusInstrumentation {
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const meter = options.meter ?? metrics.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const attributeOptions: EventAttributeOptions = { recordSubject: options.recordSubject ?? false };
  const instruments = createAuthMetrics(meter);
  const consents = new ConsentSpans({
    tracer,
    store: options.consentTraces ?? new MemoryConsentTraceStore(),
    metrics: instruments,
  });
  const refreshes = new RefreshSpans({ tracer, metrics: instruments });

  const onEvent = (type: string | symbol, payload: unknown): void => {
    const name = safeEventName(type);
    if (name === undefined) return;
    const active = context.active();
    const attributes = eventAttributes(name, payload, attributeOptions);
    const span = trace.getSpan(active);
    if (span?.isRecording()) span.addEvent(`authbus.${name}`, attributes);

    const event = payload as Parameters<RefreshSpans["challenged"]>[0];
    const consentId = attributes[ATTR_CONSENT_ID];
    switch (name) {
      case "challenge":
        instruments.challenges.add(
          1,
          dimensionsOf(attributes, [ATTR_SERVER_NAME, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_CHALLENGE_REASON]),
        );
        refreshes.challenged(event, active);
        break;
      case "token.refreshing":
        refreshes.started(event, attributes, active);
        break;
      case "token.refreshed":
        refreshes.settled(event, "success", attributes);
        break;
      case "token.refresh_failed":
        refreshes.settled(event, "failure", attributes);
        break;
      case "consent.required":
        if (typeof consentId === "string") consents.required(consentId, attributes, active);
        break;
      default: {
        const outcome = CONSENT_OUTCOMES[name];
        if (outcome && typeof consentId === "string")
          consents.settled(consentId, outcome, attributes, active);
      }
    }
  };

  bus.on("*", onEvent);
  const stop = (): void => {
    bus.off("*", onEvent);
    refreshes.close();
  };
  return Object.assign(stop, { flush: () => consents.flush() });
}
