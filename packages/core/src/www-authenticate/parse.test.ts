import { extractWWWAuthenticateParams } from "@modelcontextprotocol/sdk/client/auth.js";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { describe, expect, it } from "vitest";
import { isAuthbusError } from "../errors/is-authbus-error.js";
import { challengeSchema } from "./challenge.js";
import { parseWWWAuthenticate } from "./parse.js";
import {
  WWWAuthenticateParseError as ParseErrorClass,
  type WWWAuthenticateParseError,
} from "./parse-error.js";

function parseError(input: string | readonly string[]): WWWAuthenticateParseError {
  try {
    parseWWWAuthenticate(input);
  } catch (e) {
    if (isAuthbusError(e, "WWW_AUTHENTICATE_PARSE_ERROR")) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe("parseWWWAuthenticate: RFC examples", () => {
  it("RFC 6750 §3: a request without authentication", () => {
    expect(parseWWWAuthenticate('Bearer realm="example"')).toEqual([
      { scheme: "bearer", params: { realm: "example" } },
    ]);
  });

  it("RFC 6750 §3: an expired access token", () => {
    expect(
      parseWWWAuthenticate(
        'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: { realm: "example", error: "invalid_token", error_description: "The access token expired" },
      },
    ]);
  });

  it("RFC 9728 §5.1: resource_metadata in a Bearer challenge", () => {
    expect(
      parseWWWAuthenticate(
        'Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: { resource_metadata: "https://resource.example.com/.well-known/oauth-protected-resource" },
      },
    ]);
  });

  it("RFC 9470 §3, Figure 2: step-up with acr_values", () => {
    expect(
      parseWWWAuthenticate(
        'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          error: "insufficient_user_authentication",
          error_description: "A different authentication level is required",
          acr_values: "myACR",
        },
      },
    ]);
  });

  it("RFC 9470 §3, Figure 3: step-up with max_age", () => {
    expect(
      parseWWWAuthenticate(
        'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          error: "insufficient_user_authentication",
          error_description: "More recent authentication is required",
          max_age: "5",
        },
      },
    ]);
  });

  it("RFC 9449 §7.1: DPoP challenge to a request without authentication", () => {
    expect(parseWWWAuthenticate('DPoP algs="ES256 PS256"')).toEqual([
      { scheme: "dpop", params: { algs: "ES256 PS256" } },
    ]);
  });

  it("RFC 9449 §7.1: DPoP challenge to an invalid key binding (folded over two lines in the RFC)", () => {
    expect(
      parseWWWAuthenticate(
        'DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"',
      ),
    ).toEqual([
      {
        scheme: "dpop",
        params: { error: "invalid_token", error_description: "Invalid DPoP key binding", algs: "ES256" },
      },
    ]);
  });

  it("draft-ietf-oauth-dpop §7.1 (pre-RFC text): the same challenges with realm", () => {
    expect(
      parseWWWAuthenticate(
        'DPoP realm="WallyWorld", error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"',
      )[0]?.params,
    ).toEqual({
      realm: "WallyWorld",
      error: "invalid_token",
      error_description: "Invalid DPoP key binding",
      algs: "ES256",
    });
  });

  it("RFC 9449 §9, Figure 24: a resource server asking for a DPoP nonce", () => {
    expect(
      parseWWWAuthenticate(
        'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
      ),
    ).toEqual([
      {
        scheme: "dpop",
        params: {
          error: "use_dpop_nonce",
          error_description: "Resource server requires nonce in DPoP proof",
        },
      },
    ]);
  });

  it("RFC 9110 §11.6.1: the two-challenge example (Newauth and Basic)", () => {
    expect(
      parseWWWAuthenticate('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'),
    ).toEqual([
      { scheme: "newauth", params: { realm: "apps", type: "1", title: 'Login to "apps"' } },
      { scheme: "basic", params: { realm: "simple" } },
    ]);
  });

  it("RFC 7617 §2: Basic with a charset parameter", () => {
    expect(parseWWWAuthenticate('Basic realm="foo", charset="UTF-8"')).toEqual([
      { scheme: "basic", params: { realm: "foo", charset: "UTF-8" } },
    ]);
  });

  it("RFC 4559 §5: a Negotiate challenge without and with a token68", () => {
    expect(parseWWWAuthenticate("Negotiate")).toEqual([{ scheme: "negotiate", params: {} }]);
    expect(parseWWWAuthenticate("Negotiate YIIB9gYJKoZIhvcSAQICAQBuggHl+MIIB4aADAgEFoQMCAQ6i/Bw==")).toEqual([
      { scheme: "negotiate", params: {}, token68: "YIIB9gYJKoZIhvcSAQICAQBuggHl+MIIB4aADAgEFoQMCAQ6i/Bw==" },
    ]);
  });
});

