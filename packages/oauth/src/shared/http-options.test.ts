import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import type { UrlRefusal } from "../errors/request-errors.js";
import { checkServerUrl, type HttpOptions, pickHttpOptions } from "./http-options.js";

function refusal(value: string, http: HttpOptions = {}, anchor?: string): UrlRefusal | undefined {
  try {
    checkServerUrl(value, "resource_metadata", http, anchor === undefined ? undefined : new URL(anchor));
    return undefined;
  } catch (error) {
    if (isAuthbusError(error, "URL_REFUSED")) return error.reason;
    throw error;
  }
}

describe("checkServerUrl (RFC 9728 §7.7)", () => {
  it("accepts public https URLs", () => {
    expect(refusal("https://mcp.example.com/.well-known/oauth-protected-resource")).toBeUndefined();
    expect(refusal("https://8.8.8.8/prm")).toBeUndefined();
  });

  it("refuses what is not an absolute URL, with a typed error instead of a TypeError", () => {
    expect(refusal("/x")).toBe("invalid_url");
    expect(refusal("not a url")).toBe("invalid_url");
    expect(refusal("")).toBe("invalid_url");
  });

  it("refuses other schemes, plain http off loopback, and credentials in the URL", () => {
    expect(refusal("ftp://mcp.example.com/x")).toBe("insecure_scheme");
    expect(refusal("file:///etc/passwd")).toBe("insecure_scheme");
    expect(refusal("http://mcp.example.com/x")).toBe("insecure_scheme");
    expect(refusal("http://127.0.0.1:8080/x", { allowHttpLoopback: false })).toBe("insecure_scheme");
    expect(refusal("https://user:pw@mcp.example.com/x")).toBe("credentials");
  });

  it("refuses private, loopback, link-local and unspecified literals by default", () => {
    for (const value of [
      "https://169.254.169.254/latest/meta-data/",
      "https://10.0.0.1/x",
      "https://192.168.0.10/x",
      "https://172.20.1.1/x",
      "https://[fd00::1]/x",
      "https://[fe80::1]/x",
      "http://127.0.0.1:6379/x",
      "http://localhost:6379/x",
      "https://0.0.0.0/x",
      "https://[::]/x",
      "https://2130706433/x",
      "https://0x7f.1/x",
      "https://[::ffff:169.254.169.254]/x",
    ]) {
      expect(refusal(value), value).toBe("private_network");
    }
  });

  it("allows the anchor's own host (any port): a server may point at itself, not into the network", () => {
    expect(refusal("http://127.0.0.1:4000/.well-known/x", {}, "http://127.0.0.1:3000/mcp")).toBeUndefined();
    expect(refusal("http://127.0.0.1:4000/x", {}, "https://mcp.example.com/mcp")).toBe("private_network");
    expect(refusal("http://localhost:4000/x", {}, "http://127.0.0.1:3000/mcp")).toBe("private_network");
    expect(refusal("https://10.0.0.2/x", {}, "https://10.0.0.1/mcp")).toBe("private_network");
  });

  it("allows private networks everywhere with allowPrivateNetworks", () => {
    expect(refusal("https://10.0.0.2/x", { allowPrivateNetworks: true })).toBeUndefined();
    expect(refusal("http://127.0.0.1:6379/x", { allowPrivateNetworks: true })).toBeUndefined();
    // The other rules still hold.
    expect(refusal("http://10.0.0.2/x", { allowPrivateNetworks: true })).toBe("insecure_scheme");
  });

  it("says how to allow it, and never repeats a query string", () => {
    let message = "";
    try {
      checkServerUrl("https://10.0.0.1/prm?token=abc", "resource_metadata", {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("allowPrivateNetworks");
    expect(message).not.toContain("token=abc");
  });
});

describe("pickHttpOptions", () => {
  it("copies only the transport options", () => {
    const signal = new AbortController().signal;
    const fetch = async () => new Response();
    expect(
      pickHttpOptions({
        fetch,
        timeoutMs: 5,
        signal,
        allowPrivateNetworks: true,
        allowHttpLoopback: false,
        other: 1,
      } as HttpOptions),
    ).toEqual({ fetch, timeoutMs: 5, signal, allowPrivateNetworks: true, allowHttpLoopback: false });
  });
});
