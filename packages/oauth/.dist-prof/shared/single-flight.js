/** @module One promise per key while it is in flight. */
/**
 * Runs `run` unless a run for `key` is already in flight in `flights`, in which case its
 * promise is returned. The entry is removed once the promise settles.
 */
export function singleFlight(flights, key, run) {
    const running = flights.get(key);
    if (running)
        return running;
    const started = (async () => {
        try {
            return await run();
        }
        finally {
            flights.delete(key);
        }
    })();
    flights.set(key, started);
    return started;
}
