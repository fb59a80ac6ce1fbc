import { describe, expect, it } from "vitest";
import { scopeSetKey, selectScopes, unionScopes } from "./scopes.js";

describe("unionScopes", () => {
  it("keeps first-occurrence order and drops duplicates and empty strings", () => {
    expect(unionScopes(["calendar.read", ""], ["files.write", "calendar.read"], undefined)).toEqual([
      "calendar.read",
      "files.write",
    ]);
  });
  it("is empty for no lists", () => {
    expect(unionScopes()).toEqual([]);
  });
});

describe("selectScopes (MCP 2025-11-25 scope selection)", () => {
  it("uses the challenge's scope first", () => {
    expect(selectScopes({ reason: "missing_token", challenged: ["a"], resourceScopes: ["a", "b"] })).toEqual([
      "a",
    ]);
  });
  it("falls back to the resource's scopes_supported", () => {
    expect(selectScopes({ reason: "missing_token", resourceScopes: ["a", "b"] })).toEqual(["a", "b"]);
  });
  it("falls back when the challenge's scope is empty", () => {
    expect(selectScopes({ reason: "missing_token", challenged: [], resourceScopes: ["b"] })).toEqual(["b"]);
  });
  it("asks for the union of held and challenged scopes on step-up", () => {
    expect(
      selectScopes({ reason: "insufficient_scope", challenged: ["files.write"], held: ["calendar.read"] }),
    ).toEqual(["calendar.read", "files.write"]);
    expect(
      selectScopes({ reason: "step_up", challenged: ["files.write"], held: ["files.write", "x"] }),
    ).toEqual(["files.write", "x"]);
  });
  it("ignores held scopes for a first consent", () => {
    expect(selectScopes({ reason: "missing_token", challenged: ["a"], held: ["old"] })).toEqual(["a"]);
  });
  it("adds offline_access only when the authorization server supports it", () => {
    expect(
      selectScopes({
        reason: "missing_token",
        challenged: ["a"],
        authorizationServerScopes: ["offline_access"],
      }),
    ).toEqual(["a", "offline_access"]);
    expect(
      selectScopes({ reason: "missing_token", challenged: ["a"], authorizationServerScopes: ["openid"] }),
    ).toEqual(["a"]);
  });
  it("asks for no scope when nothing names one", () => {
    expect(selectScopes({ reason: "missing_token" })).toEqual([]);
  });
});

describe("scopeSetKey", () => {
  it("ignores order and duplicates", () => {
    expect(scopeSetKey(["b", "a", "b"])).toBe(scopeSetKey(["a", "b"]));
  });
});