describe("parseWWWAuthenticate: several challenges", () => {
  it("splits challenges in one field, deciding by the token after each comma", () => {
    expect(parseWWWAuthenticate('DPoP algs="ES256", Bearer realm="x", error="invalid_token"')).toEqual([
      { scheme: "dpop", params: { algs: "ES256" } },
      { scheme: "bearer", params: { realm: "x", error: "invalid_token" } },
    ]);
    expect(parseWWWAuthenticate('Bearer realm="a", error="x", DPoP algs="ES256"')).toEqual([
      { scheme: "bearer", params: { realm: "a", error: "x" } },
      { scheme: "dpop", params: { algs: "ES256" } },
    ]);
  });

  it("treats `name BWS = BWS` after a comma as a parameter, with spaces or tabs around =", () => {
    expect(parseWWWAuthenticate('Bearer realm="a", error \t=\t "x", scope = read')).toEqual([
      { scheme: "bearer", params: { realm: "a", error: "x", scope: "read" } },
    ]);
  });

  it("reads parameterless challenges and token68 challenges between others", () => {
    expect(parseWWWAuthenticate('Basic, Negotiate abc==, Bearer realm="x", Digest')).toEqual([
      { scheme: "basic", params: {} },
      { scheme: "negotiate", params: {}, token68: "abc==" },
      { scheme: "bearer", params: { realm: "x" } },
      { scheme: "digest", params: {} },
    ]);
  });

  it("treats an array as the field lines in order, like joining them with ', '", () => {
    const lines = ['DPoP algs="ES256"', 'Bearer realm="x", error="invalid_token"'];
    expect(parseWWWAuthenticate(lines)).toEqual(parseWWWAuthenticate(lines.join(", ")));
    expect(parseWWWAuthenticate(lines)).toHaveLength(2);
  });

  it("reads what Headers#get returns for two WWW-Authenticate lines", () => {
    const headers = new Headers();
    headers.append("WWW-Authenticate", 'DPoP algs="ES256"');
    headers.append("WWW-Authenticate", 'Bearer resource_metadata="https://mcp.example.com/.well-known/x"');
    expect(parseWWWAuthenticate(headers.get("www-authenticate") as string).map((c) => c.scheme)).toEqual([
      "dpop",
      "bearer",
    ]);
  });

  it("ends a challenge at a comma right after its scheme (RFC 9110 §11.3 needs SP before parameters)", () => {
    expect(parseWWWAuthenticate('Basic, Bearer realm="a"')).toEqual([
      { scheme: "basic", params: {} },
      { scheme: "bearer", params: { realm: "a" } },
    ]);
    expect(parseError('Basic, realm="x"').message).toMatch(
      /expected a new challenge, not a parameter: "," directly after auth-scheme "basic" ends it/,
    );
  });

  it("reads a scheme glued to a name as one scheme token", () => {
    expect(parseWWWAuthenticate("Bearerrealm")).toEqual([{ scheme: "bearerrealm", params: {} }]);
  });
});

