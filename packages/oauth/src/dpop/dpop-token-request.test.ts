import { generateDPoPKey, publicDPoPJwk } from "@authbus/core";
import * as oauth from "oauth4webapi";
import { beforeEach, describe, expect, it } from "vitest";
import { createDPoPHandle, forgetDPoPNonces, sendTokenRequest } from "./dpop-token-request.js";
import { selectDPoPAlgorithm } from "./select-dpop-algorithm.js";

const as: oauth.AuthorizationServer = { issuer: "https://as.test", token_endpoint: "https://as.test/token" };
const client: oauth.Client = { client_id: "c1" };
const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function decode(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = jwt
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
  return { header, claims };
}

/** A token endpoint that wants `nonce` in the proof (RFC 9449 §8) and records each proof. */
function tokenEndpoint(nonces: string[]) {
  const proofs: string[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    const proof = new Headers(init?.headers).get("dpop");
    if (proof) proofs.push(proof);
    const wanted = nonces[0];
    const sent = proof ? decode(proof).claims.nonce : undefined;
    if (proof && wanted !== undefined && sent !== wanted) {
      return json({ error: "use_dpop_nonce" }, 400, { "dpop-nonce": wanted });
    }
    return json({ access_token: "AT-1", token_type: "DPoP", expires_in: 60 }, 200);
  };
  return { proofs, fetch };
}

function refresh(dpop: oauth.DPoPHandle | undefined, fetch: ReturnType<typeof tokenEndpoint>["fetch"]) {
  return sendTokenRequest(
    dpop,
    String(as.token_endpoint),
    () =>
      oauth.refreshTokenGrantRequest(as, client, oauth.None(), "RT-1", {
        [oauth.customFetch]: fetch,
        ...(dpop ? { DPoP: dpop } : {}),
      }),
    (response) => oauth.processRefreshTokenResponse(as, client, response),
  );
}

beforeEach(() => forgetDPoPNonces());

describe("DPoP token requests", () => {
  it("sends a proof of the stored key: htm, htu, iat, jti, no ath, the public jwk only", async () => {
    const key = await generateDPoPKey();
    const endpoint = tokenEndpoint([]);
    const response = await refresh(await createDPoPHandle(client, key), endpoint.fetch);
    expect(response.token_type).toBe("dpop");
    const { header, claims } = decode(endpoint.proofs[0] as string);
    expect(header).toEqual({ alg: "ES256", typ: "dpop+jwt", jwk: publicDPoPJwk(key) });
    expect(claims).toMatchObject({ htm: "POST", htu: "https://as.test/token" });
    expect(typeof claims.jti).toBe("string");
    expect(Math.abs((claims.iat as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(claims).not.toHaveProperty("ath");
  });

  it("retries once with the nonce of a use_dpop_nonce answer, and a new handle starts with it", async () => {
    const endpoint = tokenEndpoint(["n-1"]);
    await refresh(await createDPoPHandle(client, await generateDPoPKey()), endpoint.fetch);
    expect(endpoint.proofs.map((proof) => decode(proof).claims.nonce)).toEqual([undefined, "n-1"]);
    const [first, second] = endpoint.proofs.map((proof) => decode(proof).claims.jti);
    expect(first).not.toBe(second);

    // RFC 9449 §8: the nonce is the server's; another grant's first request carries it.
    await refresh(await createDPoPHandle(client, await generateDPoPKey()), endpoint.fetch);
    expect(endpoint.proofs.map((proof) => decode(proof).claims.nonce)).toEqual([undefined, "n-1", "n-1"]);
  });

  it("does not retry a second time, nor without DPoP", async () => {
    let calls = 0;
    const alwaysNonce = async () => {
      calls += 1;
      return json({ error: "use_dpop_nonce" }, 400, { "dpop-nonce": `n-${calls}` });
    };
    const error = await refresh(await createDPoPHandle(client, await generateDPoPKey()), alwaysNonce).catch(
      (e: unknown) => e,
    );
    expect(oauth.isDPoPNonceError(error)).toBe(true);
    expect(calls).toBe(2);

    calls = 0;
    await refresh(undefined, alwaysNonce).catch(() => undefined);
    expect(calls).toBe(1);
  });
});

describe("selectDPoPAlgorithm", () => {
  it("picks authbus's preferred algorithm among the advertised ones", () => {
    expect(selectDPoPAlgorithm({ advertised: ["PS256", "ES256"] })).toBe("ES256");
    expect(selectDPoPAlgorithm({ advertised: ["RS256", "PS256"] })).toBe("PS256");
    expect(selectDPoPAlgorithm({ advertised: ["EdDSA", "Ed25519"] })).toBe("Ed25519");
  });

  it("uses Bearer when the server does not do DPoP, unless told or the resource requires it", () => {
    expect(selectDPoPAlgorithm({ advertised: undefined })).toBeUndefined();
    expect(selectDPoPAlgorithm({ advertised: ["HS256", "none"] })).toBeUndefined();
    expect(selectDPoPAlgorithm({ advertised: undefined, mode: "always" })).toBe("ES256");
    expect(selectDPoPAlgorithm({ advertised: undefined, resourceRequiresDPoP: true })).toBe("ES256");
    expect(selectDPoPAlgorithm({ advertised: ["ES256"], mode: "never" })).toBeUndefined();
    expect(selectDPoPAlgorithm({ advertised: ["ES256"], mode: "never", resourceRequiresDPoP: true })).toBe(
      undefined,
    );
  });
});
