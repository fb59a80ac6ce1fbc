/**
 * @module Consent spans: from `consent.required` to `consent.granted|denied|expired`, with their
 * real duration, linked to the tool call that needed the consent.
 */
import {
  type Attributes,
  type Context,
  diag,
  type Link,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  ATTR_CONSENT_OUTCOME,
  ATTR_CONSENT_REASON,
  ATTR_LINK_TYPE,
  ATTR_SERVER_NAME,
  type LinkType,
} from "../attributes/attribute-names.js";
import { spanContextOf, traceparentOf } from "../attributes/span-links.js";
import type { AuthMetrics } from "../metrics/auth-metrics.js";
import { type ConsentTrace, type ConsentTraceStore, consentTraceSchema } from "./consent-trace-store.js";

/** The consent span's name. */
export const CONSENT_SPAN_NAME = "authbus.consent";

export type ConsentSpanOutcome = "granted" | "denied" | "expired";

// A consent coalesces every call that needed it; links past this many add little.
const MAX_LINKS = 32;

function linkOf(traceparent: string, type: LinkType): Link | undefined {
  const context = spanContextOf(traceparent);
  return context ? { context, attributes: { [ATTR_LINK_TYPE]: type } } : undefined;
}

function pick(attributes: Attributes, names: readonly string[]): Attributes {
  const picked: Attributes = {};
  for (const name of names) if (attributes[name] !== undefined) picked[name] = attributes[name];
  return picked;
}

/**
 * Tracks consents between `consent.required` and their outcome. The span is started and ended
 * when the outcome is seen, with the start time kept in a {@link ConsentTraceStore}: a span
 * cannot be ended by another process, but it can be written whole by whichever process sees the
 * outcome. Events of one consent are handled in order.
 */
export class ConsentSpans {
  readonly #tracer: Tracer;
  readonly #store: ConsentTraceStore;
  readonly #metrics: AuthMetrics;
  readonly #queues = new Map<string, Promise<void>>();

  constructor(options: { tracer: Tracer; store: ConsentTraceStore; metrics: AuthMetrics }) {
    this.#tracer = options.tracer;
    this.#store = options.store;
    this.#metrics = options.metrics;
  }

  /** `consent.required`: remembers when, what (safe attributes) and which span asked. */
  required(consentId: string, attributes: Attributes, active: Context): void {
    const startTime = Date.now();
    const link = traceparentOf(trace.getSpanContext(active));
    this.#enqueue(consentId, async () => {
      const held = await this.#read(consentId);
      const next: ConsentTrace = held
        ? {
            ...held,
            links:
              link && !held.links.includes(link) && held.links.length < MAX_LINKS
                ? [...held.links, link]
                : held.links,
          }
        : { startTime, attributes: toStored(attributes), links: link ? [link] : [] };
      await this.#store.set(consentId, next);
    });
  }

  /** An outcome: writes the consent span (when its start is known) and records the metrics. */
  settled(consentId: string, outcome: ConsentSpanOutcome, attributes: Attributes, active: Context): void {
    const endTime = Date.now();
    const answeredIn = traceparentOf(trace.getSpanContext(active));
    this.#enqueue(consentId, async () => {
      const held = await this.#read(consentId);
      const all: Attributes = { ...held?.attributes, ...attributes, [ATTR_CONSENT_OUTCOME]: outcome };
      const dimensions = pick(all, [ATTR_SERVER_NAME, ATTR_CONSENT_OUTCOME, ATTR_CONSENT_REASON]);
      this.#metrics.consents.add(1, dimensions);
      // Without its start (a memory store in another process) the span would lie about its duration.
      if (!held) return;
      const links = [
        ...held.links.map((traceparent) => linkOf(traceparent, "consent.required")),
        answeredIn ? linkOf(answeredIn, "consent.outcome") : undefined,
      ].filter((link): link is Link => link !== undefined);
      const start = Math.min(held.startTime, endTime);
      // A root span: the tool call that asked ended with its interrupt, long before the answer.
      this.#tracer
        .startSpan(CONSENT_SPAN_NAME, {
          kind: SpanKind.INTERNAL,
          root: true,
          startTime: start,
          links,
          attributes: all,
        })
        .end(endTime);
      this.#metrics.consentDuration.record((endTime - start) / 1000, dimensions);
      // Forgotten only once the span is written.
      await this.#store.delete(consentId);
    });
  }

  /** Resolves when every event seen so far is handled (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all(this.#queues.values());
  }

  async #read(consentId: string): Promise<ConsentTrace | undefined> {
    const stored = await this.#store.get(consentId);
    if (stored === undefined) return undefined;
    const parsed = consentTraceSchema.safeParse(stored);
    if (!parsed.success) diag.warn("@authbus/otel: a stored consent trace is not valid; it is ignored");
    return parsed.success ? parsed.data : undefined;
  }

  #enqueue(consentId: string, task: () => Promise<void>): void {
    const previous = this.#queues.get(consentId) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => {
      diag.warn(
        `@authbus/otel: the consent trace store failed (${error instanceof Error ? error.name : typeof error})`,
      );
    });
    this.#queues.set(consentId, next);
    void next.then(() => {
      if (this.#queues.get(consentId) === next) this.#queues.delete(consentId);
    });
  }
}

function toStored(attributes: Attributes): ConsentTrace["attributes"] {
  const stored: ConsentTrace["attributes"] = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      stored[name] = value;
    else if (Array.isArray(value) && value.every((item) => typeof item === "string")) stored[name] = value;
  }
  return stored;
}
