/**
 * @module In-memory OpenTelemetry for the tests: a tracer provider with `InMemorySpanExporter`, a
 * meter provider with a reader the test collects from, the async context manager, and a dump of
 * everything exported as text to search for secrets.
 */

import { context, DiagLogLevel, diag, type HrTime, type Meter, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** A pull reader: metrics are read when the test calls `collect()`. */
class CollectingMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** One "process"'s telemetry: its own providers, exporter and reader. */
export interface Telemetry {
  tracer: Tracer;
  meter: Meter;
  exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  spansNamed(name: string): ReadableSpan[];
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

export function startTelemetry(): Telemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new CollectingMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer("test"),
    meter: meterProvider.getMeter("test"),
    exporter,
    spans: () => exporter.getFinishedSpans(),
    spansNamed: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    collect: async () => (await reader.collect()).resourceMetrics,
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Registers the AsyncLocalStorage context manager (what `NodeTracerProvider` does); returns its undo. */
export function useAsyncContext(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    context.disable();
  };
}

/** Collects everything OpenTelemetry's own diagnostics log. */
export function captureDiagLogs(): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (message: string, ...args: unknown[]) =>
      lines.push(`${level} ${message} ${args.map((arg) => JSON.stringify(arg) ?? String(arg)).join(" ")}`);
  diag.setLogger(
    {
      error: log("error"),
      warn: log("warn"),
      info: log("info"),
      debug: log("debug"),
      verbose: log("verbose"),
    },
    DiagLogLevel.ALL,
  );
  return { lines, stop: () => diag.disable() };
}

export const durationMs = ([seconds, nanos]: HrTime): number => seconds * 1000 + nanos / 1e6;
export const timeMs = ([seconds, nanos]: HrTime): number => seconds * 1000 + nanos / 1e6;

/** The data points of one metric. */
export function pointsOf(metrics: ResourceMetrics, name: string): DataPoint<number | Histogram>[] {
  return metrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as DataPoint<number | Histogram>[]);
}

/** Every exported span, with its events, links, status and resource, as JSON text. */
export function dumpSpans(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((span) => ({
      name: span.name,
      kind: span.kind,
      context: span.spanContext(),
      parent: span.parentSpanContext,
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes: span.attributes,
      events: span.events,
      links: span.links,
      resource: span.resource.attributes,
      scope: span.instrumentationScope,
    })),
  );
}

/** The spans as a readable tree (the README's trace dump). */
export function formatTrace(spans: readonly ReadableSpan[]): string {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  const origin = Math.min(...spans.map((span) => timeMs(span.startTime)));
  const lines: string[] = [];
  const at = (time: HrTime) => `+${(timeMs(time) - origin).toFixed(0)}ms`.padStart(8);
  // Attributes wrapped at about 100 columns, each line indented under its span or event.
  const attributes = (values: Record<string, unknown>, indent: string) => {
    const wrapped: string[] = [];
    for (const part of Object.entries(values).map(([name, value]) => `${name}=${JSON.stringify(value)}`)) {
      const last = wrapped.at(-1);
      if (last !== undefined && last.length + part.length < 100)
        wrapped[wrapped.length - 1] = `${last} ${part}`;
      else wrapped.push(part);
    }
    return wrapped.map((line) => `${indent}${line}`).join("\n");
  };
  const short = (id: string) => id.slice(0, 8);
  const write = (span: ReadableSpan, depth: number) => {
    const pad = "  ".repeat(depth);
    const indent = `         ${pad}  `;
    const { traceId, spanId } = span.spanContext();
    lines.push(
      `${at(span.startTime)} ${pad}${span.name} [trace ${short(traceId)} span ${short(spanId)}] ${durationMs(span.duration).toFixed(0)}ms`,
    );
    if (Object.keys(span.attributes).length > 0) lines.push(attributes(span.attributes, indent));
    for (const link of span.links) {
      const type = String(link.attributes?.["authbus.link.type"]);
      lines.push(
        `${indent}link → trace ${short(link.context.traceId)} span ${short(link.context.spanId)} (${type})`,
      );
    }
    for (const event of span.events) {
      lines.push(`${at(event.time)} ${pad}  • ${event.name}`);
      lines.push(attributes(event.attributes ?? {}, `${indent}  `));
    }
    for (const child of spans.filter((other) => other.parentSpanContext?.spanId === spanId)) {
      write(child, depth + 1);
    }
  };
  const roots = spans
    .filter((span) => !span.parentSpanContext || !byId.has(span.parentSpanContext.spanId))
    .sort((a, b) => timeMs(a.startTime) - timeMs(b.startTime));
  for (const root of roots) write(root, 0);
  return lines.join("\n");
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The histogram of a metric with one data point. */
export function histogramOf(metrics: ResourceMetrics, name: string): Histogram | undefined {
  return pointsOf(metrics, name)[0]?.value as Histogram | undefined;
}
