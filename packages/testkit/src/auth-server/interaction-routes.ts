/**
 * @module The login and consent interactions: the page for the current prompt, and what a submitted
 * form does (sign in at the chosen acr, grant the chosen scopes per resource, or deny).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { default as OidcProvider } from "oidc-provider";
import { readBody } from "../shared/read-body.js";
import { ACR_BASIC } from "./auth-server-types.js";
import { renderConsentPage, renderErrorPage, renderLoginPage } from "./interaction-pages.js";
import type { ResourceRegistry } from "./resource-registry.js";
import { sendHtml } from "./send-response.js";
import { toList } from "./space-list.js";
import type { UserDirectory } from "./user-directory.js";

/** What {@link createInteractionHandler} needs. */
export interface InteractionDeps {
  provider: OidcProvider;
  acrValues: readonly string[];
  users: UserDirectory;
  resources: ResourceRegistry;
}

/** Handles `/interaction/:uid` (no action: the page) and `/interaction/:uid/(login|confirm|abort)`. */
export type HandleInteraction = (
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  action: string | undefined,
) => Promise<void>;

type Details = Awaited<ReturnType<OidcProvider["interactionDetails"]>>;

/** What every step of one interaction knows. */
interface Step {
  req: IncomingMessage;
  res: ServerResponse;
  uid: string;
  details: Details;
  params: Record<string, unknown>;
  clientId: string;
  clientName: string;
}

/**
 * The interaction handler of one server. A request whose interaction cookie names another
 * interaction gets an error page; an unexpected action for the prompt too.
 *
 * @see OIDC Core §3.1.2.3, RFC 9470 §5, RFC 8707 §2
 */
export function createInteractionHandler(deps: InteractionDeps): HandleInteraction {
  const { provider, acrValues } = deps;

  const showPrompt = (step: Step): void => {
    const { res, uid, details, params, clientName } = step;
    if (details.prompt.name === "login") {
      const requestedAcr = toList(params.acr_values).find((a) => acrValues.includes(a));
      sendHtml(
        res,
        200,
        renderLoginPage({
          uid,
          clientName,
          acrValues,
          selectedAcr: requestedAcr ?? acrValues[0] ?? ACR_BASIC,
          loginHint: typeof params.login_hint === "string" ? params.login_hint : undefined,
        }),
      );
      return;
    }
    const requestedScopes = toList(params.scope);
    sendHtml(
      res,
      200,
      renderConsentPage({
        uid,
        clientName,
        user: details.session?.accountId ?? "",
        resources: deps.resources.describe(params),
        oidcScopes: requestedScopes.filter((s) => s === "openid" || s === "offline_access"),
      }),
    );
  };

  const finishLogin = async (step: Step, form: URLSearchParams): Promise<void> => {
    const { req, res, uid, clientName } = step;
    const user = (form.get("login") ?? "").trim();
    const problem = deps.users.checkLogin(user, form.get("password") ?? "");
    const postedAcr = form.get("acr");
    const acr = postedAcr && acrValues.includes(postedAcr) ? postedAcr : (acrValues[0] ?? ACR_BASIC);
    if (problem) {
      sendHtml(
        res,
        200,
        renderLoginPage({ uid, clientName, acrValues, selectedAcr: acr, loginHint: user, error: problem }),
      );
      return;
    }
    const strongest = acrValues.indexOf(acr) > 0;
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user, acr, amr: strongest ? ["pwd", "otp"] : ["pwd"], remember: true } },
      { mergeWithLastSubmission: false },
    );
  };

  const finishConsent = async (step: Step, form: URLSearchParams): Promise<void> => {
    const { req, res, details, clientId } = step;
    const accountId = details.session?.accountId;
    if (!accountId) {
      sendHtml(res, 400, renderErrorPage("invalid_request", "no signed-in user"));
      return;
    }
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
      : new provider.Grant({ accountId, clientId });
    const limit = form.has("grant_scopes") ? new Set(toList(form.get("grant_scopes"))) : undefined;
    const allowed = (scope: string) => limit === undefined || limit.has(scope);
    const promptDetails = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const oidcScopes = promptDetails.missingOIDCScope ?? [];
    grant.addOIDCScope(oidcScopes.filter((s) => allowed(s) || s === "openid"));
    const rejectedOidc = oidcScopes.filter((s) => !allowed(s) && s !== "openid");
    if (rejectedOidc.length) grant.rejectOIDCScope(rejectedOidc);
    if (promptDetails.missingOIDCClaims?.length) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
      // RFC 8707: scopes are granted per resource; the access token for `resource` carries only these.
      const granted = scopes.filter(allowed);
      const rejected = scopes.filter((s) => !allowed(s));
      if (granted.length) grant.addResourceScope(resource, granted);
      if (rejected.length) grant.rejectResourceScope(resource, rejected);
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  return async (req, res, uid, action) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      sendHtml(
        res,
        400,
        renderErrorPage("invalid_request", "interaction does not match this browser session"),
      );
      return;
    }
    const params = details.params as Record<string, unknown>;
    const clientId = String(params.client_id ?? "");
    const client = await provider.Client.find(clientId);
    const step: Step = {
      req,
      res,
      uid,
      details,
      params,
      clientId,
      clientName: client?.clientName ?? clientId,
    };
    const prompt = details.prompt.name;

    if (req.method === "GET" && action === undefined) {
      showPrompt(step);
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "GET, POST" }).end();
      return;
    }
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    if (action === "abort") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "End-User denied the request" },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (action === "login" && prompt === "login") {
      await finishLogin(step, form);
      return;
    }
    if (action === "confirm" && prompt === "consent") {
      await finishConsent(step, form);
      return;
    }
    sendHtml(
      res,
      400,
      renderErrorPage("invalid_request", `unexpected ${action ?? "page"} for the ${prompt} prompt`),
    );
  };
}
