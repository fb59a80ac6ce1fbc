/** @module authbus: one call wires MCP servers, consents, stores and the LangGraph middleware for every user of an agent. */

// One guard for every authbus error (re-exported so that an app importing only `authbus` has it).
export type { AuthbusErrorCode } from "@authbus/core";
export { isAuthbusError } from "@authbus/core";
export type { Authbus, AuthbusStores, CreateAuthbusOptions } from "./create-authbus.js";
export { createAuthbus } from "./create-authbus.js";
export type { ConsentNotSettledError, ConsentSessionError } from "./errors/consent-session-error.js";
export type { RequestIdentity } from "./http/create-fetch-handler.js";
export type { AuthbusPage } from "./http/default-page.js";
export type { AuthbusContext } from "./middleware/create-authbus-middleware.js";
export { authbusContextSchema } from "./middleware/create-authbus-middleware.js";
export type { ClientPool, ClientPoolOptions } from "./pool/create-client-pool.js";
export { createClientPool } from "./pool/create-client-pool.js";
export type {
  AttachOptions,
  RecoveryReport,
  ResumableGraph,
  ResumeConfig,
  ResumeReport,
  RunThread,
  ThreadRun,
} from "./resume/create-resumer.js";
