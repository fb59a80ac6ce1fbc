import { describe, expect, it } from "vitest";
import { toToolServer } from "./resolve-server.js";

describe("toToolServer", () => {
  it("reads createMCPClient's serverFor() answer, keeping the refused connection's challenge", () => {
    const challenge = {
      status: 401,
      oauth: { scheme: "bearer", scope: ["files.read"] },
      headers: new Headers(),
    };
    expect(
      toToolServer({
        serverName: "files",
        resource: "https://files.example.com/mcp",
        connectTool: true,
        challenge,
      }),
    ).toEqual({
      serverName: "files",
      resource: "https://files.example.com/mcp",
      challenge: { status: 401, oauth: { scheme: "bearer", scope: ["files.read"] } },
    });
  });

  it("accepts { name, url } and ignores a malformed challenge", () => {
    expect(
      toToolServer({ name: "calendar", url: new URL("https://c.example.com/mcp"), challenge: "401" }),
    ).toEqual({
      serverName: "calendar",
      resource: "https://c.example.com/mcp",
    });
  });

  it("returns undefined for anything that does not name a server and its resource", () => {
    expect(toToolServer(undefined)).toBeUndefined();
    expect(toToolServer({ serverName: "files" })).toBeUndefined();
    expect(toToolServer("files")).toBeUndefined();
  });
});
