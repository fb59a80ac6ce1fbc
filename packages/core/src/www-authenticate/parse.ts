/** @module One-pass RFC 9110 `WWW-Authenticate` parser: field value in, `Challenge[]` out. */
import type { Challenge } from "./challenge.js";
import { WWWAuthenticateParseError } from "./parse-error.js";

// Character classes of RFC 9110 §5.6.2 (tchar) and §11.2 (token68), indexed by char code below
// 0x80. A table lookup per character is what keeps token scanning fast.
const TCHAR = 1;
const TOKEN68 = 2;
const QDTEXT = 4;
const CHAR_CLASS = buildCharClass();

function buildCharClass(): Uint8Array {
  const table = new Uint8Array(128);
  const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (const ch of `${alnum}!#$%&'*+-.^_\`|~`) table[ch.charCodeAt(0)] = TCHAR;
  for (const ch of `${alnum}-._~+/`) table[ch.charCodeAt(0)] = (table[ch.charCodeAt(0)] as number) | TOKEN68;
  // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4); obs-text is >= 0x80.
  for (let c = 0x09; c < 0x7f; c++) {
    if (c === 0x09 || (c >= 0x20 && c !== 0x22 && c !== 0x5c)) table[c] = (table[c] as number) | QDTEXT;
  }
  return table;
}

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;

// States of the current challenge's parameter list (see `closed` in parseWWWAuthenticate).
const OPEN = 0;
const CLOSED_BY_TOKEN68 = 1;
const CLOSED_BY_NO_SPACE = 2;

function isTchar(c: number): boolean {
  return c < 0x80 && ((CHAR_CLASS[c] as number) & TCHAR) !== 0;
}

/**
 * Whether `s` is an RFC 9110 §5.6.2 token (`1*tchar`).
 * @internal shared with the formatter; not part of the package API.
 * @see RFC 9110 §5.6.2
 * @example isToken("resource_metadata") // true; isToken("a b") // false
 * @throws Never.
 */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Whether `s` is an RFC 9110 §11.2 token68: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
 * @internal shared with the formatter; not part of the package API.
 * @see RFC 9110 §11.2
 * @example isToken68("YII+/w==") // true; isToken68("a=b") // false
 * @throws Never.
 */
export function isToken68(s: string): boolean {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === EQUALS) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || ((CHAR_CLASS[c] as number) & TOKEN68) === 0) return false;
  }
  return true;
}

function skipWhitespace(input: string, i: number): number {
  const n = input.length;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c !== SP && c !== HTAB) break;
    i++;
  }
  return i;
}

// RFC 9110 §5.6.1.2: recipients accept empty list elements, so any run of OWS and commas is one separator.
function skipSeparators(input: string, i: number): number {
  const n = input.length;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c !== SP && c !== HTAB && c !== COMMA) break;
    i++;
  }
  return i;
}

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4). Quoted values are
// most of a header's characters, so they are skipped by the engine's native search for the first
// character outside that class (here '"', "\", DEL or a control character other than HTAB):
// one character class and no quantifier, so each character is tested once and nothing can
// backtrack. Measured: twice as fast as a charCodeAt loop on a URL-sized value.
const NOT_QDTEXT = /[^\t !#-[\]-~\x80-\uffff]/g;

// The index of the first character at or after i that is not qdtext, or the input's length.
function skipQdtext(input: string, i: number): number {
  NOT_QDTEXT.lastIndex = i;
  return NOT_QDTEXT.test(input) ? NOT_QDTEXT.lastIndex - 1 : input.length;
}

function scanToken(input: string, i: number): number {
  const n = input.length;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c >= 0x80 || ((CHAR_CLASS[c] as number) & TCHAR) === 0) break;
    i++;
  }
  return i;
}

