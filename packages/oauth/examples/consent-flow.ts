/** @module The README example: a consent from a 401 challenge to stored tokens, then a silent refresh. */
import { createAuthBus, parseWWWAuthenticate, selectOAuthChallenge } from "@authbus/core";
import { createConsents, createRefresher } from "@authbus/oauth";
import { openSqliteStores } from "@authbus/oauth/sqlite";

export async function example(mcpUrl: string, callbackUrl: () => Promise<string>): Promise<void> {
  const bus = createAuthBus();
  const stores = openSqliteStores({ path: "authbus.db" }); // AUTHBUS_SECRET from the environment
  const consents = createConsents({
    tokens: stores.tokens,
    store: stores.consents,
    registrations: stores.registrations,
    bus,
    client: { redirectUri: "http://127.0.0.1:3000/callback" },
  });
  const response = await fetch(mcpUrl, { method: "POST" }); // 401 + WWW-Authenticate
  const header = response.headers.get("www-authenticate");
  const challenge = header ? selectOAuthChallenge(parseWWWAuthenticate(header)) : undefined;
  const { authorizationUrl } = await consents.begin({
    subject: "alice",
    serverName: "files",
    resource: mcpUrl,
    challenge,
  });
  console.log(`open ${authorizationUrl}`); // the app's consent card
  await consents.complete(await callbackUrl()); // the redirect back: checks state, stores tokens
  const refresh = createRefresher({ tokens: stores.tokens, bus, registrations: stores.registrations });
  await refresh({ subject: "alice", resource: mcpUrl }); // rotating refresh, one grant in flight
}
