import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { MCPClientError } from "./mcp-client-error.js";

describe("MCPClientError", () => {
  it("serialises without its cause and narrows by each of its codes", () => {
    const secret = "Bearer eyJhbGciOiJFUzI1NiJ9.c2VjcmV0.sig";
    const cause = Object.assign(new Error(`401 with ${secret}`), { headers: { authorization: secret } });
    for (const code of [
      "MCP_CONNECT_FAILED",
      "MCP_CLIENT_CLOSED",
      "MCP_INVALID_CONFIG",
      "MCP_TOOL_NAME_COLLISION",
    ] as const) {
      const error: unknown = new MCPClientError({
        code,
        message: "files is unreachable",
        serverName: "files",
        cause,
      });
      expect(isAuthbusError(error, code) && error.serverName).toBe("files");
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(JSON.parse(JSON.stringify(error))).toEqual({
        name: "MCPClientError",
        code,
        message: "files is unreachable",
        serverName: "files",
      });
    }
  });
});
