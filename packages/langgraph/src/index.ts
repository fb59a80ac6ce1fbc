/** @module @authbus/langgraph: pause a LangGraph graph for consent with interrupt() and resume it with new tokens. */

export { authToolNode } from "./client/auth-tool-node.js";
export type {
  AuthClientOptions,
  AuthClientSource,
  AuthToolClient,
  ToolCallLike,
} from "./client/client-tool-caller.js";
export type { BeginCoalescer } from "./consent/begin-coalescer.js";
export { createBeginCoalescer } from "./consent/begin-coalescer.js";
export type {
  ConsentBeginInput,
  ConsentBeginner,
  ConsentBegun,
  ConsentChallenge,
  ConsentLookup,
  ToolServer,
  ToolServerResolver,
} from "./consent/consent-types.js";
export { describeConsentOutcome } from "./consent/describe-outcome.js";
export type { AuthResumeError, ConsentNotPendingError } from "./errors/auth-resume-error.js";
export type { AuthInterruptMiddlewareOptions } from "./middleware/auth-interrupt-middleware.js";
export { authInterruptMiddleware } from "./middleware/auth-interrupt-middleware.js";
export type { PendingAuthInterrupt, SnapshotLike } from "./resume/pending-auth-interrupts.js";
export { pendingAuthInterrupts } from "./resume/pending-auth-interrupts.js";
export type { StateReader } from "./resume/resume-consent.js";
export { resumeConsent } from "./resume/resume-consent.js";
export type { RunIdentity } from "./run/run-identity.js";
export { readRunIdentity, SESSION_DIGEST_KEY } from "./run/run-identity.js";
export type { CallIdRunner } from "./tools/call-with-consent.js";
export type { AuthInterruptOptions } from "./tools/with-auth-interrupts.js";
export { withAuthInterrupts } from "./tools/with-auth-interrupts.js";
