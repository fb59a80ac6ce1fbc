/** Whether `as` offers CIBA in poll mode (CIBA Core §4: the modes default to all three when not listed). */
export function offersCibaPoll(as) {
    if (typeof as.backchannel_authentication_endpoint !== "string")
        return false;
    const modes = as.backchannel_token_delivery_modes_supported;
    return !Array.isArray(modes) || modes.includes("poll");
}
/** Whether `as` offers device authorization (RFC 8628 §4). */
export function offersDeviceFlow(as) {
    return typeof as.device_authorization_endpoint === "string";
}
/**
 * The channel a consent goes through: the app's {@link ConsentChannelOptions.channel} choice
 * when the authorization server and the request allow it, else `redirect`.
 *
 * @see OpenID CIBA Core 1.0 §4, §7.1; RFC 8628 §3.1
 * @example
 * const route = await chooseChannel(options, input, as, { acrValues });
 * if (route.channel === "ciba") send(route.loginHint);
 */
export async function chooseChannel(options, input, as, constraints = {}) {
    const wanted = options.channel ? await options.channel(input) : "redirect";
    if (wanted === "ciba") {
        // CIBA Core §7.1 has acr_values but no max_age.
        if (!offersCibaPoll(as) || constraints.maxAge !== undefined)
            return { channel: "redirect" };
        const loginHint = options.loginHint ? await options.loginHint(input.subject) : undefined;
        return loginHint ? { channel: "ciba", loginHint } : { channel: "redirect" };
    }
    if (wanted === "device") {
        // RFC 8628 §3.1 defines no step-up parameters.
        const stepUp = (constraints.acrValues?.length ?? 0) > 0 || constraints.maxAge !== undefined;
        return offersDeviceFlow(as) && !stepUp ? { channel: "device" } : { channel: "redirect" };
    }
    return { channel: "redirect" };
}
