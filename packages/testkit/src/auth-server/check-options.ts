/** @module Checking the authorization server's options before anything starts: lifetimes, acr values, clients. */
import { AuthbusError } from "@authbus/core";
import { assertPositiveSeconds } from "./assert-seconds.js";
import {
  ACR_BASIC,
  ACR_MFA,
  type AuthServerOptions,
  DEFAULT_CLIENT_ID,
  type PublicClientOptions,
} from "./auth-server-types.js";

/** The options after their defaults: acr values weakest first, and at least one public client. */
export interface CheckedOptions {
  acrValues: string[];
  clients: readonly PublicClientOptions[];
  /** The first public client, whose id {@link AuthServer.clientId} names. */
  firstClient: PublicClientOptions;
}

/**
 * Checks the lifetimes, acr values and public clients of `options` and fills in their defaults.
 *
 * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` for a bad lifetime, no acr value, no client, or a
 *   client without an id or redirect URIs.
 */
export function checkAuthServerOptions(options: AuthServerOptions): CheckedOptions {
  assertPositiveSeconds(options.accessTokenTTL, "accessTokenTTL");
  assertPositiveSeconds(options.refreshTokenTTL, "refreshTokenTTL");
  const acrValues = [...(options.acrValues ?? [ACR_BASIC, ACR_MFA])];
  if (acrValues.length === 0) {
    throw new AuthbusError({ code: "TESTKIT_INVALID_OPTIONS", message: "acrValues must not be empty" });
  }
  const clients = options.clients ?? [
    {
      clientId: DEFAULT_CLIENT_ID,
      clientName: "authbus testkit client",
      redirectUris: ["http://127.0.0.1/callback", "http://localhost/callback"],
      applicationType: "native" as const,
    },
  ];
  const firstClient = clients[0];
  if (!firstClient)
    throw new AuthbusError({ code: "TESTKIT_INVALID_OPTIONS", message: "clients must not be empty" });
  for (const client of clients) {
    if (!client.clientId || client.redirectUris.length === 0) {
      throw new AuthbusError({
        code: "TESTKIT_INVALID_OPTIONS",
        message: "each client needs a clientId and redirectUris",
      });
    }
  }
  return { acrValues, clients, firstClient };
}
