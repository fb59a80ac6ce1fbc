/**
 * @module The second half of a callback, once it is accepted and checked: record the
 * authorization server's refusal, or exchange the code and grant (tokens stored, then settled).
 */
import type { ConsentRecord } from "@authbus/core";
import type * as oauth from "oauth4webapi";
import { ConsentCallbackError, ConsentStateError, safeCause } from "../errors/oauth-errors.js";
import type { HttpOptions } from "../shared/http-options.js";
import type { ConsentTransitions } from "./consent-transitions.js";
import type { ConsentResult } from "./consent-types.js";
import { type CheckedCallback, exchangeCode, exchangeErrorCode } from "./exchange-code.js";

/** What {@link settleCallback} needs: the checked callback, the client, and the state machine. */
export interface SettleCallbackInput {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  record: ConsentRecord;
  checked: CheckedCallback;
  http: HttpOptions;
  transitions: ConsentTransitions;
}

/**
 * Settles an accepted, checked callback: a refusal denies the consent; a code is exchanged and
 * its tokens stored before the consent is settled as granted (a failed store write leaves it
 * pending, its link still working).
 *
 * @see RFC 6749 §4.1.2.1, §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2
 * @throws {ConsentCallbackError} when the code exchange fails (the consent is then denied: the
 *   code is single-use).
 * @throws {ConsentStateError} when the consent was settled elsewhere meanwhile.
 */
export async function settleCallback(input: SettleCallbackInput): Promise<ConsentResult> {
  const { record, checked, transitions } = input;
  const id = record.consentId;
  const result = {
    consentId: id,
    subject: record.subject,
    serverName: record.serverName,
    resource: record.resource,
  };
  if ("refused" in checked) {
    const { error, errorDescription } = checked.refused;
    if (!(await transitions.deny(record, error, errorDescription)))
      throw new ConsentStateError({ problem: "settled", consentId: id });
    return { ...result, outcome: "denied", error };
  }
  let response: oauth.TokenEndpointResponse;
  try {
    response = await exchangeCode({ ...input, parameters: checked.parameters });
  } catch (error) {
    // The code is single-use: this consent cannot be completed any more.
    const code = exchangeErrorCode(error);
    await transitions.deny(record, code);
    throw new ConsentCallbackError({
      consentId: id,
      message: `exchanging the authorization code of consent ${id} failed: ${error instanceof Error ? error.message : code}`,
      error: code,
      cause: safeCause(error),
    });
  }
  const granted = await transitions.grant(record, response);
  // Denied or expired meanwhile (another worker): the new tokens were not kept.
  if (!granted.won)
    throw new ConsentStateError({
      problem: granted.status === "expired" ? "expired" : "settled",
      consentId: id,
    });
  return { ...result, outcome: "granted", scopes: granted.tokens.scopes };
}
