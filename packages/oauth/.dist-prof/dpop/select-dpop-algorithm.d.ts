/** @module Whether a new grant is DPoP-bound (RFC 9449), and with which algorithm. */
import { type DPoPAlgorithm } from "@authbus/core";
/**
 * When consents ask for DPoP-bound tokens (RFC 9449):
 * - `"auto"` (default): when the authorization server advertises an algorithm authbus signs
 *   with (`dpop_signing_alg_values_supported`, RFC 9449 §5.1), or the protected resource says it
 *   only takes DPoP-bound tokens (`dpop_bound_access_tokens_required`, RFC 9728 §2);
 * - `"always"`: on every grant, with ES256 when the server names no algorithm authbus has (for
 *   servers that support DPoP without advertising it);
 * - `"never"`: plain Bearer tokens.
 */
export type DPoPMode = "auto" | "always" | "never";
/** What {@link selectDPoPAlgorithm} decides from. */
export interface DPoPAlgorithmInput {
    mode?: DPoPMode | undefined;
    /** The authorization server's `dpop_signing_alg_values_supported`. */
    advertised?: readonly string[] | undefined;
    /** The protected resource's `dpop_bound_access_tokens_required`. */
    resourceRequiresDPoP?: boolean | undefined;
}
/**
 * The algorithm a new grant's DPoP key uses, or `undefined` for a Bearer grant: authbus's most
 * preferred algorithm (see `DPOP_ALGORITHMS`) among those the authorization server lists.
 *
 * @see RFC 9449 §5.1 (`dpop_signing_alg_values_supported`), RFC 9728 §2
 * @example
 * selectDPoPAlgorithm({ advertised: ["PS256", "ES256"] }); // "ES256"
 * selectDPoPAlgorithm({ advertised: undefined }); // undefined: the server does not do DPoP
 */
export declare function selectDPoPAlgorithm(input: DPoPAlgorithmInput): DPoPAlgorithm | undefined;
