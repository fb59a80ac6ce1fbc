/** @module Demo sign-in: who the chat runs for. Any name works; each user has their own threads, tokens and cards. */
import { type FormEvent, useEffect, useState } from "react";

export function SignIn() {
  const [user, setUser] = useState<string | undefined>();
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    void fetch("/api/session")
      .then((response) => response.json() as Promise<{ user?: string }>)
      .then((session) => setUser(session.user))
      .catch(() => undefined);
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const response = await fetch("/api/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: name.trim() }),
    });
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    if (!response.ok) {
      setProblem(body.error ?? `The server answered ${response.status}.`);
      return;
    }
    // Threads are per user: start a new conversation as the new user.
    window.location.assign("/");
  };

  return (
    <form className="sign-in" onSubmit={submit} aria-label="Sign in">
      <span className="status">{user ? `signed in as ${user}` : "…"}</span>
      <input
        value={name}
        onChange={(event) => setName(event.target.value)}
        placeholder="another name"
        aria-label="User name"
        size={12}
      />
      <button type="submit" disabled={name.trim() === ""}>
        Sign in
      </button>
      {problem && (
        <span className="problem" role="alert">
          {problem}
        </span>
      )}
    </form>
  );
}