// RFC 9110 §11.6.1 `WWW-Authenticate = #challenge`, §11.3 `challenge = auth-scheme [ 1*SP (
// token68 / #auth-param ) ]`, and the recipient's list rule of §5.6.1.2: `#element => [ element ]
// *( OWS "," OWS [ element ] )`. The vectors below derive each expectation from that ABNF.
describe("parseWWWAuthenticate: RFC 9110 §5.6.1 list rules", () => {
  it('§11.3: `Bearer ,realm="a"` is one challenge: SP opens the auth-param list, its first element is empty', () => {
    expect(parseWWWAuthenticate('Bearer ,realm="a"')).toEqual([{ scheme: "bearer", params: { realm: "a" } }]);
    expect(parseWWWAuthenticate('Bearer , , realm="a"')).toEqual([
      { scheme: "bearer", params: { realm: "a" } },
    ]);
    // 1*SP first, then OWS (here a tab) before the comma: still inside the parameter list.
    expect(parseWWWAuthenticate('Bearer \t,realm="a"')).toEqual([
      { scheme: "bearer", params: { realm: "a" } },
    ]);
  });

  it("§11.3: with no SP right after the scheme there is no parameter list; the comma is the outer list's", () => {
    expect(parseWWWAuthenticate("Basic, Bearer")).toEqual([
      { scheme: "basic", params: {} },
      { scheme: "bearer", params: {} },
    ]);
    expect(parseWWWAuthenticate('Basic,Bearer realm="a"')).toEqual([
      { scheme: "basic", params: {} },
      { scheme: "bearer", params: { realm: "a" } },
    ]);
    // OWS before the comma may be a tab (§5.6.3), but the tab is not the 1*SP of §11.3.
    expect(parseWWWAuthenticate("Basic\t, Bearer")).toHaveLength(2);
  });

  it("§11.3: `name=value` after a scheme-comma cannot be a challenge, so the field is malformed", () => {
    for (const [input, position] of [
      ['Bearer, realm="x"', 8],
      ['Bearer,realm="x"', 7],
      ['Bearer\t,realm="x"', 8],
      ['Basic, Newauth, realm="x"', 16],
    ] as const) {
      const error = parseError(input);
      expect(error.position, input).toBe(position);
      expect(error.message).toMatch(/expected a new challenge, not a parameter/);
    }
  });

  it("§5.6.1.2: empty elements in the outer list and in a parameter list are skipped", () => {
    expect(parseWWWAuthenticate(', ,Basic realm="a",, ,Bearer error="e",, ')).toEqual([
      { scheme: "basic", params: { realm: "a" } },
      { scheme: "bearer", params: { error: "e" } },
    ]);
  });

  it('§11.3: `Basic , Bearer realm="a"`: `Bearer realm` is no auth-param, so it starts the second challenge', () => {
    expect(parseWWWAuthenticate('Basic , Bearer realm="a"')).toEqual([
      { scheme: "basic", params: {} },
      { scheme: "bearer", params: { realm: "a" } },
    ]);
  });
});

describe("parseWWWAuthenticate: values, names and list syntax", () => {
  it("unescapes quoted-pairs (RFC 9110 §5.6.4)", () => {
    expect(parseWWWAuthenticate('Bearer realm="a\\"b\\\\c"')[0]?.params.realm).toBe('a"b\\c');
    expect(parseWWWAuthenticate('Bearer realm="\\a\\ \\,"')[0]?.params.realm).toBe("a ,");
  });

  it("keeps commas, equals signs and parameter-like text inside quotes", () => {
    expect(parseWWWAuthenticate('Bearer error_description="a, b=c, Basic realm=\\"x\\"", error="e"')).toEqual(
      [{ scheme: "bearer", params: { error_description: 'a, b=c, Basic realm="x"', error: "e" } }],
    );
  });

  it('accepts an empty quoted value: scope="" is ""', () => {
    expect(parseWWWAuthenticate('Bearer scope="", error="insufficient_scope"')[0]?.params).toEqual({
      scope: "",
      error: "insufficient_scope",
    });
  });

  it("reads token values and keeps their case", () => {
    expect(parseWWWAuthenticate("Basic realm=Intranet, charset=UTF-8")[0]?.params).toEqual({
      realm: "Intranet",
      charset: "UTF-8",
    });
  });

  it("lower-cases scheme and parameter names, not values", () => {
    expect(parseWWWAuthenticate('BEARER REALM="X", Error=Invalid_Token')).toEqual([
      { scheme: "bearer", params: { realm: "X", error: "Invalid_Token" } },
    ]);
  });

  it("skips empty list elements (RFC 9110 §5.6.1.2)", () => {
    expect(parseWWWAuthenticate(",Basic")).toEqual([{ scheme: "basic", params: {} }]);
    expect(parseWWWAuthenticate("Bearer a=b,,c=d")[0]?.params).toEqual({ a: "b", c: "d" });
    expect(parseWWWAuthenticate('Bearer realm="x",')).toEqual([{ scheme: "bearer", params: { realm: "x" } }]);
    expect(parseWWWAuthenticate(' , ,Basic , , Bearer realm="x" , ,')).toHaveLength(2);
  });

  it("tolerates whitespace around the field value and before commas", () => {
    expect(parseWWWAuthenticate(' \tBearer realm="x" \t, error="e"\t ')[0]?.params).toEqual({
      realm: "x",
      error: "e",
    });
  });

  it("reads token68 with and without '=' padding", () => {
    expect(parseWWWAuthenticate("Negotiate abc==")).toEqual([
      { scheme: "negotiate", params: {}, token68: "abc==" },
    ]);
    expect(parseWWWAuthenticate("Negotiate a-b.c_d~e+f/g")[0]?.token68).toBe("a-b.c_d~e+f/g");
    expect(parseWWWAuthenticate("Negotiate abc= ")[0]?.token68).toBe("abc=");
  });

  it("reads `Bearer realm=` as the token68 'realm=', as RFC 9110's token68 grammar says", () => {
    expect(parseWWWAuthenticate("Bearer realm=")).toEqual([
      { scheme: "bearer", params: {}, token68: "realm=" },
    ]);
  });

  it("reads `abc=def` and `abc = def` right after the scheme as parameters", () => {
    expect(parseWWWAuthenticate("Foo abc=def")).toEqual([{ scheme: "foo", params: { abc: "def" } }]);
    expect(parseWWWAuthenticate("Foo abc = def")).toEqual([{ scheme: "foo", params: { abc: "def" } }]);
  });

  it("accepts obs-text in quoted values (RFC 9110 §5.6.4) and HTAB", () => {
    expect(parseWWWAuthenticate('Bearer realm="caf\u00e9\tbar"')[0]?.params.realm).toBe("caf\u00e9\tbar");
    expect(parseWWWAuthenticate('Bearer realm="\u2603"')[0]?.params.realm).toBe("\u2603");
  });

  it("returns objects that satisfy challengeSchema", () => {
    for (const c of parseWWWAuthenticate('Negotiate abc==, Bearer realm="x"')) {
      expect(challengeSchema.parse(c)).toEqual(c);
    }
  });
});

