/** @module The card that asks a person to authorize or deny a consent. */
import type { AuthInterrupt } from "@authbus/core";
import { useEffect, useState } from "react";
import { DecoupledCard } from "./decoupled-card.js";
import { describeReason, describeScope } from "./describe-consent.js";
import { ElicitationCard } from "./elicitation-card.js";

interface ConsentCardProps {
  consent: AuthInterrupt;
  onDeny: (consentId: string) => void;
  /** The person is back from a server's page (URL-mode elicitation). */
  onFinish: (consentId: string) => void;
}

function minutesLeft(expiresAt: number, now: number): string {
  const minutes = Math.max(0, Math.round((expiresAt - now) / 60_000));
  return minutes <= 1 ? "less than a minute" : `${minutes} minutes`;
}

/**
 * Authorize opens the authorization server in a popup straight from the click: nothing is
 * awaited before `window.open`, so popup blockers let it through. When the popup is blocked
 * anyway, the whole page goes to the authorization server and the callback brings it back.
 */
export function ConsentCard(props: ConsentCardProps) {
  if (props.consent.channel === "elicitation") return <ElicitationCard {...props} />;
  if (props.consent.channel === "ciba" || props.consent.channel === "device")
    return <DecoupledCard {...props} />;
  return <RedirectCard {...props} />;
}

function RedirectCard({ consent, onDeny }: ConsentCardProps) {
  const [state, setState] = useState<"idle" | "waiting" | "denying">("idle");
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);

  const authorize = () => {
    const popup = window.open(
      consent.authorizationUrl,
      `authbus-consent-${consent.consentId}`,
      "popup,width=520,height=720",
    );
    if (popup) {
      setState("waiting");
      popup.focus();
    } else {
      window.location.assign(consent.authorizationUrl);
    }
  };

  const deny = () => {
    setState("denying");
    onDeny(consent.consentId);
  };

  return (
    <section
      className="consent-card"
      aria-label={`Consent for ${consent.serverName}`}
      data-consent-id={consent.consentId}
    >
      <header>
        <svg className="consent-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
          <rect x="4" y="10" width="16" height="11" rx="2.5" fill="currentColor" />
          <path d="M8 10V7a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" strokeWidth="2.2" />
        </svg>
        <div>
          <h2>
            Allow access to <strong>{consent.serverName}</strong>?
          </h2>
          <p className="consent-reason">{describeReason(consent)}</p>
        </div>
      </header>
      {consent.scopes.length > 0 && (
        <>
          <p className="consent-label">The agent is asking to:</p>
          <ul className="consent-scopes">
            {consent.scopes.map((scope) => (
              <li key={scope}>
                {describeScope(scope)} <code>{scope}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {consent.errorDescription && <p className="consent-detail">Server said: {consent.errorDescription}</p>}
      <p className="consent-detail">
        You will sign in with the server's authorization service. This request expires in{" "}
        {minutesLeft(consent.expiresAt, now)}.
      </p>
      <div className="consent-actions">
        <button type="button" className="primary" onClick={authorize} disabled={state === "denying"}>
          {state === "waiting" ? "Waiting for you in the popup…" : "Authorize"}
        </button>
        <button type="button" onClick={deny} disabled={state === "denying"}>
          Deny
        </button>
      </div>
    </section>
  );
}
