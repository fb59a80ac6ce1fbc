/**
 * @module Where a consent's start is kept between `consent.required` and its outcome, so the
 * consent span gets its true start and its link to the tool call even when the outcome is seen
 * by another process (after a restart, or on another worker).
 */
import { z } from "zod";

const attributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

// W3C Trace Context §3.2: version 00, trace id, parent id, flags.
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * What is remembered of a required consent. It holds only what telemetry may show: attributes
 * already made safe, the start time and the W3C `traceparent`s of the spans that were active
 * when the consent was required (the tool calls). JSON-serialisable as it is.
 */
export const consentTraceSchema = z.strictObject({
  /** When `consent.required` was seen, epoch milliseconds (wall clock, so any process can end it). */
  startTime: z.number().nonnegative(),
  /** The safe attributes of the `consent.required` event. */
  attributes: z.record(z.string(), attributeValueSchema),
  /** `traceparent`s of the spans active at `consent.required` (a coalesced consent may have several). */
  links: z.array(z.string().regex(TRACEPARENT, "a W3C traceparent")),
});

export type ConsentTrace = z.infer<typeof consentTraceSchema>;

/**
 * Storage of {@link ConsentTrace}s by consent id. The default is in memory: a consent that ends
 * in the process that began it gets its span. Back it with the app's durable store (a SQL row,
 * a Redis key with the consent's TTL) for consents that outlive a process; values read back are
 * checked with {@link consentTraceSchema}. Methods may be synchronous or return promises.
 */
export interface ConsentTraceStore {
  get(consentId: string): ConsentTrace | undefined | Promise<ConsentTrace | undefined>;
  set(consentId: string, trace: ConsentTrace): void | Promise<void>;
  delete(consentId: string): void | Promise<void>;
}

/**
 * The in-memory {@link ConsentTraceStore}. It holds at most `limit` consents (default 10,000),
 * forgetting the oldest, so consents that never get an outcome cannot grow it without bound.
 *
 * @example
 * instrumentAuthBus(bus, { consentTraces: new MemoryConsentTraceStore() });
 */
export class MemoryConsentTraceStore implements ConsentTraceStore {
  readonly #traces = new Map<string, ConsentTrace>();
  readonly #limit: number;

  constructor(options: { limit?: number } = {}) {
    this.#limit = options.limit ?? 10_000;
  }

  get(consentId: string): ConsentTrace | undefined {
    return this.#traces.get(consentId);
  }

  set(consentId: string, trace: ConsentTrace): void {
    this.#traces.delete(consentId);
    this.#traces.set(consentId, trace);
    for (const oldest of this.#traces.keys()) {
      if (this.#traces.size <= this.#limit) break;
      this.#traces.delete(oldest);
    }
  }

  delete(consentId: string): void {
    this.#traces.delete(consentId);
  }
}
