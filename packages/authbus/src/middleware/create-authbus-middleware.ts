/** @module The `createAgent` middleware of an authbus: the run's `context` names its user. */
import { type AuthClientOptions, authInterruptMiddleware } from "@authbus/langgraph";
import { createMiddleware } from "langchain";
import { z } from "zod";

/**
 * What each run of an agent with authbus's middleware passes as `context`: the user it runs
 * for, and the app session it runs in (its session id or cookie value; only a digest is kept).
 */
export const authbusContextSchema = z.object({
  subject: z.string().min(1),
  session: z.string().min(1).optional(),
});
export type AuthbusContext = z.infer<typeof authbusContextSchema>;

/**
 * {@link authInterruptMiddleware} over a pool of per-subject clients, declaring
 * {@link authbusContextSchema} so `agent.invoke(input, { context: { subject, session } })` is
 * checked by the types.
 */
export function createAuthbusMiddleware(options: AuthClientOptions) {
  const inner = authInterruptMiddleware(options);
  return createMiddleware({
    name: "Authbus",
    contextSchema: authbusContextSchema,
    wrapModelCall: (request, handler) =>
      (inner.wrapModelCall as NonNullable<typeof inner.wrapModelCall>)(
        request as never,
        handler as never,
      ) as ReturnType<typeof handler>,
    wrapToolCall: (request, handler) =>
      (inner.wrapToolCall as NonNullable<typeof inner.wrapToolCall>)(
        request as never,
        handler as never,
      ) as ReturnType<typeof handler>,
  });
}
