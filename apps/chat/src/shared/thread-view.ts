/** @module What the page is shown of a conversation: the server's view model, validated on both sides. */
import { authInterruptSchema } from "@authbus/core";
import { z } from "zod";

export const viewMessageSchema = z.strictObject({
  id: z.string(),
  role: z.enum(["user", "assistant", "tool"]),
  text: z.string(),
  toolCalls: z.array(z.strictObject({ id: z.string(), name: z.string() })).optional(),
  toolName: z.string().optional(),
  /** On a tool message: the call it answers. */
  toolCallId: z.string().optional(),
  isError: z.boolean().optional(),
});

export type ViewMessage = z.infer<typeof viewMessageSchema>;

export const threadViewSchema = z.strictObject({
  threadId: z.string(),
  running: z.boolean(),
  messages: z.array(viewMessageSchema),
  /** One card per consent, however many tool calls wait on it. */
  pending: z.array(authInterruptSchema),
  error: z.string().optional(),
});

export type ThreadView = z.infer<typeof threadViewSchema>;

/**
 * What changed in a thread since the page's view: the page is sent its whole view once (on
 * connect), then only these, so what each message costs on the wire does not grow with the
 * conversation. Absent fields are unchanged.
 */
export const threadPatchSchema = z.strictObject({
  running: z.boolean().optional(),
  /** Messages new to the page (appended), or changed since it got them (replaced, by id). */
  messages: z.array(viewMessageSchema).optional(),
  /** The consents the thread now waits on, all of them. */
  pending: z.array(authInterruptSchema).optional(),
  /** Why the last run failed; `null` once a new run starts. */
  error: z.string().nullable().optional(),
});

export type ThreadPatch = z.infer<typeof threadPatchSchema>;

/** The view after `patch`: changed messages replaced where they are, new ones appended. */
export function applyThreadPatch(view: ThreadView, patch: ThreadPatch): ThreadView {
  let messages = view.messages;
  if (patch.messages?.length) {
    messages = [...view.messages];
    const at = new Map(messages.map((message, index) => [message.id, index]));
    for (const message of patch.messages) {
      const index = at.get(message.id);
      if (index === undefined) {
        at.set(message.id, messages.length);
        messages.push(message);
      } else messages[index] = message;
    }
  }
  const { error: _previous, ...rest } = view;
  const error = patch.error === undefined ? view.error : (patch.error ?? undefined);
  return {
    ...rest,
    running: patch.running ?? view.running,
    messages,
    pending: patch.pending ?? view.pending,
    ...(error === undefined ? {} : { error }),
  };
}

/** A bus event as the side panel shows it: the event name and its (token-free) payload. */
export const busEntrySchema = z.strictObject({
  seq: z.number().int(),
  at: z.number().int(),
  type: z.string(),
  event: z.record(z.string(), z.unknown()),
});

export type BusEntry = z.infer<typeof busEntrySchema>;

export const threadIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, "a thread id of 8–64 URL-safe characters");