describe("parseWWWAuthenticate: prototype safety", () => {
  it("stores __proto__ as an own property without touching any prototype", () => {
    const [challenge] = parseWWWAuthenticate('Bearer __proto__="x", constructor="y", hasOwnProperty=z');
    const params = challenge?.params as Record<string, string>;
    expect(Object.hasOwn(params, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(params, "__proto__")?.value).toBe("x");
    expect(params.constructor).toBe("y");
    expect(params.hasownproperty).toBe("z");
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.keys(params)).toEqual(["__proto__", "constructor", "hasownproperty"]);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
    expect(JSON.parse(JSON.stringify(params))).toEqual(params);
  });

  it("checks duplicates past the first eight parameters against the object itself", () => {
    const many = Array.from({ length: 10 }, (_, k) => `p${k}=v`).join(", ");
    const [challenge] = parseWWWAuthenticate(`Bearer ${many}, constructor=c, __proto__=x, toString=t`);
    expect(Object.keys(challenge?.params ?? {})).toHaveLength(13);
    expect(Object.getPrototypeOf(challenge?.params)).toBe(Object.prototype);
    expect(parseError(`Bearer ${many}, P3=again`).message).toMatch(/parameter "p3" only once/);
    expect(parseError(`Bearer ${many}, __proto__=x, __proto__=y`).message).toMatch(/"__proto__" only once/);
  });

  it("rejects a second __proto__ like any duplicate", () => {
    expect(parseError('Bearer __proto__="x", __PROTO__="y"').position).toBe(22);
  });
});

