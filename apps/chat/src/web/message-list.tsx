/** @module The conversation. */
import { useEffect, useRef } from "react";
import type { ViewMessage } from "../shared/thread-view.js";

export function MessageList({ messages, running }: { messages: ViewMessage[]; running: boolean }) {
  const end = useRef<HTMLDivElement>(null);
  const answered = new Set(messages.flatMap((message) => (message.toolCallId ? [message.toolCallId] : [])));
  // Block body: newer browsers return a promise from scrollIntoView, and React treats an
  // effect's return value as its cleanup.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when messages arrive or the agent starts typing.
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [messages.length, running]);

  return (
    <div className="messages" aria-live="polite">
      {messages.map((message) => (
        <div key={message.id} className={`message ${message.role}${message.isError ? " error" : ""}`}>
          {message.role === "tool" ? (
            <details>
              <summary>
                <code>{message.toolName}</code> {message.isError ? "failed" : "answered"}
              </summary>
              <pre>{message.text}</pre>
            </details>
          ) : (
            <>
              {message.text && <p>{message.text}</p>}
              {message.toolCalls?.map((call) => (
                <p key={call.id} className="tool-call">
                  {answered.has(call.id) ? "used" : "using"} <code>{call.name}</code>
                  {answered.has(call.id) ? "" : "…"}
                </p>
              ))}
            </>
          )}
        </div>
      ))}
      {running && <div className="message assistant typing">…</div>}
      <div ref={end} />
    </div>
  );
}
