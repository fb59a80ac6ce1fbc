/** @module The OAuth meaning of a parsed challenge (RFC 6750, RFC 9728, RFC 9470, RFC 9449). */
import { z } from "zod";
import { AuthbusError } from "../errors/authbus-error.js";
import type { Challenge } from "../www-authenticate/challenge.js";

/**
 * A challenge parameter that has an OAuth meaning but a value that breaks its rule,
 * e.g. `max_age="soon"`. The parameter name and the offending value are kept (they come
 * from the server's header, never from a token).
 *
 * @example
 * if (isAuthbusError(error.cause, "INVALID_CHALLENGE_PARAMETER")) console.warn(error.cause.parameter);
 */
export class InvalidChallengeParameterError extends AuthbusError<"INVALID_CHALLENGE_PARAMETER"> {
  override readonly name = "InvalidChallengeParameterError";
  readonly parameter: string;
  readonly value: string;

  constructor(options: { parameter: string; value: string; expected: string; cause?: unknown }) {
    super({
      code: "INVALID_CHALLENGE_PARAMETER",
      message: `WWW-Authenticate parameter ${options.parameter}=${JSON.stringify(options.value)} is invalid: expected ${options.expected}`,
      cause: options.cause,
    });
    this.parameter = options.parameter;
    this.value = options.value;
  }
}

/** The `error` codes the OAuth specs define for resource servers; servers may send others. */
export const knownChallengeErrors = [
  "invalid_request", // RFC 6750 §3.1
  "invalid_token", // RFC 6750 §3.1
  "insufficient_scope", // RFC 6750 §3.1
  "insufficient_user_authentication", // RFC 9470 §3
  "invalid_dpop_proof", // RFC 9449 §7.1
  "use_dpop_nonce", // RFC 9449 §9
] as const;

export const oauthChallengeSchema = z.strictObject({
  scheme: z.string(),
  realm: z.string().optional(),
  scope: z.array(z.string()).optional(),
  error: z.string().optional(),
  errorDescription: z.string().optional(),
  errorUri: z.string().optional(),
  resourceMetadata: z.string().optional(),
  acrValues: z.array(z.string()).optional(),
  maxAge: z.number().int().nonnegative().optional(),
  algs: z.array(z.string()).optional(),
});

/** What a challenge asks of an OAuth client, with list-valued parameters split. */
export type OAuthChallenge = z.infer<typeof oauthChallengeSchema>;

// RFC 6749 §3.3 scope, RFC 9470 acr_values and RFC 9449 algs are space-delimited lists.
function splitList(value: string): string[] {
  const items: string[] = [];
  for (const item of value.split(" ")) {
    if (item !== "" && !items.includes(item)) items.push(item);
  }
  return items;
}

const nonNegativeInteger = /^\d{1,15}$/;

// An absolute http(s) URL; `new URL` throws a TypeError for anything else, which never leaves here.
function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * Reads the OAuth parameters of one challenge: RFC 6750 §3 (`realm`, `scope`, `error`,
 * `error_description`, `error_uri`), RFC 9728 §5.1 (`resource_metadata`), RFC 9470 §3
 * (`acr_values`, `max_age`) and RFC 9449 §7.1 (`algs`). Absent parameters stay absent;
 * an empty `scope=""` reads as an empty list.
 *
 * @see RFC 6750 §3, RFC 9728 §5.1, RFC 9470 §3, RFC 9449 §7.1
 * @example
 * const [challenge] = parseWWWAuthenticate('Bearer error="insufficient_scope", scope="files.read files.write"');
 * readOAuthChallenge(challenge).scope; // ["files.read", "files.write"]
 * @throws {InvalidChallengeParameterError} when `max_age` is not a non-negative integer, or
 *   `resource_metadata` is not an absolute http(s) URL (`"/x"`, `"not a url"`).
 */
export function readOAuthChallenge(challenge: Challenge): OAuthChallenge {
  const { params } = challenge;
  const reading: OAuthChallenge = { scheme: challenge.scheme };
  if (params.realm !== undefined) reading.realm = params.realm;
  if (params.scope !== undefined) reading.scope = splitList(params.scope);
  if (params.error !== undefined) reading.error = params.error;
  if (params.error_description !== undefined) reading.errorDescription = params.error_description;
  if (params.error_uri !== undefined) reading.errorUri = params.error_uri;
  if (params.resource_metadata !== undefined) {
    // RFC 9728 §5.1: resource_metadata is the URL of the metadata, so absolute; a relative one is refused.
    if (!isAbsoluteHttpUrl(params.resource_metadata)) {
      throw new InvalidChallengeParameterError({
        parameter: "resource_metadata",
        value: params.resource_metadata,
        expected: "an absolute http(s) URL",
      });
    }
    reading.resourceMetadata = params.resource_metadata;
  }
  if (params.acr_values !== undefined) reading.acrValues = splitList(params.acr_values);
  if (params.max_age !== undefined) {
    // RFC 9470 §3: max_age is a non-negative integer number of seconds.
    if (!nonNegativeInteger.test(params.max_age)) {
      throw new InvalidChallengeParameterError({
        parameter: "max_age",
        value: params.max_age,
        expected: "a non-negative integer (seconds)",
      });
    }
    reading.maxAge = Number(params.max_age);
  }
  if (params.algs !== undefined) reading.algs = splitList(params.algs);
  return reading;
}

/**
 * Picks the challenge an OAuth client should act on: the first challenge whose scheme is in
 * `schemes`, trying the schemes in the order given (Bearer first by default, then DPoP).
 * Returns `undefined` when the server offered no OAuth challenge (e.g. only `Basic`).
 *
 * @see RFC 9110 §11.6.1 (a client picks among challenges), RFC 9449 §7.1
 * @example
 * selectOAuthChallenge(parseWWWAuthenticate('DPoP algs="ES256", Bearer realm="api"'))?.scheme; // "bearer"
 */
export function selectOAuthChallenge(
  challenges: readonly Challenge[],
  schemes: readonly string[] = ["bearer", "dpop"],
): Challenge | undefined {
  for (const scheme of schemes) {
    const wanted = scheme.toLowerCase();
    const match = challenges.find((challenge) => challenge.scheme === wanted);
    if (match) return match;
  }
  return undefined;
}
