/** @module The authbus metric instruments: counters of challenges, consents and refreshes, duration histograms. */
import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";

export const METRIC_CHALLENGES = "authbus.challenges";
export const METRIC_CONSENTS = "authbus.consents";
export const METRIC_REFRESHES = "authbus.token.refreshes";
export const METRIC_CONSENT_DURATION = "authbus.consent.duration";
export const METRIC_REFRESH_DURATION = "authbus.token.refresh.duration";

// A person answers in seconds to an hour (the consent TTL is 600 s by default).
const CONSENT_BUCKETS = [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];
// The HTTP client duration buckets of the OpenTelemetry conventions: a refresh is one token request.
const REFRESH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The instruments {@link instrumentAuthBus} records to. */
export interface AuthMetrics {
  /** `challenge` events by server, status and reason. */
  challenges: Counter<Attributes>;
  /** Consent outcomes by server, outcome and reason. */
  consents: Counter<Attributes>;
  /** Refresh flights by server and result (one per flight, however many callers waited). */
  refreshes: Counter<Attributes>;
  /** From `consent.required` to its outcome, in seconds. */
  consentDuration: Histogram<Attributes>;
  /** From `token.refreshing` to its end, in seconds. */
  refreshDuration: Histogram<Attributes>;
}

/**
 * Creates the instruments on `meter`. Units follow the OpenTelemetry conventions: durations in
 * seconds (`s`), counts as annotations (`{challenge}`).
 *
 * @see https://opentelemetry.io/docs/specs/semconv/general/metrics/
 */
export function createAuthMetrics(meter: Meter): AuthMetrics {
  return {
    challenges: meter.createCounter(METRIC_CHALLENGES, {
      description: "401/403 responses with WWW-Authenticate received from protected resources",
      unit: "{challenge}",
    }),
    consents: meter.createCounter(METRIC_CONSENTS, {
      description: "Consents that ended, by outcome (granted, denied, expired)",
      unit: "{consent}",
    }),
    refreshes: meter.createCounter(METRIC_REFRESHES, {
      description: "Token refresh flights, by result (success, failure)",
      unit: "{refresh}",
    }),
    consentDuration: meter.createHistogram(METRIC_CONSENT_DURATION, {
      description: "Time from consent.required to the consent's outcome",
      unit: "s",
      advice: { explicitBucketBoundaries: CONSENT_BUCKETS },
    }),
    refreshDuration: meter.createHistogram(METRIC_REFRESH_DURATION, {
      description: "Time from token.refreshing to token.refreshed or token.refresh_failed",
      unit: "s",
      advice: { explicitBucketBoundaries: REFRESH_BUCKETS },
    }),
  };
}
