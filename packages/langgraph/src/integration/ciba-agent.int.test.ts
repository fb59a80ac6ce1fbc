import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { normalizeResource } from "@authbus/core";
import { openSqliteStores } from "@authbus/oauth/sqlite";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseText, STORE_SECRET, secretsOf } from "../testing/consent-world.test-helpers.js";

const example = fileURLToPath(new URL("../../examples/ciba-agent.ts", import.meta.url));
let demo: DemoServers;
let dir: string;

beforeAll(async () => {
  demo = await startDemoServers({ authServer: { polling: { interval: 1 } } });
  dir = mkdtempSync(join(tmpdir(), "authbus-ciba-agent-"));
});

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("examples/ciba-agent.ts", () => {
  it("pauses on a 401, asks through CIBA, and finishes after the person approves out of band", async () => {
    const paths = { storePath: join(dir, "authbus.db"), checkpointPath: join(dir, "checkpoints.db") };
    const proc = spawn(process.execPath, ["--import", "tsx", example], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: {
        ...process.env,
        AUTHBUS_SECRET: STORE_SECRET,
        AUTHBUS_EXAMPLE: JSON.stringify({ calendarUrl: demo.calendar.url, ...paths }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    const paused = await new Promise<string>((resolve, reject) => {
      proc.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n").find((l) => l.startsWith("paused:"));
        if (line) resolve(line);
      });
      void exited.then((code) => reject(new Error(`the example exited (${code}) before pausing: ${err}`)));
    });

    // The person sees the same binding message on their phone, and approves there.
    const bindingMessage = /showing (\S+)$/.exec(paused)?.[1];
    expect(paused).toContain("via ciba");
    const [request] = demo.authServer.backchannelRequests().filter((r) => r.loginHint === "alice");
    expect(request?.bindingMessage).toBe(bindingMessage);
    await demo.authServer.approveBackchannel("alice");
    expect(await exited).toBe(0);
    expect(out).toContain("consent granted; resuming");
    expect(out).toContain("assistant: Here you go: Team standup");
    expect(demo.calendar.foreignTokens()).toEqual([]);

    // No token, auth_req_id or device code in the checkpoints, the bus events or the logs.
    using stores = openSqliteStores({ path: paths.storePath, secret: STORE_SECRET });
    const tokens = await stores.tokens.get({
      subject: "alice",
      resource: normalizeResource(demo.calendar.url),
    });
    expect(tokens?.refreshToken).toBeTruthy();
    const secrets = [
      ...secretsOf([tokens]),
      ...demo.authServer.backchannelRequests().map((r) => r.authReqId),
      ...demo.authServer.deviceRequests().map((r) => r.deviceCode),
    ];
    const checkpoints = databaseText(paths.checkpointPath);
    // The interrupt was checkpointed (the binding message is meant to be shown) …
    expect(checkpoints).toContain(String(bindingMessage));
    expect(out).toContain("event consent.granted");
    // … and nothing that grants access was.
    for (const where of [checkpoints, out, err, databaseText(paths.storePath)]) {
      expect(secrets.filter((secret) => where.includes(secret))).toEqual([]);
    }
  });
});
