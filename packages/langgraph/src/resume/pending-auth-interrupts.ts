/** @module Read the consent interrupts a paused graph waits on. */
import { type AuthInterrupt, authInterruptSchema } from "@authbus/core";

/** One interrupt of a paused graph that waits on a consent. */
export interface PendingAuthInterrupt {
  /** LangGraph's interrupt id: the key of a `Command({ resume: { [id]: value } })` map. */
  interruptId: string;
  consentId: string;
  /** The validated payload: what the consent card shows. */
  value: AuthInterrupt;
}

/** The part of LangGraph's `StateSnapshot` this package reads (subgraph snapshots included). */
export interface SnapshotLike {
  readonly tasks: ReadonlyArray<{
    readonly interrupts: ReadonlyArray<{ readonly id?: string | undefined; readonly value?: unknown }>;
    readonly state?: unknown;
    /** Set once the task finished; its interrupts are then answered ones. */
    readonly result?: unknown;
  }>;
}

function isSnapshotLike(value: unknown): value is SnapshotLike {
  return typeof value === "object" && value !== null && Array.isArray((value as { tasks?: unknown }).tasks);
}

/**
 * Lists the consent interrupts a state snapshot still waits on (`await graph.getState(config)`;
 * with `{ subgraphs: true }` interrupts of subgraphs are listed too), one entry per interrupt
 * id. Interrupts of tasks that have finished since (answered while another task of the step
 * still waits), other interrupts, and values that do not validate as `authInterruptSchema`
 * are skipped.
 *
 * @example
 * const pending = pendingAuthInterrupts(await graph.getState(config));
 * for (const { value } of pending) showConsentCard(value.serverName, value.authorizationUrl);
 */
export function pendingAuthInterrupts(snapshot: SnapshotLike): PendingAuthInterrupt[] {
  const found = new Map<string, PendingAuthInterrupt>();
  const visit = (current: SnapshotLike, depth: number): void => {
    for (const task of current.tasks) {
      // A task of a step that is still paused keeps its old interrupts after it finished
      // (resumed while another task of the step waits): those are answered, not pending.
      const finished = task.result !== undefined;
      for (const pending of finished ? [] : task.interrupts) {
        if (pending.id === undefined || found.has(pending.id)) continue;
        const parsed = authInterruptSchema.safeParse(pending.value);
        if (!parsed.success) continue;
        found.set(pending.id, {
          interruptId: pending.id,
          consentId: parsed.data.consentId,
          value: parsed.data,
        });
      }
      if (depth < 16 && isSnapshotLike(task.state)) visit(task.state, depth + 1);
    }
  };
  visit(snapshot, 0);
  return [...found.values()];
}
