import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsentRecord } from "@authbus/core";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStores } from "../stores/sqlite/open-sqlite-stores.js";

const dir = mkdtempSync(join(tmpdir(), "authbus-poll-codes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = "a-test-secret-that-is-long-enough-0123456789";

function bytesOf(path: string): string {
  const parts = [path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p));
  return Buffer.concat(parts).toString("latin1");
}

const base: ConsentRecord = {
  consentId: "ciba-1",
  state: "STATE-unused-1",
  codeVerifier: "VERIFIER-unused-1",
  subject: "alice",
  serverName: "files",
  resource: "https://files.example.com/mcp",
  scopes: ["files.read"],
  reason: "missing_token",
  authorizationUrl: "https://as.example.com",
  issuer: "https://as.example.com",
  clientId: "c1",
  redirectUri: "http://127.0.0.1:3000/callback",
  createdAt: 1,
  expiresAt: 2_000_000_000_000,
  status: "pending",
};

describe("SQLite consent store and polled channels", () => {
  it("seals the auth_req_id and the device_code, keeps what is shown readable, and gives both back", async () => {
    const path = join(dir, "codes.db");
    const ciba: ConsentRecord = {
      ...base,
      channel: "ciba",
      authReqId: "AUTHREQ-secret-1c9f0e",
      pollInterval: 5,
      bindingMessage: "KXQ7-M4TD",
    };
    const device: ConsentRecord = {
      ...base,
      consentId: "device-1",
      state: "STATE-unused-2",
      channel: "device",
      deviceCode: "DEVICECODE-secret-77ab",
      userCode: "BCDF-GHJK",
      verificationUri: "https://as.example.com/device",
      pollInterval: 5,
    };
    {
      using stores = openSqliteStores({ path, secret });
      await stores.consents.create(ciba);
      await stores.consents.create(device);
    }
    const bytes = bytesOf(path);
    expect(bytes).not.toContain("AUTHREQ-secret-1c9f0e");
    expect(bytes).not.toContain("DEVICECODE-secret-77ab");
    expect(bytes).toContain("KXQ7-M4TD");
    using reopened = openSqliteStores({ path, secret });
    expect(await reopened.consents.get("ciba-1")).toEqual(ciba);
    expect(await reopened.consents.get("device-1")).toEqual(device);
    expect(await reopened.consents.findPending("alice", base.resource)).toHaveLength(2);
  });
});
