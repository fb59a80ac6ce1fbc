import { describe, expect, it } from "vitest";
import { metadataResourceCovers } from "./resource-match.js";

describe("metadataResourceCovers (RFC 9728 §3.3 as MCP applies it)", () => {
  it("accepts the server itself, its origin (root metadata) and ancestors on a segment boundary", () => {
    expect(metadataResourceCovers("https://h.test/mcp", "https://h.test/mcp")).toBe(true);
    expect(metadataResourceCovers("https://h.test", "https://h.test/mcp")).toBe(true);
    expect(metadataResourceCovers("https://h.test/", "https://h.test/mcp")).toBe(true);
    expect(metadataResourceCovers("https://h.test/api", "https://h.test/api/v1/mcp")).toBe(true);
    expect(metadataResourceCovers("https://h.test/mcp/", "https://h.test/mcp")).toBe(true);
  });

  it("compares after RFC 3986 normalisation: scheme and host case, default port", () => {
    expect(metadataResourceCovers("HTTPS://H.TEST:443/mcp", "https://h.test/mcp")).toBe(true);
    expect(metadataResourceCovers("http://127.0.0.1:80", "http://127.0.0.1/mcp")).toBe(true);
  });

  it("refuses another origin, a sibling path, a child path, a different query and fragments", () => {
    expect(metadataResourceCovers("https://evil.test/mcp", "https://h.test/mcp")).toBe(false);
    expect(metadataResourceCovers("http://h.test/mcp", "https://h.test/mcp")).toBe(false);
    expect(metadataResourceCovers("https://h.test:8443/mcp", "https://h.test/mcp")).toBe(false);
    expect(metadataResourceCovers("https://h.test/mc", "https://h.test/mcp")).toBe(false);
    expect(metadataResourceCovers("https://h.test/mcp/admin", "https://h.test/mcp")).toBe(false);
    expect(metadataResourceCovers("https://h.test/mcp?t=1", "https://h.test/mcp?t=2")).toBe(false);
    expect(metadataResourceCovers("https://h.test/mcp#x", "https://h.test/mcp")).toBe(false);
  });

  it("refuses what is not an absolute URL", () => {
    expect(metadataResourceCovers("/mcp", "https://h.test/mcp")).toBe(false);
    expect(metadataResourceCovers("not a url", "https://h.test/mcp")).toBe(false);
    expect(metadataResourceCovers("urn:x:y", "https://h.test/mcp")).toBe(false);
  });
});
