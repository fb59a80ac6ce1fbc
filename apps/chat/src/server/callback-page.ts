/** @module The page the authorization server sends the popup (or the whole tab) back to. */

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

/**
 * In a popup it tells the chat and closes itself; opened as a full page (the popup was
 * blocked) it returns to the conversation that asked.
 */
export function callbackPage(input: {
  title: string;
  detail: string;
  threadId?: string | undefined;
  outcome?: string;
}): string {
  const back = input.threadId ? `/?thread=${encodeURIComponent(input.threadId)}` : "/";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;height:100vh;margin:0;background:#f6f7f9;color:#1c2330}main{background:#fff;border:1px solid #e2e5ea;border-radius:14px;padding:24px 28px;max-width:420px;text-align:center}a{color:#2f5fe3}</style>
</head><body><main><h1 style="font-size:18px">${escapeHtml(input.title)}</h1><p>${escapeHtml(input.detail)}</p><p><a href="${escapeHtml(back)}">Back to the chat</a></p></main>
<script>
const done = ${scriptJson({ type: "authbus/consent_complete", outcome: input.outcome ?? "error" })};
if (window.opener && !window.opener.closed) {
  window.opener.postMessage(done, location.origin);
  setTimeout(() => window.close(), 400);
} else {
  setTimeout(() => location.replace(${scriptJson(back)}), 600);
}
</script></body></html>`;
}
