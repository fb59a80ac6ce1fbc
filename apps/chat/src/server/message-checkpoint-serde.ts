/**
 * @module Reads checkpoints back with one synchronous pass that builds chat messages directly,
 * instead of LangChain's generic loader: loading a thread costs what parsing its JSON costs.
 */
import {
  AIMessage,
  AIMessageChunk,
  ChatMessage,
  ChatMessageChunk,
  FunctionMessage,
  FunctionMessageChunk,
  HumanMessage,
  HumanMessageChunk,
  RemoveMessage,
  SystemMessage,
  SystemMessageChunk,
  ToolMessage,
  ToolMessageChunk,
} from "@langchain/core/messages";

/** `SerializerProtocol` of `@langchain/langgraph-checkpoint` (what a saver's `serde` is). */
export interface CheckpointSerde {
  dumpsTyped(data: unknown): Promise<[string, Uint8Array]>;
  loadsTyped(type: string, data: Uint8Array | string): Promise<unknown>;
}

type MessageClass = new (fields: Record<string, unknown>) => unknown;

/** The classes LangChain's loader resolves for `["langchain_core", "messages", name]`. */
const MESSAGE_CLASSES = new Map<string, MessageClass>(
  Object.entries({
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    RemoveMessage,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
  }) as [string, MessageClass][],
);

/** Something only the generic loader reads as it should (a secret, an escaped value, a Set…). */
class NeedsGenericLoad extends Error {
  override readonly name = "NeedsGenericLoad";
}

/** As `@langchain/core/load`: a serialized key back to the constructor's (snake_case to camelCase unless aliased). */
function camelCase(key: string): string {
  const trimmed = key.trim();
  if (!/[-_\s]/.test(trimmed)) return trimmed;
  return trimmed
    .replace(/[-_\s]+/g, "_")
    .toLowerCase()
    .replace(/_+([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

const inverseAliases = new Map<MessageClass, Record<string, string>>();

/** As `@langchain/core/load`: every `lc_aliases` up the prototype chain, serialized name → field name. */
function inverseAliasesOf(builder: MessageClass): Record<string, string> {
  let found = inverseAliases.get(builder);
  if (found) return found;
  const aliases: Record<string, string> = {};
  for (
    let current: unknown = builder;
    typeof current === "function";
    current = Object.getPrototypeOf(current)
  ) {
    const prototype = (current as { prototype?: object }).prototype;
    if (!prototype) break;
    Object.assign(aliases, Reflect.get(prototype, "lc_aliases"));
  }
  found = Object.fromEntries(Object.entries(aliases).map(([field, serialized]) => [serialized, field]));
  inverseAliases.set(builder, found);
  return found;
}

/**
 * What JSON.stringify leaves of revived plain data: the generic loader gets a message's kwargs
 * through it, so an `undefined` inside them is dropped (an array's becomes `null`).
 */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      value[index] = value[index] === undefined ? null : withoutUndefined(value[index]);
    }
    return value;
  }
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (record[key] === undefined) delete record[key];
    else record[key] = withoutUndefined(record[key]);
  }
  return record;
}

function construct(builder: MessageClass, kwargs: Record<string, unknown>): unknown {
  const aliases = inverseAliasesOf(builder);
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(kwargs)) {
    const value = withoutUndefined(kwargs[key]);
    if (value !== undefined) fields[aliases[key] ?? camelCase(key)] = value;
  }
  return new builder(fields);
}

/**
 * Revives a freshly parsed value in place, innermost first (as `JsonPlusSerializer` does), and
 * throws {@link NeedsGenericLoad} for anything but plain data, chat messages and `undefined`.
 */
function revive(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = revive(value[index]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if ("__lc_escaped__" in record) throw new NeedsGenericLoad();
  for (const key of Object.keys(record)) record[key] = revive(record[key]);
  if (record.lc === 2) {
    if (record.type === "undefined") return undefined;
    throw new NeedsGenericLoad();
  }
  if (record.lc === 1 && record.type === "constructor" && Array.isArray(record.id)) {
    const [scope, module, name, ...rest] = record.id as unknown[];
    const builder =
      scope === "langchain_core" && module === "messages" && rest.length === 0 && typeof name === "string"
        ? MESSAGE_CLASSES.get(name)
        : undefined;
    const kwargs = record.kwargs;
    if (!builder || typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) {
      throw new NeedsGenericLoad();
    }
    return construct(builder, kwargs as Record<string, unknown>);
  }
  return record;
}

/**
 * Wraps a saver's serializer: writes as it does, reads JSON in one synchronous pass that builds
 * chat messages with their constructors, and hands anything else (secrets, escaped values, Sets,
 * other LangChain objects) to it. LangChain's loader awaits every value of the document and
 * re-parses each message, so a thread of a few hundred messages took a few hundred milliseconds
 * to load, at the start of every run.
 *
 * @example
 * const saver = SqliteSaver.fromConnString(path);
 * saver.serde = withFastMessageLoads(saver.serde);
 */
export function withFastMessageLoads(inner: CheckpointSerde): CheckpointSerde {
  return {
    dumpsTyped: (data) => inner.dumpsTyped(data),
    async loadsTyped(type, data) {
      if (type !== "json") return inner.loadsTyped(type, data);
      const text = typeof data === "string" ? data : new TextDecoder().decode(data);
      try {
        return revive(JSON.parse(text));
      } catch (error) {
        if (error instanceof NeedsGenericLoad) return inner.loadsTyped(type, text);
        throw error;
      }
    },
  };
}
