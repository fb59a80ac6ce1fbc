import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthBus } from "@authbus/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDeployment } from "./deployment.js";

const adminUrl = process.env.AUTHBUS_TEST_DATABASE_URL;
const ci = process.env.CI === "true" || process.env.CI === "1";
const secret = "chat-deployment-test-secret-0123456789abcdef";
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "authbus-chat-deployment-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("openDeployment", () => {
  it("without AUTHBUS_DATABASE_URL: SQLite files, one process", async () => {
    const deployment = await openDeployment({ dataDir: dir, secret });
    expect(deployment.kind).toBe("sqlite");
    await deployment.connectBus(createAuthBus());
    await deployment.close();
  });

  it.skipIf(!adminUrl && !ci)(
    "with a database URL: Postgres stores and checkpoints, workers starting together",
    async () => {
      if (!adminUrl) throw new Error("AUTHBUS_TEST_DATABASE_URL is not set (CI starts Postgres in .ci/run)");
      const name = `authbus_chat_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      try {
        const workers = await Promise.all(
          [0, 1, 2].map(() => openDeployment({ dataDir: dir, secret, databaseUrl: url.href })),
        );
        expect(workers.map((worker) => worker.kind)).toEqual(["postgres", "postgres", "postgres"]);
        const [a, b] = workers;
        const busA = createAuthBus();
        const busB = createAuthBus();
        await a?.connectBus(busA);
        await b?.connectBus(busB);
        const seen = new Promise((resolve) => busB.on("consent.denied", resolve));
        busA.emit("consent.denied", {
          serverName: "calendar",
          resource: "https://calendar.example.com/mcp",
          subject: "alice",
          consentId: "c1",
        });
        expect(await seen).toMatchObject({ consentId: "c1" });
        const config = { configurable: { thread_id: "t1", checkpoint_ns: "" } };
        expect(await a?.checkpointer.getTuple(config)).toBeUndefined();
        await Promise.all(workers.map((worker) => worker.close()));
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
  );
});
