/** @module A worker for fork-worker's tests: echoes commands, fails `fail`, announces `hello`, exits at once with `EXIT_EARLY`. */
if (process.env.EXIT_EARLY === "1") process.exit(3);
process.on("message", (command: { id: number; type: string }) => {
  if (command.type === "close") {
    process.send?.({ id: command.id, ok: true });
    return;
  }
  if (command.type === "fail") {
    process.send?.({ id: command.id, ok: false, error: "asked to fail" });
    return;
  }
  if (command.type === "announce") process.send?.({ type: "hello", from: process.pid });
  process.send?.({ id: command.id, ok: true, echoed: command.type });
});
process.send?.({ type: "ready" });
