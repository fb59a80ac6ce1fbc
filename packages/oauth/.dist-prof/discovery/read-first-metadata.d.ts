import { type HttpOptions } from "../shared/http-options.js";
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
export declare function readFirstMetadata<T>(candidates: readonly URL[], http: HttpOptions, read: (response: Response, url: URL) => Promise<T>, what: string, isFinal?: (error: unknown) => boolean): Promise<T>;
