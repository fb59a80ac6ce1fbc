/**
 * @module Resume every thread waiting on a settled consent exactly once, forget a wait only once
 * the thread is saved past it, and after a restart finish what a dead process left.
 */
import {
  type ConsentOutcome,
  type ConsentWait,
  type ConsentWaitStore,
  isAuthbusError,
  type LeaseStore,
  type ToolCallRecord,
} from "@authbus/core";
import {
  pendingAuthInterrupts,
  resumeConsent,
  SESSION_DIGEST_KEY,
  type SnapshotLike,
} from "@authbus/langgraph";
import type { Consents } from "@authbus/oauth";
import { ConsentNotSettledError } from "../errors/consent-session-error.js";
import { outsideRuns } from "./outside-runs.js";

/** A compiled graph, or a `createAgent` agent (its `graph` is used). */
export interface ResumableGraph {
  invoke(input: unknown, config: unknown): Promise<unknown>;
  getState(config: unknown, options?: { subgraphs?: boolean }): Promise<SnapshotLike>;
}

/** The config authbus runs a thread with: its id and whose it is. */
export interface ResumeConfig {
  configurable: { thread_id: string; [SESSION_DIGEST_KEY]?: string };
  context: { subject: string };
}

/** One run authbus needs made on a thread. */
export interface ThreadRun {
  threadId: string;
  /**
   * What to run, read when the run starts: the `Command` answering the consent, `null` to finish
   * a run a dead process left, or `undefined` when there is nothing left to do (another path
   * resumed the thread meanwhile).
   */
  input(): Promise<unknown>;
  config: ResumeConfig;
  /** Why: a settled consent, or a run a dead process left open. */
  reason: "consent" | "recovery";
}

/** Makes a run; resolves once it has ended. Default: `graph.invoke(await run.input(), run.config)`. */
export type RunThread = (run: ThreadRun) => Promise<void>;

/** Options of {@link Resumer.attach}. */
export interface AttachOptions {
  /** Runs resumed threads your way (your own queue, streaming to the page). */
  run?: RunThread;
  /** Skip {@link Resumer.recover} (call it yourself). Default: recover on attach. */
  recover?: boolean;
}

/** What one `resume()` did. */
export interface ResumeReport {
  consentId: string;
  outcome: ConsentOutcome;
  /** Threads that waited on the consent (resumed now, or later by `recover()` when no graph is attached). */
  threads: string[];
}

/** What `recover()` found and did. */
export interface RecoveryReport {
  /** Consents settled while nothing resumed their threads; now resumed. */
  resumed: ResumeReport[];
  /** Threads a dead process left in a tool call; run again (each open call answered or repeated). */
  continued: string[];
  /** Consents still pending that threads wait on (they resume when answered or expired). */
  pending: string[];
}

/** Options of {@link createResumer}. */
export interface ResumerOptions {
  consents: Pick<Consents, "get">;
  waits: ConsentWaitStore;
  onError: (error: unknown, where: { consentId?: string; threadId?: string }) => void;
  /** Calls started before this are a previous process's. Default: now. */
  startedAt?: number;
  /** Finished call records older than this many milliseconds are pruned by `recover()`. Default 7 days. */
  keepCallsMs?: number;
  now?: () => number;
  /**
   * Leases shared by every process of the deployment (`stores.leases` of the SQLite and Postgres
   * stores). With them a thread runs in one process at a time: of two workers resuming the same
   * thread (both got the consent's event, or one recovers while another runs it) one runs it and
   * the other waits for the lease, then finds nothing left to do (a killed process's lease runs
   * out). Without them, one run at a time per thread holds in this process only.
   */
  leases?: LeaseStore;
}

/** How long a thread's lease lasts between renewals (renewed every third of it while the run goes on). */
const THREAD_LEASE_MS = 30_000;
/** How often a thread's lease held elsewhere is tried again. */
const THREAD_LEASE_RETRY_MS = 2_000;

/** See {@link createResumer}. */
export interface Resumer {
  attach(graph: ResumableGraph | { graph: ResumableGraph }, options?: AttachOptions): Promise<RecoveryReport>;
  resume(consentId: string, outcome?: ConsentOutcome): Promise<ResumeReport>;
  recover(): Promise<RecoveryReport>;
  /** Resolves when no resume or recovery run is in flight. */
  idle(): Promise<void>;
  close(): void;
}

function isWrapped(value: unknown): value is { graph: ResumableGraph } {
  const graph = (value as { graph?: unknown }).graph;
  return (
    typeof graph === "object" && graph !== null && typeof (graph as ResumableGraph).getState === "function"
  );
}

function configOf(threadId: string, subject: string, sessionDigest: string | undefined): ResumeConfig {
  return {
    configurable: {
      thread_id: threadId,
      ...(sessionDigest === undefined ? {} : { [SESSION_DIGEST_KEY]: sessionDigest }),
    },
    context: { subject },
  };
}

