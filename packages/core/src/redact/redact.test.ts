import { describe, expect, it } from "vitest";
import { redactUrl, summarizeError } from "./redact.js";

describe("redactUrl", () => {
  it("drops user info, query and fragment", () => {
    expect(redactUrl("https://u:p@mcp.example.com/mcp?access_token=secret#frag")).toBe(
      "https://mcp.example.com/mcp",
    );
    expect(redactUrl(new URL("http://127.0.0.1:8080/sse?session=1"))).toBe("http://127.0.0.1:8080/sse");
    expect(redactUrl("not a url")).toBe("(invalid URL)");
  });
});

describe("summarizeError", () => {
  it("keeps a string code and the message, nothing else", () => {
    const error = Object.assign(new Error("refused"), { code: "REFRESH_FAILED", token: "secret" });
    expect(summarizeError(error)).toEqual({ code: "REFRESH_FAILED", message: "refused" });
    expect(summarizeError(Object.assign(new Error("x"), { code: 42 }))).toEqual({ message: "x" });
    expect(summarizeError("plain")).toEqual({ message: "plain" });
  });
});
