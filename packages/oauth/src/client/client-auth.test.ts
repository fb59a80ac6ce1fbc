import type * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { clientAuthFor, clientSecretBasic, secretMethodFor } from "./client-auth.js";

const as: oauth.AuthorizationServer = { issuer: "https://as.test" };

async function headerOf(auth: oauth.ClientAuth, clientId: string): Promise<string | null> {
  const headers = new Headers();
  await auth(as, { client_id: clientId }, new URLSearchParams(), headers);
  return headers.get("authorization");
}

describe("clientSecretBasic (RFC 6749 §2.3.1)", () => {
  it("leaves unreserved characters as they are, so servers that do not decode still match", async () => {
    const header = await headerOf(clientSecretBasic("s3cret-._~"), "test-client-id");
    const decoded = Buffer.from(String(header).slice("Basic ".length), "base64").toString();
    expect(decoded).toBe("test-client-id:s3cret-._~");
  });

  it("percent-encodes what must be encoded (':' in an id, spaces, '+', non-ASCII)", async () => {
    const header = await headerOf(clientSecretBasic("a b:ü+*"), "urn:x");
    const decoded = Buffer.from(String(header).slice("Basic ".length), "base64").toString();
    expect(decoded).toBe("urn%3Ax:a%20b%3A%C3%BC%2B%2A");
    // Form-decoding and percent-decoding both give the original values back.
    expect(new URLSearchParams(`v=${decoded.split(":")[1]}`).get("v")).toBe("a b:ü+*");
    expect(decodeURIComponent(String(decoded.split(":")[1]))).toBe("a b:ü+*");
  });
});

describe("clientAuthFor and secretMethodFor", () => {
  it("uses no client authentication without a secret or with 'none'", async () => {
    expect(await headerOf(clientAuthFor("client_secret_basic", undefined), "c")).toBeNull();
    expect(await headerOf(clientAuthFor("none", "s"), "c")).toBeNull();
  });

  it("puts client_secret_post in the body", async () => {
    const body = new URLSearchParams();
    await clientAuthFor("client_secret_post", "s")(as, { client_id: "c" }, body, new Headers());
    expect(body.get("client_secret")).toBe("s");
  });

  it("defaults to client_secret_basic unless the server lists only client_secret_post", () => {
    expect(secretMethodFor(as)).toBe("client_secret_basic");
    expect(secretMethodFor({ ...as, token_endpoint_auth_methods_supported: ["client_secret_post"] })).toBe(
      "client_secret_post",
    );
    expect(
      secretMethodFor({
        ...as,
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      }),
    ).toBe("client_secret_basic");
  });
});
