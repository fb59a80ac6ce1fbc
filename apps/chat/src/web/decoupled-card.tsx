/** @module The card for a consent that reaches the person elsewhere: CIBA (their phone) or device authorization (a code to type). */
import type { AuthInterrupt } from "@authbus/core";
import { useState } from "react";
import { describeReason, describeScope } from "./describe-consent.js";

interface DecoupledCardProps {
  consent: AuthInterrupt;
  onDeny: (consentId: string) => void;
}

/**
 * No Authorize button: with CIBA the person approves the request on their own device, which
 * shows the same binding message; with device authorization they open the verification page
 * and type the user code. The chat carries on by itself once they answer there (authbus polls
 * the authorization server); Deny declines from here.
 */
export function DecoupledCard({ consent, onDeny }: DecoupledCardProps) {
  const [denying, setDenying] = useState(false);
  const link = consent.verificationUriComplete ?? consent.verificationUri;

  return (
    <section
      className="consent-card"
      aria-label={`Consent for ${consent.serverName}`}
      data-consent-id={consent.consentId}
      data-channel={consent.channel}
    >
      <header>
        <svg className="consent-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
          <rect
            x="6"
            y="2"
            width="12"
            height="20"
            rx="2.5"
            fill="none"
            stroke="currentColor"
            strokeWidth="2.2"
          />
          <circle cx="12" cy="18" r="1.3" fill="currentColor" />
        </svg>
        <div>
          <h2>
            Allow access to <strong>{consent.serverName}</strong>?
          </h2>
          <p className="consent-reason">{describeReason(consent)}</p>
        </div>
      </header>
      {consent.scopes.length > 0 && (
        <ul className="consent-scopes">
          {consent.scopes.map((scope) => (
            <li key={scope}>
              {describeScope(scope)} <code>{scope}</code>
            </li>
          ))}
        </ul>
      )}
      {consent.channel === "ciba" ? (
        <p className="consent-detail" data-testid="binding-message">
          Approve the request on your phone. It shows <code>{consent.bindingMessage ?? "(no code)"}</code>:
          check that it is the same here.
        </p>
      ) : (
        <p className="consent-detail" data-testid="user-code">
          Open{" "}
          {link ? (
            <a href={link} target="_blank" rel="noopener noreferrer">
              {consent.verificationUri ?? link}
            </a>
          ) : (
            "the verification page"
          )}{" "}
          and enter the code <code>{consent.userCode ?? "(no code)"}</code>.
        </p>
      )}
      <p className="consent-detail">The chat carries on by itself once you answer there.</p>
      <div className="consent-actions">
        <button
          type="button"
          disabled={denying}
          onClick={() => {
            setDenying(true);
            onDeny(consent.consentId);
          }}
        >
          Deny
        </button>
      </div>
    </section>
  );
}
