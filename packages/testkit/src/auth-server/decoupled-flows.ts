/**
 * @module CIBA (poll mode) and device authorization (RFC 8628) for the testkit authorization
 * server, with headless approval: tests answer as the person would on their phone or at the
 * verification page.
 */

import { AuthbusError } from "@authbus/core";
import type * as OidcProviderModule from "oidc-provider";
import type { CIBAConfiguration, KoaContextWithOIDC, default as OidcProvider } from "oidc-provider";
import { assertPositiveSeconds } from "./assert-seconds.js";
import { toList } from "./space-list.js";

/** `grant_type` of CIBA (OpenID CIBA Core 1.0 §10.1). */
export const CIBA_GRANT = "urn:openid:params:grant-type:ciba";
/** `grant_type` of device authorization (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** Options of the polled flows (CIBA poll mode and device authorization). */
export interface PollingFlowOptions {
  /**
   * The `interval` (seconds) the CIBA and device authorization responses give (CIBA Core
   * §7.3, RFC 8628 §3.2). Default 5, the default both specifications give.
   */
  interval?: number;
  /** How long an `auth_req_id` or a `device_code` stays valid, in seconds. Default 600. */
  expiresIn?: number;
}

/** A CIBA request the server received: what the person's device would show. */
export interface BackchannelRequestView {
  /** The `auth_req_id` (a secret of the client; here so tests can check it never leaks). */
  authReqId: string;
  loginHint: string;
  accountId: string;
  clientId: string;
  /** The `binding_message` shown on the device. */
  bindingMessage: string | undefined;
  /** Every requested scope (`openid` included). */
  scopes: string[];
  /** The RFC 8707 resource(s) asked for. */
  resources: string[];
  acrValues: string[];
  status: "pending" | "approved" | "denied";
  /** Epoch milliseconds. */
  receivedAt: number;
}

/** A device authorization the server issued. */
export interface DeviceRequestView {
  /** The `device_code` (a secret of the client; here so tests can check it never leaks). */
  deviceCode: string;
  /** The `user_code` as shown to the person (with its dash). */
  userCode: string;
  clientId: string;
  scopes: string[];
  resources: string[];
  status: "pending" | "approved" | "denied";
  /** Epoch milliseconds. */
  receivedAt: number;
}

/** Options of `approveBackchannel`. */
export interface ApproveBackchannelOptions {
  /** Approve (default) or deny, as the person would on their device. */
  approve?: boolean;
  /** Grant only these of the requested scopes (default: all requested); `openid` is always kept. */
  scopes?: readonly string[];
  /** The authentication level the person reached (default: the first requested `acr_values`, else the server's weakest). */
  acr?: string;
}

/** Options of `approveDevice`. */
export interface ApproveDeviceOptions extends ApproveBackchannelOptions {
  /** Who signs in at the verification page. Default `"alice"`. */
  user?: string;
}

/** One poll of the token endpoint with a CIBA or device code grant. */
export interface PollRecord {
  grant: "ciba" | "device_code";
  /** Epoch milliseconds. */
  at: number;
  /** `tokens`, or the OAuth `error` answered (`authorization_pending`, `slow_down`, …). */
  answer: string;
}

interface DecoupledFlowsInit {
  errors: typeof OidcProviderModule.errors;
  /** Why a user name is refused, or undefined when it may sign in. */
  checkUser: (name: string) => string | undefined;
  acrValues: readonly string[];
  options: PollingFlowOptions;
}

/** RFC 8628 §6.1: user codes compare without case or punctuation (oidc-provider's normalisation). */
function normalizeUserCode(input: string): string {
  return input.toUpperCase().replace(/\W/g, "");
}

/**
 * The polled flows of one testkit authorization server: oidc-provider's `features.ciba` (poll
 * mode; the login hint is the account id) and `features.deviceFlow`, the advertised `interval`,
 * and headless approval.
 *
 * @see OpenID CIBA Core 1.0 §7, §10, §11; RFC 8628 §3
 */