describe("parseWWWAuthenticate: malformed input", () => {
  const cases: [label: string, input: string, position: number, message: RegExp][] = [
    ["empty header", "", 0, /expected a challenge in an empty header at position 0/],
    ["whitespace only", "  \t ", 4, /expected a challenge at position 4/],
    ["commas only", " , ,, ", 6, /expected a challenge/],
    [
      "unterminated quote",
      'Bearer realm="x',
      15,
      /expected '"' to close the quoted-string of parameter "realm"/,
    ],
    ["unterminated quote ending in a backslash", 'Bearer realm="x\\', 16, /to close the quoted-string/],
    ["duplicate parameter", 'Bearer realm="a", realm="b"', 18, /parameter "realm" only once/],
    ["duplicate parameter, other case", 'Bearer realm="a", REALM="b"', 18, /parameter "realm" only once/],
    ["token68 followed by params", "Negotiate abc==, realm=x", 17, /after the token68 of "negotiate"/],
    [
      "token68 followed by a space and text",
      "Negotiate abc== def",
      16,
      /expected "," or end of header after the token68/,
    ],
    ["a tab after the scheme", 'Bearer\trealm="x"', 6, /expected SP \(not HTAB\) after auth-scheme "bearer"/],
    ["a space and a tab after the scheme", 'Bearer \trealm="x"', 7, /not HTAB/],
    ["a quote right after the scheme", 'Bearer"x"', 6, /expected a space after auth-scheme "bearer"/],
    ["a control character inside quotes", 'Bearer realm="a\u0001b"', 15, /no control characters.*U\+0001/],
    ["DEL inside quotes", 'Bearer realm="a\u007fb"', 15, /U\+007F/],
    ["an escaped control character", 'Bearer realm="a\\\u0000"', 16, /escapable character/],
    [
      "a parameter with no value before the end",
      'Bearer a="b", realm=',
      20,
      /value \(token or quoted-string\) for parameter "realm"/,
    ],
    ["a parameter with no value before a comma", 'Bearer a="b", realm=, c=d', 20, /for parameter "realm"/],
    ["a first parameter with a space before = and no value", "Bearer realm =", 14, /for parameter "realm"/],
    ["a first parameter with no value before a comma", "Bearer realm= , a=b", 16, /token68/],
    [
      "text after a quoted value",
      'Bearer realm="x" junk',
      17,
      /expected "," or end of header after a parameter/,
    ],
    ["a token68 character that is not tchar in a name", "Bearer a/b=c", 8, /parameter name/],
    ["a tchar that is not token68", "Bearer ab!c", 9, /token68 or a parameter/],
    ["a value that starts with an invalid character", "Bearer realm=@x", 13, /for parameter "realm"/],
    ["a stray quote where a scheme belongs", '"Bearer"', 0, /expected an auth-scheme/],
    ["a stray = where a name belongs", "Bearer a=b, =c", 12, /expected a parameter or an auth-scheme/],
    ["non-ASCII in a token", "Bearer r\u00e9alm=x", 8, /token68 or parameter-name character/],
    ["a newline (obs-fold is not allowed)", 'Bearer realm="x",\r\n error="y"', 17, /U\+000D/],
  ];

  it.each(cases)("%s", (_label, input, position, message) => {
    const error = parseError(input);
    expect(error).toBeInstanceOf(ParseErrorClass);
    expect(error.name).toBe("WWWAuthenticateParseError");
    expect(error.code).toBe("WWW_AUTHENTICATE_PARSE_ERROR");
    expect(error.input).toBe(input);
    expect(error.position).toBe(position);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`at position ${position}`);
  });

  it("indexes positions into the joined field lines", () => {
    const error = parseError(["Basic", 'Bearer realm="x']);
    expect(error.input).toBe('Basic, Bearer realm="x');
    expect(error.position).toBe(22);
  });

  it("rejects an empty array as an empty header", () => {
    expect(parseError([]).position).toBe(0);
  });

  it("never puts a quoted value in the message", () => {
    const error = parseError('Bearer error_description="secret-ish text", realm="\u0001"');
    expect(error.message).not.toContain("secret-ish");
  });

  it("throws the typed error for a value that is not a string or an array of strings", () => {
    for (const value of [null, undefined, 42, { scheme: "Bearer" }, ["Bearer", 7]]) {
      let caught: unknown;
      try {
        parseWWWAuthenticate(value as unknown as string);
      } catch (error) {
        caught = error;
      }
      expect(isAuthbusError(caught, "WWW_AUTHENTICATE_PARSE_ERROR")).toBe(true);
      expect((caught as Error).message).toContain("expected a WWW-Authenticate field value");
    }
  });
});

describe("WWWAuthenticateParseError", () => {
  it("keeps the parsed input readable but out of JSON (it may hold a token68)", () => {
    const error = parseError("Bearer c2VjcmV0LXRva2Vu, realm=");
    expect(error.input).toBe("Bearer c2VjcmV0LXRva2Vu, realm=");
    expect(Object.keys(error)).not.toContain("input");
    expect(JSON.stringify(error)).not.toContain("c2VjcmV0LXRva2Vu");
    expect(error.toJSON()).toMatchObject({ code: "WWW_AUTHENTICATE_PARSE_ERROR", position: error.position });
  });
});

