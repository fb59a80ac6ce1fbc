/** @module What authFetch reports on the bus: challenges (with how the header failed to parse) and replays, tokens by fingerprint only. */
import {
  type AuthBus,
  AuthChallengeError,
  fingerprintToken,
  isAuthbusError,
  type TokenSet,
} from "@authbus/core";
import { currentCallId } from "../call-context/call-id.js";

/** Where a request happened, for events. */
export interface FetchWhere {
  serverName: string;
  resource: string;
  subject: string;
  callId?: string;
}

/** The events of one authFetch; see {@link createAuthFetchEvents}. */
export interface AuthFetchEvents {
  /** The server, resource, subject and the current tool call's id. */
  where(): FetchWhere;
  /**
   * Reads a challenge response into an {@link AuthChallengeError}, drops its body and emits
   * `challenge` (with the fingerprint of the tokens `sent`).
   */
  challenged(
    url: string,
    init: RequestInit,
    response: Response,
    sent: TokenSet | undefined,
  ): Promise<AuthChallengeError>;
  /** Emits `request.retried`: the request goes out again with `tokens`. */
  retried(url: string, init: RequestInit, tokens: TokenSet): Promise<void>;
}

const methodOf = (init: RequestInit): string => (init.method ?? "GET").toUpperCase();

/** The events of the authFetch for (`subject`, `resource`) of server `serverName`, emitted on `bus`. */
export function createAuthFetchEvents(init: {
  bus: AuthBus;
  serverName: string;
  resource: string;
  subject: string;
}): AuthFetchEvents {
  const { bus, serverName, resource, subject } = init;
  const where = (): FetchWhere => {
    const callId = currentCallId();
    return callId === undefined
      ? { serverName, resource, subject }
      : { serverName, resource, subject, callId };
  };

  return {
    where,
    async challenged(url, requestInit, response, sent) {
      const method = methodOf(requestInit);
      const error = new AuthChallengeError({
        status: response.status,
        url,
        headers: response.headers,
        serverName,
      });
      await response.body?.cancel().catch(() => undefined);
      const parseError = isAuthbusError(error.cause, "WWW_AUTHENTICATE_PARSE_ERROR")
        ? { message: error.cause.message, position: error.cause.position }
        : isAuthbusError(error.cause, "HEADER_TOO_LARGE")
          ? // Not parsed at all: reported as a parse stop at the limit.
            { message: error.cause.message, position: error.cause.limit }
          : undefined;
      bus.emit("challenge", {
        ...where(),
        status: error.status,
        url: error.url,
        method,
        wwwAuthenticate: error.wwwAuthenticate,
        challenges: error.challenges,
        ...(error.oauth ? { oauth: error.oauth } : {}),
        ...(parseError ? { parseError } : {}),
        ...(sent ? { tokenFingerprint: await fingerprintToken(sent.accessToken) } : {}),
      });
      return error;
    },
    async retried(url, requestInit, tokens) {
      bus.emit("request.retried", {
        ...where(),
        url,
        method: methodOf(requestInit),
        tokenFingerprint: await fingerprintToken(tokens.accessToken),
      });
    },
  };
}
