/** @module Try metadata URLs in order; the first that answers 200 and reads well wins. */
import { isAuthbusError } from "@authbus/core";
import { DiscoveryError, safeCause } from "../errors/oauth-errors.js";
import { getJson, type HttpOptions } from "../shared/http-options.js";

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
export async function readFirstMetadata<T>(
  candidates: readonly URL[],
  http: HttpOptions,
  read: (response: Response, url: URL) => Promise<T>,
  what: string,
  isFinal: (error: unknown) => boolean = () => false,
): Promise<T> {
  const tried: string[] = [];
  let lastProblem: unknown;
  for (const url of candidates) {
    tried.push(url.href);
    let response: Response;
    try {
      response = await getJson(url, http);
    } catch (error) {
      if (isAuthbusError(error, "REQUEST_TIMEOUT") || isAuthbusError(error, "REQUEST_ABORTED")) throw error;
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
    } catch (error) {
      if (isFinal(error)) throw error;
      lastProblem = error;
    }
  }
  throw new DiscoveryError({
    message: `no ${what} (tried ${tried.join(", ")})`,
    tried,
    cause: safeCause(lastProblem),
  });
}
