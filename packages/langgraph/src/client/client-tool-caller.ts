/** @module Calls to an MCP client's current tools, with consent: shared by the middleware and the tool node. */
import type { AuthBus, ConsentWaitStore, TokenStore, ToolCallKey, ToolCallRecord } from "@authbus/core";
import type { UrlElicitations } from "@authbus/mcp";
import { ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { getConfig, isGraphInterrupt } from "@langchain/langgraph";
import type { ConsentBeginner, ConsentLookup } from "../consent/consent-types.js";
import { toToolServer } from "../consent/resolve-server.js";
import {
  type CallJournal,
  createCallJournal,
  describeInterruptedCall,
  isRepeatable,
  toCallResult,
  toToolMessage,
} from "../run/call-journal.js";
import { type RunIdentity, readRunIdentity } from "../run/run-identity.js";
import { type CallIdRunner, callWithConsent } from "../tools/call-with-consent.js";
import { createConsentCallContext } from "../tools/with-auth-interrupts.js";

/** The part of `createMCPClient()` this package uses. */
export interface AuthToolClient {
  /** The current tools: stand-ins `connect_<server>` for servers that still refuse to list theirs. */
  getTools(): Promise<StructuredToolInterface[]>;
  /** The server behind a tool: `{ serverName, resource, connectTool? }` (or `{ name, url }`), or `undefined`. */
  serverFor(toolName: string): unknown;
}

/**
 * Hands out the client of one subject for the length of `fn`: a pool of per-subject clients
 * (authbus's) may close idle ones between uses, never during one.
 */
export interface AuthClientSource {
  use<T>(subject: string, fn: (client: AuthToolClient) => Promise<T>): Promise<T>;
}

/** Options shared by {@link authInterruptMiddleware} and {@link authToolNode}. */
export interface AuthClientOptions {
  /**
   * One subject's client (`createMCPClient({ subject })`, then pass that `subject` too), or a
   * source of per-subject clients: each run then uses the client of the subject it names.
   */
  client: AuthToolClient | AuthClientSource;
  bus: AuthBus;
  consents: ConsentBeginner;
  /**
   * A fixed subject, for a client built for one user. Without it each run names its subject:
   * `context: { subject }` (createAgent) or `configurable: { subject }` (hand-built graphs).
   */
  subject?: string;
  /** A call whose resource holds no token interrupts before calling the server. */
  tokens?: TokenStore;
  /** Checks resume values answer a consent of this subject and resource (default: `consents.get`). */
  consentLookup?: ConsentLookup;
  /** Default: `runWithCallId` of `@authbus/mcp`, so challenges on the bus are matched to calls. */
  runWithCallId?: CallIdRunner;
  /**
   * Records which thread waits on which consent, and each tool call before it is made and after
   * it ends (`stores.waits`): a restart resumes paused threads, and a task LangGraph runs again
   * never repeats a call that may have had an effect.
   */
  waits?: ConsentWaitStore;
  /**
   * With several processes on one `waits` store: whether a call recorded there is under way in
   * another process that still lives (authbus passes its runner's lease check). A call held open
   * elsewhere (across a URL elicitation) is then waited for and answered with its result, not
   * taken for abandoned. Without it, a call not under way in this process is a dead process's.
   */
  isCallLiveElsewhere?: (call: ToolCallRecord) => Promise<boolean>;
  /** URL-mode elicitation (`createUrlElicitations()`, also given to the MCP clients); see `withAuthInterrupts`. */
  elicitations?: UrlElicitations;
}

/** A tool call as a model emits it. */
export interface ToolCallLike {
  id?: string | undefined;
  name: string;
  args?: unknown;
}

/** What {@link createClientToolCaller} returns. */
export interface ClientToolCaller {
  /** Lists the run's client's tools now (and remembers their names). `config`: the run's, default LangGraph's current one. */
  refresh(config?: unknown): Promise<StructuredToolInterface[]>;
  /** Whether a tool name belongs to the client (listed now or earlier, or a known stand-in). */
  owns(name: string): boolean;
  /**
   * Calls the client's current tool named by `call` through `invoke`, with at most one consent
   * round. A stand-in that is gone (its server connected after consent) answers with the
   * server's new tools. With `waits`, a call already finished answers as it did, one another
   * live process has under way (`isCallLiveElsewhere`) answers as it ends there, and one a dead
   * process left open is made again only when the server marked the tool safe to repeat.
   * Re-throws `GraphInterrupt`.
   */
  call<R>(
    call: ToolCallLike,
    invoke: (tool: StructuredToolInterface | undefined) => Promise<R>,
    config?: unknown,
  ): Promise<R | ToolMessage>;
}

function isErrorMessage(value: unknown): boolean {
  return ToolMessage.isInstance(value) && value.status === "error";
}

function isSource(client: AuthToolClient | AuthClientSource): client is AuthClientSource {
  return typeof (client as Partial<AuthClientSource>).use === "function";
}

function standInServer(client: AuthToolClient, name: string): string | undefined {
  const found = client.serverFor(name) as { connectTool?: unknown; serverName?: unknown } | undefined;
  if (found?.connectTool === true && typeof found.serverName === "string") return found.serverName;
  if (found?.connectTool === false) return undefined;
  return name.startsWith("connect_") ? toToolServer(found)?.serverName : undefined;
}

/** The run's abort signal: `config`'s, else that of the running graph task. */
function signalOf(config: unknown): AbortSignal | undefined {
  const own = (config as { signal?: unknown } | undefined)?.signal;
  if (own instanceof AbortSignal) return own;
  try {
    const current = (getConfig() as { signal?: unknown } | undefined)?.signal;
    return current instanceof AbortSignal ? current : undefined;
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return `Error: ${error instanceof Error ? error.message : String(error)}`;
}

/** Builds the caller an agent (middleware) or a hand-built graph (tool node) uses. */
export function createClientToolCaller(options: AuthClientOptions): ClientToolCaller {
  const source: AuthClientSource = isSource(options.client)
    ? options.client
    : { use: (_subject, fn) => fn(options.client as AuthToolClient) };
  const base = createConsentCallContext({ ...options, subject: options.subject ?? "" });
  const journal: CallJournal | undefined = options.waits
    ? createCallJournal(options.waits, { isLiveElsewhere: options.isCallLiveElsewhere })
    : undefined;
  const owned = new Set<string>();
  // Any subject's client answers `serverFor` for names (stand-ins included) the same way.
  let namer: AuthToolClient | undefined = isSource(options.client) ? undefined : options.client;

  const list = async (client: AuthToolClient): Promise<StructuredToolInterface[]> => {
    namer = client;
    const tools = await client.getTools();
    for (const tool of tools) owned.add(tool.name);
    return tools;
  };

  const run = async (
    identity: RunIdentity,
    client: AuthToolClient,
    call: ToolCallLike,
    callId: string,
    invoke: (tool: StructuredToolInterface | undefined) => Promise<unknown>,
    signal: AbortSignal | undefined,
  ): Promise<unknown> => {
    const name = call.name;
    const key: ToolCallKey | undefined =
      journal && identity.threadId !== undefined
        ? { threadId: identity.threadId, taskId: identity.taskId, callId }
        : undefined;
    if (journal && key) {
      // Under way in another live worker (held across a URL elicitation there): waits for its answer.
      const prior = await journal.prior(key, { signal });
      // The task ran before and its answer was lost (or it is replayed): answer as it did.
      if (prior.kind === "finished") return toToolMessage(prior.result, callId, name);
      if (prior.kind === "abandoned" && !prior.repeatable) {
        const message = describeInterruptedCall(name);
        await journal.finish(key, { content: message, status: "error" });
        return new ToolMessage({ content: message, tool_call_id: callId, name, status: "error" });
      }
    }
    const context = {
      ...base,
      subject: identity.subject,
      serverFor: (toolName: string) => toToolServer(client.serverFor(toolName)),
      threadId: identity.threadId,
      sessionDigest: identity.sessionDigest,
    };
    // Set once the tool was called and not refused: a pause then (a server's URL elicitation
    // during the call) leaves the call open, so a restart never makes it a second time.
    let calledOpen = false;
    let keepLive = false;
    // The tool call under way (the latest attempt's), for a pause that leaves it open.
    let invoked: Promise<unknown> | undefined;
    const attempt = async () => {
      // The latest tools, not those of the model call: after consent a stand-in is gone.
      const latest = await list(client);
      const tool = latest.find((candidate) => candidate.name === name);
      const server = tool ? undefined : standInServer(client, name);
      if (server === undefined) {
        if (journal && key && tool) {
          // Durable before the call: a restart can tell a call that may have run.
          await journal.start({
            ...key,
            subject: identity.subject,
            ...(identity.sessionDigest === undefined ? {} : { sessionDigest: identity.sessionDigest }),
            toolName: name,
            repeatable: isRepeatable(tool),
            startedAt: Date.now(),
          });
          calledOpen = true;
        }
        invoked = invoke(tool);
        return invoked;
      }
      const offered = latest
        .map((candidate) => candidate.name)
        .filter((candidate) => toToolServer(client.serverFor(candidate))?.serverName === server);
      return new ToolMessage({
        content: `Connected to ${server}. Its tools are now available: ${offered.join(", ") || "(none listed)"}.`,
        tool_call_id: callId,
        name,
      });
    };
    if (key) journal?.enter(key);
    try {
      const result = await callWithConsent(context, {
        toolName: name,
        callId,
        attempt,
        isFailure: isErrorMessage,
        ...(journal && key
          ? {
              refused: () => {
                calledOpen = false;
                return journal.drop(key);
              },
            }
          : {}),
      });
      const answer =
        result.kind === "result"
          ? result.value
          : new ToolMessage({ content: result.message, tool_call_id: callId, name, status: "error" });
      if (journal && key) {
        const kept = toCallResult(answer);
        if (kept) await journal.finish(key, kept);
        else await journal.drop(key);
      }
      return answer;
    } catch (error) {
      if (journal && key && isGraphInterrupt(error) && calledOpen && invoked) {
        // Paused while the tool runs (a server's URL elicitation): the record stays "started" and
        // this process keeps the call live, so its replay here after the resume goes on with it.
        // When the call ends its answer is recorded (a failed one forgotten, to be made once more),
        // so a replay on another worker, which waits for it, gets it; if this process dies first,
        // recovery answers it as interrupted unless it is safe to repeat.
        keepLive = true;
        journal.hold(
          key,
          invoked.then(
            (value) => (isErrorMessage(value) ? undefined : toCallResult(value)),
            () => undefined,
          ),
        );
      } else if (journal && key) {
        // Paused before the tool ran (or after it was refused): nothing to remember.
        if (isGraphInterrupt(error)) await journal.drop(key);
        else await journal.finish(key, { content: errorText(error), status: "error" });
      }
      throw error;
    } finally {
      if (key && !keepLive) journal?.leave(key);
    }
  };

  return {
    async refresh(config) {
      const identity = await readRunIdentity(config, options.subject);
      return source.use(identity.subject, list);
    },
    owns: (name) =>
      owned.has(name) || (namer !== undefined && toToolServer(namer.serverFor(name)) !== undefined),
    async call(call, invoke, config) {
      const identity = await readRunIdentity(config, options.subject);
      const callId = call.id ?? crypto.randomUUID();
      const signal = signalOf(config);
      return source.use(identity.subject, (client) =>
        run(
          identity,
          client,
          call,
          callId,
          invoke as (tool: StructuredToolInterface | undefined) => Promise<unknown>,
          signal,
        ),
      ) as Promise<never>;
    },
  };
}
