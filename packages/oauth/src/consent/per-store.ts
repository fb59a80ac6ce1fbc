/** @module State shared by every consents instance over one consent store, made on first use. */
import type { ConsentStore } from "@authbus/core";

/** The value `map` holds for `store`, created (and kept while the store lives) when missing. */
export function perStore<T>(map: WeakMap<ConsentStore, T>, store: ConsentStore, create: () => T): T {
  let value = map.get(store);
  if (value === undefined) {
    value = create();
    map.set(store, value);
  }
  return value;
}
