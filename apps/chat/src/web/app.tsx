/** @module The chat page: conversation, consent cards and the live bus panel. */
import { type FormEvent, useEffect, useRef, useState } from "react";
import {
  applyThreadPatch,
  type BusEntry,
  busEntrySchema,
  type ThreadView,
  threadPatchSchema,
  threadViewSchema,
} from "../shared/thread-view.js";
import { ConsentCard } from "./consent-card.js";
import { EventsPanel } from "./events-panel.js";
import { MessageList } from "./message-list.js";
import { SignIn } from "./sign-in.js";

/** The thread id lives in the URL, so a reload (or the redirect back from consent) finds the same conversation. */
function threadIdFromUrl(): string {
  const url = new URL(window.location.href);
  const existing = url.searchParams.get("thread");
  if (existing && /^[A-Za-z0-9_-]{8,64}$/.test(existing)) return existing;
  const created = crypto.randomUUID().replaceAll("-", "");
  url.searchParams.set("thread", created);
  window.history.replaceState(null, "", url);
  return created;
}

const suggestions = ["What's on my calendar?", "List my files", "Delete notes.txt"];

export function App() {
  const [threadId] = useState(threadIdFromUrl);
  const [view, setView] = useState<ThreadView | undefined>();
  const [events, setEvents] = useState<BusEntry[]>([]);
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const [connected, setConnected] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const source = new EventSource(`/api/threads/${threadId}/stream`);
    source.addEventListener("open", () => setConnected(true));
    source.addEventListener("error", () => setConnected(false));
    source.addEventListener("thread", (message) => {
      const parsed = threadViewSchema.safeParse(JSON.parse((message as MessageEvent<string>).data));
      if (parsed.success) setView(parsed.data);
    });
    // After the whole view (on connect), the server sends only what changed.
    source.addEventListener("patch", (message) => {
      const parsed = threadPatchSchema.safeParse(JSON.parse((message as MessageEvent<string>).data));
      if (parsed.success) setView((previous) => previous && applyThreadPatch(previous, parsed.data));
    });
    source.addEventListener("bus", (message) => {
      const parsed = busEntrySchema.safeParse(JSON.parse((message as MessageEvent<string>).data));
      if (parsed.success) setEvents((previous) => [...previous.slice(-199), parsed.data]);
    });
    return () => source.close();
  }, [threadId]);

  const post = async (path: string, body?: unknown) => {
    setProblem(undefined);
    const response = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    if (!response.ok) {
      const detail = (await response.json().catch(() => ({}))) as { error?: string };
      setProblem(detail.error ?? `The server answered ${response.status}.`);
    }
  };

  const send = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    setDraft("");
    void post(`/api/threads/${threadId}/messages`, { text: trimmed });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    send(draft);
  };

  const finish = (consentId: string) => {
    void post(`/api/threads/${threadId}/consents/${encodeURIComponent(consentId)}/finish`);
  };

  const deny = (consentId: string) => {
    void post(`/api/threads/${threadId}/consents/${encodeURIComponent(consentId)}/deny`);
  };

  const busy = view?.running === true || (view?.pending.length ?? 0) > 0;

  return (
    <div className="layout">
      <main className="chat">
        <header className="chat-header">
          <h1>authbus chat</h1>
          <SignIn />
          <span className={connected ? "status online" : "status"}>{connected ? "live" : "connecting…"}</span>
        </header>
        <MessageList messages={view?.messages ?? []} running={view?.running === true} />
        {view?.pending.map((consent) => (
          <ConsentCard key={consent.consentId} consent={consent} onDeny={deny} onFinish={finish} />
        ))}
        {(problem ?? view?.error) && (
          <p className="problem" role="alert">
            {problem ?? view?.error}
          </p>
        )}
        {view && view.messages.length === 0 && (
          <div className="suggestions">
            {suggestions.map((suggestion) => (
              <button type="button" key={suggestion} onClick={() => send(suggestion)}>
                {suggestion}
              </button>
            ))}
          </div>
        )}
        <form className="composer" onSubmit={submit}>
          <input
            ref={input}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder={
              (view?.pending.length ?? 0) > 0
                ? "Answer the access request above to continue"
                : busy
                  ? "Waiting for the agent…"
                  : "Ask about your calendar or files"
            }
            aria-label="Message"
            disabled={busy}
          />
          <button type="submit" className="primary" disabled={busy || draft.trim() === ""}>
            Send
          </button>
        </form>
      </main>
      <EventsPanel events={events} />
    </div>
  );
}
