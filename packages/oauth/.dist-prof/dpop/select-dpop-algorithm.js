/** @module Whether a new grant is DPoP-bound (RFC 9449), and with which algorithm. */
import { DPOP_ALGORITHMS } from "@authbus/core";
/**
 * The algorithm a new grant's DPoP key uses, or `undefined` for a Bearer grant: authbus's most
 * preferred algorithm (see `DPOP_ALGORITHMS`) among those the authorization server lists.
 *
 * @see RFC 9449 §5.1 (`dpop_signing_alg_values_supported`), RFC 9728 §2
 * @example
 * selectDPoPAlgorithm({ advertised: ["PS256", "ES256"] }); // "ES256"
 * selectDPoPAlgorithm({ advertised: undefined }); // undefined: the server does not do DPoP
 */
export function selectDPoPAlgorithm(input) {
    const mode = input.mode ?? "auto";
    if (mode === "never")
        return undefined;
    const advertised = Array.isArray(input.advertised) ? input.advertised : [];
    const chosen = DPOP_ALGORITHMS.find((alg) => advertised.includes(alg));
    if (chosen)
        return chosen;
    // RFC 9449 §5.1: a server that supports DPoP lists its algorithms; without one we support,
    // DPoP is used only when asked for (or when the resource takes nothing else).
    return mode === "always" || input.resourceRequiresDPoP === true ? "ES256" : undefined;
}