// Schemes and parameter names that real challenges use (RFC 6750, 7616, 7617, 9449, 9470, 9728,
// 4559, MCP). Returning these literals instead of fresh slices lets V8 store each property under an
// already-internalised key, which was most of the cost of a parameter. They are found with a trie
// walked while the name is scanned (one table load per character, ASCII case folded), so a known
// name costs no compare and no slice, whatever its case. Written out as literals: the pieces of a
// string built at run time and split are not internalised, and then every store and every
// `storeKnown` case compares characters (tsc keeps a `"…" + "…"` as it is; the dist parsed 15%
// slower than the source run through tsx, which folds it).
const KNOWN_NAMES: readonly string[] = [
  // schemes
  "bearer",
  "dpop",
  "basic",
  "digest",
  "negotiate",
  "ntlm",
  "newauth",
  "hoba",
  "mutual",
  "vapid",
  "privatetoken",
  // parameters
  "realm",
  "error",
  "error_description",
  "error_uri",
  "scope",
  "resource_metadata",
  "resource",
  "algs",
  "acr_values",
  "max_age",
  "charset",
  "nonce",
  "opaque",
  "stale",
  "algorithm",
  "qop",
  "domain",
  "userhash",
  "authorization_uri",
  "as_uri",
  "type",
  "title",
  "challenge",
  "token-key",
];

// The trie as one step table: STEP[(state << 7) | c] is the state after character c (< 0x80), or 0
// when c is not a tchar, which ends the name. Row 0 is all zeros and state 3 is the root. A tchar
// run that is no known name's prefix is in state 1 while all its characters are also token68
// characters (RFC 9110 §11.2), and in state 2 once one is not; known names use token68 characters
// only, so every other state is such a run too. That one bit lets the first item after a scheme be
// told apart as a parameter name or a token68 in the same walk. Upper-case letters step as their
// lower-case forms. Fewer than 256 states, so a byte each: 28 KB.
const NOT_KNOWN = 1;
const NOT_KNOWN_NOR_TOKEN68 = 2;
const TRIE_ROOT = 3;
const { step: STEP, accepts: TRIE_ACCEPTS } = buildTrie(KNOWN_NAMES);
const KNOWN_SEEN = new Int32Array(TRIE_ACCEPTS.length);

function buildTrie(names: readonly string[]): { step: Uint8Array; accepts: (string | undefined)[] } {
  const rows: Map<number, number>[] = [new Map(), new Map(), new Map(), new Map()];
  const accepts: (string | undefined)[] = [undefined, undefined, undefined, undefined];
  for (const name of names) {
    if (!isToken68(name)) throw new Error(`known name ${name} is not made of token68 characters`);
    let state = TRIE_ROOT;
    for (let k = 0; k < name.length; k++) {
      const row = rows[state] as Map<number, number>;
      const c = name.charCodeAt(k);
      let next = row.get(c);
      if (next === undefined) {
        next = rows.length;
        rows.push(new Map());
        accepts.push(undefined);
        row.set(c, next);
      }
      state = next;
    }
    accepts[state] = name;
  }
  if (rows.length > 256) throw new Error("known names need more than 256 trie states");
  const step = new Uint8Array(rows.length << 7);
  for (let state = 1; state < rows.length; state++) {
    const row = rows[state] as Map<number, number>;
    for (let c = 0; c < 0x80; c++) {
      if (!isTchar(c)) continue;
      const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
      const next =
        ((CHAR_CLASS[c] as number) & TOKEN68) === 0 || state === NOT_KNOWN_NOR_TOKEN68
          ? NOT_KNOWN_NOR_TOKEN68
          : (row.get(lower) ?? NOT_KNOWN);
      step[(state << 7) | c] = next;
    }
  }
  return { step, accepts };
}

// Trie state reached by the last scanName; module state rather than an allocated pair.
let scannedState = 0;

// Scans the token at i (RFC 9110 §5.6.2) and walks the trie over it; returns its end.
function scanName(input: string, i: number): number {
  const n = input.length;
  let state = TRIE_ROOT;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c >= 0x80) break;
    const next = STEP[(state << 7) | c] as number;
    if (next === 0) break;
    state = next;
    i++;
  }
  scannedState = state;
  return i;
}

// The lower-cased name in input[start, end), a token whose trie walk ended in `state`: the known
// literal when there is one, else a new string.
function readName(input: string, start: number, end: number, state: number): string {
  return TRIE_ACCEPTS[state] ?? sliceLower(input, start, end);
}

