/** @module Loads oidc-provider without its development notices on the console. */
import type * as OidcProviderModule from "oidc-provider";

type ConsoleMethod = "warn" | "info" | "log";

/**
 * Runs `fn` while console lines that start with `oidc-provider ` are dropped.
 * oidc-provider prints quick-start notices (unsupported runtime on Node 20, in-memory adapter);
 * they are expected here and only clutter test output. Other console output passes through.
 */
export async function withoutProviderNotices<T>(fn: () => T | Promise<T>): Promise<T> {
  const methods: ConsoleMethod[] = ["warn", "info", "log"];
  const originals = methods.map((m) => [m, console[m]] as const);
  for (const [method, original] of originals) {
    console[method] = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === "string" && /oidc-provider (WARNING|NOTICE):/.test(first)) return;
      original.apply(console, args);
    };
  }
  try {
    return await fn();
  } finally {
    for (const [method, original] of originals) console[method] = original;
  }
}

let loaded: Promise<typeof OidcProviderModule> | undefined;

/** Imports oidc-provider once, quietly. */
export function loadOidcProvider(): Promise<typeof OidcProviderModule> {
  loaded ??= withoutProviderNotices(() => import("oidc-provider"));
  return loaded;
}
