/**
 * @module Which pending consent a callback completes, and accepting it once: a second callback
 * racing the first is refused in process and, through the store's completion claim, across processes.
 */
import { type ConsentRecord, type ConsentStore, keepRenewed, type Lease } from "@authbus/core";
import { ConsentStateError } from "../errors/oauth-errors.js";
import { perStore } from "./per-store.js";

/**
 * How long a callback's claim on its consent lasts unless renewed. It is renewed every third of
 * that while discovery and the token request run, so a live worker keeps it however long they
 * take, and a worker killed mid-exchange holds up the callback's retry on another worker (a
 * browser reload) for seconds only.
 */
export const COMPLETION_CLAIM_MS = 10_000;
// Process-wide, per consent store: a callback is accepted once (a second exchange of a code can
// revoke the first's tokens).
const completions = new WeakMap<ConsentStore, Set<string>>();

/**
 * A callback accepted for its consent; `release` must be called once it is handled. It stops the
 * claim's renewals before its first `await` and never rejects.
 */
export interface AcceptedCallback {
  record: ConsentRecord;
  /** The callback's query parameters. */
  parameters: URLSearchParams;
  release(): Promise<void>;
}

/** Options of {@link acceptCallback}. */
export interface AcceptCallbackOptions {
  /** How long the completion claim lasts unless renewed (renewed every third); {@link COMPLETION_CLAIM_MS}. */
  claimMs?: number;
}

/**
 * Finds the pending consent `callbackUrl`'s `state` names and claims it for this callback. The
 * store's completion claim (when it has one) is renewed until `release`.
 *
 * @see RFC 6749 §10.12
 * @param stillPending expires a consent whose time is up; returns whether it is still pending.
 * @throws {ConsentStateError} for a missing, unknown, expired, settled or already-claimed
 *   consent; nothing changes.
 */
export async function acceptCallback(
  store: ConsentStore,
  callbackUrl: string | URL,
  stillPending: (record: ConsentRecord) => Promise<boolean>,
  options: AcceptCallbackOptions = {},
): Promise<AcceptedCallback> {
  const claimMs = options.claimMs ?? COMPLETION_CLAIM_MS;
  let parameters: URLSearchParams;
  try {
    parameters = new URL(callbackUrl).searchParams;
  } catch {
    // A callback URL that does not parse carries no state: nothing is changed.
    throw new ConsentStateError({ problem: "missing" });
  }
  const state = parameters.get("state");
  if (!state) throw new ConsentStateError({ problem: "missing" });
  const record = await store.findByState(state);
  if (!record) throw new ConsentStateError({ problem: "unknown" });
  const id = record.consentId;
  if (record.status === "expired") throw new ConsentStateError({ problem: "expired", consentId: id });
  if (record.status !== "pending") throw new ConsentStateError({ problem: "settled", consentId: id });
  if (!(await stillPending(record))) throw new ConsentStateError({ problem: "expired", consentId: id });
  // Accepted once: a second callback racing this one in process is refused here; across
  // processes the store's completion claim (when it has one) and the atomic settle decide.
  const completing = perStore(completions, store, () => new Set<string>());
  if (completing.has(id)) throw new ConsentStateError({ problem: "in_progress", consentId: id });
  completing.add(id);
  // Across processes sharing the store: one claim per consent, so the code is sent once. The
  // store claims only a pending consent, so one completed by another worker since the read
  // above is refused here too.
  let claim: Lease | undefined;
  try {
    claim = store.claimCompletion ? await store.claimCompletion(id, claimMs) : undefined;
    if (store.claimCompletion && !claim) {
      // Refused: held by another callback, or no longer pending (read only on this path).
      const settled = (await store.get(id))?.status !== "pending";
      throw new ConsentStateError({ problem: settled ? "settled" : "in_progress", consentId: id });
    }
  } catch (error) {
    completing.delete(id);
    throw error;
  }
  const stopRenewing = claim ? keepRenewed(claim, claimMs) : undefined;
  // Stops the renewals at once (synchronously), then gives the claim back; never rejects (a
  // claim that could not be given back lapses by itself).
  const release = async () => {
    await stopRenewing?.();
    completing.delete(id);
    try {
      await claim?.release();
    } catch {
      // Lapses after claimMs.
    }
  };
  return { record, parameters, release };
}