// Names are nearly always lower-case already; checking is cheaper than a toLowerCase call per name.
function sliceLower(input: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return input.slice(start, end).toLowerCase();
  }
  return input.slice(start, end);
}

// Parameter names already used in the current challenge (RFC 9110 §11.2 allows each once). A known
// name is marked in KNOWN_SEEN at its trie state with the current challenge's stamp, so checking
// it is one load. Other names go in a short list (an array scan beats a property lookup, which
// would first internalise the freshly sliced name); past SEEN_LIST_LIMIT of them the params
// object answers itself (a hash lookup, so thousands stay linear). Module state rather than
// per-parse objects, as `scannedState`: a parse does not re-enter itself, and a stale entry never
// matches a later challenge's stamp.
const SEEN_LIST_LIMIT = 8;
const seenList: string[] = [];
let seenCount = 0;
let stamp = 0;

// Starts a challenge's set of seen names.
function resetSeen(): void {
  seenCount = 0;
  stamp = (stamp + 1) | 0;
  if (stamp === 0) {
    KNOWN_SEEN.fill(0);
    stamp = 1;
  }
}

// Records `name` (whose trie walk ended in `state`); false when the challenge already has it.
function addSeenName(name: string, state: number, params: Record<string, string>): boolean {
  if (TRIE_ACCEPTS[state] !== undefined) {
    if (KNOWN_SEEN[state] === stamp) return false;
    KNOWN_SEEN[state] = stamp;
    return true;
  }
  const count = seenCount;
  if (count >= SEEN_LIST_LIMIT) return !Object.hasOwn(params, name);
  for (let k = 0; k < count; k++) if (seenList[k] === name) return false;
  seenList[count] = name;
  seenCount = count + 1;
  return true;
}

