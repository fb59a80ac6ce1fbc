/** @module The server's own `/testkit/*` JSON routes, for tests in another process: token status and resource registration. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../shared/read-body.js";
import type { ResourceRegistry } from "./resource-registry.js";
import { sendJson } from "./send-response.js";
import { toList } from "./space-list.js";
import type { TokenLedger } from "./token-ledger.js";

/** Handles one `/testkit/*` request. */
export type HandleTestkitRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/**
 * `GET /testkit/token-status?jti=…` (the ledger's answer) and `POST /testkit/resources`
 * (`{ resource, scopes, name?, accessTokenTTL? }`); anything else is 404.
 */
export function createTestkitRoutes(deps: {
  ledger: TokenLedger;
  resources: ResourceRegistry;
}): HandleTestkitRoute {
  const { ledger, resources } = deps;
  return async (req, res, url) => {
    if (url.pathname === "/testkit/token-status" && req.method === "GET") {
      sendJson(res, 200, ledger.status(url.searchParams.get("jti") ?? ""));
      return;
    }
    if (url.pathname === "/testkit/resources" && req.method === "POST") {
      let body: { resource?: unknown; scopes?: unknown; name?: unknown; accessTokenTTL?: unknown };
      try {
        body = JSON.parse(await readBody(req, 64 * 1024)) as typeof body;
      } catch {
        sendJson(res, 400, { error: "invalid_request" });
        return;
      }
      try {
        resources.register(String(body.resource), toList(body.scopes), {
          ...(typeof body.name === "string" ? { name: body.name } : {}),
          ...(typeof body.accessTokenTTL === "number" ? { accessTokenTTL: body.accessTokenTTL } : {}),
        });
      } catch (error) {
        sendJson(res, 400, { error: "invalid_request", error_description: (error as Error).message });
        return;
      }
      sendJson(res, 201, { registered: true });
      return;
    }
    sendJson(res, 404, { error: "not_found" });
  };
}
