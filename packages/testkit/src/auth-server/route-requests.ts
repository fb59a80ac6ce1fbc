/** @module Which part of the server answers a request: the interaction pages, the `/testkit/*` routes, or oidc-provider. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { renderErrorPage } from "./interaction-pages.js";
import type { HandleInteraction } from "./interaction-routes.js";
import { sendHtml, sendJson } from "./send-response.js";
import type { HandleTestkitRoute } from "./testkit-routes.js";

/** What {@link createRequestRouter} routes to. */
export interface RouterDeps {
  issuer: string;
  interactions: HandleInteraction;
  testkitRoutes: HandleTestkitRoute;
  /** oidc-provider's own handler. */
  provider: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * The request handler of the server. A failed interaction gets an error page, a failed
 * `/testkit/*` route a JSON `server_error`; RFC 8414 metadata is served from the OpenID one.
 *
 * @see RFC 8414 §3
 */
export function createRequestRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", deps.issuer);
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(url.pathname);
    if (interaction) {
      deps.interactions(req, res, interaction[1] ?? "", interaction[2]).catch((error: unknown) => {
        const name = String((error as { name?: unknown }).name ?? "Error");
        if (res.headersSent) {
          res.end();
          return;
        }
        // oidc-provider's SessionNotFound: the interaction cookie is missing or expired.
        sendHtml(
          res,
          400,
          renderErrorPage(
            "invalid_request",
            name === "SessionNotFound"
              ? "interaction expired or cookies missing"
              : `interaction failed (${name})`,
          ),
        );
      });
      return;
    }
    if (url.pathname.startsWith("/testkit/")) {
      deps.testkitRoutes(req, res, url).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: "server_error" });
      });
      return;
    }
    if (url.pathname === "/.well-known/oauth-authorization-server") {
      // RFC 8414 §3: the same metadata oidc-provider serves for OpenID Connect discovery.
      req.url = `/.well-known/openid-configuration${url.search}`;
    }
    deps.provider(req, res);
  };
}
