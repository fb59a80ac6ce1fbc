/** @module Give each MCP request its own abort signal, so nothing the SDK leaves on it outlives the request. */

/** The options argument of the SDK's `Client` request methods, as far as the signal goes. */
interface WithSignal {
  signal?: AbortSignal | undefined;
}

/**
 * Makes an MCP request with a signal of its own that follows the caller's `options.signal`
 * until the request settles.
 *
 * The MCP SDK (1.x, `shared/protocol.js`) adds an abort listener to a request's signal and never
 * removes it. A tool call inside a LangGraph run gets a signal that Node keeps alive while it
 * has a listener: langchain's `ToolNode` passes `AbortSignal.any([...])`, and Node holds a
 * composite (or timeout) signal with a listener until it aborts. The SDK's listener reaches the
 * run's config, `RunTree` and `PregelLoop`, so every agent run would stay on the heap. Here the
 * SDK's listener goes on a plain per-request signal instead, and the only listener on the
 * caller's signal is removed when the request ends: aborting the caller's signal still cancels
 * the request.
 *
 * @example
 * callTool: (params, schema, options) =>
 *   requestWithOwnSignal(options, (own) => client.callTool(params, schema, own));
 * @throws Whatever `request` throws.
 */
export async function requestWithOwnSignal<O extends WithSignal, T>(
  options: O | undefined,
  request: (options: O | undefined) => Promise<T>,
): Promise<T> {
  const outer = options?.signal;
  if (!outer) return request(options);
  const own = new AbortController();
  const follow = (): void => own.abort(outer.reason);
  if (outer.aborted) own.abort(outer.reason);
  else outer.addEventListener("abort", follow, { once: true });
  try {
    return await request({ ...options, signal: own.signal });
  } finally {
    outer.removeEventListener("abort", follow);
  }
}
