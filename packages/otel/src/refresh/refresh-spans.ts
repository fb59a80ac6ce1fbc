/**
 * @module Refresh spans: one per refresh flight, from `token.refreshing` to `token.refreshed` or
 * `token.refresh_failed`; the callers that waited on it are links and a count, not more spans.
 */
import {
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_LINK_TYPE,
  ATTR_REFRESH_RESULT,
  ATTR_REFRESH_WAITERS,
  ATTR_SERVER_NAME,
} from "../attributes/attribute-names.js";
import type { AuthMetrics } from "../metrics/auth-metrics.js";

/** The refresh span's name. */
export const REFRESH_SPAN_NAME = "authbus.token.refresh";

export type RefreshResult = "success" | "failure";

/** A 401 seen before the refresh it waits on began (the caller that starts a flight sees its 401 first). */
interface EarlyCaller {
  fingerprint: string;
  span: Span | undefined;
  at: number;
}

/** A flight that ended, for the callers whose 401 arrives after it and who use its tokens. */
interface Settled {
  fingerprint: string;
  span: SpanContext;
}

interface Flight {
  span: Span;
  startedAt: number;
  fingerprint: string | undefined;
  waiters: number;
  links: number;
  serverName: unknown;
}

// Bounds, so events that never lead to a refresh cannot grow memory.
const MAX_KEYS = 1024;
const MAX_EARLY_PER_KEY = 256;
const MAX_LINKS = 128;
const MAX_SETTLED_PER_KEY = 8;
const EARLY_CALLER_TTL_MS = 60_000;

interface KeyedEvent {
  subject?: unknown;
  resource?: unknown;
  status?: unknown;
  tokenFingerprint?: unknown;
  oauth?: { error?: unknown } | undefined;
}

function keyOf(event: KeyedEvent): string | undefined {
  return typeof event.subject === "string" && typeof event.resource === "string"
    ? `${event.subject}\u0000${event.resource}`
    : undefined;
}

function fingerprintOf(event: KeyedEvent): string | undefined {
  return typeof event.tokenFingerprint === "string" ? event.tokenFingerprint : undefined;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= MAX_KEYS) break;
    map.delete(oldest);
  }
}

function waiterLink(context: SpanContext): Link {
  return { context, attributes: { [ATTR_LINK_TYPE]: "refresh.waiter" } };
}

/** The other direction: from a caller's span to the refresh that answered its 401. */
function linkCallerToRefresh(caller: Span | undefined, refresh: SpanContext): void {
  if (caller?.isRecording())
    caller.addLink({ context: refresh, attributes: { [ATTR_LINK_TYPE]: "refresh" } });
}

/**
 * Tracks refresh flights per (subject, resource), as `authFetch` and `createRefresher` run them:
 * a caller whose 401 (`invalid_token`, or no token) arrives while a flight is open, or just
 * before it opens with the token it refreshes, is a waiter of that flight: a link on the refresh
 * span and one in `authbus.refresh.waiters`. Every caller's own span links to the refresh that
 * answered its 401, also a caller whose 401 arrives after the flight ended (it uses the tokens
 * the flight stored, without a refresh of its own).
 */
export class RefreshSpans {
  readonly #tracer: Tracer;
  readonly #metrics: AuthMetrics;
  readonly #flights = new Map<string, Flight>();
  readonly #early = new Map<string, EarlyCaller[]>();
  /** Flights that ended, by the fingerprint they replaced: a late 401 with one waits on nothing. */
  readonly #settled = new Map<string, Settled[]>();

  constructor(options: { tracer: Tracer; metrics: AuthMetrics }) {
    this.#tracer = options.tracer;
    this.#metrics = options.metrics;
  }

