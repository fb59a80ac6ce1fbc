/** @module Carry bus events between processes: validated with the event schemas both ways, no echo, bounded size. */
import { z } from "zod";
import { AuthbusError } from "../../errors/authbus-error.js";
import { type AuthEventName, parseAuthEvent } from "../../events/auth-event-schemas.js";

import { summarizeError } from "../../redact/redact.js";
import type { AuthBus } from "../create-auth-bus.js";

/**
 * What carries bridged events between processes: Postgres `LISTEN/NOTIFY`
 * (`createPostgresBusTransport` of `@authbus/oauth/postgres`), Redis pub/sub, or anything that
 * delivers a published string to every subscriber. Delivery may be at most once; the bridge
 * adds no retries, so what must survive a lost message lives in a store, not on the bus.
 */
export interface BusTransport {
  /** The largest message `publish` accepts, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Sends one message to every subscribed process (this one included, or not). */
  publish(message: string): Promise<void>;
  /** Delivers each message published from now on to `onMessage`; resolves once listening. */
  subscribe(onMessage: (message: string) => void): Promise<void>;
  /** Stops delivering and publishing. */
  close(): Promise<void>;
}

/** Options of {@link bridgeAuthBus}. */
export interface BridgeAuthBusOptions {
  bus: AuthBus;
  transport: BusTransport;
  /**
   * The events carried. Default {@link CLUSTER_EVENTS}: the consent events, facts every worker
   * acts on (a wait settles, a card closes). Challenges and token events are each worker's own
   * (its telemetry counts them once); add them for a side panel that shows every worker's.
   */
  events?: readonly AuthEventName[];
  /** This process's id in each message, so its own messages are not emitted twice. Default: random. */
  origin?: string;
  /**
   * Told about a message that was dropped (invalid, too large, from an unknown event) or could
   * not be published. Default: `handler.failed` on the bus, with `event` `bridge:<name>`.
   */
  onError?: (error: unknown, event: string) => void;
}

/** A running bridge. */
export interface AuthBusBridge {
  /** This process's origin id. */
  readonly origin: string;
  /** Resolves when every publish started so far has ended (for tests and shutdown). */
  flush(): Promise<void>;
  /** Stops carrying events (the transport is closed too). */
  close(): Promise<void>;
}

/**
 * The events a bridge carries by default: what a consent did, which every worker acts on (a URL
 * elicitation completed on one worker lets the call another holds open go on).
 */
export const CLUSTER_EVENTS: readonly AuthEventName[] = [
  "consent.required",
  "consent.granted",
  "consent.denied",
  "consent.expired",
  "elicitation.completed",
];

/** An event whose message is larger than the transport carries: it is not sent. */
export class BusMessageTooLargeError extends AuthbusError<"BUS_MESSAGE_TOO_LARGE"> {
  override readonly name = "BusMessageTooLargeError";
  readonly event: string;
  readonly bytes: number;
  readonly limit: number;
  constructor(options: { event: string; bytes: number; limit: number; cause?: unknown }) {
    super({
      code: "BUS_MESSAGE_TOO_LARGE",
      message: `the "${options.event}" event is ${options.bytes} bytes as a bus message; the transport carries at most ${options.limit}`,
      cause: options.cause,
    });
    this.event = options.event;
    this.bytes = options.bytes;
    this.limit = options.limit;
  }
}

/** The wire format: version, origin, event name, payload (checked again by its event schema). */
const envelopeSchema = z.strictObject({
  v: z.literal(1),
  o: z.string().min(1).max(200),
  e: z.string().min(1).max(200),
  p: z.unknown(),
});

const encoder = new TextEncoder();

function randomOrigin(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `w_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Bridges a bus to the other processes of a deployment: every carried event emitted here is
 * published, and every event published by another process is emitted here, so a consent
 * completed on one worker settles `consents.wait()` and wakes the pages and resumers of all.
 *
 * - Payloads are checked with the event schemas (`authEventSchemas`) before they leave and after they arrive
 *   (strict schemas: a payload with a field that is not listed, a token say, is never sent and
 *   never emitted). Events carry token fingerprints only.
 * - No echo: a message carries its origin; this process drops its own, and an event received
 *   from the bridge is not published again.
 * - A message larger than `transport.maxMessageBytes` is not sent (`onError` is told).
 *
 * @example
 * const bridge = await bridgeAuthBus({ bus, transport: createPostgresBusTransport({ pool }) });
 * // … on shutdown
 * await bridge.close();
 */
export async function bridgeAuthBus(options: BridgeAuthBusOptions): Promise<AuthBusBridge> {
  const { bus, transport } = options;
  const origin = options.origin ?? randomOrigin();
  const carried = new Set<string>(options.events ?? CLUSTER_EVENTS);
  const onError =
    options.onError ??
    ((error: unknown, event: string) =>
      bus.emit("handler.failed", { event: `bridge:${event}`, error: summarizeError(error) }));
  const publishing = new Set<Promise<void>>();
  let relaying = false;
  let closed = false;

  const publish = (type: unknown, payload: unknown): void => {
    const event = String(type);
    if (relaying || closed || !carried.has(event)) return;
    let message: string;
    try {
      const checked = parseAuthEvent(event, payload);
      message = JSON.stringify({ v: 1, o: origin, e: event, p: checked });
    } catch (error) {
      onError(error, event);
      return;
    }
    const bytes = encoder.encode(message).byteLength;
    if (bytes > transport.maxMessageBytes) {
      onError(new BusMessageTooLargeError({ event, bytes, limit: transport.maxMessageBytes }), event);
      return;
    }
    const sent = transport.publish(message).catch((error: unknown) => onError(error, event));
    publishing.add(sent);
    void sent.finally(() => publishing.delete(sent));
  };

  const receive = (message: string): void => {
    if (closed) return;
    let event = "(unknown)";
    try {
      const envelope = envelopeSchema.parse(JSON.parse(message));
      if (envelope.o === origin) return;
      event = envelope.e;
      if (!carried.has(event)) return;
      const payload = parseAuthEvent(event, envelope.p);
      relaying = true;
      try {
        (bus.emit as (type: string, payload: unknown) => void)(event, payload);
      } finally {
        relaying = false;
      }
    } catch (error) {
      // Never the message itself: an invalid one may hold anything.
      onError(error instanceof SyntaxError ? new SyntaxError("a bus message is not JSON") : error, event);
    }
  };

  bus.on("*", publish);
  try {
    await transport.subscribe(receive);
  } catch (error) {
    bus.off("*", publish);
    throw error;
  }

  const flush = async (): Promise<void> => {
    while (publishing.size > 0) await Promise.allSettled([...publishing]);
  };

  return {
    origin,
    flush,
    async close() {
      if (closed) return;
      bus.off("*", publish);
      await flush();
      closed = true;
      await transport.close();
    },
  };
}
