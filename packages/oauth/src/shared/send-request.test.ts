import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { MAX_RESPONSE_BODY_BYTES } from "./limits.js";
import { sendBounded } from "./send-request.js";

const url = "https://as.test/token?secret=s3cr3t";
const never = (): Promise<Response> => new Promise<Response>(() => {});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

// A body that sends `first` and then never ends.
function stalledBody(first: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(first);
    },
  });
}

describe("sendBounded", () => {
  it("times out a fetch that ignores its signal, with a typed error naming the URL without its query", async () => {
    const error = await caught(sendBounded(url, {}, { fetch: never, timeoutMs: 30 }));
    expect(isAuthbusError(error, "REQUEST_TIMEOUT")).toBe(true);
    expect(error).toMatchObject({ code: "REQUEST_TIMEOUT", url: "https://as.test/token", timeoutMs: 30 });
    expect(String(error)).not.toContain("s3cr3t");
  });

  it("times out a body that stalls after the headers arrived", async () => {
    const fetch = async () => new Response(stalledBody(new TextEncoder().encode("{")), { status: 200 });
    expect(
      isAuthbusError(await caught(sendBounded(url, {}, { fetch, timeoutMs: 30 })), "REQUEST_TIMEOUT"),
    ).toBe(true);
  });

  it("passes one AbortSignal to the fetch and aborts it when the app's signal aborts", async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const fetch = (_input: string | URL | Request, init?: RequestInit) => {
      seen = init?.signal ?? undefined;
      return never();
    };
    const pending = sendBounded(url, {}, { fetch, signal: controller.signal, timeoutMs: 60_000 });
    controller.abort(new Error("user left"));
    const error = await caught(pending);
    expect(isAuthbusError(error, "REQUEST_ABORTED")).toBe(true);
    expect((error as Error).cause).toMatchObject({ message: "user left" });
    expect(seen?.aborted).toBe(true);
  });

  it("does not send at all when the signal is already aborted", async () => {
    let sent = 0;
    const fetch = async () => {
      sent += 1;
      return new Response("{}");
    };
    const error = await caught(sendBounded(url, {}, { fetch, signal: AbortSignal.abort() }));
    expect(isAuthbusError(error, "REQUEST_ABORTED")).toBe(true);
    expect(sent).toBe(0);
  });

  it("also honours a signal in the request init (oauth4webapi's `signal` option)", async () => {
    const controller = new AbortController();
    const pending = sendBounded(url, { signal: controller.signal }, { fetch: never });
    controller.abort();
    expect(isAuthbusError(await caught(pending), "REQUEST_ABORTED")).toBe(true);
  });

  it(`refuses a body over MAX_RESPONSE_BODY_BYTES (${MAX_RESPONSE_BODY_BYTES}), declared or streamed`, async () => {
    const big = new Uint8Array(MAX_RESPONSE_BODY_BYTES + 1);
    const declared = async () => new Response(big, { headers: { "content-length": String(big.length) } });
    const declaredError = await caught(sendBounded(url, {}, { fetch: declared }));
    expect(isAuthbusError(declaredError, "LIMIT_EXCEEDED")).toBe(true);
    expect(declaredError).toMatchObject({ limit: "response_body", max: MAX_RESPONSE_BODY_BYTES });
    const streamed = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(new Uint8Array(64 * 1024));
          },
        }),
      );
    expect(isAuthbusError(await caught(sendBounded(url, {}, { fetch: streamed })), "LIMIT_EXCEEDED")).toBe(
      true,
    );
  });

  it("hands back a readable copy: status, headers and a body of exactly the limit", async () => {
    const body = new Uint8Array(MAX_RESPONSE_BODY_BYTES).fill(0x20);
    const fetch = async () =>
      new Response(body, { status: 201, statusText: "Created", headers: { "x-a": "1" } });
    const response = await sendBounded(url, {}, { fetch });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Created");
    expect(response.headers.get("x-a")).toBe("1");
    expect((await response.arrayBuffer()).byteLength).toBe(MAX_RESPONSE_BODY_BYTES);
    const empty = await sendBounded(url, {}, { fetch: async () => new Response(null, { status: 204 }) });
    expect(empty.status).toBe(204);
    const redirect = await sendBounded(
      url,
      {},
      {
        fetch: async () => new Response(null, { status: 302, headers: { location: "/x" } }),
      },
    );
    expect(redirect.headers.get("location")).toBe("/x");
  });

  it("turns the HTTP client's header overflow into a HeaderTooLargeError", async () => {
    const server = createServer((_req, res) => {
      res.setHeader("x-big", "x".repeat(64 * 1024));
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await caught(sendBounded(`http://127.0.0.1:${port}/`, {}, {}));
      expect(isAuthbusError(error, "HEADER_TOO_LARGE")).toBe(true);
      expect(error).toMatchObject({ code: "HEADER_TOO_LARGE", header: "*" });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("passes other fetch failures through as the fetch rejected them", async () => {
    const failure = new TypeError("fetch failed");
    const error = await caught(sendBounded(url, {}, { fetch: async () => Promise.reject(failure) }));
    expect(error).toBe(failure);
  });
});
