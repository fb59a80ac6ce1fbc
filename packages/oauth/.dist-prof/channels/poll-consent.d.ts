/**
 * @module Polling the token endpoint for a CIBA or device consent until the person answers
 * (CIBA Core §7.3/§11, RFC 8628 §3.4–3.5): `interval`, `slow_down` (+5 s), and the same
 * outcomes and events as a redirect callback.
 */
import { type AuthBus, type ConsentRecord, type ConsentStore, type TokenStore } from "@authbus/core";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import { type ClientConfig } from "../client/resolve-client.js";
import type { Discovery } from "../discovery/create-discovery.js";
import { type HttpOptions } from "../shared/http-options.js";
/** RFC 8628 §3.5 / CIBA Core §11: every `slow_down` adds 5 seconds to the interval. */
export declare const SLOW_DOWN_SECONDS = 5;
/** Where a consent happened, for events. */
export interface EventWhere {
    serverName: string;
    resource: string;
    subject: string;
    callId?: string;
}
/** What the poller needs from the consents it belongs to. */
export interface ConsentPollerDeps {
    store: ConsentStore;
    tokens: TokenStore;
    bus: AuthBus;
    discovery: Discovery;
    registrations: ClientRegistrationStore;
    config: ClientConfig;
    http: HttpOptions;
    now: () => number;
    where: (record: ConsentRecord) => EventWhere;
    /** Settles a consent as expired (once) and emits `consent.expired`. */
    expire: (record: ConsentRecord) => Promise<void>;
    /** Drops what the consents keep for a settled consent (timers, call ids); stops polling it. */
    forget: (consentId: string) => void;
    /** Called when a poll finds the consent settled, whoever settled it. */
    settled: (record: ConsentRecord) => void;
}
/** Polls the token endpoint for the polled consents it watches. */
export interface ConsentPoller {
    /** Starts polling a pending CIBA or device consent (nothing if it is polled already or not polled at all). */
    watch(record: ConsentRecord): void;
    /** Stops polling one consent (a request in flight still finishes and is stored). */
    stop(consentId: string): void;
    /** While held, the poll timer keeps the process alive (someone awaits the outcome). */
    hold(consentId: string, held: boolean): void;
    /** Stops every poll. */
    close(): void;
}
/** Whether a consent settles by polling (CIBA or device authorization) rather than by a callback. */
export declare function isPolledConsent(record: ConsentRecord): boolean;
/**
 * Creates the poller of one consents instance. Before each poll it reads the consent again, so
 * polling stops as soon as the consent ends anywhere (denied, expired, granted by another
 * process); a poll that gets tokens stores them before settling the consent, as a callback does.
 *
 * @see OpenID CIBA Core 1.0 §7.3, §10.1, §11; RFC 8628 §3.4, §3.5; RFC 8707 §2.2; RFC 9449 §5
 */
export declare function createConsentPoller(deps: ConsentPollerDeps): ConsentPoller;
