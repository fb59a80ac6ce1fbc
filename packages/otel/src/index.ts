/** @module @authbus/otel: the authbus bus seen from OpenTelemetry — span events, consent and refresh spans, metrics. */

export type { LinkType } from "./attributes/attribute-names.js";
export {
  ATTR_CHALLENGE_ERROR,
  ATTR_CHALLENGE_PARSE_ERROR_POSITION,
  ATTR_CHALLENGE_REASON,
  ATTR_CHALLENGE_RESOURCE_METADATA,
  ATTR_CHALLENGE_SCHEME,
  ATTR_CHALLENGE_SCOPES,
  ATTR_CONSENT_ERROR,
  ATTR_CONSENT_EXPIRES_AT,
  ATTR_CONSENT_ID,
  ATTR_CONSENT_OUTCOME,
  ATTR_CONSENT_REASON,
  ATTR_GRANT_TYPE,
  ATTR_HANDLER_EVENT,
  ATTR_LINK_TYPE,
  ATTR_REFRESH_RESULT,
  ATTR_REFRESH_WAITERS,
  ATTR_RESOURCE,
  ATTR_REVOCATION_RESULT,
  ATTR_REVOCATION_REVOKED,
  ATTR_SCOPES,
  ATTR_SERVER_NAME,
  ATTR_TOKEN_EXPIRES_AT,
  ATTR_TOKEN_FINGERPRINT,
  ATTR_TOKEN_PREVIOUS_FINGERPRINT,
} from "./attributes/attribute-names.js";
export type { EventAttributeOptions } from "./attributes/event-attributes.js";
export { challengeReasonOf, eventAttributes } from "./attributes/event-attributes.js";
export { CONSENT_SPAN_NAME } from "./consent/consent-spans.js";
export type { ConsentTrace, ConsentTraceStore } from "./consent/consent-trace-store.js";
export { consentTraceSchema, MemoryConsentTraceStore } from "./consent/consent-trace-store.js";
export type { AuthBusInstrumentation, InstrumentAuthBusOptions } from "./instrument/instrument-auth-bus.js";
export { INSTRUMENTATION_SCOPE, instrumentAuthBus } from "./instrument/instrument-auth-bus.js";
export {
  METRIC_CHALLENGES,
  METRIC_CONSENT_DURATION,
  METRIC_CONSENTS,
  METRIC_REFRESH_DURATION,
  METRIC_REFRESHES,
} from "./metrics/auth-metrics.js";
export { REFRESH_SPAN_NAME } from "./refresh/refresh-spans.js";