describe("parseWWWAuthenticate: real-world headers", () => {
  // Runs the MCP SDK's own middleware with a stub response to capture the header it sends.
  async function sdkChallenge(options: {
    error: "expired" | "scope";
    requiredScopes?: string[];
    resourceMetadataUrl?: string;
  }): Promise<{ status: number; header: string }> {
    let status = 0;
    let header = "";
    const middleware = requireBearerAuth({
      verifier: {
        verifyAccessToken: async () => ({
          token: "t",
          clientId: "c",
          scopes: options.error === "scope" ? [] : (options.requiredScopes ?? []),
          expiresAt: 1,
        }),
      },
      ...(options.requiredScopes ? { requiredScopes: options.requiredScopes } : {}),
      ...(options.resourceMetadataUrl ? { resourceMetadataUrl: options.resourceMetadataUrl } : {}),
    });
    const res = {
      set(name: string, value: string) {
        if (name.toLowerCase() === "www-authenticate") header = value;
        return res;
      },
      status(code: number) {
        status = code;
        return res;
      },
      json() {
        return res;
      },
    };
    const req = { headers: { authorization: "Bearer t" } };
    await (middleware as unknown as (req: unknown, res: unknown, next: () => void) => Promise<void>)(
      req,
      res,
      () => {},
    );
    return { status, header };
  }

  it("reads the 401 the MCP SDK's requireBearerAuth sends for an expired token", async () => {
    const { status, header } = await sdkChallenge({
      error: "expired",
      resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
    });
    expect(status).toBe(401);
    expect(parseWWWAuthenticate(header)).toEqual([
      {
        scheme: "bearer",
        params: {
          error: "invalid_token",
          error_description: "Token has expired",
          resource_metadata: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
        },
      },
    ]);
  });

  it("reads the 403 the MCP SDK's requireBearerAuth sends for a missing scope", async () => {
    const { status, header } = await sdkChallenge({
      error: "scope",
      requiredScopes: ["files:read", "files:write"],
      resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource",
    });
    expect(status).toBe(403);
    expect(parseWWWAuthenticate(header)[0]?.params).toEqual({
      error: "insufficient_scope",
      error_description: "Insufficient scope",
      scope: "files:read files:write",
      resource_metadata: "https://mcp.example.com/.well-known/oauth-protected-resource",
    });
  });

  it("is not fooled by scope= text inside error_description (the SDK's regex extractor is)", () => {
    const header =
      'Bearer error="insufficient_scope", error_description="token lacks scope=\\"admin\\" for this tool", scope="files:read"';
    const [challenge] = parseWWWAuthenticate(header);
    expect(challenge?.params.scope).toBe("files:read");
    expect(challenge?.params.error_description).toBe('token lacks scope="admin" for this tool');
    // The SDK finds the first `scope=` anywhere in the field, so it reports the wrong scope.
    const sdk = extractWWWAuthenticateParams(
      new Response(null, { status: 403, headers: { "WWW-Authenticate": header } }),
    );
    expect(sdk.scope).not.toBe("files:read");
  });

  it("reads the Bearer challenge that follows a DPoP challenge (the SDK reads nothing)", () => {
    const header =
      'DPoP algs="ES256", Bearer error="invalid_token", resource_metadata="https://mcp.example.com/prm"';
    const bearer = parseWWWAuthenticate(header).find((c) => c.scheme === "bearer");
    expect(bearer?.params.resource_metadata).toBe("https://mcp.example.com/prm");
    const sdk = extractWWWAuthenticateParams(
      new Response(null, { status: 401, headers: { "WWW-Authenticate": header } }),
    );
    expect(sdk.resourceMetadataUrl).toBeUndefined();
  });

  it("reads GitHub-style and Microsoft-style challenges", () => {
    expect(
      parseWWWAuthenticate(
        'Bearer realm="OAuth", error="invalid_token", error_description="The access token is missing or invalid"',
      )[0]?.params.error,
    ).toBe("invalid_token");
    expect(
      parseWWWAuthenticate(
        'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", error_description="The access token has expired", Basic realm="contoso", Negotiate, NTLM',
      ).map((c) => c.scheme),
    ).toEqual(["bearer", "basic", "negotiate", "ntlm"]);
  });
});
