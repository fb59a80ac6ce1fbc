/** @module Keeps recent bus events for the side panel and fans them out to open pages. */
import type { AuthBus } from "@authbus/core";
import type { BusEntry } from "../shared/thread-view.js";

type Listener = (entry: BusEntry) => void;

/**
 * Subscribes to every bus event. Events carry token fingerprints only (their schemas are
 * strict), so they can go to the page as they are.
 */
export class BusFeed {
  readonly #recent: BusEntry[] = [];
  readonly #listeners = new Set<Listener>();
  readonly #limit: number;
  #seq = 0;

  constructor(bus: AuthBus, limit = 200) {
    this.#limit = limit;
    bus.on("*", (type, event) => {
      this.#seq += 1;
      const entry: BusEntry = { seq: this.#seq, at: Date.now(), type, event: { ...event } };
      this.#recent.push(entry);
      if (this.#recent.length > this.#limit) this.#recent.shift();
      for (const listener of this.#listeners) listener(entry);
    });
  }

  recent(): readonly BusEntry[] {
    return this.#recent;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
