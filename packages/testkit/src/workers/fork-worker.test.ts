import { describe, expect, it } from "vitest";
import { forkWorker } from "./fork-worker.js";

type Command = { type: "echo" } | { type: "fail" } | { type: "announce" };
const script = new URL("./echo-worker.test-helpers.ts", import.meta.url);

describe("forkWorker", () => {
  it("sends commands, reads replies (failed ones too) and announcements, and stops the worker", async () => {
    const worker = await forkWorker<Command>({ script, name: "echo" });
    expect(await worker.request({ type: "echo" })).toMatchObject({ ok: true, echoed: "echo" });
    expect(await worker.request({ type: "fail" })).toMatchObject({ ok: false, error: "asked to fail" });
    const hello = worker.next("hello");
    await worker.request({ type: "announce" });
    expect(await hello).toMatchObject({ type: "hello", from: worker.process.pid });
    await worker.stop();
    expect(worker.process.exitCode).toBe(0);
  });

  it("SIGKILLs a worker, and killing it again is harmless", async () => {
    const worker = await forkWorker<Command>({ script, name: "echo" });
    await worker.kill();
    expect(worker.process.signalCode).toBe("SIGKILL");
    await worker.kill();
    await worker.stop();
  });

  it("names a worker that exits before it is ready", async () => {
    await expect(forkWorker<Command>({ script, name: "early", env: { EXIT_EARLY: "1" } })).rejects.toThrow(
      "worker early exited before it was ready",
    );
  });
});
