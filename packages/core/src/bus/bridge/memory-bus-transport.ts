/** @module An in-process {@link BusTransport}: several buses in one process, as if they were workers (for tests). */
import type { BusTransport } from "./bridge-auth-bus.js";

/** Connects the transports it makes: each message published on one reaches every subscribed one. */
export interface MemoryBusHub {
  /** A transport on this hub (one per simulated process). */
  transport(options?: { maxMessageBytes?: number }): BusTransport;
}

/**
 * Creates a hub of in-process transports. Messages are delivered asynchronously (a microtask
 * later), as a real transport would.
 *
 * @example
 * const hub = createMemoryBusHub();
 * await bridgeAuthBus({ bus: busA, transport: hub.transport() });
 * await bridgeAuthBus({ bus: busB, transport: hub.transport() });
 */
export function createMemoryBusHub(): MemoryBusHub {
  const listeners = new Set<(message: string) => void>();
  return {
    transport(options = {}) {
      let listener: ((message: string) => void) | undefined;
      let closed = false;
      return {
        maxMessageBytes: options.maxMessageBytes ?? 8000,
        async publish(message) {
          if (closed) return;
          for (const deliver of [...listeners]) queueMicrotask(() => deliver(message));
        },
        async subscribe(onMessage) {
          listener = onMessage;
          listeners.add(onMessage);
        },
        async close() {
          closed = true;
          if (listener) listeners.delete(listener);
        },
      };
    },
  };
}
