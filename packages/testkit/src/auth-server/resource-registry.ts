/** @module The resources the server issues tokens for (RFC 8707), with the scopes each may be granted. */
import { AuthbusError } from "@authbus/core";
import { assertPositiveSeconds } from "./assert-seconds.js";
import type { ResourceRegistration } from "./auth-server-types.js";
import { toList } from "./space-list.js";

/** A resource as the consent page lists it: the requested scopes registered for it. */
export interface DescribedResource {
  resource: string;
  name: string | undefined;
  scopes: string[];
}

/** The registered resources; see {@link createResourceRegistry}. */
export interface ResourceRegistry {
  /**
   * Registers (or replaces) a resource.
   *
   * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` for a resource with a fragment, no or a bad scope, or a bad lifetime.
   */
  register(resource: string, scopes: readonly string[], extra?: Omit<ResourceRegistration, "scopes">): void;
  /** The registration of a resource indicator, if any. */
  find(resource: string): ResourceRegistration | undefined;
  /** The resources an authorization request names, with the scopes it asks for on each. */
  describe(params: Record<string, unknown>): DescribedResource[];
}

function normalizeResource(resource: string): string {
  const parsed = URL.parse(resource);
  // RFC 8707 §2: an absolute URI without a fragment.
  if (parsed?.hash !== "" || resource.includes("#")) {
    throw new AuthbusError({
      code: "TESTKIT_INVALID_OPTIONS",
      message: `resource must be an absolute URI without a fragment: ${resource}`,
    });
  }
  return parsed.href;
}

function validateScopes(scopes: readonly string[], resource: string): void {
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new AuthbusError({
      code: "TESTKIT_INVALID_OPTIONS",
      message: `resource ${resource} needs at least one scope`,
    });
  }
  for (const scope of scopes) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (typeof scope !== "string" || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      throw new AuthbusError({
        code: "TESTKIT_INVALID_OPTIONS",
        message: `invalid scope token for ${resource}: ${String(scope)}`,
      });
    }
  }
}

/** An empty registry, keyed by the parsed resource URL. */
export function createResourceRegistry(): ResourceRegistry {
  const resources = new Map<string, ResourceRegistration>();
  const find = (resource: string) => resources.get(URL.parse(resource)?.href ?? resource);
  return {
    register(resource, scopes, extra = {}) {
      const key = normalizeResource(resource);
      validateScopes(scopes, key);
      assertPositiveSeconds(extra.accessTokenTTL, "accessTokenTTL");
      resources.set(key, { ...extra, scopes: [...new Set(scopes)] });
    },
    find,
    describe(params) {
      const requestedScopes = new Set(toList(params.scope));
      return toList(params.resource).map((resource) => {
        const registration = find(resource);
        return {
          resource,
          name: registration?.name,
          scopes: (registration?.scopes ?? []).filter((s) => requestedScopes.has(s)),
        };
      });
    },
  };
}
