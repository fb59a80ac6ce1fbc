/** @module What one tool call learns of its URL elicitations while it runs, and how they are answered. */
import type {
  ElicitationAction,
  ElicitationAnswer,
  ElicitationScope,
  UrlElicitationRequest,
} from "@authbus/mcp";

/** A server's `elicitation/create` that waits for an answer. */
export interface AskedElicitation {
  request: UrlElicitationRequest;
  /** Answers the server (the first answer counts), under the consent it was asked as, if any. */
  answer(action: ElicitationAction, consentId?: string): void;
}

/** See {@link createElicitationGate}. */
export interface ElicitationGate {
  /** Pass to `runWithElicitationScope` around the call. */
  readonly scope: ElicitationScope;
  /** Resolves with the first `elicitation/create` of the call (never, if there is none). */
  readonly asked: Promise<AskedElicitation>;
  /** The elicitations of a -32042 refusal, if the call got one. */
  readonly required: readonly UrlElicitationRequest[];
  /** Whether the server asked for any elicitation, either way. */
  readonly wanted: boolean;
}

/** Options of {@link createElicitationGate}. */
export interface ElicitationGateOptions {
  /** The run's subject: elicitations from another subject's client are refused. */
  subject: string;
  /** Answer every `elicitation/create` `cancel` (a call made again after the person was asked once). */
  refuseAll?: boolean;
}

/**
 * Creates the scope of one call. The first `elicitation/create` waits for its answer (the person
 * decides); any later one, and every one with `refuseAll`, is answered `cancel` at once: one
 * elicitation round per call.
 */
export function createElicitationGate(options: ElicitationGateOptions): ElicitationGate {
  const refuseAll = options.refuseAll ?? false;
  let notify: (asked: AskedElicitation) => void = () => undefined;
  const asked = new Promise<AskedElicitation>((resolve) => {
    notify = resolve;
  });
  const required: UrlElicitationRequest[] = [];
  let first = true;
  let wanted = false;

  const scope: ElicitationScope = {
    request(request, signal) {
      wanted = true;
      if (refuseAll || !first || request.subject !== options.subject) {
        return Promise.resolve({ action: "cancel" });
      }
      first = false;
      return new Promise<ElicitationAnswer>((resolve) => {
        let done = false;
        const answer = (action: ElicitationAction, consentId?: string): void => {
          if (done) return;
          done = true;
          resolve({ action, consentId });
        };
        // The server gave up waiting (its request timed out or was cancelled).
        signal.addEventListener("abort", () => answer("cancel"), { once: true });
        notify({ request, answer });
      });
    },
    required(elicitations) {
      wanted = true;
      required.push(...elicitations.filter((elicitation) => elicitation.subject === options.subject));
    },
  };

  return {
    scope,
    asked,
    required,
    get wanted() {
      return wanted;
    },
  };
}
