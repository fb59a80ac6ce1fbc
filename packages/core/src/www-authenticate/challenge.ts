/** @module One parsed `WWW-Authenticate` challenge (RFC 9110 §11.3). */
import { z } from "zod";

/**
 * A challenge as RFC 9110 §11.3 defines it: `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`.
 * The scheme and parameter names are lower-cased (they are case-insensitive, §11.1/§11.2);
 * parameter values are returned unescaped and keep their case.
 */
export const challengeSchema = z.object({
  scheme: z.string().min(1),
  params: z.record(z.string(), z.string()),
  token68: z.string().optional(),
});

export type Challenge = z.infer<typeof challengeSchema>;
