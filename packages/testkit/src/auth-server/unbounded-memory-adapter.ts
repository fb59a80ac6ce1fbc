/**
 * @module An in-memory oidc-provider adapter without a size bound. oidc-provider's own memory
 * adapter keeps at most 1000 entries (one LRU shared by every provider in the process), so past a
 * few hundred users its grants, sessions and refresh tokens are evicted and refreshes fail with
 * `invalid_grant`: load tests and benchmarks need every entry kept until it expires.
 */
import type { Adapter, AdapterFactory } from "oidc-provider";
import MemoryAdapter from "oidc-provider/lib/adapters/memory_adapter.js";

/** The storage interface oidc-provider's memory adapter uses: a Map whose entries may expire. */
class ExpiringMap {
  readonly #entries = new Map<string, { value: unknown; expiry: number | undefined }>();

  get(key: string): unknown {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiry !== undefined && entry.expiry <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: unknown, options?: { maxAge?: number }): void {
    const maxAge = options?.maxAge;
    this.#entries.set(key, { value, expiry: typeof maxAge === "number" ? Date.now() + maxAge : undefined });
    if (this.#entries.size % 10_000 === 0) this.#sweep();
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiry !== undefined && entry.expiry <= now) this.#entries.delete(key);
    }
  }
}

/** An adapter factory whose storage belongs to one provider and keeps every entry until it expires. */
export function unboundedMemoryAdapter(): AdapterFactory {
  const storage = new ExpiringMap();
  return (model: string) => new MemoryAdapter(model, storage) as unknown as Adapter;
}
