import { describe, expect, it } from "vitest";
import { type AddressKind, addressKind } from "./network-policy.js";

// Hosts as written in a URL; the WHATWG URL parser normalises them first, as fetch would.
const kind = (host: string): AddressKind => addressKind(new URL(`https://${host}/`).hostname);

describe("addressKind", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["localhost", "loopback"],
    ["LOCALHOST.", "loopback"],
    ["api.localhost", "loopback"], // RFC 6761 §6.3
    ["[::1]", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["[::]", "unspecified"],
    ["10.1.2.3", "private"], // RFC 1918
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"], // RFC 6598
    ["[fc00::1]", "private"], // RFC 4193
    ["[fd12:3456::1]", "private"],
    ["169.254.169.254", "link_local"], // RFC 3927: cloud metadata
    ["[fe80::1]", "link_local"], // RFC 4291 §2.5.6
    ["[febf::1]", "link_local"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["[ff02::1]", "reserved"],
  ] as const)("%s is %s", (host, expected) => {
    expect(kind(host)).toBe(expected);
  });

  it.each([
    ["2130706433", "loopback"], // decimal
    ["0x7f000001", "loopback"], // hex
    ["0x7f.1", "loopback"],
    ["127.1", "loopback"],
    ["0177.0.0.1", "loopback"], // octal
    ["0xa9.0xfe.0xa9.0xfe", "link_local"],
    ["[::ffff:127.0.0.1]", "loopback"], // IPv4-mapped, serialised as [::ffff:7f00:1]
    ["[::ffff:a9fe:a9fe]", "link_local"],
    ["[::ffff:10.0.0.1]", "private"],
    ["[0:0:0:0:0:ffff:c0a8:0101]", "private"],
    ["[::127.0.0.1]", "loopback"], // IPv4-compatible (deprecated)
    ["[64:ff9b::a9fe:a9fe]", "link_local"], // RFC 6052 NAT64
  ] as const)("%s (an IPv4 literal in another form) is %s", (host, expected) => {
    expect(kind(host)).toBe(expected);
  });

  it.each([
    "8.8.8.8",
    "172.32.0.1",
    "172.15.255.255",
    "100.128.0.1",
    "169.253.0.1",
    "[2001:db8::1]",
    "[::ffff:8.8.8.8]",
    "[fec0::1]".replace("fec0", "2606:4700"),
    "mcp.example.com",
    "localhost.example.com",
    "10.example.com",
  ])("%s is public (names are not resolved)", (host) => {
    expect(kind(host)).toBe("public");
  });

  it("treats the deprecated site-local fec0::/10 as private", () => {
    expect(kind("[fec0::1]")).toBe("private");
  });
});
