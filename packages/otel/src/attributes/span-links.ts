/** @module Span contexts as W3C `traceparent` strings, so a link can be stored and used by another process. */
import { isSpanContextValid, type SpanContext } from "@opentelemetry/api";

/**
 * The `traceparent` of a span context, or `undefined` for an invalid one.
 *
 * @see W3C Trace Context §3.2
 */
export function traceparentOf(spanContext: SpanContext | undefined): string | undefined {
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The span context a `traceparent` names (as seen from another process: `isRemote`). */
export function spanContextOf(traceparent: string): SpanContext | undefined {
  const [version, traceId, spanId, flags] = traceparent.split("-");
  if (version !== "00" || traceId === undefined || spanId === undefined || flags === undefined)
    return undefined;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}