/**
 * Creates what resumes threads: `resume(consentId)` runs every thread waiting on a settled
 * consent once (single-flight per consent and one run at a time per thread) and forgets a
 * thread's wait only after its state no longer waits on the consent (new state first, then the
 * old record goes, so a crash in between resumes it again and never strands it).
 */
export function createResumer(options: ResumerOptions): Resumer {
  const { consents, waits, onError } = options;
  const now = options.now ?? Date.now;
  const startedAt = options.startedAt ?? now();
  const keepCallsMs = options.keepCallsMs ?? 7 * 24 * 3_600_000;
  let graph: ResumableGraph | undefined;
  let runThread: RunThread | undefined;
  const queues = new Map<string, Promise<void>>();
  const flights = new Map<string, Promise<ResumeReport>>();
  const inFlight = new Set<Promise<unknown>>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const wakeups = new Set<() => void>();
  let closed = false;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  };

  /** Runs `task` after every earlier run of the thread. */
  const onThread = (threadId: string, task: () => Promise<void>): Promise<void> => {
    const previous = queues.get(threadId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => outsideRuns(task));
    queues.set(threadId, next);
    void next.then(
      () => (queues.get(threadId) === next ? queues.delete(threadId) : undefined),
      () => (queues.get(threadId) === next ? queues.delete(threadId) : undefined),
    );
    return next;
  };

  const defaultRun: RunThread = async (run) => {
    const input = await run.input();
    if (input === undefined || !graph) return;
    await graph.invoke(input, run.config);
  };

  const stillWaits = async (threadId: string, consentId: string): Promise<boolean> => {
    if (!graph) return true;
    const snapshot = await graph.getState({ configurable: { thread_id: threadId } }, { subgraphs: true });
    return pendingAuthInterrupts(snapshot).some((pending) => pending.consentId === consentId);
  };

  /** Sleeps `ms`, or less when the resumer closes. */
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeups.delete(done);
        resolve();
      }
      wakeups.add(done);
    });

  /**
   * Runs `task` holding the thread's lease across processes (when there are leases). A lease
   * held elsewhere is waited out: it is another process's run (then `task` finds nothing left
   * to do) or a killed process's, which runs out within `THREAD_LEASE_MS` — leaving the thread
   * would strand it, as nothing else comes back to it. Resolves to `false`, without running
   * `task`, only when the resumer closes meanwhile.
   */
  const withThreadLease = async (threadId: string, task: () => Promise<void>): Promise<boolean> => {
    if (!options.leases) {
      await task();
      return true;
    }
    const name = `authbus:thread:${threadId}`;
    let lease = await options.leases.acquire(name, THREAD_LEASE_MS);
    while (!lease) {
      if (closed) return false;
      await pause(THREAD_LEASE_RETRY_MS);
      if (closed) return false;
      lease = await options.leases.acquire(name, THREAD_LEASE_MS);
    }
    const held = lease;
    const heartbeat = setInterval(
      () => void held.renew(THREAD_LEASE_MS).catch(() => undefined),
      THREAD_LEASE_MS / 3,
    );
    heartbeat.unref?.();
    try {
      await task();
      return true;
    } finally {
      clearInterval(heartbeat);
      await held.release().catch(() => undefined);
    }
  };

  const resumeThread = async (wait: ConsentWait, outcome: ConsentOutcome): Promise<void> => {
    const current = graph;
    if (!current) return;
    const config = configOf(wait.threadId, wait.subject, wait.sessionDigest);
    await onThread(wait.threadId, () =>
      withThreadLease(wait.threadId, async () => {
        const input = async (): Promise<unknown> => {
          try {
            return await resumeConsent(current, config, wait.consentId, outcome);
          } catch (error) {
            // Resumed already (another tab, another path): nothing waits any more.
            if (isAuthbusError(error, "CONSENT_NOT_PENDING")) return undefined;
            throw error;
          }
        };
        await (runThread ?? defaultRun)({ threadId: wait.threadId, input, config, reason: "consent" });
      }).then(() => undefined),
    );
    // Durably past the interrupt (the saved state no longer waits on it): only now forget the wait.
    if (!(await stillWaits(wait.threadId, wait.consentId)))
      await waits.removeWait(wait.consentId, wait.threadId);
  };

  const settledOutcome = async (consentId: string, expected?: ConsentOutcome): Promise<ConsentOutcome> => {
    const view = await consents.get(consentId);
    if (!view) throw new ConsentNotSettledError({ consentId, message: `there is no consent ${consentId}` });
    if (view.status === "pending") {
      throw new ConsentNotSettledError({
        consentId,
        message: `consent ${consentId} is still pending; complete or deny it first`,
      });
    }
    if (expected !== undefined && expected !== view.status) {
      throw new ConsentNotSettledError({
        consentId,
        message: `consent ${consentId} ended ${view.status}, not ${expected}`,
      });
    }
    return view.status;
  };

  const resume = (consentId: string, expected?: ConsentOutcome): Promise<ResumeReport> => {
    const found = flights.get(consentId);
    if (found) return found;
    const flight = track(
      (async (): Promise<ResumeReport> => {
        const outcome = await settledOutcome(consentId, expected);
        const view = await consents.get(consentId);
        // A wait recorded for another user than the consent's is never resumed by it.
        const waiting = (await waits.findWaits(consentId)).filter((wait) => wait.subject === view?.subject);
        const threads = waiting.map((wait) => wait.threadId);
        const results = await Promise.allSettled(waiting.map((wait) => resumeThread(wait, outcome)));
        for (const [index, result] of results.entries()) {
          if (result.status === "rejected") onError(result.reason, { consentId, threadId: threads[index] });
        }
        return { consentId, outcome, threads };
      })().finally(() => flights.delete(consentId)),
    );
    flights.set(consentId, flight);
    return flight;
  };

  /** A pending consent a restart found: resume its threads when it expires (the bus says so too). */
  const armExpiry = (consentId: string, expiresAt: number): void => {
    if (closed || timers.has(consentId)) return;
    const delay = Math.min(Math.max(0, expiresAt - now()) + 50, 2_147_483_647);
    const timer = setTimeout(() => {
      timers.delete(consentId);
      void consents
        .get(consentId)
        .then((view) => (view && view.status !== "pending" ? resume(consentId) : undefined))
        .catch((error: unknown) => onError(error, { consentId }));
    }, delay);
    timer.unref?.();
    timers.set(consentId, timer);
  };

  /**
   * Runs a thread a dead process left in a tool call (unless a consent resume just ran it), then
   * closes any call still left open, so none is looked at again.
   */
  const continueThread = async (threadId: string, calls: ToolCallRecord[], run: boolean): Promise<void> => {
    const first = calls[0];
    if (!graph || !first) return;
    const config = configOf(threadId, first.subject, first.sessionDigest);
    if (run) {
      let ran = true;
      await onThread(threadId, async () => {
        ran = await withThreadLease(threadId, () =>
          (runThread ?? defaultRun)({ threadId, input: async () => null, config, reason: "recovery" }),
        );
      });
      // Closed while another process held the thread: leave its calls to the next start.
      if (!ran) return;
    }
    for (const call of calls) {
      const record = await waits.getCall(call);
      if (record?.status === "started" && record.startedAt < startedAt) {
        await waits.finishCall(
          call,
          { content: `The call to ${call.toolName} was interrupted and was not retried.`, status: "error" },
          now(),
        );
      }
    }
  };

  const recover = (): Promise<RecoveryReport> =>
    track(
      (async (): Promise<RecoveryReport> => {
        const report: RecoveryReport = { resumed: [], continued: [], pending: [] };
        await waits.pruneCalls(now() - keepCallsMs);
        const consentIds = [...new Set((await waits.listWaits()).map((wait) => wait.consentId))];
        const resumedThreads = new Set<string>();
        await Promise.all(
          consentIds.map(async (consentId) => {
            try {
              const view = await consents.get(consentId);
              if (!view) {
                for (const wait of await waits.findWaits(consentId))
                  await waits.removeWait(consentId, wait.threadId);
                return;
              }
              if (view.status === "pending") {
                report.pending.push(consentId);
                armExpiry(consentId, view.expiresAt);
                return;
              }
              const done = await resume(consentId);
              for (const threadId of done.threads) resumedThreads.add(threadId);
              report.resumed.push(done);
            } catch (error) {
              onError(error, { consentId });
            }
          }),
        );
        // Calls a previous process started and never finished, by thread.
        const open = new Map<string, ToolCallRecord[]>();
        for (const call of await waits.listOpenCalls()) {
          if (call.startedAt >= startedAt) continue;
          open.set(call.threadId, [...(open.get(call.threadId) ?? []), call]);
        }
        await Promise.all(
          [...open].map(async ([threadId, calls]) => {
            try {
              // A thread just resumed re-ran its tasks already; only its leftovers need closing.
              const run = !resumedThreads.has(threadId);
              await continueThread(threadId, calls, run);
              if (run) report.continued.push(threadId);
            } catch (error) {
              onError(error, { threadId });
            }
          }),
        );
        return report;
      })(),
    );

  return {
    async attach(target, attachOptions = {}) {
      graph = isWrapped(target) ? target.graph : target;
      runThread = attachOptions.run;
      if (attachOptions.recover === false) return { resumed: [], continued: [], pending: [] };
      return recover();
    },
    resume,
    recover,
    async idle() {
      while (inFlight.size > 0 || queues.size > 0) {
        await Promise.allSettled([...inFlight, ...queues.values()]);
      }
    },
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      for (const wake of [...wakeups]) wake();
    },
  };
}
