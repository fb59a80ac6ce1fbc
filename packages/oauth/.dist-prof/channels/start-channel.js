import { createBindingMessage, sendBackchannelRequest } from "./ciba.js";
import { sendDeviceAuthorization } from "./device.js";
/** Seconds between polls when the server does not say (CIBA Core §7.3, RFC 8628 §3.2). */
export const DEFAULT_POLL_INTERVAL = 5;
/**
 * Sends the CIBA or device authorization request of a new consent and returns what its record
 * keeps: the secret to poll with (`authReqId` / `deviceCode`, sealed by durable stores), the
 * interval, what the person is shown, and the expiry (the earlier of the consent's and the
 * server's). `authorizationUrl` becomes the verification URI (complete when given) for a device
 * consent, the issuer for a CIBA one (there is nothing to open).
 *
 * @see OpenID CIBA Core 1.0 §7, RFC 8628 §3.1–3.2
 * @throws {ConsentChannelError} when the server refuses the request.
 */
export async function startPolledChannel(input) {
    const { route, as, client, auth, choice, createdAt, ttlMs, http } = input;
    const expiresAt = (expiresIn) => createdAt + Math.min(ttlMs, Math.max(1, Math.floor(expiresIn)) * 1000);
    if (route.channel === "ciba") {
        const bindingMessage = input.options.bindingMessage
            ? input.options.bindingMessage(choice)
            : createBindingMessage();
        const started = await sendBackchannelRequest(as, client, auth, {
            loginHint: route.loginHint,
            scopes: choice.scopes,
            resource: input.resourceIndicator,
            bindingMessage,
            acrValues: input.acrValues,
            requestedExpiry: Math.max(1, Math.floor(ttlMs / 1000)),
        }, http);
        return {
            channel: "ciba",
            authReqId: started.authReqId,
            pollInterval: started.interval ?? DEFAULT_POLL_INTERVAL,
            ...(bindingMessage ? { bindingMessage } : {}),
            authorizationUrl: as.issuer,
            expiresAt: expiresAt(started.expiresIn),
        };
    }
    const started = await sendDeviceAuthorization(as, client, auth, { scopes: choice.scopes, resource: input.resourceIndicator }, http);
    return {
        channel: "device",
        deviceCode: started.deviceCode,
        pollInterval: started.interval ?? DEFAULT_POLL_INTERVAL,
        userCode: started.userCode,
        verificationUri: started.verificationUri,
        ...(started.verificationUriComplete ? { verificationUriComplete: started.verificationUriComplete } : {}),
        authorizationUrl: started.verificationUriComplete ?? started.verificationUri,
        expiresAt: expiresAt(started.expiresIn),
    };
}
