/**
 * @module Whose a run is and where it is: the subject and app session from the run's
 * `context` (LangChain `createAgent`) or `configurable` (hand-built graphs), the thread and the
 * graph task from LangGraph's config.
 */
import { AuthbusError, digestSession } from "@authbus/core";
import { getConfig } from "@langchain/langgraph";

/**
 * The `configurable` key a resumed run carries the session digest under: authbus resumes a
 * thread after a restart knowing only the digest of the session that paused it.
 */
export const SESSION_DIGEST_KEY = "authbus_session_digest";

/** Who a run is for and where it runs. */
export interface RunIdentity {
  subject: string;
  /** `digestSession()` of the run's app session, when it named one. */
  sessionDigest: string | undefined;
  /** LangGraph's `thread_id`, when the run has one. */
  threadId: string | undefined;
  /** The graph task the code runs in (stable when LangGraph replays the task), or `""`. */
  taskId: string;
}

interface ConfigLike {
  context?: unknown;
  configurable?: Record<string, unknown>;
  /** LangGraph's public `ExecutionInfo` of the running task. */
  executionInfo?: { taskId?: unknown };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function currentConfig(config: unknown): ConfigLike {
  if (typeof config === "object" && config !== null) return config as ConfigLike;
  try {
    return (getConfig() ?? {}) as ConfigLike;
  } catch {
    return {};
  }
}

/**
 * The task id of the running graph task, from LangGraph's public `config.executionInfo`
 * (stable when LangGraph replays the task): the config's own, else the running task's; `""`
 * outside a task (the journal then keys calls by thread and call id).
 */
function taskIdOf(config: ConfigLike): string {
  const own = text(config.executionInfo?.taskId);
  if (own) return own;
  try {
    return text(getConfig()?.executionInfo?.taskId) ?? "";
  } catch {
    return "";
  }
}

/**
 * Reads who a run is for from `config` (or, inside a graph task, LangGraph's current config):
 * `context.subject`, else `configurable.subject`; the session from `context.session` or
 * `configurable.session` (kept only as a digest), or the digest a resume carries.
 *
 * @throws {AuthbusError} `MISSING_SUBJECT` when neither the run nor `fixedSubject` names a subject:
 *   tokens are never picked for a run that names no one.
 */
export async function readRunIdentity(config?: unknown, fixedSubject?: string): Promise<RunIdentity> {
  const current = currentConfig(config);
  const configurable = current.configurable ?? {};
  const context = (
    typeof current.context === "object" && current.context !== null ? current.context : {}
  ) as Record<string, unknown>;
  const subject = fixedSubject ?? text(context.subject) ?? text(configurable.subject);
  if (subject === undefined) {
    throw new AuthbusError({
      code: "MISSING_SUBJECT",
      message:
        "this run names no subject: invoke the agent with { context: { subject } } " +
        "(or { configurable: { subject } } for a hand-built graph)",
    });
  }
  const session = text(context.session) ?? text(configurable.session);
  const sessionDigest =
    session === undefined ? text(configurable[SESSION_DIGEST_KEY]) : await digestSession(session);
  const thread = configurable.thread_id;
  return {
    subject,
    sessionDigest,
    threadId: typeof thread === "string" || typeof thread === "number" ? String(thread) : undefined,
    taskId: taskIdOf(current),
  };
}
