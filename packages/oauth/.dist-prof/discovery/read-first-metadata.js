/** @module Try metadata URLs in order; the first that answers 200 and reads well wins. */
import { DiscoveryError, safeCause } from "../errors/oauth-errors.js";
import { isRequestAbortedError, isRequestTimeoutError } from "../errors/request-errors.js";
import { getJson } from "../shared/http-options.js";
/**
 * GETs each candidate in turn and returns what `read` makes of the first 200 answer it
 * accepts. A failed request, another status or an error from `read` moves on to the next
 * candidate, except errors `isFinal` recognises (a metadata document that must not be used),
 * which are thrown at once. A request that timed out or was aborted ends the search: its
 * {@link RequestTimeoutError} or {@link RequestAbortedError} is thrown as it is (the other
 * candidates are on the same host, and an abort means stop).
 *
 * @throws {DiscoveryError} naming every URL tried, when none gave usable metadata.
 * @throws {RequestTimeoutError | RequestAbortedError}
 */
export async function readFirstMetadata(candidates, http, read, what, isFinal = () => false) {
    const tried = [];
    let lastProblem;
    for (const url of candidates) {
        tried.push(url.href);
        let response;
        try {
            response = await getJson(url, http);
        }
        catch (error) {
            if (isRequestTimeoutError(error) || isRequestAbortedError(error))
                throw error;
            lastProblem = error;
            continue;
        }
        if (response.status !== 200) {
            lastProblem = new Error(`${url.href} answered ${response.status}`);
            await response.body?.cancel();
            continue;
        }
        try {
            return await read(response, url);
        }
        catch (error) {
            if (isFinal(error))
                throw error;
            lastProblem = error;
        }
    }
    throw new DiscoveryError(`no ${what} (tried ${tried.join(", ")})`, tried, safeCause(lastProblem));
}
