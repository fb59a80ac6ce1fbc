/** @module Records every bus event, for assertions (and for checking no token leaks into one). */
import type { AuthBus } from "@authbus/core";

export interface LoggedEvent {
  type: string;
  payload: unknown;
}

export function recordEvents(bus: AuthBus): LoggedEvent[] {
  const log: LoggedEvent[] = [];
  bus.on("*", (type, payload) => {
    log.push({ type: String(type), payload });
  });
  return log;
}

/** The secrets (tokens, verifiers) that occur in any event's JSON. */
export function leakedSecrets(log: readonly LoggedEvent[], secrets: readonly string[]): string[] {
  const text = JSON.stringify(log);
  return secrets.filter((secret) => secret.length > 0 && text.includes(secret));
}
