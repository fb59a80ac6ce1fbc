/** @module What may be shown of a URL or an error in events, messages and logs. */

/**
 * A URL without the parts that may carry credentials: user info, query and fragment
 * (`?access_token=` is RFC 6750 §2.3's query form). An unparsable URL reads `(invalid URL)`.
 *
 * @example
 * redactUrl("https://u:p@mcp.example.com/mcp?access_token=x#y"); // "https://mcp.example.com/mcp"
 */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.href;
  } catch {
    return "(invalid URL)";
  }
}

/**
 * An error as events carry it: its `code` (when it has a string one) and message; never its
 * cause, stack or properties, which may hold a request or a token.
 *
 * @example
 * summarizeError(new RefreshError(…)); // { code: "REFRESH_FAILED", message: "…" }
 */
export function summarizeError(error: unknown): { code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? { code, message: error.message } : { message: error.message };
  }
  return { message: String(error) };
}
