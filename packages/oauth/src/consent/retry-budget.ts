/** @module The retry budget: how many consents one (subject, resource, operation) may start within a window. */
import { ConsentRetryLimitError } from "../errors/oauth-errors.js";

/** What the budget is counted per. */
export interface BudgetKey {
  subject: string;
  resource: string;
  /** What was being done (a tool name, an MCP method); absent: one count for the whole resource. */
  operation?: string | undefined;
}

/** A retry budget; see {@link createRetryBudget}. */
export interface RetryBudget {
  /**
   * Counts one more consent for `key`.
   *
   * @throws {ConsentRetryLimitError} when `max` consents were started within the window.
   */
  spend(key: BudgetKey): void;
}

/**
 * A budget of `max` consents per key within `windowMs`: a server that keeps answering
 * `insufficient_scope` must not make the person consent again and again.
 */
export function createRetryBudget(init: { max: number; windowMs: number; now: () => number }): RetryBudget {
  const { max, windowMs, now } = init;
  // When each recent consent was created, per key.
  const attempts = new Map<string, number[]>();
  return {
    spend(key) {
      const budgetKey = JSON.stringify([key.subject, key.resource, key.operation ?? null]);
      // MCP: limit repeated consents for one operation, or a server that keeps refusing loops.
      const recent = (attempts.get(budgetKey) ?? []).filter((at) => now() - at < windowMs);
      if (recent.length >= max) {
        throw new ConsentRetryLimitError({
          resource: key.resource,
          operation: key.operation,
          attempts: recent.length,
        });
      }
      attempts.set(budgetKey, [...recent, now()]);
    },
  };
}
