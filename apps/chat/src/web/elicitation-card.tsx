/** @module The card for an MCP server's URL-mode elicitation: the server asks the person to open a page of its own. */
import type { AuthInterrupt } from "@authbus/core";
import { useState } from "react";

interface ElicitationCardProps {
  consent: AuthInterrupt;
  onFinish: (consentId: string) => void;
  onDeny: (consentId: string) => void;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Shows the server's words and its full URL with the host picked out (MCP 2025-11-25: the
 * person must see where they are sent before going), opens it only on a click, with no opener
 * and no referrer (the page is a third party's). The run resumes by itself when the server
 * reports completion; "I'm done" resumes it from here, Deny declines.
 */
export function ElicitationCard({ consent, onFinish, onDeny }: ElicitationCardProps) {
  const [state, setState] = useState<"idle" | "opened" | "answering">("idle");
  const host = hostOf(consent.authorizationUrl);

  const open = () => {
    window.open(consent.authorizationUrl, "_blank", "popup,width=520,height=720,noopener,noreferrer");
    setState("opened");
  };
  const answer = (how: (consentId: string) => void) => () => {
    setState("answering");
    how(consent.consentId);
  };

  return (
    <section
      className="consent-card"
      aria-label={`Consent for ${consent.serverName}`}
      data-consent-id={consent.consentId}
      data-channel="elicitation"
    >
      <header>
        <svg className="consent-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
          <path d="M14 4h6v6M20 4l-9 9" fill="none" stroke="currentColor" strokeWidth="2.2" />
          <path
            d="M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"
            fill="none"
            stroke="currentColor"
            strokeWidth="2.2"
          />
        </svg>
        <div>
          <h2>
            <strong>{consent.serverName}</strong> asks you to open <strong>{host}</strong>
          </h2>
          {consent.message && <p className="consent-reason">{consent.message}</p>}
        </div>
      </header>
      <p className="consent-detail">
        The page is {consent.serverName}'s, not this app's:{" "}
        <code className="consent-url">{consent.authorizationUrl}</code>
      </p>
      <p className="consent-detail">
        {state === "opened"
          ? "The chat carries on by itself once the page is done. Came back first? Say so."
          : "Open it only if you expected this."}
      </p>
      <div className="consent-actions">
        <button type="button" className="primary" onClick={open} disabled={state === "answering"}>
          Open {host}
        </button>
        <button type="button" onClick={answer(onFinish)} disabled={state === "answering"}>
          I'm done
        </button>
        <button type="button" onClick={answer(onDeny)} disabled={state === "answering"}>
          Deny
        </button>
      </div>
    </section>
  );
}
