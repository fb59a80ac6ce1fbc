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
