/** @module A mitt emitter typed by the authbus events, with each handler isolated. */
import mittImport, { type Emitter, type EventType, type Handler, type WildcardHandler } from "mitt";
import type { AuthEventName, AuthEvents } from "../events/auth-event-schemas.js";
import { summarizeError } from "../redact/redact.js";

// mitt ships ESM at run time but CommonJS-style typings, so under NodeNext its default import
// is typed as the module namespace; the function is that namespace's `default`.
const mitt = mittImport as unknown as typeof mittImport.default;

/** The authbus event bus: mitt's `Emitter` typed by {@link AuthEvents}. */
export type AuthBus = Emitter<AuthEvents>;

export type AuthEventHandler<K extends AuthEventName> = Handler<AuthEvents[K]>;

/**
 * Creates the bus. It is mitt (`on`, `off`, `emit`, `all`, the `"*"` wildcard) with one
 * difference: a handler that throws, or returns a promise that rejects, does not stop the
 * other handlers; its failure is emitted as `handler.failed`. A failing `handler.failed`
 * handler is not reported again, so a broken reporter cannot loop.
 *
 * @example
 * const bus = createAuthBus();
 * bus.on("consent.granted", ({ serverName }) => console.log(`access to ${serverName} granted`));
 * bus.on("*", (type, event) => panel.push({ type, event }));
 */
export function createAuthBus(): AuthBus {
  const emitter = mitt<AuthEvents>();
  const { all } = emitter;

  const report = (event: EventType, error: unknown): void => {
    if (event === "handler.failed") return;
    emit("handler.failed", { event: String(event), error: summarizeError(error) });
  };

  const call = (event: EventType, run: () => unknown): void => {
    try {
      const result = run();
      if (
        result !== null &&
        typeof result === "object" &&
        typeof (result as PromiseLike<unknown>).then === "function"
      ) {
        (result as PromiseLike<unknown>).then(undefined, (error: unknown) => report(event, error));
      }
    } catch (error) {
      report(event, error);
    }
  };

  function emit<K extends AuthEventName>(type: K, payload: AuthEvents[K]): void {
    // Copies, as mitt does, so a handler that unsubscribes while running does not skip another.
    const handlers = all.get(type) as Handler<AuthEvents[K]>[] | undefined;
    if (handlers) for (const handler of handlers.slice()) call(type, () => handler(payload));
    const wildcard = all.get("*") as WildcardHandler<AuthEvents>[] | undefined;
    if (wildcard) for (const handler of wildcard.slice()) call(type, () => handler(type, payload));
  }

  return { all, on: emitter.on, off: emitter.off, emit: emit as AuthBus["emit"] };
}
