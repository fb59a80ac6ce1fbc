/**
 * @module Postgres for integration tests: each test file gets a database of its own (random
 * name, dropped afterwards) on the server `AUTHBUS_TEST_DATABASE_URL` names. In CI (`CI=true`)
 * a missing URL fails the tests; locally they are skipped with a message.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";

/** The admin connection URL of the test server, if any. */
export const TEST_DATABASE_URL = process.env.AUTHBUS_TEST_DATABASE_URL;

const MISSING =
  "AUTHBUS_TEST_DATABASE_URL is not set: start Postgres on 127.0.0.1 and set it " +
  "(e.g. postgres://postgres@127.0.0.1:5432/postgres); .ci/run does this in CI";

/**
 * `describe` for tests that need Postgres: without `AUTHBUS_TEST_DATABASE_URL` the suite fails in
 * CI and is skipped (with a message) elsewhere.
 */
export function describePostgres(name: string, body: (url: string) => void): void {
  if (TEST_DATABASE_URL) {
    describe(name, () => body(TEST_DATABASE_URL));
    return;
  }
  if (process.env.CI === "true" || process.env.CI === "1") {
    describe(name, () => {
      it("has a Postgres server to test against", () => {
        throw new Error(MISSING);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": ${MISSING}`);
  describe.skip(name, () => body(""));
}

/** A database made for one test file. */
export interface TestDatabase {
  /** Its connection URL. */
  url: string;
  name: string;
  /** Drops it (ending every connection to it first). */
  drop(): Promise<void>;
}

/** Creates a database with a random name on the server of `adminUrl`. */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `authbus_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
