import { McpError, UrlElicitationRequiredError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import {
  readUrlElicitation,
  readUrlElicitationRequired,
  URL_ELICITATION_REQUIRED,
} from "./url-elicitation.js";

const elicitation = {
  mode: "url",
  elicitationId: "el-1",
  url: "https://octo.example.com/authorize?request=x",
  message: "Connect Octo.",
};

describe("readUrlElicitation", () => {
  it("reads URL mode (MCP 2025-11-25 ElicitRequestURLParams)", () => {
    expect(readUrlElicitation(elicitation)).toEqual({
      elicitationId: "el-1",
      url: elicitation.url,
      message: "Connect Octo.",
    });
  });

  it("refuses form mode, missing fields and URLs a browser must not open", () => {
    expect(readUrlElicitation({ ...elicitation, mode: "form" })).toBeUndefined();
    expect(readUrlElicitation({ ...elicitation, mode: undefined })).toBeUndefined();
    expect(readUrlElicitation({ ...elicitation, elicitationId: "" })).toBeUndefined();
    for (const url of ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "not a url"]) {
      expect(readUrlElicitation({ ...elicitation, url })).toBeUndefined();
    }
    expect(readUrlElicitation(null)).toBeUndefined();
  });
});

describe("readUrlElicitationRequired", () => {
  it("reads the elicitations of a -32042 error, by code (the SDK's class or a plain McpError)", () => {
    expect(URL_ELICITATION_REQUIRED).toBe(-32042);
    const sdk = new UrlElicitationRequiredError([elicitation as never]);
    expect(readUrlElicitationRequired(sdk)).toEqual([
      { elicitationId: "el-1", url: elicitation.url, message: "Connect Octo." },
    ]);
    const plain = new McpError(-32042, "needed", {
      elicitations: [elicitation, { mode: "url", url: "javascript:x" }],
    });
    expect(readUrlElicitationRequired(plain)).toHaveLength(1);
  });

  it("is undefined for other errors and for -32042 without usable elicitations", () => {
    expect(readUrlElicitationRequired(new McpError(-32001, "timeout"))).toBeUndefined();
    expect(readUrlElicitationRequired(new McpError(-32042, "x", { elicitations: [] }))).toBeUndefined();
    expect(readUrlElicitationRequired(new McpError(-32042, "x"))).toBeUndefined();
    expect(readUrlElicitationRequired("-32042")).toBeUndefined();
  });
});