export function createDecoupledFlows(init: DecoupledFlowsInit) {
  assertPositiveSeconds(init.options.interval, "polling.interval");
  assertPositiveSeconds(init.options.expiresIn, "polling.expiresIn");
  const interval = init.options.interval ?? 5;
  const expiresIn = init.options.expiresIn ?? 600;
  const { errors } = init;
  const backchannel = new Map<string, BackchannelRequestView>();
  const devices = new Map<string, DeviceRequestView>();
  const polls: PollRecord[] = [];
  let slowDowns = 0;
  let provider: OidcProvider | undefined;

  const ciba: CIBAConfiguration = {
    enabled: true,
    deliveryModes: ["poll"],
    // The login hint names the account directly; an unknown user is `unknown_user_id`.
    processLoginHint: (_ctx, loginHint) =>
      loginHint && init.checkUser(loginHint) === undefined ? loginHint : undefined,
    processLoginHintToken: () => {
      throw new errors.InvalidRequest("login_hint_token is not supported here; use login_hint");
    },
    verifyUserCode: () => undefined,
    validateRequestContext: () => undefined,
    // CIBA Core §7.1: a short, plain message the device can show.
    validateBindingMessage: (_ctx, bindingMessage) => {
      if (bindingMessage !== undefined && !/^[a-zA-Z0-9-._+/!?#]{1,20}$/.test(bindingMessage)) {
        throw new errors.InvalidBindingMessage(
          "binding_message must be 1-20 characters of [a-zA-Z0-9-._+/!?#]",
        );
      }
    },
    // Where a real server would notify the person's phone; here the request waits for a test.
    triggerAuthenticationDevice: (ctx, request, account, client) => {
      const params = (request.params ?? {}) as Record<string, unknown>;
      backchannel.set(request.jti, {
        authReqId: request.jti,
        loginHint: String(ctx.oidc.params?.login_hint ?? account.accountId),
        accountId: account.accountId,
        clientId: client.clientId,
        bindingMessage: typeof params.binding_message === "string" ? params.binding_message : undefined,
        scopes: toList(request.scope),
        resources: toList(request.resource),
        acrValues: toList(params.acr_values),
        status: "pending",
        receivedAt: Date.now(),
      });
    },
  };

  const deviceFlow = {
    enabled: true,
    deviceInfo: (ctx: KoaContextWithOIDC) => ({ ua: ctx.get("user-agent") }),
  };

  const ttl = {
    BackchannelAuthenticationRequest: expiresIn,
    DeviceCode: expiresIn,
  };

  const requireProvider = (): OidcProvider => {
    if (!provider) throw new Error("the decoupled flows are not installed");
    return provider;
  };

  const grantFor = async (
    accountId: string,
    clientId: string,
    requested: readonly string[],
    resources: readonly string[],
    options: ApproveBackchannelOptions,
    resourceScopes: (resource: string) => readonly string[] | undefined,
  ) => {
    const oidc = requireProvider();
    const limit = options.scopes ? new Set(options.scopes) : undefined;
    const granted = requested.filter(
      (scope) => scope === "openid" || limit === undefined || limit.has(scope),
    );
    const grant = new oidc.Grant({ accountId, clientId });
    const oidcScopes = granted.filter((scope) => scope === "openid" || scope === "offline_access");
    if (oidcScopes.length) grant.addOIDCScope(oidcScopes);
    for (const resource of resources) {
      // RFC 8707: scopes are granted per resource; the access token for it carries only these.
      const known = resourceScopes(resource) ?? [];
      const forResource = granted.filter((scope) => known.includes(scope));
      if (forResource.length) grant.addResourceScope(resource, forResource);
    }
    return { grant, grantId: await grant.save(), granted };
  };

  return {
    ciba,
    deviceFlow,
    ttl,
    /** Every CIBA request received, oldest first. */
    backchannelRequests: (): BackchannelRequestView[] => [...backchannel.values()].map((r) => ({ ...r })),
    /** Every device authorization issued, oldest first. */
    deviceRequests: (): DeviceRequestView[] => [...devices.values()].map((r) => ({ ...r })),
    /** Every CIBA and device code poll of the token endpoint, oldest first. */
    polls: (): PollRecord[] => polls.map((p) => ({ ...p })),
    slowDownNextPolls(count: number) {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new AuthbusError({
          code: "TESTKIT_INVALID_OPTIONS",
          message: "count must be a whole number ≥ 0",
        });
      }
      slowDowns = count;
    },

    /** Binds to the provider: adds `interval` to the responses and watches the polls. */
    install(oidc: OidcProvider) {
      provider = oidc;
      oidc.on("device_authorization.success", (_ctx, body) => {
        const response = body as { device_code?: unknown; user_code?: unknown };
        const params = (_ctx.oidc.params ?? {}) as Record<string, unknown>;
        if (typeof response.device_code !== "string" || typeof response.user_code !== "string") return;
        devices.set(response.device_code, {
          deviceCode: response.device_code,
          userCode: response.user_code,
          clientId: String(_ctx.oidc.client?.clientId ?? ""),
          scopes: toList(params.scope),
          resources: toList(params.resource),
          status: "pending",
          receivedAt: Date.now(),
        });
      });
      oidc.use(async (ctx, next) => {
        await next();
        const oidcCtx = (ctx as Partial<KoaContextWithOIDC>).oidc;
        const route = oidcCtx?.route;
        if (
          (route === "backchannel_authentication" || route === "device_authorization") &&
          ctx.status === 200
        ) {
          // CIBA Core §7.3, RFC 8628 §3.2: how long to wait between polls.
          ctx.body = { ...(ctx.body as object), interval };
          return;
        }
        if (route !== "token") return;
        const grantType = oidcCtx?.params?.grant_type;
        if (grantType !== CIBA_GRANT && grantType !== DEVICE_CODE_GRANT) return;
        const body = ctx.body as { error?: unknown } | undefined;
        let answer = ctx.status === 200 ? "tokens" : String(body?.error ?? ctx.status);
        if (answer === "authorization_pending" && slowDowns > 0) {
          // RFC 8628 §3.5, CIBA Core §11: the client must add 5 seconds to its interval.
          slowDowns -= 1;
          answer = "slow_down";
          ctx.body = { error: "slow_down", error_description: "polling too fast; add 5 seconds" };
        }
        polls.push({ grant: grantType === CIBA_GRANT ? "ciba" : "device_code", at: Date.now(), answer });
      });
    },

    /**
     * Answers a pending CIBA request as the person would on their device: by its `auth_req_id`,
     * or the newest pending request for a login hint.
     */
    async approveBackchannel(
      authReqIdOrLoginHint: string,
      options: ApproveBackchannelOptions,
      resourceScopes: (resource: string) => readonly string[] | undefined,
    ): Promise<BackchannelRequestView> {
      const oidc = requireProvider();
      const view =
        backchannel.get(authReqIdOrLoginHint) ??
        [...backchannel.values()]
          .reverse()
          .find((r) => r.status === "pending" && r.loginHint === authReqIdOrLoginHint);
      if (view?.status !== "pending") {
        throw new AuthbusError({
          code: "TESTKIT_INVALID_OPTIONS",
          message: `no pending backchannel authentication request for ${JSON.stringify(authReqIdOrLoginHint)}`,
        });
      }
      const request = await oidc.BackchannelAuthenticationRequest.find(view.authReqId);
      if (!request || request.isExpired) {
        throw new AuthbusError({
          code: "TESTKIT_INVALID_OPTIONS",
          message: "the backchannel authentication request expired",
        });
      }
      if (options.approve === false) {
        await oidc.backchannelResult(request, new errors.AccessDenied("End-User denied the request"));
        view.status = "denied";
        return { ...view };
      }
      const { grant } = await grantFor(
        view.accountId,
        view.clientId,
        view.scopes,
        view.resources,
        options,
        resourceScopes,
      );
      const acr = options.acr ?? view.acrValues.find((a) => init.acrValues.includes(a)) ?? init.acrValues[0];
      await oidc.backchannelResult(request, grant, {
        ...(acr ? { acr } : {}),
        amr: acr !== undefined && init.acrValues.indexOf(acr) > 0 ? ["pwd", "otp"] : ["pwd"],
        authTime: Math.floor(Date.now() / 1000),
      });
      view.status = "approved";
      return { ...view };
    },

    /** Answers a device authorization as the person would at the verification page, by its user code. */
    async approveDevice(
      userCode: string,
      options: ApproveDeviceOptions,
      resourceScopes: (resource: string) => readonly string[] | undefined,
    ): Promise<DeviceRequestView> {
      const oidc = requireProvider();
      const code = await oidc.DeviceCode.findByUserCode(normalizeUserCode(userCode));
      const view = code ? devices.get(code.jti) : undefined;
      if (!code || !view || view.status !== "pending" || code.isExpired || code.accountId || code.error) {
        throw new AuthbusError({
          code: "TESTKIT_INVALID_OPTIONS",
          message: `no pending device authorization for user code ${JSON.stringify(userCode)}`,
        });
      }
      if (options.approve === false) {
        // RFC 8628 §3.5: the token endpoint then answers access_denied.
        Object.assign(code, { error: "access_denied", errorDescription: "End-User denied the request" });
        await code.save();
        view.status = "denied";
        return { ...view };
      }
      const user = options.user ?? "alice";
      const problem = init.checkUser(user);
      if (problem)
        throw new AuthbusError({ code: "TESTKIT_INVALID_OPTIONS", message: `approveDevice: ${problem}` });
      const { grantId, granted } = await grantFor(
        user,
        view.clientId,
        view.scopes,
        view.resources,
        options,
        resourceScopes,
      );
      const acr = options.acr ?? init.acrValues[0];
      Object.assign(code, {
        accountId: user,
        grantId,
        scope: granted.join(" "),
        ...(view.resources.length === 1 ? { resource: view.resources[0] } : {}),
        ...(view.resources.length > 1 ? { resource: view.resources } : {}),
        ...(acr ? { acr } : {}),
        amr: ["pwd"],
        authTime: Math.floor(Date.now() / 1000),
      });
      await code.save();
      view.status = "approved";
      return { ...view };
    },
  };
}

/** The polled flows of one server; see {@link createDecoupledFlows}. */
export type DecoupledFlows = ReturnType<typeof createDecoupledFlows>;
