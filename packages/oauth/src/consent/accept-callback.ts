/**
 * @module Which pending consent a callback completes, and accepting it once: a second callback
 * racing the first is refused in process and, through the store's completion claim, across processes.
 */
import type { ConsentRecord, ConsentStore, Lease } from "@authbus/core";
import { ConsentStateError } from "../errors/oauth-errors.js";
import { perStore } from "./per-store.js";

/** How long a callback's claim on its consent lasts: discovery and the token request, each bounded by their timeout. */
const COMPLETION_CLAIM_MS = 90_000;
// Process-wide, per consent store: a callback is accepted once (a second exchange of a code can
// revoke the first's tokens).
const completions = new WeakMap<ConsentStore, Set<string>>();

/** A callback accepted for its consent; `release` must be called once it is handled. */
export interface AcceptedCallback {
  record: ConsentRecord;
  /** The callback's query parameters. */
  parameters: URLSearchParams;
  release(): Promise<void>;
}

/**
 * Finds the pending consent `callbackUrl`'s `state` names and claims it for this callback.
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
): Promise<AcceptedCallback> {
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
  // Across processes sharing the store: one claim per consent, so the code is sent once.
  let claim: Lease | undefined;
  try {
    claim = store.claimCompletion ? await store.claimCompletion(id, COMPLETION_CLAIM_MS) : undefined;
  } catch (error) {
    completing.delete(id);
    throw error;
  }
  if (store.claimCompletion && !claim) {
    completing.delete(id);
    throw new ConsentStateError({ problem: "in_progress", consentId: id });
  }
  const release = async () => {
    completing.delete(id);
    await claim?.release().catch(() => undefined);
  };
  try {
    // Another worker may have completed it between the read above and the claim.
    if (claim && (await store.get(id))?.status !== "pending")
      throw new ConsentStateError({ problem: "settled", consentId: id });
  } catch (error) {
    await release();
    throw error;
  }
  return { record, parameters, release };
}
