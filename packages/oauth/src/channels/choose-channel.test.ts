import type * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { type ChannelChoiceInput, chooseChannel, offersCibaPoll } from "./choose-channel.js";
import { createBindingMessage } from "./ciba.js";

const input: ChannelChoiceInput = {
  subject: "alice",
  serverName: "calendar",
  resource: "https://calendar.example.com/mcp",
  reason: "missing_token",
  scopes: ["calendar.read"],
};
const bare: oauth.AuthorizationServer = { issuer: "https://as.example.com" };
const full: oauth.AuthorizationServer = {
  ...bare,
  backchannel_authentication_endpoint: "https://as.example.com/backchannel",
  backchannel_token_delivery_modes_supported: ["poll", "ping"],
  device_authorization_endpoint: "https://as.example.com/device/auth",
};

describe("chooseChannel", () => {
  it("is redirect by default", async () => {
    expect(await chooseChannel({}, input, full)).toEqual({ channel: "redirect" });
  });

  it("passes the app's choice what it decides on", async () => {
    const seen: ChannelChoiceInput[] = [];
    const options = {
      channel: (choice: ChannelChoiceInput) => {
        seen.push(choice);
        return "ciba" as const;
      },
      loginHint: async (subject: string) => `${subject}@example.com`,
    };
    expect(await chooseChannel(options, input, full)).toEqual({
      channel: "ciba",
      loginHint: "alice@example.com",
    });
    expect(seen).toEqual([input]);
  });

  it("falls back to redirect when CIBA cannot be used", async () => {
    const ciba = { channel: () => "ciba" as const, loginHint: (s: string) => s };
    expect(await chooseChannel(ciba, input, bare)).toEqual({ channel: "redirect" });
    expect(await chooseChannel({ ...ciba, loginHint: () => undefined }, input, full)).toEqual({
      channel: "redirect",
    });
    expect(await chooseChannel({ channel: ciba.channel }, input, full)).toEqual({ channel: "redirect" });
    const pingOnly = { ...full, backchannel_token_delivery_modes_supported: ["ping"] };
    expect(await chooseChannel(ciba, input, pingOnly)).toEqual({ channel: "redirect" });
    // CIBA carries acr_values, not max_age.
    expect(await chooseChannel(ciba, input, full, { acrValues: ["mfa"] })).toMatchObject({ channel: "ciba" });
    expect(await chooseChannel(ciba, input, full, { maxAge: 0 })).toEqual({ channel: "redirect" });
  });

  it("falls back to redirect when device authorization cannot be used", async () => {
    const device = { channel: () => "device" as const };
    expect(await chooseChannel(device, input, full)).toEqual({ channel: "device" });
    expect(await chooseChannel(device, input, bare)).toEqual({ channel: "redirect" });
    expect(await chooseChannel(device, input, full, { acrValues: ["mfa"] })).toEqual({ channel: "redirect" });
    expect(await chooseChannel(device, input, full, { maxAge: 300 })).toEqual({ channel: "redirect" });
  });

  it("reads CIBA poll mode as offered when the modes are not listed (CIBA Core §4)", () => {
    const { backchannel_token_delivery_modes_supported: _, ...unlisted } = full;
    expect(offersCibaPoll(unlisted)).toBe(true);
    expect(offersCibaPoll(bare)).toBe(false);
  });
});

describe("createBindingMessage", () => {
  it("makes short, plain, different codes servers accept", () => {
    const messages = new Set(Array.from({ length: 50 }, () => createBindingMessage()));
    expect(messages.size).toBe(50);
    for (const message of messages) expect(message).toMatch(/^[a-zA-Z0-9-._+/!?#]{1,20}$/);
  });
});
