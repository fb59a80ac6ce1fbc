// The README example, type-checked with `pnpm --filter @authbus/testkit typecheck`.
import { startAuthServer, startProtectedMCPServer } from "@authbus/testkit";

await using as = await startAuthServer({ accessTokenTTL: 60 });
await using calendar = await startProtectedMCPServer({
  name: "calendar",
  authServer: as, // registers http://127.0.0.1:PORT/mcp with its scopes
  tools: [{ name: "list_events", scopes: ["calendar.read"], handler: () => "[]" }],
});
const unauthenticated = await fetch(calendar.url, { method: "POST" });
console.log(unauthenticated.status, unauthenticated.headers.get("www-authenticate"));
// 401 Bearer resource_metadata="http://127.0.0.1:PORT/.well-known/oauth-protected-resource/mcp"
const callback = await as.approveConsent(authorizationUrl(), { user: "alice" }); // code, state, iss
console.log(new URL(callback).searchParams.get("code"), calendar.callCount("list_events"));

function authorizationUrl(): URL {
  const url = new URL(as.endpoints.authorization);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: as.clientId,
    redirect_uri: "http://127.0.0.1:9/callback",
    scope: "calendar.read",
    resource: calendar.url,
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    state: "xyz",
  }).toString();
  return url;
}