function describe(input: string, i: number): string {
  if (i >= input.length) return "end of header";
  const c = input.charCodeAt(i);
  if (c < 0x20 || c === 0x7f) return `control character U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
  return JSON.stringify(input[i]);
}

function fail(input: string, position: number, expected: string): WWWAuthenticateParseError {
  return new WWWAuthenticateParseError({
    message: `${expected} at position ${position}, found ${describe(input, position)}`,
    input,
    position,
  });
}

/**
 * Parses a `WWW-Authenticate` field value into its challenges, in order.
 *
 * - Several challenges per field and several fields: an array is the field lines in order and
 *   means the same as the lines joined with `", "` (RFC 9110 §5.3); error positions index that join.
 * - Scheme and parameter names are case-insensitive and come back lower-cased; values keep their
 *   case, with quoted-pairs unescaped. Empty list elements (`,Basic`, `a=b,,c=d`) are skipped.
 * - After the scheme, `abc`, `abc=` or `abc==` followed by a comma or the end is a token68, so
 *   `Bearer realm=` is the token68 `realm=`; `abc=def` and `abc = def` are parameters. A parameter
 *   with no value anywhere else (`Bearer a="b", realm=`) is an error.
 * - A comma after a parameter starts another parameter when the next token is followed by
 *   `BWS "="`, and a new challenge otherwise, so `Bearer realm="a", error="x", DPoP algs="ES256"`
 *   is two challenges.
 * - Parameters need `1*SP` right after the scheme (RFC 9110 §11.3). A comma directly after the
 *   scheme (or after a tab) ends a challenge without parameters: `Basic, Bearer realm="a"` is two
 *   challenges and `Basic, realm="x"` is an error. `Bearer ,realm="a"` is one challenge: the SP
 *   opens its parameter list, whose first element is empty (RFC 9110 §5.6.1.2).
 * - Parameter values may hold obs-text (U+0080 and above) inside quotes (RFC 9110 §5.6.4).
 *
 * One left-to-right pass with a single token of lookahead: time is linear in the input length.
 * Parameter objects are plain objects; a parameter named `__proto__` is stored as an own
 * property, never as the prototype.
 *
 * @see RFC 9110 §11.6.1 (WWW-Authenticate), §11.3 (challenge), §11.2 (auth-param, token68),
 *   §5.6.1 (lists), §5.6.2 (token), §5.6.4 (quoted-string)
 * @example
 * parseWWWAuthenticate('DPoP algs="ES256", Bearer realm="mcp", error="invalid_token"');
 * // [ { scheme: "dpop", params: { algs: "ES256" } },
 * //   { scheme: "bearer", params: { realm: "mcp", error: "invalid_token" } } ]
 * parseWWWAuthenticate(["Negotiate", "Basic realm=intranet"]);
 * // [ { scheme: "negotiate", params: {} }, { scheme: "basic", params: { realm: "intranet" } } ]
 * @throws {WWWAuthenticateParseError} on an empty, whitespace-only or comma-only value; a
 *   missing space or a tab between scheme and parameters; an unterminated quoted-string or a
 *   control character (other than HTAB) inside one; a parameter without a value; the same
 *   parameter twice in one challenge (case-insensitively); a token68 followed by parameters;
 *   a parameter after a scheme that was followed by "," or a tab rather than SP;
 *   or any character the grammar does not allow where it appears.
 *   It is also thrown (with `input` "" and `position` 0) when `value` is neither a string nor
 *   an array of strings.
 */
export function parseWWWAuthenticate(value: string | readonly string[]): Challenge[] {
  const input = typeof value === "string" ? value : joinFieldLines(value);
  const n = input.length;
  let i = skipSeparators(input, 0);
  if (i === n) throw failEmpty(input, i);

  // Most headers hold one challenge: an array made with it has no spare capacity to fill.
  let challenges: Challenge[] | undefined;
  let current: Challenge | undefined;
  // Why the current challenge takes no more parameters: it has a token68, or its scheme was
  // not followed by SP (RFC 9110 §11.3), so it has no auth-param list at all.
  let closed = OPEN;
  for (;;) {
    // Here i is at the first character of a list element.
    const start = i;
    i = scanName(input, i);
    const nameState = scannedState;
    if (i === start) throw failNoName(input, i, current === undefined);

    // The one-token lookahead: "name BWS =" continues the current challenge, anything else starts a new one.
    const afterName = current === undefined ? i : skipWhitespace(input, i);
    if (current !== undefined && input.charCodeAt(afterName) === EQUALS) {
      // RFC 9110 §11.3: a challenge carries a token68 or auth-params, never both; and without SP
      // right after the scheme it has no parameter list, so "," ends it and `name=` cannot follow.
      if (closed !== OPEN) throw failClosed(input, start, closed, current.scheme);
      i = readParamValue(input, current, start, i, nameState, afterName + 1);
      i = expectSeparator(input, i, "a parameter", current.scheme);
    } else {
      current = { scheme: readName(input, start, i, nameState), params: {} };
      if (challenges === undefined) challenges = [current];
      else challenges.push(current);
      resetSeen();
      const schemeEnd = i;
      // RFC 9110 §11.3: only `1*SP` right after the scheme opens a parameter list; `Bearer ,a=b`
      // is `Bearer` with an empty first list element, `Bearer,a=b` and `Bearer\t,a=b` are not.
      closed = input.charCodeAt(schemeEnd) === SP ? OPEN : CLOSED_BY_NO_SPACE;
      let firstTab = -1;
      while (i < n) {
        const c = input.charCodeAt(i);
        if (c === SP) i++;
        else if (c === HTAB) {
          if (firstTab < 0) firstTab = i;
          i++;
        } else break;
      }
      if (i < n && input.charCodeAt(i) !== COMMA) {
        // RFC 9110 §11.3: auth-scheme [ 1*SP ( token68 / #auth-param ) ] — spaces only, at least one.
        if (i === schemeEnd || firstTab >= 0) throw failSchemeSpace(input, i, firstTab, current.scheme);
        i = readFirstItem(input, current, i);
        const hasToken68 = current.token68 !== undefined;
        if (hasToken68) closed = CLOSED_BY_TOKEN68;
        i = expectSeparator(input, i, hasToken68 ? "the token68" : "a parameter", current.scheme);
      } else {
        i = expectSeparator(input, i, "the auth-scheme", current.scheme);
      }
    }
    if (i === n) {
      // The module state keeps no name past its parse (one that threw leaves at most 8 until the next).
      if (seenList.length !== 0) seenList.length = 0;
      return challenges as Challenge[];
    }
  }
}

// Several field lines mean the same as one joined with ", " (RFC 9110 §5.3).
function joinFieldLines(value: unknown): string {
  if (Array.isArray(value) && value.every((line) => typeof line === "string")) return value.join(", ");
  throw new WWWAuthenticateParseError({
    message: `expected a WWW-Authenticate field value (a string, or an array of field-line strings), got ${Array.isArray(value) ? "an array with a non-string line" : value === null ? "null" : typeof value}`,
    input: "",
    position: 0,
  });
}

// The errors below are built out of line, so the functions that find them stay under V8's inlining
// size limit and are inlined into the parse loop (readParamValue was not, and its calls were 7% of
// a parse).

function failEmpty(input: string, i: number): WWWAuthenticateParseError {
  return fail(
    input,
    i,
    input.length === 0 ? "expected a challenge in an empty header" : "expected a challenge",
  );
}

function failNoName(input: string, i: number, first: boolean): WWWAuthenticateParseError {
  return fail(input, i, first ? "expected an auth-scheme" : "expected a parameter or an auth-scheme");
}

function failClosed(input: string, start: number, closed: number, scheme: string): WWWAuthenticateParseError {
  if (closed === CLOSED_BY_TOKEN68) {
    return fail(input, start, `expected a new challenge after the token68 of "${scheme}", not a parameter`);
  }
  return fail(
    input,
    start,
    `expected a new challenge, not a parameter: "," directly after auth-scheme "${scheme}" ends it (parameters need a space after the scheme)`,
  );
}

function failSchemeSpace(
  input: string,
  i: number,
  firstTab: number,
  scheme: string,
): WWWAuthenticateParseError {
  if (firstTab < 0) return fail(input, i, `expected a space after auth-scheme "${scheme}"`);
  return fail(input, firstTab, `expected SP (not HTAB) after auth-scheme "${scheme}"`);
}

function failSeparator(input: string, i: number, what: string, scheme: string): WWWAuthenticateParseError {
  return fail(input, i, `expected "," or end of header after ${what} of challenge "${scheme}"`);
}

function failAfterScheme(
  input: string,
  i: number,
  expected: string,
  scheme: string,
): WWWAuthenticateParseError {
  return fail(input, i, `expected ${expected} after auth-scheme "${scheme}"`);
}

function failNoValue(input: string, i: number, name: string): WWWAuthenticateParseError {
  return fail(input, i, `expected a value (token or quoted-string) for parameter "${name}"`);
}

function failQuoted(
  input: string,
  i: number,
  c: number,
  name: string,
  open: number,
): WWWAuthenticateParseError {
  const n = input.length;
  if (c === BACKSLASH && i + 1 < n) {
    return fail(input, i + 1, `expected an escapable character after "\\" in parameter "${name}"`);
  }
  if (c === -1 || c === BACKSLASH) {
    return fail(
      input,
      n,
      `expected '"' to close the quoted-string of parameter "${name}" (opened at position ${open})`,
    );
  }
  return fail(input, i, `expected quoted-string text (no control characters) in parameter "${name}"`);
}

function failDuplicate(input: string, i: number, name: string, scheme: string): WWWAuthenticateParseError {
  return fail(
    input,
    i,
    `expected parameter "${name}" only once in challenge "${scheme}" (names are case-insensitive)`,
  );
}

// Consumes `OWS ( "," | end )` and any empty list elements after it; returns n at the end.
// `what` is a literal so the happy path builds no message strings.
function expectSeparator(input: string, i: number, what: string, scheme: string): number {
  i = skipWhitespace(input, i);
  if (i === input.length) return i;
  if (input.charCodeAt(i) !== COMMA) throw failSeparator(input, i, what, scheme);
  return skipSeparators(input, i + 1);
}

// The element right after `scheme 1*SP` is either a token68 or the first auth-param.
function readFirstItem(input: string, challenge: Challenge, start: number): number {
  const n = input.length;
  // The tchar run, walked as a parameter name.
  let i = scanName(input, start);
  const state = scannedState;
  let token68Chars = state !== NOT_KNOWN_NOR_TOKEN68;
  // "/" is the one token68 character that is not a tchar: the item goes on, as a token68 only.
  let firstNonTchar = -1;
  if (i < n && input.charCodeAt(i) === SLASH) {
    firstNonTchar = i;
    for (i++; i < n; i++) {
      const c = input.charCodeAt(i);
      if (c >= 0x80) break;
      const cls = CHAR_CLASS[c] as number;
      if ((cls & (TCHAR | TOKEN68)) === 0) break;
      if ((cls & TOKEN68) === 0) token68Chars = false;
    }
  }
  if (i === start) throw failAfterScheme(input, i, "a token68 or a parameter", challenge.scheme);
  const runEnd = i;
  if (i < n) {
    const c = input.charCodeAt(i);
    if (c !== SP && c !== HTAB && c !== COMMA && c !== EQUALS) {
      throw failAfterScheme(input, i, "a token68 or parameter-name character", challenge.scheme);
    }
  }
  const eq = skipWhitespace(input, runEnd);
  if (input.charCodeAt(eq) === EQUALS) {
    const v = skipWhitespace(input, eq + 1);
    const c = input.charCodeAt(v);
    // `name BWS "=" BWS value` with a value present is an auth-param (RFC 9110 §11.2).
    if (c === DQUOTE || isTchar(c)) {
      if (firstNonTchar >= 0)
        throw failAfterScheme(input, firstNonTchar, "a parameter name (token)", challenge.scheme);
      return readParamValue(input, challenge, start, runEnd, state, eq + 1);
    }
    return readPaddedToken68(input, challenge, start, runEnd, eq, v, token68Chars);
  }
  if (!token68Chars) throw failNotToken68(input, start, runEnd, challenge.scheme);
  challenge.token68 = input.slice(start, runEnd);
  return runEnd;
}

// The first character of input[start, end) that is a tchar but no token68 character.
function failNotToken68(
  input: string,
  start: number,
  end: number,
  scheme: string,
): WWWAuthenticateParseError {
  let i = start;
  while (i < end && ((CHAR_CLASS[input.charCodeAt(i)] as number) & TOKEN68) !== 0) i++;
  return failAfterScheme(input, i, "a token68 or a parameter", scheme);
}

// `abc=` / `abc==` then "," or end: RFC 9110 token68 allows trailing "=" padding, so this is
// a token68 (e.g. `Bearer realm=`), not a parameter missing its value. But `name=` followed by
// something that is neither a value nor a separator is reported as a parameter missing its
// value, which is the likelier mistake; `abc==x` stays a malformed token68.
function readPaddedToken68(
  input: string,
  challenge: Challenge,
  start: number,
  runEnd: number,
  eq: number,
  v: number,
  token68Chars: boolean,
): number {
  const c = input.charCodeAt(v);
  const looksLikeParam = v < input.length && c !== COMMA && input.charCodeAt(eq + 1) !== EQUALS;
  if (eq === runEnd && token68Chars && !looksLikeParam) {
    let end = runEnd;
    while (input.charCodeAt(end) === EQUALS) end++;
    challenge.token68 = input.slice(start, end);
    return end;
  }
  throw failNoValue(input, v, input.slice(start, runEnd).toLowerCase());
}

// Reads `BWS ( token / quoted-string )` at `valueFrom` (just past "=") and stores the parameter
// named by input[nameStart, nameEnd), whose trie walk ended in `nameState`; returns the index after
// the value.
function readParamValue(
  input: string,
  challenge: Challenge,
  nameStart: number,
  nameEnd: number,
  nameState: number,
  valueFrom: number,
): number {
  const n = input.length;
  const name = readName(input, nameStart, nameEnd, nameState);
  let i = skipWhitespace(input, valueFrom);
  let value: string;
  if (i < n && input.charCodeAt(i) === DQUOTE) {
    const from = i + 1;
    i = skipQdtext(input, from);
    if (i < n && input.charCodeAt(i) === DQUOTE) value = input.slice(from, i);
    else {
      i = readEscapedRest(input, from - 1, i, name);
      value = unescaped;
      unescaped = "";
    }
    i++;
  } else {
    const start = i;
    i = scanToken(input, i);
    if (i === start) throw failNoValue(input, i, name);
    value = input.slice(start, i);
  }

  const params = challenge.params;
  // RFC 9110 §11.2: each parameter name occurs at most once per challenge (names are case-insensitive).
  if (!addSeenName(name, nameState, params)) throw failDuplicate(input, nameStart, name, challenge.scheme);
  if (TRIE_ACCEPTS[nameState] !== undefined) storeKnown(params, name, value);
  else if (name === "__proto__") defineOwn(params, name, value);
  else params[name] = value;
  return i;
}

// The value of the last readEscapedRest; module state rather than an allocated pair.
let unescaped = "";

// The rest of a quoted-string whose text stopped at i on something other than the closing quote:
// a quoted-pair, or an error. `open` is the opening quote. Escapes are rare and the text between
// them short, so the rest is read here a character at a time rather than with a search call per
// piece. Returns the index of the closing quote.
function readEscapedRest(input: string, open: number, i: number, name: string): number {
  const n = input.length;
  let value = "";
  let from = open + 1;
  for (;;) {
    const c = i < n ? input.charCodeAt(i) : -1;
    if (c === DQUOTE) break;
    if (c >= 0x80 || (c >= 0 && ((CHAR_CLASS[c] as number) & QDTEXT) !== 0)) {
      i++;
      continue;
    }
    if (c === BACKSLASH && i + 1 < n) {
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ): keep the escaped character, drop the "\".
      const e = input.charCodeAt(i + 1);
      if (!((e < 0x20 && e !== HTAB) || e === 0x7f)) {
        value += input.slice(from, i);
        from = i + 1;
        i += 2;
        continue;
      }
    }
    throw failQuoted(input, i, c, name, open);
  }
  unescaped = value + input.slice(from, i);
  return i;
}

// Plain assignment would call the Object.prototype setter and replace the prototype.
function defineOwn(params: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
}

// Stores a parameter whose name is a KNOWN_NAMES literal. A store with a fixed property name gets
// its own inline cache, which remembers the few object layouts it has seen; one computed store
// for every name sees them all and falls back to V8's generic keyed store: about 14 ns per
// parameter against about 1 here (Node 20, params of the bench corpus), which was a tenth of a
// parse. The cases are KNOWN_NAMES' parameter names; a name missing here takes the default.
function storeKnown(params: Record<string, string>, name: string, value: string): void {
  switch (name) {
    case "realm":
      params.realm = value;
      return;
    case "error":
      params.error = value;
      return;
    case "error_description":
      params.error_description = value;
      return;
    case "error_uri":
      params.error_uri = value;
      return;
    case "scope":
      params.scope = value;
      return;
    case "resource_metadata":
      params.resource_metadata = value;
      return;
    case "resource":
      params.resource = value;
      return;
    case "algs":
      params.algs = value;
      return;
    case "acr_values":
      params.acr_values = value;
      return;
    case "max_age":
      params.max_age = value;
      return;
    case "charset":
      params.charset = value;
      return;
    case "nonce":
      params.nonce = value;
      return;
    case "opaque":
      params.opaque = value;
      return;
    case "stale":
      params.stale = value;
      return;
    case "algorithm":
      params.algorithm = value;
      return;
    case "qop":
      params.qop = value;
      return;
    case "domain":
      params.domain = value;
      return;
    case "userhash":
      params.userhash = value;
      return;
    case "authorization_uri":
      params.authorization_uri = value;
      return;
    case "as_uri":
      params.as_uri = value;
      return;
    case "type":
      params.type = value;
      return;
    case "title":
      params.title = value;
      return;
    case "challenge":
      params.challenge = value;
      return;
    case "token-key":
      params["token-key"] = value;
      return;
    default:
      params[name] = value;
  }
}
