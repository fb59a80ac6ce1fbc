/**
 * @module One worker process of the SIGKILL tests: the Postgres mail app, attached (recovery on
 * start, periodic sweep), driven by the parent over IPC. Its test hooks live here only: it can
 * hold its code exchange (a token request never sent on) or hold before a tool call's `started`
 * record, so the parent kills it at that moment. Run with `child_process.fork(…, { execArgv: ["--import", "tsx"] })`.
 */
import type { ConsentWaitStore } from "@authbus/core";
import type { HttpOptions } from "@authbus/oauth";
import { openPostgresMailApp } from "./postgres-mail-app.test-helpers.js";
import { lastText } from "./scripted-model.test-helpers.js";

/** How the parent configures a worker (JSON in `AUTHBUS_MAIL_WORKER`). */
export interface MailWorkerConfig {
  name: string;
  databaseUrl: string;
  mailUrl: string;
  leaseMs: number;
  sweepIntervalMs: number;
  /** Never send an authorization-code token request on (it is held here): the parent kills the worker then. */
  holdCodeExchange?: boolean;
}

/** Commands from the parent; each is answered with `{ id, ok, … }`. */
export type MailWorkerCommand =
  | { id: number; type: "ask"; threadId: string; subject: string; session: string; text: string }
  | { id: number; type: "callback"; url: string; session: string }
  | { id: number; type: "last"; threadId: string }
  /** Hold the next call of `toolName` before its `started` record is written (it never reaches the server). */
  | { id: number; type: "hold-before-start"; toolName: string }
  | { id: number; type: "errors" }
  | { id: number; type: "close" };

const config = JSON.parse(process.env.AUTHBUS_MAIL_WORKER ?? "{}") as MailWorkerConfig;
const send = (message: unknown): void => {
  process.send?.(message);
};
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

let holdTool: string | undefined;
const holdingWaits = (waits: ConsentWaitStore): ConsentWaitStore => ({
  addWait: (wait) => waits.addWait(wait),
  findWaits: (consentId) => waits.findWaits(consentId),
  listWaits: () => waits.listWaits(),
  removeWait: (consentId, threadId) => waits.removeWait(consentId, threadId),
  startCall(call) {
    if (holdTool !== undefined && call.toolName === holdTool) {
      send({ type: "before-start", toolName: call.toolName, threadId: call.threadId });
      return never();
    }
    return waits.startCall(call);
  },
  finishCall: (key, result, finishedAt) => waits.finishCall(key, result, finishedAt),
  getCall: (key) => waits.getCall(key),
  dropCall: (key) => waits.dropCall(key),
  listOpenCalls: () => waits.listOpenCalls(),
  pruneCalls: (before) => waits.pruneCalls(before),
});

const bodyOf = (init: RequestInit | undefined): string =>
  typeof init?.body === "string"
    ? init.body
    : init?.body instanceof URLSearchParams
      ? init.body.toString()
      : "";

const http: HttpOptions = config.holdCodeExchange
  ? {
      async fetch(input, init) {
        if (bodyOf(init).includes("grant_type=authorization_code")) {
          send({ type: "holding-exchange" });
          return never();
        }
        return fetch(input, init);
      },
    }
  : {};

const app = await openPostgresMailApp({
  databaseUrl: config.databaseUrl,
  mailUrl: config.mailUrl,
  recovery: { leaseMs: config.leaseMs, sweepIntervalMs: config.sweepIntervalMs },
  http,
  wrapWaits: holdingWaits,
});
await app.authbus.attach(app.agent);

async function handle(command: MailWorkerCommand): Promise<Record<string, unknown>> {
  switch (command.type) {
    case "ask": {
      await app.ask(command.threadId, command.subject, command.text, command.session);
      return { pending: await app.pending(command.threadId) };
    }
    case "callback": {
      const answer = await app.authbus.fetch(new Request(command.url), { session: command.session });
      return { status: answer.status };
    }
    case "last":
      return { text: lastText(await app.messages(command.threadId)) };
    case "hold-before-start":
      holdTool = command.toolName;
      return {};
    case "errors":
      return {
        errors: app.errors.map((error) =>
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        ),
      };
    case "close":
      await app.close();
      return {};
  }
}

process.on("message", (command: MailWorkerCommand) => {
  handle(command).then(
    (reply) => send({ id: command.id, ok: true, ...reply }),
    (error: unknown) =>
      send({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
send({ type: "ready" });