  /** A `challenge` event: a waiter of the open flight, or of the one about to open. */
  challenged(event: KeyedEvent, active: Context): void {
    const key = keyOf(event);
    if (key === undefined || event.status !== 401) return;
    const error = event.oauth?.error;
    const fingerprint = fingerprintOf(event);
    const caller = trace.getSpan(active);
    const flight = this.#flights.get(key);
    if (flight) {
      // authFetch joins an open flight for invalid_token, and for a 401 to a request sent without a token.
      const sameToken =
        fingerprint === undefined || flight.fingerprint === undefined || fingerprint === flight.fingerprint;
      if (sameToken && (error === undefined || error === "invalid_token")) this.#join(flight, caller);
      return;
    }
    if (error !== "invalid_token" || fingerprint === undefined) return;
    const settled = this.#settled.get(key)?.find((ended) => ended.fingerprint === fingerprint);
    if (settled) {
      linkCallerToRefresh(caller, settled.span);
      return;
    }
    const now = performance.now();
    const early = (this.#early.get(key) ?? []).filter((waiting) => now - waiting.at < EARLY_CALLER_TTL_MS);
    if (early.length < MAX_EARLY_PER_KEY) early.push({ fingerprint, span: caller, at: now });
    remember(this.#early, key, early);
  }

  /** `token.refreshing`: opens the flight's span as a child of the span active then. */
  started(event: KeyedEvent, attributes: Attributes, active: Context): void {
    const key = keyOf(event);
    if (key === undefined) return;
    const open = this.#flights.get(key);
    if (open) {
      // Reported twice (two layers over one flight): one flight still.
      return;
    }
    const fingerprint = fingerprintOf(event);
    const early = this.#early.get(key) ?? [];
    const waiting = early.filter((caller) => fingerprint === undefined || caller.fingerprint === fingerprint);
    const rest = early.filter((caller) => !waiting.includes(caller));
    if (rest.length > 0) this.#early.set(key, rest);
    else this.#early.delete(key);
    const links = waiting
      .flatMap((caller) => (caller.span ? [caller.span.spanContext()] : []))
      .slice(0, MAX_LINKS)
      .map(waiterLink);
    const span = this.#tracer.startSpan(
      REFRESH_SPAN_NAME,
      { kind: SpanKind.INTERNAL, attributes, links },
      active,
    );
    for (const caller of waiting) linkCallerToRefresh(caller.span, span.spanContext());
    remember(this.#flights, key, {
      span,
      startedAt: performance.now(),
      fingerprint,
      waiters: waiting.length,
      links: links.length,
      serverName: attributes[ATTR_SERVER_NAME],
    });
  }

  /** `token.refreshed` or `token.refresh_failed`: ends the flight's span and records the metrics. */
  settled(event: KeyedEvent, result: RefreshResult, attributes: Attributes): void {
    const key = keyOf(event);
    if (key === undefined) return;
    const flight = this.#flights.get(key);
    const dimensions: Attributes = { [ATTR_REFRESH_RESULT]: result };
    const serverName = attributes[ATTR_SERVER_NAME] ?? flight?.serverName;
    if (typeof serverName === "string") dimensions[ATTR_SERVER_NAME] = serverName;
    if (result === "failure") dimensions[ATTR_ERROR_TYPE] = attributes[ATTR_ERROR_TYPE] ?? "_OTHER";
    this.#metrics.refreshes.add(1, dimensions);
    if (!flight) return;
    this.#flights.delete(key);
    if (flight.fingerprint !== undefined) {
      const ended = { fingerprint: flight.fingerprint, span: flight.span.spanContext() };
      remember(this.#settled, key, [...(this.#settled.get(key) ?? []), ended].slice(-MAX_SETTLED_PER_KEY));
      const early = this.#early.get(key)?.filter((caller) => caller.fingerprint !== flight.fingerprint);
      if (early?.length) this.#early.set(key, early);
      else this.#early.delete(key);
    }
    const { span } = flight;
    span.setAttributes({
      ...attributes,
      [ATTR_REFRESH_RESULT]: result,
      [ATTR_REFRESH_WAITERS]: flight.waiters,
    });
    if (result === "failure") span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    this.#metrics.refreshDuration.record((performance.now() - flight.startedAt) / 1000, dimensions);
  }

  /** Ends the spans of flights still open (no result is recorded) and forgets everything. */
  close(): void {
    for (const flight of this.#flights.values()) {
      flight.span.setAttribute(ATTR_REFRESH_WAITERS, flight.waiters);
      flight.span.end();
    }
    this.#flights.clear();
    this.#early.clear();
    this.#settled.clear();
  }

  #join(flight: Flight, caller: Span | undefined): void {
    flight.waiters += 1;
    if (caller && flight.links < MAX_LINKS) {
      flight.links += 1;
      flight.span.addLink(waiterLink(caller.spanContext()));
    }
    linkCallerToRefresh(caller, flight.span.spanContext());
  }
}
