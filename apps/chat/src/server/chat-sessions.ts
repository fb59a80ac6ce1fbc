/** @module Demo sign-in: a signed, httpOnly session cookie naming the user. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";

/** The cookie that carries the session. */
export const SESSION_COOKIE = "authbus_chat_session";

/** A user name in demo mode: any name of 1–40 letters, digits, `.`, `_` or `-`. */
export const userNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,40}$/, "a user name of 1–40 letters, digits, . _ or -");

/** A signed-in browser: the session id (authbus binds consents to it) and the user. */
export interface ChatSession {
  id: string;
  user: string;
}

/** Reads and issues session cookies signed with HMAC-SHA256. */
export interface ChatSessions {
  /** The session a cookie value names, if its signature holds. */
  read(cookie: string | undefined): ChatSession | undefined;
  /** A new session (a fresh id on every sign-in) and the cookie value that carries it. */
  issue(user: string): { session: ChatSession; cookie: string };
}

/**
 * The signing key: derived from the app's secret, or (a development store) a random key kept
 * in `keyFile`, so sessions survive a restart either way.
 */
export function sessionKey(secret: string | undefined, keyFile: string): Buffer {
  if (secret) return createHash("sha256").update(`authbus chat session\u0000${secret}`).digest();
  if (existsSync(keyFile)) return Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64url");
  const key = randomBytes(32);
  writeFileSync(keyFile, key.toString("base64url"), { mode: 0o600 });
  return key;
}

/** Creates the session codec: `id.user.signature`, every part base64url. */
export function createChatSessions(key: Buffer): ChatSessions {
  const sign = (payload: string) => createHmac("sha256", key).update(payload).digest();
  return {
    read(cookie) {
      const [id, user64, signature] = (cookie ?? "").split(".");
      if (!id || !user64 || !signature) return undefined;
      const expected = sign(`${id}.${user64}`);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const user = userNameSchema.safeParse(Buffer.from(user64, "base64url").toString("utf8"));
      return user.success ? { id, user: user.data } : undefined;
    },
    issue(user) {
      const id = randomBytes(24).toString("base64url");
      const user64 = Buffer.from(user, "utf8").toString("base64url");
      const signature = sign(`${id}.${user64}`).toString("base64url");
      return { session: { id, user }, cookie: `${id}.${user64}.${signature}` };
    },
  };
}

/** The agent's thread for a user's conversation: users never share a thread, whatever id the page names. */
export function userThreadId(user: string, threadId: string): string {
  return `${user}:${threadId}`;
}

/** The page's thread id of an agent thread. */
export function pageThreadId(threadId: string): string {
  const at = threadId.indexOf(":");
  return at >= 0 ? threadId.slice(at + 1) : threadId;
}
