import { bridgeAuthBus, createAuthBus, isAuthbusError } from "@authbus/core";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from "../../testing/postgres.test-helpers.js";
import { startTcpProxy, type TcpProxy } from "../../testing/tcp-proxy.test-helpers.js";
import { openPostgresStores, type PostgresStores } from "./open-postgres-stores.js";
import { createPostgresBusTransport, NOTIFY_PAYLOAD_LIMIT } from "./postgres-bus-transport.js";

const secret = "connection-loss-test-secret-0123456789abcdef";
const alice = { subject: "alice", resource: "https://calendar.example.com/mcp" };
const tokens = { accessToken: "access-1", tokenType: "Bearer", scopes: [] };
const granted = (consentId: string, scopes: string[] = ["calendar.read"]) => ({
  serverName: "calendar",
  resource: alice.resource,
  subject: "alice",
  consentId,
  scopes,
  tokenFingerprint: "fp_AAAAAAAAAAAA",
});

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describePostgres("Postgres: lost connections and the bus bridge", (adminUrl) => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let direct: PostgresStores;
  let proxied: PostgresStores;

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl);
    direct = await openPostgresStores({ connectionString: db.url, secret });
    const url = new URL(db.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    proxied = await openPostgresStores({ connectionString: url.href, secret, max: 3 });
  });

  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
    await proxy?.close();
    await db?.drop();
  });

  it("a lost database is a typed error, and the stores work again once it is back", async () => {
    await proxied.tokens.set(alice, tokens);
    await proxy.cut();
    const error = await proxied.tokens.get(alice).catch((caught: unknown) => caught);
    expect(isAuthbusError(error, "STORE_UNAVAILABLE")).toBe(true);
    expect(String((error as Error).message)).not.toContain("postgres://");
    await expect(proxied.consents.settle("c1", "denied")).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "STORE_UNAVAILABLE"),
    );
    await expect(proxied.tokens.acquireRefreshLease(alice, 1_000)).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "STORE_UNAVAILABLE"),
    );
    await proxy.restore();
    expect(await proxied.tokens.get(alice)).toEqual(tokens);
  });

  it("bridges events between workers over LISTEN/NOTIFY, spools large ones, listens again after a loss", async () => {
    const [a, b] = [createAuthBus(), createAuthBus()];
    const received = vi.fn();
    const echoed = vi.fn();
    b.on("consent.granted", received);
    a.on("consent.granted", echoed);
    const reconnected = vi.fn();
    const listenerOfB = createPostgresBusTransport({ pool: proxied.pool, onReconnect: reconnected });
    const bridgeA = await bridgeAuthBus({
      bus: a,
      transport: createPostgresBusTransport({ pool: direct.pool }),
    });
    const bridgeB = await bridgeAuthBus({ bus: b, transport: listenerOfB });
    try {
      a.emit("consent.granted", granted("c1"));
      await until(() => received.mock.calls.length === 1);
      expect(received).toHaveBeenCalledWith(granted("c1"));
      expect(echoed).toHaveBeenCalledTimes(1); // its own emit only: no echo from the bridge

      // Larger than a NOTIFY payload: goes through the spool table, arrives whole and in order.
      const scopes = Array.from({ length: 800 }, (_, index) => `scope.${index}`);
      expect(JSON.stringify(scopes).length).toBeGreaterThan(NOTIFY_PAYLOAD_LIMIT);
      a.emit("consent.granted", granted("c2", scopes));
      a.emit("consent.granted", granted("c3"));
      await until(() => received.mock.calls.length === 3);
      expect(received.mock.calls.map(([event]) => event.consentId)).toEqual(["c1", "c2", "c3"]);
      expect(received.mock.calls[1]?.[0].scopes).toHaveLength(800);

      // B's listening connection is lost, then the database is back: B listens again.
      await proxy.cut();
      await until(() => !listenerOfB.listening);
      await proxy.restore();
      await until(() => reconnected.mock.calls.length > 0);
      a.emit("consent.granted", granted("c4"));
      await until(() => received.mock.calls.length === 4);
    } finally {
      await bridgeA.close();
      await bridgeB.close();
    }
  });
});
