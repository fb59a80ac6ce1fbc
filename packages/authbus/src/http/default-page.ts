/** @module The small page the fetch handler answers with unless the app chooses its own. */

/** What the fetch handler has to say; the app's `respond` turns it into a page or a redirect. */
export type AuthbusPage =
  /** The callback completed the consent; the threads waiting on it are being resumed. */
  | {
      kind: "consent_completed";
      consentId: string;
      outcome: "granted" | "denied";
      /** The threads that waited on the consent. */
      threads: string[];
    }
  /** A launch link that cannot be followed: the consent is over (410) or not this session's (403). */
  | { kind: "launch_refused"; consentId: string; status: 403 | 410; error?: unknown }
  /** A callback that was refused (400: bad, used or expired `state`; 403: another session's); nothing changed. */
  | { kind: "callback_refused"; status: 400 | 403; error: unknown };

// JSON inside a <script> must not be able to close the script element.
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function wordsOf(page: AuthbusPage): { title: string; detail: string; status: number } {
  switch (page.kind) {
    case "consent_completed":
      return page.outcome === "granted"
        ? { title: "Access granted", detail: "You can close this window; the agent carries on.", status: 200 }
        : { title: "Access declined", detail: "The agent will tell you what it couldn't do.", status: 200 };
    case "launch_refused":
      return page.status === 410
        ? {
            title: "This access request is no longer open",
            detail: "It was already answered or it expired. Ask the agent again to get a new one.",
            status: 410,
          }
        : {
            title: "This access request is not yours",
            detail: "Open it from the conversation that asked.",
            status: 403,
          };
    case "callback_refused":
      return {
        title: "This sign-in link can't be used",
        detail: page.error instanceof Error ? page.error.message : "It is not valid.",
        status: page.status,
      };
  }
}

/**
 * The default answer: a short HTML page. Opened in a popup it tells the opener
 * (`postMessage({ type: "authbus/consent_complete", outcome })`, same origin only) and closes.
 */
export function defaultPage(page: AuthbusPage): Response {
  const { title, detail, status } = wordsOf(page);
  const outcome = page.kind === "consent_completed" ? page.outcome : "error";
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></main>
<script>
const done = ${scriptJson({ type: "authbus/consent_complete", outcome })};
if (window.opener && !window.opener.closed) {
  window.opener.postMessage(done, location.origin);
  setTimeout(() => window.close(), 400);
}
</script></body></html>`;
  return new Response(body, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}
