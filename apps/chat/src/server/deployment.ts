/**
 * @module Where the chat keeps its state: SQLite files for one process (the default), or, with
 * `AUTHBUS_DATABASE_URL`, one Postgres database that every worker shares (stores, checkpoints,
 * and the bus bridged between workers over LISTEN/NOTIFY).
 */
import { join } from "node:path";
import { type AuthBus, type AuthBusBridge, bridgeAuthBus } from "@authbus/core";
import { createPostgresBusTransport, openPostgresStores } from "@authbus/oauth/postgres";
import { openSqliteStores } from "@authbus/oauth/sqlite";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { AuthbusStores } from "authbus";
import { CompactPostgresSaver } from "./compact-postgres-saver.js";
import { CompactSqliteSaver } from "./compact-sqlite-saver.js";

/** The stores and checkpointer of one process, and how its bus reaches the other workers. */
export interface Deployment {
  kind: "sqlite" | "postgres";
  stores: AuthbusStores & Required<Pick<AuthbusStores, "leases">>;
  checkpointer: BaseCheckpointSaver;
  /** Bridges the bus to the other workers (Postgres); nothing to do for one SQLite process. */
  connectBus(bus: AuthBus): Promise<void>;
  close(): Promise<void>;
}

// pg_advisory_lock key for PostgresSaver.setup(), which is not safe to run from two workers at once.
const CHECKPOINT_SETUP_LOCK = "7308125004122101537";

/**
 * Opens the chat's state: Postgres when `databaseUrl` is given (every worker opens the same
 * database; migrations run under advisory locks), else SQLite files in `dataDir`.
 */
export async function openDeployment(options: {
  dataDir: string;
  secret: string | undefined;
  databaseUrl?: string | undefined;
}): Promise<Deployment> {
  const secretOption = options.secret ? { secret: options.secret } : { development: true };
  if (!options.databaseUrl) {
    const stores = openSqliteStores({ path: join(options.dataDir, "authbus.db"), ...secretOption });
    // Only the latest checkpoint of each thread is kept (see CompactSqliteSaver).
    const checkpointer = CompactSqliteSaver.fromConnString(join(options.dataDir, "checkpoints.db"));
    return {
      kind: "sqlite",
      stores,
      checkpointer,
      connectBus: async () => undefined,
      async close() {
        stores.close();
        checkpointer.db.close();
      },
    };
  }
  const stores = await openPostgresStores({ connectionString: options.databaseUrl, ...secretOption });
  // Only the latest checkpoint of each thread is kept here too (see CompactPostgresSaver).
  const checkpointer = new CompactPostgresSaver(stores.pool);
  const client = await stores.pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [CHECKPOINT_SETUP_LOCK]);
    await checkpointer.setup();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [CHECKPOINT_SETUP_LOCK]).catch(() => undefined);
    client.release();
  }
  let bridge: AuthBusBridge | undefined;
  return {
    kind: "postgres",
    stores,
    checkpointer,
    async connectBus(bus) {
      bridge = await bridgeAuthBus({ bus, transport: createPostgresBusTransport({ pool: stores.pool }) });
    },
    async close() {
      await bridge?.close();
      await stores.close();
    },
  };
}
