/** @module Who may sign in: the login page's user name and password, and a back-channel login hint. */
import type { AuthServerOptions } from "./auth-server-types.js";

/** Checks of the configured users; each answers a problem to show, or undefined when all is well. */
export interface UserDirectory {
  /** The login page: `name` with `password` (ignored when users are a plain list or not given). */
  checkLogin(name: string, password: string): string | undefined;
  /** A login hint names a user who could sign in (no password is asked on the back channel). */
  checkLoginHint(name: string): string | undefined;
}

/** The directory of `users`: a list of names (any password), name → password, or anyone when absent. */
export function createUserDirectory(users: AuthServerOptions["users"]): UserDirectory {
  return {
    checkLogin(name, password) {
      if (!name || name.length > 200) return "Enter a user name.";
      if (users === undefined) return undefined;
      if (Array.isArray(users))
        return (users as readonly string[]).includes(name) ? undefined : "Unknown user.";
      const expected = (users as Readonly<Record<string, string>>)[name];
      if (expected === undefined) return "Unknown user.";
      return expected === password ? undefined : "Wrong password.";
    },
    checkLoginHint(name) {
      if (!name || name.length > 200) return "Enter a user name.";
      if (users === undefined) return undefined;
      const known = Array.isArray(users) ? users.includes(name) : Object.hasOwn(users, name);
      return known ? undefined : "Unknown user.";
    },
  };
}
