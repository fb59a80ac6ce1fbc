/** @module Example: read the `WWW-Authenticate` challenges an MCP server sends with a 401 or 403. */
import {
  AuthChallengeError,
  type Challenge,
  formatWWWAuthenticate,
  isAuthbusError,
  parseWWWAuthenticate,
  readOAuthChallenge,
  selectOAuthChallenge,
} from "../src/index.js";

const PRM = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

// Realistic answers from MCP servers (the first two are what the MCP SDK's requireBearerAuth sends).
const responses: { what: string; response: Response }[] = [
  {
    what: "401, expired token (MCP SDK requireBearerAuth)",
    response: new Response(null, {
      status: 401,
      headers: {
        "WWW-Authenticate": `Bearer error="invalid_token", error_description="Token has expired", resource_metadata="${PRM}"`,
      },
    }),
  },
  {
    what: "403, missing scope (MCP SDK requireBearerAuth)",
    response: new Response(null, {
      status: 403,
      headers: {
        "WWW-Authenticate": `Bearer error="insufficient_scope", error_description="Insufficient scope", scope="files:read files:write", resource_metadata="${PRM}"`,
      },
    }),
  },
  {
    what: "401, DPoP and Bearer in two field lines",
    response: new Response(null, {
      status: 401,
      headers: [
        ["WWW-Authenticate", 'DPoP algs="ES256 PS256"'],
        ["WWW-Authenticate", `Bearer resource_metadata="${PRM}"`],
      ],
    }),
  },
  {
    what: "401, step-up (RFC 9470) with a scope= inside the description",
    response: new Response(null, {
      status: 401,
      headers: {
        "WWW-Authenticate":
          'Bearer error="insufficient_user_authentication", error_description="MFA needed for scope=\\"admin\\"", acr_values="urn:example:mfa", max_age=300',
      },
    }),
  },
  {
    what: "401, malformed (unterminated quote)",
    response: new Response(null, { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="mcp' } }),
  },
];

function show(challenges: Challenge[]): void {
  for (const { scheme, params, token68 } of challenges) {
    const shown = token68 === undefined ? params : { token68 };
    console.log(`  ${scheme.padEnd(7)} ${JSON.stringify(shown)}`);
  }
}

for (const { what, response } of responses) {
  // Headers#get joins several WWW-Authenticate lines with ", ", which the parser reads as one list.
  const header = response.headers.get("www-authenticate");
  console.log(`\n${what}\n  header: ${header}`);
  if (header === null) continue;
  try {
    const challenges = parseWWWAuthenticate(header);
    show(challenges);
    const selected = selectOAuthChallenge(challenges);
    if (selected !== undefined) {
      console.log(`  → OAuth reading: ${JSON.stringify(readOAuthChallenge(selected))}`);
    }
  } catch (e) {
    if (
      isAuthbusError(e, "WWW_AUTHENTICATE_PARSE_ERROR") ||
      isAuthbusError(e, "INVALID_CHALLENGE_PARAMETER")
    ) {
      console.log(`  → ${e.name} (${e.code}): ${e.message}`);
    } else throw e;
  }
}

// What authFetch throws on a 401/403: the header, its challenges and their OAuth reading, with no secrets.
const error = new AuthChallengeError({
  status: 403,
  url: "https://mcp.example.com/mcp",
  serverName: "files",
  headers: (responses[1] as { response: Response }).response.headers,
});
console.log(`\nAuthChallengeError: ${error.message}\n  ${JSON.stringify(error)}`);

// The formatter is the inverse: what a test server would send.
const sent = formatWWWAuthenticate([
  { scheme: "DPoP", params: { algs: "ES256" } },
  {
    scheme: "Bearer",
    params: { error: "invalid_token", error_description: 'say "hi"', resource_metadata: PRM },
  },
]);
console.log(`\nformatWWWAuthenticate → ${sent}`);
show(parseWWWAuthenticate(sent));
