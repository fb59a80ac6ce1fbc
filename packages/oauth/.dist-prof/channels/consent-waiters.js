/**
 * Waiters resolved by `consent.granted`, `consent.denied` and `consent.expired` on `bus`, or by
 * {@link ConsentWaiters.resolve}. `onChange` is told when the first waiter of a consent arrives
 * and when the last one leaves.
 */
export function createConsentWaiters(bus, onChange = () => undefined) {
    const waiting = new Map();
    const resolve = (consentId, outcome) => {
        const found = waiting.get(consentId);
        if (!found)
            return;
        waiting.delete(consentId);
        onChange(consentId, false);
        for (const settle of found)
            settle(outcome);
    };
    const granted = ({ consentId }) => resolve(consentId, "granted");
    const denied = ({ consentId }) => resolve(consentId, "denied");
    const expired = ({ consentId }) => resolve(consentId, "expired");
    bus.on("consent.granted", granted);
    bus.on("consent.denied", denied);
    bus.on("consent.expired", expired);
    return {
        add(consentId, signal) {
            return new Promise((done, fail) => {
                if (signal?.aborted) {
                    fail(signal.reason);
                    return;
                }
                let found = waiting.get(consentId);
                if (!found) {
                    found = new Set();
                    waiting.set(consentId, found);
                    onChange(consentId, true);
                }
                const set = found;
                const onAbort = () => {
                    set.delete(settle);
                    if (set.size === 0 && waiting.get(consentId) === set) {
                        waiting.delete(consentId);
                        onChange(consentId, false);
                    }
                    fail(signal?.reason);
                };
                const settle = (outcome) => {
                    signal?.removeEventListener("abort", onAbort);
                    done(outcome);
                };
                set.add(settle);
                signal?.addEventListener("abort", onAbort, { once: true });
            });
        },
        resolve,
        has: (consentId) => waiting.has(consentId),
        close() {
            bus.off("consent.granted", granted);
            bus.off("consent.denied", denied);
            bus.off("consent.expired", expired);
        },
    };
}
