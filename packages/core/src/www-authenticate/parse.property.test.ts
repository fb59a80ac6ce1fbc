import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAuthbusError } from "../errors/is-authbus-error.js";
import { type Challenge, challengeSchema } from "./challenge.js";
import { formatWWWAuthenticate } from "./format.js";
import { parseWWWAuthenticate } from "./parse.js";

const NUM_RUNS = 2000;

const LOWER_TCHARS = [..."abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"];
const TOKEN68_CHARS = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"];

const lowerToken = fc.string({ unit: fc.constantFrom(...LOWER_TCHARS), minLength: 1, maxLength: 12 });

// Names that stress the result objects as well as the grammar.
const paramName = fc.oneof(
  { weight: 8, arbitrary: lowerToken },
  { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "hasownproperty", "tostring") },
);

function isCtl(ch: string): boolean {
  const c = ch.codePointAt(0) as number;
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
}

// Any text a quoted-string can carry: everything but CTLs other than HTAB, with the
// characters that matter to the grammar over-represented.
const valueChar = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('"', "\\", ",", "=", " ", "\t", ";", "a", "Z", "\u00e9", "\u0085"),
  },
  {
    weight: 3,
    arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }).filter((s) => !isCtl(s)),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }).filter((s) => !isCtl(s)),
  },
);
const paramValue = fc.oneof(
  fc.string({ unit: valueChar, maxLength: 20 }),
  lowerToken,
  fc.constantFrom("", "https://mcp.example.com/.well-known/oauth-protected-resource", 'scope="x"'),
);

function toParams(entries: readonly (readonly [string, string])[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of entries) {
    // defineProperty so that "__proto__" becomes an own property, as the parser returns it.
    Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return params;
}

const paramChallenge: fc.Arbitrary<Challenge> = fc
  .record({
    scheme: lowerToken,
    entries: fc.uniqueArray(fc.tuple(paramName, paramValue), { selector: ([name]) => name, maxLength: 6 }),
  })
  .map(({ scheme, entries }) => ({ scheme, params: toParams(entries) }));

const token68 = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...TOKEN68_CHARS), minLength: 1, maxLength: 24 }),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([body, padding]) => body + "=".repeat(padding));

const token68Challenge: fc.Arbitrary<Challenge> = fc
  .record({ scheme: lowerToken, token68 })
  .map(({ scheme, token68 }) => ({ scheme, params: {}, token68 }));

const challenges = fc.array(
  fc.oneof({ weight: 3, arbitrary: paramChallenge }, { weight: 1, arbitrary: token68Challenge }),
  {
    minLength: 1,
    maxLength: 5,
  },
);

// What a parse must do with any input: return valid challenges, or throw the typed error.
function parseOrTypedError(input: string): Challenge[] | undefined {
  try {
    const result = parseWWWAuthenticate(input);
    for (const challenge of result) challengeSchema.parse(challenge);
    return result;
  } catch (e) {
    if (isAuthbusError(e, "WWW_AUTHENTICATE_PARSE_ERROR")) {
      expect(e.input).toBe(input);
      expect(e.position).toBeGreaterThanOrEqual(0);
      expect(e.position).toBeLessThanOrEqual(input.length);
      return undefined;
    }
    throw e;
  }
}

// Characters that sit on the grammar's edges, for mutating valid headers.
const mutationChar = fc.constantFrom(
  '"',
  "\\",
  ",",
  "=",
  " ",
  "\t",
  "\u0000",
  "\r",
  "\n",
  "a",
  "/",
  "\u00e9",
  "\u2603",
);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), ch: mutationChar }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), ch: fc.constant("") }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), ch: mutationChar }),
);

function mutate(
  input: string,
  edits: readonly { kind: "insert" | "delete" | "replace"; at: number; ch: string }[],
) {
  let out = input;
  for (const { kind, at, ch } of edits) {
    const i = out.length === 0 ? 0 : at % (out.length + (kind === "insert" ? 1 : 0));
    if (kind === "insert") out = out.slice(0, i) + ch + out.slice(i);
    else if (kind === "delete") out = out.slice(0, i) + out.slice(i + 1);
    else out = out.slice(0, i) + ch + out.slice(i + 1);
  }
  return out;
}

const realHeaders = [
  'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
  'DPoP algs="ES256", Bearer error="invalid_token", resource_metadata="https://mcp.example.com/prm"',
  "Negotiate abc==, Basic realm=intranet",
  'Bearer error="insufficient_scope", scope="files:read", error_description="needs \\"files:read\\""',
];

describe("parseWWWAuthenticate properties", () => {
  it("parse(format(x)) deep-equals x for lower-case challenge lists", () => {
    fc.assert(
      fc.property(challenges, (list) => {
        expect(parseWWWAuthenticate(formatWWWAuthenticate(list))).toEqual(list);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("parsing several field lines equals parsing them joined with ', '", () => {
    fc.assert(
      fc.property(fc.array(challenges, { minLength: 1, maxLength: 3 }), (lines) => {
        const fields = lines.map(formatWWWAuthenticate);
        expect(parseWWWAuthenticate(fields)).toEqual(lines.flat());
      }),
      { numRuns: NUM_RUNS / 4 },
    );
  });

  it("returns or throws WWWAuthenticateParseError for any string, and what it returns formats and reparses", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: mutationChar })),
        (input) => {
          const parsed = parseOrTypedError(input);
          if (parsed !== undefined)
            expect(parseWWWAuthenticate(formatWWWAuthenticate(parsed))).toEqual(parsed);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("returns or throws WWWAuthenticateParseError for mutated valid headers", () => {
    const base = fc.oneof(fc.constantFrom(...realHeaders), challenges.map(formatWWWAuthenticate));
    fc.assert(
      fc.property(base, fc.array(mutation, { minLength: 1, maxLength: 4 }), (header, edits) => {
        const parsed = parseOrTypedError(mutate(header, edits));
        if (parsed !== undefined) expect(parseWWWAuthenticate(formatWWWAuthenticate(parsed))).toEqual(parsed);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("parseWWWAuthenticate on large input", () => {
  it("parses a 1 MiB header of parameters and rejects a 1 MiB unclosed quote without blowing up", () => {
    const params: string[] = [];
    let length = 0;
    for (let i = 0; length < 1 << 20; i++) {
      const p = `p${i}="v\\"${i}"`;
      params.push(p);
      length += p.length + 2;
    }
    const header = `Bearer ${params.join(", ")}`;
    expect(Object.keys(parseWWWAuthenticate(header)[0]?.params ?? {})).toHaveLength(params.length);
    const unclosed = `Bearer realm="${"x".repeat(1 << 20)}`;
    expect(() => parseWWWAuthenticate(unclosed)).toThrow(/close the quoted-string/);
  });
});
