/**
 * @module URL-mode elicitations as consents: each one a consent record (channel `elicitation`)
 * in the app's consent store, settled when the server reports completion, the person says they
 * are done, declines, or time runs out.
 */
import { randomUUID } from "node:crypto";
import {
  type AuthBus,
  type ConsentRecord,
  type ConsentStatus,
  type ConsentStore,
  redactUrl,
} from "@authbus/core";
import type { UrlElicitationListener } from "./install-url-elicitation.js";
import { runOutsideRuns } from "./outside-runs.js";
import type { ElicitationAction, UrlElicitationRequest } from "./url-elicitation.js";

/** Options of {@link createUrlElicitations}. */
export interface UrlElicitationsOptions {
  /** The app's consent store (`stores.consents`): elicitations are consents of channel `elicitation`. */
  store: ConsentStore;
  bus: AuthBus;
  /** How long the person has to finish, in seconds. Default 600. */
  ttlSeconds?: number;
  /**
   * How often a held call's consent is read again (ms): settled by another worker whose event
   * did not reach this one, the call still goes on (or ends). Default 2000.
   */
  heldPollMs?: number;
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** A URL elicitation begun as a consent: what the card shows. */
export interface UrlElicitationConsent {
  consentId: string;
  serverName: string;
  resource: string;
  elicitationId: string;
  /** The server's URL, shown in full before the person opens it. */
  url: string;
  message: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** A URL elicitation consent's state, as `get()` reads it. */
export interface UrlElicitationView extends UrlElicitationConsent {
  subject: string;
  status: ConsentStatus;
}

/** A tool call that waits on an elicitation: how to answer the server, and the call itself. */
export interface HeldElicitation {
  /** Answers the server's `elicitation/create`; only the first answer counts. */
  answer(action: ElicitationAction): void;
  /** The call in flight, to be awaited once the person is done. */
  call?: Promise<unknown>;
}

/** Input of {@link UrlElicitations.begin}. */
export interface BeginUrlElicitationInput {
  request: UrlElicitationRequest;
  /** The tool call that caused it. */
  callId?: string | undefined;
}

/** See {@link createUrlElicitations}. */
export interface UrlElicitations extends UrlElicitationListener {
  /**
   * Begins (or joins: same subject, server and `elicitationId`) the consent for a URL
   * elicitation and emits `consent.required` (channel `elicitation`, the URL without its query).
   */
  begin(input: BeginUrlElicitationInput): Promise<UrlElicitationConsent>;
  /**
   * The server sent `notifications/elicitation/complete`: settles the matching pending consent
   * `granted`, answers a call still waiting `accept`, emits `elicitation.completed` (`by:
   * "server"`). Returns the consent id, or `undefined` when nothing pending matches.
   */
  completed(input: {
    subject: string;
    serverName: string;
    resource: string;
    elicitationId: string;
  }): Promise<string | undefined>;
  /** The person says they are done: as `completed`, with `by: "user"`. False if it was not pending. */
  finish(consentId: string): Promise<boolean>;
  /** The person declined: settles `denied`, answers `decline`, emits `consent.denied`. False if it was not pending. */
  decline(consentId: string): Promise<boolean>;
  /** A URL elicitation consent (expired first if its time is up), or `undefined` for any other consent. */
  get(consentId: string): Promise<UrlElicitationView | undefined>;
  /** Keeps a waiting call until the consent is answered (in this process only); answered `cancel` at expiry. */
  hold(consentId: string, held: HeldElicitation): void;
  /** Takes the held call of a consent, if this process holds one. */
  take(consentId: string): HeldElicitation | undefined;
  /** Stops timers and bus listeners; held calls are answered `cancel`. */
  close(): void;
}

function viewOf(record: ConsentRecord): UrlElicitationView | undefined {
  if (record.channel !== "elicitation" || record.elicitationId === undefined) return undefined;
  return {
    consentId: record.consentId,
    subject: record.subject,
    serverName: record.serverName,
    resource: record.resource,
    elicitationId: record.elicitationId,
    url: record.authorizationUrl,
    message: record.message ?? "",
    expiresAt: record.expiresAt,
    status: record.status,
  };
}

/**
 * Creates the URL-elicitation consents of an app: pass it as `elicitations` to
 * `createMCPClient` (it is the listener for completion notifications) and to the LangGraph
 * tool wrapper or middleware (which begin, hold and answer them).
 *
 * Each elicitation is a consent record in `store` with channel `elicitation`: the same wait
 * index, resume and recovery serve it as any consent, and `deny` / expiry of the OAuth consents
 * work on it too. Its `state` and `codeVerifier` are random and never sent; its `redirectUri`
 * is empty, so an OAuth consent for the same resource never joins it.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 * @example
 * const elicitations = createUrlElicitations({ store: stores.consents, bus });
 * const client = createMCPClient({ servers, tokens, bus, subject, elicitations });
 * bus.on("elicitation.completed", ({ consentId }) => resumeThreadsWaitingOn(consentId));
 */
export function createUrlElicitations(options: UrlElicitationsOptions): UrlElicitations {
  const { store, bus } = options;
  const ttl = (options.ttlSeconds ?? 600) * 1000;
  const now = options.now ?? Date.now;
  const held = new Map<string, HeldElicitation>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const heldPollMs = Math.max(1, options.heldPollMs ?? 2_000);
  /** The store reads of held calls' consents (see `watch`). */
  const watches = new Map<string, ReturnType<typeof setInterval>>();
  const beginning = new Map<string, Promise<UrlElicitationConsent>>();
  const callIds = new Map<string, string>();
  let closed = false;

  const whereOf = (record: { serverName: string; resource: string; subject: string; consentId: string }) => {
    const callId = callIds.get(record.consentId);
    return {
      serverName: record.serverName,
      resource: record.resource,
      subject: record.subject,
      ...(callId === undefined ? {} : { callId }),
    };
  };

  const unwatch = (consentId: string): void => {
    const watch = watches.get(consentId);
    if (watch) clearInterval(watch);
    watches.delete(consentId);
  };

  /**
   * Reads a held call's consent every `heldPollMs` until it is answered: one settled by another
   * worker (its bus event lost, or no bus bridge) still lets the call go on, or ends it.
   */
  const watch = (consentId: string): void => {
    if (closed || watches.has(consentId)) return;
    const timer = runOutsideRuns(() =>
      setInterval(() => {
        void store
          .get(consentId)
          .then((record) => {
            if (!record || !held.has(consentId)) return unwatch(consentId);
            if (record.status === "pending") return;
            answer(
              consentId,
              record.status === "granted" ? "accept" : record.status === "denied" ? "decline" : "cancel",
            );
          })
          .catch(() => undefined);
      }, heldPollMs),
    );
    timer.unref?.();
    watches.set(consentId, timer);
  };

  /**
   * Answers the server's request a held call waits on. The call stays held for the resumed run
   * to take (it then awaits the call rather than making it again), at most one more `ttl`.
   */
  const answer = (consentId: string, action: ElicitationAction): void => {
    unwatch(consentId);
    const found = held.get(consentId);
    if (!found) return;
    found.answer(action);
    const drop = setTimeout(() => {
      if (held.get(consentId) === found) held.delete(consentId);
    }, ttl);
    drop.unref?.();
  };

  const forget = (consentId: string): void => {
    const timer = timers.get(consentId);
    if (timer) clearTimeout(timer);
    timers.delete(consentId);
    callIds.delete(consentId);
  };

  const expire = async (record: ConsentRecord): Promise<void> => {
    if (await store.settle(record.consentId, "expired")) {
      bus.emit("consent.expired", { ...whereOf(record), consentId: record.consentId });
    }
    answer(record.consentId, "cancel");
    forget(record.consentId);
  };

  /** The elicitation consent, expired first if its time is up. */
  const read = async (consentId: string): Promise<ConsentRecord | undefined> => {
    const record = await store.get(consentId);
    if (record?.channel !== "elicitation") return undefined;
    if (record.status === "pending" && now() >= record.expiresAt) {
      await expire(record);
      return { ...record, status: "expired" };
    }
    return record;
  };

  const schedule = (record: ConsentRecord): void => {
    if (closed || timers.has(record.consentId)) return;
    const delay = Math.min(Math.max(0, record.expiresAt - now()), 2_147_483_647);
    // Set during a tool call: fires outside it, since `consent.expired` makes apps resume graphs.
    const timer = runOutsideRuns(() =>
      setTimeout(() => {
        timers.delete(record.consentId);
        void read(record.consentId).catch(() => undefined);
      }, delay),
    );
    timer.unref?.();
    timers.set(record.consentId, timer);
  };

  /** Settles a pending elicitation consent `granted` and tells whoever waits. */
  const grant = async (record: ConsentRecord, by: "server" | "user"): Promise<boolean> => {
    if (record.status !== "pending" || !(await store.settle(record.consentId, "granted"))) return false;
    answer(record.consentId, "accept");
    bus.emit("elicitation.completed", {
      ...whereOf(record),
      consentId: record.consentId,
      elicitationId: String(record.elicitationId),
      by,
    });
    forget(record.consentId);
    return true;
  };

  const findPending = async (
    subject: string,
    resource: string,
    serverName: string,
    elicitationId: string,
  ): Promise<ConsentRecord | undefined> => {
    const pending = await store.findPending(subject, resource);
    return pending.find(
      (record) =>
        record.channel === "elicitation" &&
        record.elicitationId === elicitationId &&
        record.serverName === serverName,
    );
  };

  const keyOf = (subject: string, resource: string, serverName: string, elicitationId: string): string =>
    JSON.stringify([subject, resource, serverName, elicitationId]);

  const create = async (input: BeginUrlElicitationInput): Promise<UrlElicitationConsent> => {
    const { request } = input;
    const joined = await findPending(
      request.subject,
      request.resource,
      request.serverName,
      request.elicitationId,
    );
    const found = joined ? await read(joined.consentId) : undefined;
    if (found?.status === "pending") {
      schedule(found);
      return viewOf(found) as UrlElicitationConsent;
    }
    const createdAt = now();
    const record: ConsentRecord = {
      consentId: randomUUID(),
      // No callback: never sent anywhere, only unique.
      state: randomUUID(),
      codeVerifier: randomUUID(),
      subject: request.subject,
      serverName: request.serverName,
      resource: request.resource,
      scopes: [],
      reason: "url_elicitation",
      authorizationUrl: request.url,
      issuer: "",
      clientId: "",
      redirectUri: "",
      createdAt,
      expiresAt: createdAt + ttl,
      status: "pending",
      channel: "elicitation",
      elicitationId: request.elicitationId,
      message: request.message,
    };
    await store.create(record);
    if (input.callId !== undefined) callIds.set(record.consentId, input.callId);
    schedule(record);
    bus.emit("consent.required", {
      ...whereOf(record),
      consentId: record.consentId,
      reason: "url_elicitation",
      scopes: [],
      // Events reach logs and telemetry: the server's URL without its query.
      authorizationUrl: redactUrl(record.authorizationUrl),
      expiresAt: record.expiresAt,
      channel: "elicitation",
    });
    return viewOf(record) as UrlElicitationConsent;
  };

  // Denials and expiry through other paths (the OAuth consents' `deny`, their lazy expiry)
  // answer a call that still waits.
  const onDenied = ({ consentId }: { consentId: string }) => answer(consentId, "decline");
  const onExpired = ({ consentId }: { consentId: string }) => answer(consentId, "cancel");
  // Granted by another worker (the person said "done" on a page it served; the event came over
  // the bridge): a call held here goes on, once the store confirms the grant.
  const onCompleted = ({ consentId }: { consentId: string }) => {
    if (!held.has(consentId)) return;
    void store
      .get(consentId)
      .then((record) => (record?.status === "granted" ? answer(consentId, "accept") : undefined))
      .catch(() => undefined);
  };
  bus.on("consent.denied", onDenied);
  bus.on("consent.expired", onExpired);
  bus.on("elicitation.completed", onCompleted);

  return {
    begin(input) {
      const { request } = input;
      const key = keyOf(request.subject, request.resource, request.serverName, request.elicitationId);
      const found = beginning.get(key);
      if (found) return found;
      const begun = create(input).finally(() => beginning.delete(key));
      beginning.set(key, begun);
      return begun;
    },

    async completed({ subject, serverName, resource, elicitationId }) {
      // A completion that overtakes its own begin waits for it.
      await beginning.get(keyOf(subject, resource, serverName, elicitationId))?.catch(() => undefined);
      const record = await findPending(subject, resource, serverName, elicitationId);
      if (!record) return undefined;
      return (await grant(record, "server")) ? record.consentId : undefined;
    },

    async finish(consentId) {
      const record = await read(consentId);
      return record ? grant(record, "user") : false;
    },

    async decline(consentId) {
      const record = await read(consentId);
      if (record?.status !== "pending" || !(await store.settle(consentId, "denied"))) return false;
      answer(consentId, "decline");
      bus.emit("consent.denied", { ...whereOf(record), consentId, error: "access_denied" });
      forget(consentId);
      return true;
    },

    async get(consentId) {
      const record = await read(consentId);
      return record ? viewOf(record) : undefined;
    },

    hold(consentId, entry) {
      let answered = false;
      const once: HeldElicitation = {
        ...entry,
        answer(action) {
          if (answered) return;
          answered = true;
          entry.answer(action);
        },
      };
      held.get(consentId)?.answer("cancel");
      held.set(consentId, once);
      watch(consentId);
    },

    take(consentId) {
      unwatch(consentId);
      const found = held.get(consentId);
      held.delete(consentId);
      return found;
    },

    close() {
      closed = true;
      bus.off("consent.denied", onDenied);
      bus.off("consent.expired", onExpired);
      bus.off("elicitation.completed", onCompleted);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      for (const consentId of [...watches.keys()]) unwatch(consentId);
      for (const entry of held.values()) entry.answer("cancel");
      held.clear();
    },
  };
}
