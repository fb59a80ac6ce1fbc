/** @module Which addresses a server may make authbus fetch from: literal IPs and special names, checked before any request. */
// Each range: first address as a 32-bit number, prefix length, kind.
const IPV4_RANGES = [
    [ipv4(0, 0, 0, 0), 8, "unspecified"], // RFC 1122 §3.2.1.3 "this network"; 0.0.0.0 reaches the local host
    [ipv4(127, 0, 0, 0), 8, "loopback"], // RFC 1122 §3.2.1.3
    [ipv4(10, 0, 0, 0), 8, "private"], // RFC 1918
    [ipv4(172, 16, 0, 0), 12, "private"], // RFC 1918
    [ipv4(192, 168, 0, 0), 16, "private"], // RFC 1918
    [ipv4(100, 64, 0, 0), 10, "private"], // RFC 6598 shared address space (carrier-grade NAT)
    [ipv4(169, 254, 0, 0), 16, "link_local"], // RFC 3927; cloud metadata services live here
    [ipv4(224, 0, 0, 0), 4, "reserved"], // multicast
    [ipv4(240, 0, 0, 0), 4, "reserved"], // RFC 1112 reserved, and 255.255.255.255 broadcast
];
function ipv4(a, b, c, d) {
    return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}
function ipv4Kind(address) {
    for (const [base, prefix, kind] of IPV4_RANGES) {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        if ((address & mask) >>> 0 === base)
            return kind;
    }
    return "public";
}
// A dotted-quad as the WHATWG URL parser serialises every IPv4 host (it already turned
// `2130706433`, `0x7f.1` and `127.1` into `127.0.0.1`).
function parseIPv4(host) {
    const parts = host.split(".");
    if (parts.length !== 4)
        return undefined;
    let value = 0;
    for (const part of parts) {
        if (part === "" || part.length > 3)
            return undefined;
        for (let i = 0; i < part.length; i++) {
            const c = part.charCodeAt(i);
            if (c < 0x30 || c > 0x39)
                return undefined;
        }
        const n = Number(part);
        if (n > 255)
            return undefined;
        value = value * 256 + n;
    }
    return value;
}
// The eight 16-bit pieces of an IPv6 host as WHATWG URL serialises it: bracketed, lower-case
// hex, `::` for the longest zero run, never a dotted IPv4 tail.
function parseIPv6(host) {
    if (!host.startsWith("[") || !host.endsWith("]"))
        return undefined;
    const inner = host.slice(1, -1);
    const halves = inner.split("::");
    if (halves.length > 2)
        return undefined;
    const piecesOf = (text) => {
        if (text === "")
            return [];
        const pieces = [];
        for (const piece of text.split(":")) {
            if (piece === "" || piece.length > 4)
                return undefined;
            for (let i = 0; i < piece.length; i++) {
                const c = piece.charCodeAt(i);
                if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)))
                    return undefined;
            }
            pieces.push(Number.parseInt(piece, 16));
        }
        return pieces;
    };
    const head = piecesOf(halves[0]);
    const tail = halves.length === 2 ? piecesOf(halves[1]) : [];
    if (!head || !tail)
        return undefined;
    const missing = 8 - head.length - tail.length;
    if (halves.length === 1 ? missing !== 0 : missing < 1)
        return undefined;
    return [...head, ...new Array(missing).fill(0), ...tail];
}
function ipv6Kind(p) {
    const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = p;
    const embedded = ((g << 16) | h) >>> 0;
    if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
        if (f === 0 && g === 0 && h === 0)
            return "unspecified"; // ::
        if (f === 0 && g === 0 && h === 1)
            return "loopback"; // ::1
        // RFC 4291 §2.5.5: IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d).
        if (f === 0xffff || f === 0)
            return ipv4Kind(embedded);
    }
    // RFC 6052: the NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address.
    if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0)
        return ipv4Kind(embedded);
    if ((a & 0xfe00) === 0xfc00)
        return "private"; // RFC 4193 unique local, fc00::/7
    if ((a & 0xffc0) === 0xfe80)
        return "link_local"; // RFC 4291 §2.5.6, fe80::/10
    if ((a & 0xffc0) === 0xfec0)
        return "private"; // RFC 3879 deprecated site-local, fec0::/10
    if ((a & 0xff00) === 0xff00)
        return "reserved"; // multicast, ff00::/8
    return "public";
}
/**
 * What kind of address a URL's `hostname` names, from its text alone: a literal IPv4 or IPv6
 * address (including IPv4-mapped, IPv4-compatible and NAT64 forms of IPv6), or `localhost` and
 * its subdomains (RFC 6761 §6.3, always loopback). Any other name is `"public"`: names are not
 * resolved here.
 *
 * @see RFC 1918, RFC 6598, RFC 3927, RFC 4193, RFC 4291 §2.5, RFC 6052, RFC 6761 §6.3
 * @example
 * addressKind(new URL("http://2130706433/").hostname); // "loopback" (WHATWG URL made it 127.0.0.1)
 * addressKind(new URL("http://[::ffff:169.254.169.254]/").hostname); // "link_local"
 */
export function addressKind(hostname) {
    const host = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
    const lower = host.toLowerCase();
    if (lower === "localhost" || lower.endsWith(".localhost"))
        return "loopback";
    const v4 = parseIPv4(host);
    if (v4 !== undefined)
        return ipv4Kind(v4);
    const v6 = parseIPv6(lower);
    if (v6 !== undefined)
        return ipv6Kind(v6);
    return "public";
}
