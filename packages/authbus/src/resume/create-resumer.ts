/**
 * @module Resume every thread waiting on a settled consent exactly once, forget a wait only once
 * the thread is saved past it, and after a restart (or, with several workers, in a periodic
 * sweep) finish what a dead process left.
 */
import {
  type ConsentOutcome,
  type ConsentWait,
  type ConsentWaitStore,
  isAuthbusError,
  keepRenewed,
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
import { createRunner, recordCallsAs } from "./runner.js";

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

/**
 * Makes a run; resolves once it has ended. Default: `graph.invoke(await run.input(), { ...run.config,
 * durability: "sync" })`. Use `durability: "sync"` in yours too: with `"async"` a process killed in a
 * tool call may not have saved the step that made the call, and its replay makes a new call.
 */
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
  /** Calls started before this, recorded without a runner id, are a previous process's. Default: now. */
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
   *
   * With them this process is also a runner: each tool call it starts is recorded with its
   * runner id, and its lease `authbus:runner:<id>` is renewed while it lives, so other workers
   * take its open calls for abandoned only once it is gone.
   */
  leases?: LeaseStore;
  /**
   * How long a thread's lease and this runner's lease last between renewals (each renewed every
   * third of it): how long a killed worker's work waits before another takes it over. Default 30 s.
   */
  leaseMs?: number;
  /**
   * How often, on average, to sweep (jittered ±50%; timers unref'd; stopped by `close()`): resume
   * threads whose consent settled but whose resume was lost (its worker died), and finish runs
   * whose tool calls a dead runner left open. One worker of the deployment sweeps per period (a
   * lease `authbus:sweep`). Default: `leaseMs` with leases, off without them (one process:
   * `recover()` on start does it). `false` turns it off.
   */
  sweepIntervalMs?: number | false;
  /** This process's runner id. Default: a random UUID. */
  runnerId?: string;
}

/** How long a thread's lease lasts between renewals, by default (renewed every third of it while the run goes on). */
const THREAD_LEASE_MS = 30_000;
/** How often a thread's lease held elsewhere is tried again (at most). */
const THREAD_LEASE_RETRY_MS = 2_000;

