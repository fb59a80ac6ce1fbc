/** @module One promise per key while it is in flight. */
/**
 * Runs `run` unless a run for `key` is already in flight in `flights`, in which case its
 * promise is returned. The entry is removed once the promise settles.
 */
export declare function singleFlight<T>(flights: Map<string, Promise<T>>, key: string, run: () => Promise<T>): Promise<T>;
