import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConsentRecord, isAuthbusError } from "@authbus/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStores } from "../stores/sqlite/open-sqlite-stores.js";
import { acceptCallback, COMPLETION_CLAIM_MS } from "./accept-callback.js";

const dir = mkdtempSync(join(tmpdir(), "authbus-accept-callback-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = "accept-callback-test-secret-0123456789abcdef";
const stillPending = async () => true;

const consent = (consentId: string): ConsentRecord => ({
  consentId,
  state: `state-${consentId}`,
  codeVerifier: "VERIFIER-secret-1",
  subject: "alice",
  serverName: "calendar",
  resource: "https://calendar.example.com/mcp",
  scopes: ["calendar.read"],
  reason: "missing_token",
  authorizationUrl: `https://as.example.com/authorize?state=state-${consentId}`,
  issuer: "https://as.example.com",
  clientId: "client",
  redirectUri: "http://127.0.0.1/callback",
  createdAt: 1,
  expiresAt: 2_000_000_000_000,
  status: "pending",
});

const callbackFor = (consentId: string) => `http://127.0.0.1/callback?code=c&state=state-${consentId}`;

/** Two handles on one file, as two worker processes would have, and a reader of claim rows. */
function openTwo(name: string) {
  const path = join(dir, `${name}.db`);
  const first = openSqliteStores({ path, secret });
  const second = openSqliteStores({ path, secret });
  const db = new Database(path, { readonly: true });
  const read = db.prepare<[string], ClaimRow>("SELECT fence, expires_at FROM authbus_leases WHERE name = ?");
  return {
    first,
    second,
    claimRow: (consentId: string) => read.get(`completion:${consentId}`),
    close() {
      db.close();
      first.close();
      second.close();
    },
  };
}

interface ClaimRow {
  fence: number;
  expires_at: number;
}

/** Polls `check` until it returns a value other than `undefined`; generous deadline, no timing asserted. */
async function eventually<T>(check: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("acceptCallback's completion claim", () => {
  it("is short by default", () => {
    expect(COMPLETION_CLAIM_MS).toBeLessThanOrEqual(15_000);
  });

  it("a dead holder's claim (never renewed) is taken over once it expires", async () => {
    const opened = openTwo("dead-holder");
    const { first: dead, second: live, claimRow } = opened;
    try {
      await dead.consents.create(consent("c1"));
      // The "dead" worker claimed the consent and then stopped: nothing renews its claim.
      const deadClaim = await dead.consents.claimCompletion?.("c1", 1_500);
      expect(deadClaim?.fence).toBe(1);
      await expect(acceptCallback(live.consents, callbackFor("c1"), stillPending)).rejects.toSatisfy(
        (error) => isAuthbusError(error, "CONSENT_STATE") && error.problem === "in_progress",
      );
      // The retried callback (a browser reload) completes once the dead claim has run out.
      const accepted = await eventually(() =>
        acceptCallback(live.consents, callbackFor("c1"), stillPending, { claimMs: 5_000 }).catch(
          (error: unknown) => {
            if (isAuthbusError(error, "CONSENT_STATE") && error.problem === "in_progress") return undefined;
            throw error;
          },
        ),
      );
      try {
        expect(accepted.record.consentId).toBe("c1");
        expect(claimRow("c1")?.fence).toBe(2);
        // The old holder can neither renew nor release the claim it lost.
        expect(await deadClaim?.renew(1_500)).toBe(false);
        await deadClaim?.release();
        expect(await dead.consents.claimCompletion?.("c1", 1_500)).toBeUndefined();
      } finally {
        await accepted.release();
      }
      // Released by its holder: the next callback may claim it (and finds the consent still pending).
      const again = await acceptCallback(dead.consents, callbackFor("c1"), stillPending);
      expect(claimRow("c1")?.fence).toBe(3);
      await again.release();
    } finally {
      opened.close();
    }
  });

  it("a live holder's claim is renewed past its first length, and ends on release", async () => {
    const opened = openTwo("live-holder");
    const { first: holder, second: other, claimRow } = opened;
    try {
      await holder.consents.create(consent("c2"));
      const claimMs = 3_000;
      const accepted = await acceptCallback(holder.consents, callbackFor("c2"), stillPending, { claimMs });
      const first = claimRow("c2");
      if (!first) throw new Error("no claim row");
      // Renewed: the claim now ends well after its first expiry, and that expiry has passed.
      await eventually(async () => {
        const row = claimRow("c2");
        return row && row.expires_at > first.expires_at + claimMs && Date.now() > first.expires_at
          ? row
          : undefined;
      });
      expect(claimRow("c2")?.fence).toBe(first.fence);
      await expect(acceptCallback(other.consents, callbackFor("c2"), stillPending)).rejects.toSatisfy(
        (error) => isAuthbusError(error, "CONSENT_STATE") && error.problem === "in_progress",
      );
      expect(await other.consents.claimCompletion?.("c2", claimMs)).toBeUndefined();
      await accepted.release();
      // Released (no renewal lands after it): the other worker claims it at once.
      const taken = await other.consents.claimCompletion?.("c2", claimMs);
      expect(taken?.fence).toBe(first.fence + 1);
      await taken?.release();
    } finally {
      opened.close();
    }
  });

  it("claims only a pending consent: one settled by another worker is refused without a claim", async () => {
    const opened = openTwo("settled-elsewhere");
    const { first: stores, second: other, claimRow } = opened;
    try {
      await stores.consents.create(consent("c4"));
      // Read as pending by this worker's lookup, then granted by another before the claim.
      const findByState = stores.consents.findByState.bind(stores.consents);
      stores.consents.findByState = async (state) => {
        const record = await findByState(state);
        await other.consents.settle("c4", "granted");
        return record;
      };
      await expect(acceptCallback(stores.consents, callbackFor("c4"), stillPending)).rejects.toSatisfy(
        (error) => isAuthbusError(error, "CONSENT_STATE") && error.problem === "settled",
      );
      expect(claimRow("c4")).toBeUndefined();
      expect(await other.consents.claimCompletion?.("c4", 1_000)).toBeUndefined();
    } finally {
      opened.close();
    }
  });

  it("keeps the in-process guard: a second callback in the same process is refused", async () => {
    const opened = openTwo("in-process");
    const { first: stores, second: other } = opened;
    try {
      await stores.consents.create(consent("c3"));
      const accepted = await acceptCallback(stores.consents, callbackFor("c3"), stillPending);
      await expect(acceptCallback(stores.consents, callbackFor("c3"), stillPending)).rejects.toSatisfy(
        (error) => isAuthbusError(error, "CONSENT_STATE") && error.problem === "in_progress",
      );
      await stores.consents.settle("c3", "granted");
      await accepted.release();
      await expect(acceptCallback(other.consents, callbackFor("c3"), stillPending)).rejects.toSatisfy(
        (error) => isAuthbusError(error, "CONSENT_STATE") && error.problem === "settled",
      );
    } finally {
      opened.close();
    }
  });
});
