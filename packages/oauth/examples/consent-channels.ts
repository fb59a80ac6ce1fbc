/** @module The README example of consent channels: one `createConsents`, the channel picked per consent. */
import { createAuthBus } from "@authbus/core";
import { createConsents } from "@authbus/oauth";
import { openSqliteStores } from "@authbus/oauth/sqlite";

export async function example(mcpUrl: string, isCli: boolean, emailOf: (subject: string) => string) {
  const stores = openSqliteStores({ path: "authbus.db" }); // AUTHBUS_SECRET from the environment
  const consents = createConsents({
    tokens: stores.tokens,
    store: stores.consents,
    registrations: stores.registrations,
    bus: createAuthBus(),
    client: { redirectUri: "https://app.example.com/oauth/callback", clientId: "my-agent" },
    // Per consent: a CLI gets a user code, a background run asks on the phone, else the browser.
    channel: ({ reason }) => (isCli ? "device" : reason === "step_up" ? "redirect" : "ciba"),
    loginHint: (subject) => emailOf(subject), // CIBA: whom the authorization server asks
  });
  const card = await consents.begin({ subject: "alice", serverName: "files", resource: mcpUrl });
  if (card.channel === "ciba") console.log(`approve on your phone: ${card.bindingMessage}`);
  else if (card.channel === "device") console.log(`open ${card.verificationUri}, enter ${card.userCode}`);
  else console.log(`open ${card.authorizationUrl}`); // redirect: complete(callbackUrl) settles it
  const outcome = await consents.wait(card.consentId); // "granted" | "denied" | "expired"
  console.log(`consent ${outcome}`);
}
