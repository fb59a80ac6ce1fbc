/**
 * @module Running the refresher for a refused token, and reporting the refresh on the bus only
 * when the refresher does not report it itself.
 */
import {
  type AuthBus,
  fingerprintToken,
  summarizeError,
  type TokenKey,
  type TokenRefresher,
  type TokenSet,
} from "@authbus/core";
import type { FetchWhere } from "./auth-fetch-events.js";

/**
 * Runs `refresh` once for `key`. A refresher that reports on the bus itself (`createRefresher`
 * of `@authbus/oauth` does) is not echoed: the `token.*` events it emitted for this key are
 * watched, and only those it did not emit are emitted here, after it settles.
 *
 * @throws whatever the refresher throws.
 */
export async function refreshOnce(
  current: TokenSet,
  deps: { key: TokenKey; refresh: TokenRefresher; bus: AuthBus; where: () => FetchWhere },
): Promise<TokenSet> {
  const { key, refresh, bus, where } = deps;
  const previousFingerprint = await fingerprintToken(current.accessToken);
  let refresherReports = false;
  const watch = (event: { subject: string; resource: string }): void => {
    if (event.subject === key.subject && event.resource === key.resource) refresherReports = true;
  };
  bus.on("token.refreshing", watch);
  let next: TokenSet;
  try {
    next = await refresh(key, { stale: current });
  } catch (error) {
    bus.off("token.refreshing", watch);
    if (!refresherReports) {
      bus.emit("token.refreshing", { ...where(), tokenFingerprint: previousFingerprint });
      bus.emit("token.refresh_failed", { ...where(), error: summarizeError(error) });
    }
    throw error;
  }
  bus.off("token.refreshing", watch);
  if (!refresherReports) {
    bus.emit("token.refreshing", { ...where(), tokenFingerprint: previousFingerprint });
    bus.emit("token.refreshed", {
      ...where(),
      tokenFingerprint: await fingerprintToken(next.accessToken),
      previousFingerprint,
      ...(next.expiresAt === undefined ? {} : { expiresAt: next.expiresAt }),
    });
  }
  return next;
}
