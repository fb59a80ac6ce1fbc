/**
 * @module `AUTHBUS_OTEL=console`: the bus's spans and metrics (`@authbus/otel`) printed to the
 * console. Loaded only when asked for, so the OpenTelemetry SDK costs nothing otherwise.
 */
import type { AuthBus } from "@authbus/core";
import { instrumentAuthBus } from "@authbus/otel";
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";

/** Prints spans as they end and metrics once a minute (and on stop). */
export function startConsoleTelemetry(bus: AuthBus): { stop(): Promise<void> } {
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  });
  // The AsyncLocalStorage context manager: events land on the span active where they are emitted.
  tracerProvider.register();
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  const stopInstrumentation = instrumentAuthBus(bus, {
    tracer: tracerProvider.getTracer("authbus-chat"),
    meter: meterProvider.getMeter("authbus-chat"),
  });
  return {
    async stop() {
      await stopInstrumentation.flush();
      stopInstrumentation();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
