/** @module The plain HTML login and consent pages a person (or Playwright) uses. */

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}label{display:block;margin:.6rem 0 .2rem}input,select{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}ul{padding-left:1.2rem}code{background:#f3f3f3;padding:0 .2rem}
.error{color:#b00020}.row{display:flex;gap:.5rem}`;

function page(title: string, prompt: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="authbus-prompt" content="${escapeHtml(prompt)}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>`;
}

/** What the login page shows. */
export interface LoginPageInput {
  uid: string;
  clientName: string;
  acrValues: readonly string[];
  selectedAcr: string;
  loginHint?: string | undefined;
  error?: string | undefined;
}

/** The login form: user name, optional password, the level of authentication (acr), Sign in / Cancel. */
export function renderLoginPage(input: LoginPageInput): string {
  const action = `/interaction/${encodeURIComponent(input.uid)}`;
  const options = input.acrValues
    .map(
      (acr) =>
        `<option value="${escapeHtml(acr)}"${acr === input.selectedAcr ? " selected" : ""}>${escapeHtml(acr)}</option>`,
    )
    .join("");
  return page(
    "Sign in",
    "login",
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(input.clientName)}</strong></p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ""}
<form id="login-form" method="post" action="${action}/login" autocomplete="off">
<label for="login">User name</label>
<input id="login" name="login" type="text" required autofocus value="${escapeHtml(input.loginHint ?? "")}">
<label for="password">Password (optional)</label>
<input id="password" name="password" type="password">
<label for="acr">Authentication level (acr)</label>
<select id="acr" name="acr">${options}</select>
<button id="sign-in" type="submit">Sign in</button>
</form>
<form id="cancel-form" method="post" action="${action}/abort">
<button id="cancel" type="submit">Cancel</button>
</form>`,
  );
}

/** What the consent page shows. */
export interface ConsentPageInput {
  uid: string;
  clientName: string;
  user: string;
  /** Scopes per resource indicator (RFC 8707). */
  resources: ReadonlyArray<{ resource: string; name?: string | undefined; scopes: readonly string[] }>;
  /** OpenID scopes (`openid`, `offline_access`). */
  oidcScopes: readonly string[];
}

/** The consent page: the resource(s) and scopes requested, Approve and Deny. */
export function renderConsentPage(input: ConsentPageInput): string {
  const action = `/interaction/${encodeURIComponent(input.uid)}`;
  const resources = input.resources
    .map(
      (
        r,
      ) => `<li data-resource="${escapeHtml(r.resource)}"><strong>${escapeHtml(r.name ?? r.resource)}</strong>
<br><code>${escapeHtml(r.resource)}</code>
<ul>${r.scopes.map((s) => `<li class="scope" data-scope="${escapeHtml(s)}">${escapeHtml(s)}</li>`).join("")}</ul></li>`,
    )
    .join("\n");
  const oidc = input.oidcScopes.length
    ? `<p>Also: ${input.oidcScopes.map((s) => `<code class="scope" data-scope="${escapeHtml(s)}">${escapeHtml(s)}</code>`).join(" ")}${input.oidcScopes.includes("offline_access") ? " (stay connected while you are away)" : ""}</p>`
    : "";
  return page(
    "Authorize access",
    "consent",
    `<h1>Authorize access</h1>
<p><strong>${escapeHtml(input.clientName)}</strong> asks to act for <strong>${escapeHtml(input.user)}</strong> on:</p>
<ul id="resources">
${resources || "<li>(no resource-specific scopes)</li>"}
</ul>
${oidc}
<div class="row">
<form id="approve-form" method="post" action="${action}/confirm">
<button id="approve" type="submit" name="decision" value="approve">Approve</button>
</form>
<form id="deny-form" method="post" action="${action}/abort">
<button id="deny" type="submit" name="decision" value="deny">Deny</button>
</form>
</div>`,
  );
}

/** The error page for a request the authorization server cannot send back to a client. */
export function renderErrorPage(error: string, description: string | undefined): string {
  return page(
    "Authorization error",
    "error",
    `<h1>Authorization error</h1>
<p id="error" data-error="${escapeHtml(error)}"><code>${escapeHtml(error)}</code></p>
${description ? `<p id="error-description">${escapeHtml(description)}</p>` : ""}`,
  );
}