/** See {@link createResumer}. */
export interface Resumer {
  attach(graph: ResumableGraph | { graph: ResumableGraph }, options?: AttachOptions): Promise<RecoveryReport>;
  resume(consentId: string, outcome?: ConsentOutcome): Promise<ResumeReport>;
  recover(): Promise<RecoveryReport>;
  /**
   * One sweep now (what the periodic sweep does): like `recover()`, but it never waits for a
   * thread another worker holds (the next sweep comes back to it) and only takes calls whose
   * runner is gone for abandoned.
   */
  sweep(): Promise<RecoveryReport>;
  /** The wait store tool calls must be recorded through (each `started` record names this runner). */
  readonly calls: ConsentWaitStore;
  /**
   * Whether a call recorded through another worker's `calls` is under way there: its runner is
   * not this one and still lives (lease held, process not gone). False without leases.
   */
  isLiveElsewhere(call: Pick<ToolCallRecord, "runnerId" | "startedAt">): Promise<boolean>;
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

/**
 * A snapshot with work left and nothing it waits on: a run stopped in the middle of a step (its
 * tasks not run, or run with their writes saved but the next checkpoint never written).
 */
function isMidStep(snapshot: SnapshotLike): boolean {
  const next = (snapshot as { next?: readonly unknown[] }).next ?? [];
  return (
    (next.length > 0 || snapshot.tasks.length > 0) &&
    snapshot.tasks.every((task) => task.result !== undefined || task.interrupts.length === 0)
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
  const leaseMs = options.leaseMs ?? THREAD_LEASE_MS;
  const leaseRetryMs = Math.max(1, Math.min(THREAD_LEASE_RETRY_MS, Math.floor(leaseMs / 3)));
  const sweepMs = options.sweepIntervalMs ?? (options.leases ? leaseMs : false);
  const runner = createRunner({
    leases: options.leases,
    leaseMs,
    startedAt,
    ...(options.runnerId === undefined ? {} : { id: options.runnerId }),
  });
  const calls = recordCallsAs(waits, runner);
  let sweepTimer: ReturnType<typeof setTimeout> | undefined;
  let sweeping: Promise<RecoveryReport> | undefined;
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
    // Each step saved before the next starts: a run killed in a tool call replays that very call
    // (same task, same call id) from the checkpoint, so the call journal keeps it to one execution.
    await graph.invoke(input, { ...run.config, durability: "sync" });
  };

  /** Whether a thread still needs the consent's resume: it waits on it, or a resumed run died mid-step. */
  const stillWaits = async (threadId: string, consentId: string): Promise<boolean> => {
    if (!graph) return true;
    const snapshot = await graph.getState({ configurable: { thread_id: threadId } }, { subgraphs: true });
    return (
      pendingAuthInterrupts(snapshot).some((pending) => pending.consentId === consentId) ||
      isMidStep(snapshot)
    );
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
   * to do) or a killed process's, which runs out within `leaseMs` — leaving the thread would
   * strand it, unless a sweep comes back to it (`wait: false`, what a sweep does). Resolves to
   * `false`, without running `task`, when the resumer closes meanwhile or, with `wait: false`,
   * when the lease is held elsewhere.
   */
  const withThreadLease = async (
    threadId: string,
    task: () => Promise<void>,
    wait = true,
  ): Promise<boolean> => {
    if (!options.leases) {
      await task();
      return true;
    }
    const name = `authbus:thread:${threadId}`;
    let lease = closed ? undefined : await options.leases.acquire(name, leaseMs);
    while (!lease) {
      if (closed || !wait) return false;
      await pause(leaseRetryMs);
      if (closed) return false;
      lease = await options.leases.acquire(name, leaseMs);
    }
    const stopRenewing = keepRenewed(lease, leaseMs);
    try {
      await task();
      return true;
    } finally {
      await stopRenewing();
      await lease.release().catch(() => undefined);
    }
  };

  /**
   * Whether a thread stopped in the middle of a step with nothing waiting: a run took the answer
   * (saved with the checkpoint) and died before the step ended. Asked under the thread's lease,
   * so no other authbus run is under way: running it with `null` replays the step with the saved
   * answer (the call journal keeps each call to one execution).
   */
  const leftMidStep = async (current: ResumableGraph, threadId: string): Promise<boolean> =>
    isMidStep(await current.getState({ configurable: { thread_id: threadId } }));

  /** Resumes one waiting thread; resolves to `false` when it did not get to (see `withThreadLease`). */
  const resumeThread = async (
    wait: ConsentWait,
    outcome: ConsentOutcome,
    waitForLease = true,
  ): Promise<boolean> => {
    const current = graph;
    if (!current) return false;
    const config = configOf(wait.threadId, wait.subject, wait.sessionDigest);
    let ran = true;
    await onThread(wait.threadId, async () => {
      ran = await withThreadLease(
        wait.threadId,
        async () => {
          const input = async (): Promise<unknown> => {
            try {
              return await resumeConsent(current, config, wait.consentId, outcome);
            } catch (error) {
              // Resumed already (another tab, another path): nothing waits any more, unless that
              // run died mid-step (its answer saved, the step never ended): then finish it.
              if (isAuthbusError(error, "CONSENT_NOT_PENDING"))
                return (await leftMidStep(current, wait.threadId)) ? null : undefined;
              throw error;
            }
          };
          await (runThread ?? defaultRun)({ threadId: wait.threadId, input, config, reason: "consent" });
        },
        waitForLease,
      );
    });
    if (!ran) return false;
    // Durably past the interrupt (the saved state no longer waits on it): only now forget the wait.
    if (!(await stillWaits(wait.threadId, wait.consentId)))
      await waits.removeWait(wait.consentId, wait.threadId);
    return true;
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

  /** The calls of `calls` still open exactly as their dead process left them (nothing re-made or answered them since). */
  const stillOpen = async (calls: ToolCallRecord[]): Promise<ToolCallRecord[]> => {
    const left: ToolCallRecord[] = [];
    for (const call of calls) {
      const record = await waits.getCall(call);
      if (
        record?.status === "started" &&
        record.startedAt === call.startedAt &&
        record.runnerId === call.runnerId
      )
        left.push(call);
    }
    return left;
  };

  /**
   * Runs a thread a dead process left in a tool call (unless a consent resume just ran it), then
   * closes any call still left open, so none is looked at again. Resolves to whether it ran the
   * thread; `false` also when the thread's lease was held elsewhere and `wait` is off (a sweep
   * comes back to it) or another worker finished it first.
   */
  const continueThread = async (
    threadId: string,
    calls: ToolCallRecord[],
    run: boolean,
    wait: boolean,
  ): Promise<boolean> => {
    const first = calls[0];
    if (!graph || !first) return false;
    const config = configOf(threadId, first.subject, first.sessionDigest);
    let ran = false;
    if (run) {
      let reached = true;
      await onThread(threadId, async () => {
        reached = await withThreadLease(
          threadId,
          async () => {
            // Under the lease: another worker may have finished the thread meanwhile.
            if ((await stillOpen(calls)).length === 0) return;
            ran = true;
            await (runThread ?? defaultRun)({
              threadId,
              input: async () => null,
              config,
              reason: "recovery",
            });
          },
          wait,
        );
      });
      // Closed, or the thread is busy elsewhere: leave its calls to the next sweep or start.
      if (!reached) return false;
    }
    for (const call of await stillOpen(calls)) {
      await waits.finishCall(
        call,
        { content: `The call to ${call.toolName} was interrupted and was not retried.`, status: "error" },
        now(),
      );
    }
    return ran;
  };

  /**
   * What a start (`sweep: false`) or a sweep does: resume the threads of settled consents, then
   * finish the runs whose open calls belong to no live runner. A start waits for threads other
   * workers hold; a sweep skips them until its next round.
   */
  const recoverOnce = async (sweep: boolean): Promise<RecoveryReport> => {
    const report: RecoveryReport = { resumed: [], continued: [], pending: [] };
    await waits.pruneCalls(now() - keepCallsMs);
    const consentIds = [...new Set((await waits.listWaits()).map((wait) => wait.consentId))];
    const resumedThreads = new Set<string>();
    const busyThreads = new Set<string>();
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
            // A sweep reads each pending consent again next round (`get` expires it when due).
            if (!sweep) armExpiry(consentId, view.expiresAt);
            return;
          }
          if (!sweep) {
            const done = await resume(consentId);
            for (const threadId of done.threads) resumedThreads.add(threadId);
            report.resumed.push(done);
            return;
          }
          // This process is resuming it right now.
          if (flights.has(consentId)) return;
          const waiting = (await waits.findWaits(consentId)).filter((wait) => wait.subject === view.subject);
          const threads: string[] = [];
          for (const wait of waiting) {
            try {
              if (await resumeThread(wait, view.status, false)) {
                threads.push(wait.threadId);
                resumedThreads.add(wait.threadId);
              } else busyThreads.add(wait.threadId);
            } catch (error) {
              busyThreads.add(wait.threadId);
              onError(error, { consentId, threadId: wait.threadId });
            }
          }
          if (threads.length > 0) report.resumed.push({ consentId, outcome: view.status, threads });
        } catch (error) {
          onError(error, { consentId });
        }
      }),
    );
    // Calls started and never finished by a process that is gone, by thread.
    const open = new Map<string, ToolCallRecord[]>();
    const alive = new Map<string, Promise<boolean>>();
    for (const call of await waits.listOpenCalls()) {
      if (busyThreads.has(call.threadId)) continue;
      // One look per runner: its lease is taken and handed back at most once a round.
      const key = call.runnerId ?? `\u0000${call.startedAt >= startedAt}`;
      let live = alive.get(key);
      if (!live) {
        live = runner.isAlive(call);
        alive.set(key, live);
      }
      if (await live) continue;
      open.set(call.threadId, [...(open.get(call.threadId) ?? []), call]);
    }
    await Promise.all(
      [...open].map(async ([threadId, calls]) => {
        try {
          // A thread just resumed re-ran its tasks already; only its leftovers need closing.
          const run = !resumedThreads.has(threadId);
          if (await continueThread(threadId, calls, run, !sweep)) report.continued.push(threadId);
        } catch (error) {
          onError(error, { threadId });
        }
      }),
    );
    return report;
  };

  const recover = (): Promise<RecoveryReport> => track(recoverOnce(false));

  /** One sweep now (joined when one runs here already). */
  const sweep = (): Promise<RecoveryReport> => {
    if (closed || !graph) return Promise.resolve({ resumed: [], continued: [], pending: [] });
    if (sweeping) return sweeping;
    const run = recoverOnce(true).finally(() => {
      sweeping = undefined;
    });
    sweeping = run;
    return run;
  };

  /** The periodic sweep: skipped when another worker swept this period (it holds `authbus:sweep`). */
  const sweepInTurn = async (period: number): Promise<void> => {
    if (sweeping || closed) return;
    // Not released: it runs out within the period, so the deployment sweeps about once a period.
    if (
      options.leases &&
      !(await options.leases.acquire("authbus:sweep", Math.max(1, Math.floor(period * 0.9))))
    )
      return;
    await sweep();
  };

  const scheduleSweep = (): void => {
    if (sweepMs === false || closed || sweepTimer) return;
    const period = sweepMs;
    // Jittered, so workers started together do not sweep together.
    const delay = Math.max(1, Math.round(period * (0.5 + Math.random())));
    sweepTimer = setTimeout(() => {
      sweepTimer = undefined;
      void outsideRuns(() => sweepInTurn(period))
        .catch((error: unknown) => onError(error, {}))
        .finally(scheduleSweep);
    }, delay);
    sweepTimer.unref?.();
  };

  return {
    async attach(target, attachOptions = {}) {
      graph = isWrapped(target) ? target.graph : target;
      runThread = attachOptions.run;
      // Held before anything is recovered: this process's own calls are never taken for a dead one's.
      await runner.ensure();
      scheduleSweep();
      if (attachOptions.recover === false) return { resumed: [], continued: [], pending: [] };
      return recover();
    },
    resume,
    recover,
    sweep,
    calls,
    isLiveElsewhere: async (call) =>
      call.runnerId !== undefined && call.runnerId !== runner.id && runner.isAlive(call),
    async idle() {
      await sweeping?.catch(() => undefined);
      while (inFlight.size > 0 || queues.size > 0) {
        await Promise.allSettled([...inFlight, ...queues.values()]);
      }
    },
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      if (sweepTimer) clearTimeout(sweepTimer);
      sweepTimer = undefined;
      for (const wake of [...wakeups]) wake();
      // Ended once what runs here is over: this process's open calls are then the others' to finish.
      track(
        (async () => {
          await sweeping?.catch(() => undefined);
          await runner.close();
        })(),
      );
    },
  };
}
