/** @module A minimal cookie jar for driving the login and consent pages over plain HTTP. */

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/** Keeps cookies by (name, path) for one origin, as a browser would for these pages (RFC 6265 §5.1.4). */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Stores the `Set-Cookie` fields of a response received for `requestUrl`. */
  store(response: Response, requestUrl: URL): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestUrl.pathname.replace(/\/[^/]*$/, "") || "/";
      let expired = false;
      for (const attribute of attributes) {
        const [rawKey = "", ...rest] = attribute.split("=");
        const key = rawKey.trim().toLowerCase();
        const attrValue = rest.join("=").trim();
        if (key === "path" && attrValue.startsWith("/")) path = attrValue;
        if (key === "max-age" && Number(attrValue) <= 0) expired = true;
        if (key === "expires" && Date.parse(attrValue) <= Date.now()) expired = true;
      }
      const id = `${name}\u0000${path}`;
      if (expired || value === "") this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  /** The `Cookie` field for a request to `url`, or undefined when no cookie applies. */
  header(url: URL): string | undefined {
    const matching = [...this.#cookies.values()]
      .filter(
        (c) =>
          url.pathname === c.path || url.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`),
      )
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join("; ") : undefined;
  }
}
