/** @module Which addresses a server may make authbus fetch from: literal IPs and special names, checked before any request. */
/** The kind of address a URL's host is, as far as its text tells (no DNS). */
export type AddressKind = "public" | "loopback" | "private" | "link_local" | "unspecified" | "reserved";
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
export declare function addressKind(hostname: string): AddressKind;
