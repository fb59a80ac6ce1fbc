/**
 * @module This process as the deployment sees it: a runner id written with each tool call it
 * starts, alive while its lease `authbus:runner:<id>` is renewed, so other workers tell a call
 * under way in a live process from one a killed process left.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import type { ConsentWaitStore, Lease, LeaseStore, ToolCallRecord } from "@authbus/core";

/** See {@link createRunner}. */
export interface Runner {
  /** This process's id, written with every call it starts. */
  readonly id: string;
  /** Takes this runner's lease (once; again if it was lost) and keeps it renewed. */
  ensure(): Promise<void>;
  /**
   * Whether the process that started `call` may still be running it: this process, or a runner
   * whose lease is held. A call without a runner id is a live one's only if it started after
   * this process did (the rule of one process).
   */
  isAlive(call: Pick<ToolCallRecord, "runnerId" | "startedAt">): Promise<boolean>;
  /** Stops renewing and ends the lease: this process's calls are left to the others. */
  close(): Promise<void>;
}

/** Options of {@link createRunner}. */
export interface RunnerOptions {
  /** Without leases there is one process: a call is live when it started after this process did. */
  leases?: LeaseStore | undefined;
  /** How long the lease lasts between renewals (renewed every third of it). */
  leaseMs: number;
  /** Calls started before this, without a runner id, are a previous process's. */
  startedAt: number;
  id?: string;
}

export const runnerLeaseName = (id: string): string => `authbus:runner:${id}`;

let machine: string | null | undefined;

/**
 * Which PID namespace of which running kernel this process is in (Linux: the boot id and the
 * namespace's inode), or `null` elsewhere. Two runners with the same key see the same process ids.
 */
function pidSpace(): string | null {
  if (machine !== undefined) return machine;
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const inode = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    machine = /^[0-9a-f-]+$/.test(boot) && inode ? `${boot}.${inode}` : null;
  } catch {
    machine = null;
  }
  return machine;
}

/** A new runner id: where its process runs (when known), its pid, and a random part. */
function newRunnerId(): string {
  return `${pidSpace() ?? "any"}~${process.pid}~${randomUUID()}`;
}

/**
 * Whether the process of a runner id is known to be gone: its id names this PID namespace and
 * its pid no longer exists (a restart on the same machine knows at once, without waiting for the
 * lease). Anything else (another machine, a reused pid, an id of another shape) is left to the lease.
 */
function processGone(runnerId: string): boolean {
  const [space, pid, random, ...rest] = runnerId.split("~");
  const here = pidSpace();
  if (rest.length > 0 || !random || !here || space !== here) return false;
  const number = Number(pid);
  if (!Number.isSafeInteger(number) || number <= 0 || number === process.pid) return false;
  try {
    process.kill(number, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Creates this process's runner. Its cost on the hot path is nothing beyond the call record it
 * rides on (the id is a field of the `started` record); liveness costs one lease renewal per
 * process every `leaseMs / 3`, and one lease attempt per foreign runner when a sweep finds its
 * open calls. A runner whose process is gone from this very machine (same PID namespace) is
 * known dead at once; elsewhere, once its lease has run out.
 */
export function createRunner(options: RunnerOptions): Runner {
  const { leases, leaseMs, startedAt } = options;
  const id = options.id ?? newRunnerId();
  let lease: Lease | undefined;
  let taking: Promise<void> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const take = async (): Promise<void> => {
    if (!leases || closed) return;
    const taken = await leases.acquire(runnerLeaseName(id), leaseMs);
    // Held already: by this runner before a restart of the heartbeat, never by another (the id is ours).
    if (taken) lease = taken;
  };

  const renew = async (): Promise<void> => {
    const held = lease;
    if (!held) return take();
    // Lost (another worker took this runner for dead): take it again, later calls are live again.
    if (!(await held.renew(leaseMs))) {
      lease = undefined;
      await take();
    }
  };

  const ensure = (): Promise<void> => {
    if (!leases || closed || lease) return Promise.resolve();
    taking ??= take().finally(() => {
      taking = undefined;
    });
    heartbeat ??= setInterval(
      () => void renew().catch(() => undefined),
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref?.();
    return taking;
  };

  return {
    id,
    ensure,
    async isAlive(call) {
      if (call.runnerId === undefined) return call.startedAt >= startedAt;
      if (call.runnerId === id) return true;
      if (!leases || processGone(call.runnerId)) return false;
      // Free to take: its process stopped renewing. Handed straight back, so a test costs one write.
      const probe = await leases.acquire(runnerLeaseName(call.runnerId), leaseMs);
      if (!probe) return true;
      await probe.release().catch(() => undefined);
      return false;
    },
    async close() {
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      await taking?.catch(() => undefined);
      await lease?.release().catch(() => undefined);
      lease = undefined;
    },
  };
}

/**
 * The wait store tool calls are recorded through: each `started` record carries the runner's
 * id, written after the runner's lease is held (so no other worker takes a fresh call for a dead
 * process's). Everything else goes straight to `waits`.
 */
export function recordCallsAs(waits: ConsentWaitStore, runner: Runner): ConsentWaitStore {
  return {
    addWait: (wait) => waits.addWait(wait),
    findWaits: (consentId) => waits.findWaits(consentId),
    listWaits: () => waits.listWaits(),
    removeWait: (consentId, threadId) => waits.removeWait(consentId, threadId),
    async startCall(call) {
      await runner.ensure();
      await waits.startCall({ ...call, runnerId: runner.id });
    },
    finishCall: (key, result, finishedAt) => waits.finishCall(key, result, finishedAt),
    getCall: (key) => waits.getCall(key),
    dropCall: (key) => waits.dropCall(key),
    listOpenCalls: () => waits.listOpenCalls(),
    pruneCalls: (before) => waits.pruneCalls(before),
  };
}
