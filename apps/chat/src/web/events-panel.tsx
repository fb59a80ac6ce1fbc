/** @module The live bus panel: what authbus saw and did, with token fingerprints only. */
import type { BusEntry } from "../shared/thread-view.js";

function summarise(entry: BusEntry): string {
  const event = entry.event;
  const parts: string[] = [];
  if (typeof event.serverName === "string") parts.push(event.serverName);
  if (typeof event.status === "number") parts.push(String(event.status));
  const oauth = event.oauth as { error?: string; scope?: string[] } | undefined;
  if (oauth?.error) parts.push(oauth.error);
  if (oauth?.scope?.length) parts.push(`scope: ${oauth.scope.join(" ")}`);
  if (Array.isArray(event.scopes)) parts.push(`scopes: ${(event.scopes as string[]).join(" ")}`);
  if (typeof event.reason === "string") parts.push(event.reason);
  if (typeof event.tokenFingerprint === "string") parts.push(event.tokenFingerprint);
  return parts.join(" · ");
}

export function EventsPanel({ events }: { events: BusEntry[] }) {
  return (
    <aside className="events" aria-label="Auth events">
      <h2>Auth events</h2>
      {events.length === 0 && <p className="muted">Challenges, refreshes and consents appear here.</p>}
      <ol>
        {events
          .slice()
          .reverse()
          .map((entry) => (
            <li key={entry.seq} className={`event ${entry.type.replace(".", "-")}`}>
              <div className="event-head">
                <code>{entry.type}</code>
                <time>{new Date(entry.at).toLocaleTimeString()}</time>
              </div>
              <div className="event-body">{summarise(entry)}</div>
            </li>
          ))}
      </ol>
    </aside>
  );
}
