import { isAuthbusError } from "@authbus/core";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CIBA_GRANT, DEVICE_CODE_GRANT } from "./decoupled-flows.js";
import { type AuthServer, DEFAULT_CLIENT_ID, startAuthServer } from "./start-auth-server.js";

const CALENDAR = "http://127.0.0.1:1/mcp";
let as: AuthServer;
let metadata: Record<string, unknown>;

beforeAll(async () => {
  as = await startAuthServer({
    resources: { [CALENDAR]: { scopes: ["calendar.read", "calendar.write"] } },
    users: ["alice", "bob"],
    polling: { interval: 1, expiresIn: 30 },
  });
  metadata = (await (await fetch(as.endpoints.oauthMetadata)).json()) as Record<string, unknown>;
});

afterAll(async () => {
  await as.close();
});

function post(url: unknown, body: Record<string, string>): Promise<Response> {
  return fetch(String(url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: DEFAULT_CLIENT_ID, ...body }),
  });
}

const poll = (grant: string, parameters: Record<string, string>) =>
  post(metadata.token_endpoint, { grant_type: grant, resource: CALENDAR, ...parameters });

describe("CIBA poll mode", () => {
  it("advertises the endpoint and poll mode, gives an interval, and issues tokens once approved", async () => {
    expect(metadata.backchannel_token_delivery_modes_supported).toEqual(["poll"]);
    const started = await post(metadata.backchannel_authentication_endpoint, {
      scope: "openid calendar.read offline_access",
      login_hint: "alice",
      binding_message: "KXQ7-M4TD",
      resource: CALENDAR,
    });
    expect(started.status).toBe(200);
    const { auth_req_id, interval, expires_in } = (await started.json()) as Record<string, unknown>;
    expect(interval).toBe(1);
    expect(expires_in).toBeLessThanOrEqual(30);
    expect((await (await poll(CIBA_GRANT, { auth_req_id: String(auth_req_id) })).json()).error).toBe(
      "authorization_pending",
    );
    as.slowDownNextPolls(1);
    expect((await (await poll(CIBA_GRANT, { auth_req_id: String(auth_req_id) })).json()).error).toBe(
      "slow_down",
    );

    const shown = await as.approveBackchannel("alice", { scopes: ["calendar.read", "offline_access"] });
    expect(shown).toMatchObject({ bindingMessage: "KXQ7-M4TD", accountId: "alice", status: "approved" });
    const issued = await poll(CIBA_GRANT, { auth_req_id: String(auth_req_id) });
    expect(issued.status).toBe(200);
    const body = (await issued.json()) as Record<string, string>;
    expect(decodeJwt(body.access_token ?? "")).toMatchObject({
      aud: CALENDAR,
      sub: "alice",
      scope: "calendar.read",
    });
    expect(body.refresh_token).toBeTruthy();
    expect(as.polls().map((p) => p.answer)).toEqual(["authorization_pending", "slow_down", "tokens"]);
  });

  it("answers access_denied after a denial, and refuses unknown users and approving twice", async () => {
    const started = await post(metadata.backchannel_authentication_endpoint, {
      scope: "openid calendar.read",
      login_hint: "bob",
      resource: CALENDAR,
    });
    const { auth_req_id } = (await started.json()) as Record<string, string>;
    await as.approveBackchannel(String(auth_req_id), { approve: false });
    expect((await (await poll(CIBA_GRANT, { auth_req_id: String(auth_req_id) })).json()).error).toBe(
      "access_denied",
    );
    await expect(as.approveBackchannel("bob")).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "TESTKIT_INVALID_OPTIONS"),
    );

    const unknown = await post(metadata.backchannel_authentication_endpoint, {
      scope: "openid calendar.read",
      login_hint: "mallory",
      resource: CALENDAR,
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toBe("unknown_user_id");
  });
});

describe("device authorization", () => {
  it("issues a user code and verification URI, and tokens once approved", async () => {
    const started = await post(metadata.device_authorization_endpoint, {
      scope: "calendar.read",
      resource: CALENDAR,
    });
    expect(started.status).toBe(200);
    const body = (await started.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ interval: 1, verification_uri: `${as.issuer}/device` });
    const deviceCode = String(body.device_code);
    expect((await (await poll(DEVICE_CODE_GRANT, { device_code: deviceCode })).json()).error).toBe(
      "authorization_pending",
    );
    // Case and dashes do not matter (RFC 8628 §6.1).
    await as.approveDevice(String(body.user_code).toLowerCase().replace("-", ""), { user: "bob" });
    const issued = await poll(DEVICE_CODE_GRANT, { device_code: deviceCode });
    expect(issued.status).toBe(200);
    const tokens = (await issued.json()) as Record<string, string>;
    expect(decodeJwt(tokens.access_token ?? "")).toMatchObject({ aud: CALENDAR, sub: "bob" });
    expect(as.deviceRequests().at(-1)).toMatchObject({ deviceCode, status: "approved" });
  });

  it("answers access_denied after a denial", async () => {
    const started = await post(metadata.device_authorization_endpoint, {
      scope: "calendar.read",
      resource: CALENDAR,
    });
    const body = (await started.json()) as Record<string, string>;
    await as.approveDevice(String(body.user_code), { approve: false });
    expect(
      (await (await poll(DEVICE_CODE_GRANT, { device_code: String(body.device_code) })).json()).error,
    ).toBe("access_denied");
  });
});
