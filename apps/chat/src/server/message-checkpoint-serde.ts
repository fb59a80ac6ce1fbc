/**
 * @module Reads checkpoints back with one synchronous pass that builds chat messages directly,
 * instead of LangChain's generic loader: loading a thread costs what parsing its JSON costs.
 */
import { randomBytes } from "node:crypto";
import {
  AIMessage,
  AIMessageChunk,
  ChatMessage,
  ChatMessageChunk,
  FunctionMessage,
  FunctionMessageChunk,
  HumanMessage,
  HumanMessageChunk,
  isBaseMessage,
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

/** A message's serialized text, and the fields it was serialized from (to tell whether it changed since). */
interface Serialized {
  text: string;
  kwargs: unknown;
  fields: unknown[];
}

type SerializedCache = WeakMap<object, Serialized>;

type MessageObject = Record<string, unknown> & { lc_kwargs?: Record<string, unknown> };

/** What `Serializable.toJSON` reads of a message: each `lc_kwargs` key, and its value (the message's own when it has it). */
function fieldsOf(message: MessageObject): unknown[] {
  const kwargs = message.lc_kwargs ?? {};
  const fields: unknown[] = [];
  for (const key of Object.keys(kwargs)) fields.push(key, key in message ? message[key] : kwargs[key]);
  return fields;
}

/** The cached text of `message`, unless a field was set since (same objects, compared by reference). */
function cachedText(cache: SerializedCache, message: MessageObject): string | undefined {
  const found = cache.get(message);
  if (!found || found.kwargs !== message.lc_kwargs) return undefined;
  const fields = fieldsOf(message);
  if (fields.length !== found.fields.length) return undefined;
  for (let index = 0; index < fields.length; index++) {
    if (fields[index] !== found.fields[index]) return undefined;
  }
  return found.text;
}

function remember(cache: SerializedCache, message: MessageObject, text: string): void {
  cache.set(message, { text, kwargs: message.lc_kwargs, fields: fieldsOf(message) });
}

/** The class of a serialized chat message (`["langchain_core", "messages", name]`), if it is one. */
function messageClassOf(record: Record<string, unknown>): MessageClass | undefined {
  if (record.lc !== 1 || record.type !== "constructor" || !Array.isArray(record.id)) return undefined;
  const [scope, module, name, ...rest] = record.id as unknown[];
  if (scope !== "langchain_core" || module !== "messages" || rest.length > 0 || typeof name !== "string") {
    return undefined;
  }
  return MESSAGE_CLASSES.get(name);
}

/**
 * Revives a freshly parsed value in place, innermost first (as `JsonPlusSerializer` does), and
 * throws {@link NeedsGenericLoad} for anything but plain data, chat messages and `undefined`.
 * Each message is remembered with the text it was read from, which writes it again as it is.
 */
function revive(value: unknown, cache: SerializedCache): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = revive(value[index], cache);
    return value;
  }
  const record = value as Record<string, unknown>;
  if ("__lc_escaped__" in record) throw new NeedsGenericLoad();
  const builder = messageClassOf(record);
  // Its text as stored: JSON.parse then JSON.stringify gives back the same characters.
  const text = builder ? JSON.stringify(record) : undefined;
  for (const key of Object.keys(record)) record[key] = revive(record[key], cache);
  if (record.lc === 2) {
    if (record.type === "undefined") return undefined;
    throw new NeedsGenericLoad();
  }
  if (record.lc !== 1) return record;
  const kwargs = record.kwargs;
  if (
    !builder ||
    text === undefined ||
    typeof kwargs !== "object" ||
    kwargs === null ||
    Array.isArray(kwargs)
  ) {
    throw new NeedsGenericLoad();
  }
  const message = construct(builder, kwargs as Record<string, unknown>) as MessageObject;
  remember(cache, message, text);
  return message;
}

const isPlain = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * A copy of `value` with every chat message replaced by a placeholder string (containers on the
 * way copied, nothing changed in place). `Send`s are taken apart as `JsonPlusSerializer` writes
 * them, so the state a tool call carries is written from the same cache.
 */
function substitute(value: unknown, found: MessageObject[], placeholder: (index: number) => string): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isBaseMessage(value)) {
    found.push(value as unknown as MessageObject);
    return placeholder(found.length - 1);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const next = substitute(value[index], found, placeholder);
      if (next !== value[index]) {
        copy ??= value.slice();
        copy[index] = next;
      }
    }
    return copy ?? value;
  }
  const send = value as { lg_name?: unknown; node?: unknown; args?: unknown; timeout?: unknown };
  if (send.lg_name === "Send") {
    const args = substitute(send.args, found, placeholder);
    if (args === send.args) return value;
    return { node: send.node, args, ...(send.timeout === undefined ? {} : { timeout: send.timeout }) };
  }
  if (!isPlain(value)) return value;
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const next = substitute(record[key], found, placeholder);
    if (next !== record[key]) {
      copy ??= { ...record };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

/**
 * Wraps a saver's serializer so each chat message is turned into JSON once, not once per
 * checkpoint. Every checkpoint holds the whole conversation (twice when a tool call is pending:
 * its `Send` carries the state), and LangChain's serializer and loader cost tens of
 * milliseconds per few hundred messages, several times per message; with this, what a message
 * costs hardly grows with the conversation.
 *
 * - Writing: the messages in the value (and in `Send`s) are written from the text remembered
 *   for that message object, else by the wrapped serializer (then remembered); the rest by the
 *   wrapped serializer as before. The output is what the wrapped serializer writes.
 * - Reading JSON: one synchronous pass builds chat messages with their constructors (remembering
 *   the text each was read from); anything else LangChain would build (a secret, an escaped
 *   value, a Set, another LangChain object) sends the whole value to the wrapped serializer.
 *
 * A remembered text is used only while the message's fields are the same objects as when it was
 * remembered; a message edited in place below its fields (an element of its content array
 * changed) would be written as it was. LangGraph replaces messages (by id) rather than editing
 * them. The memory is a `WeakMap`: it goes with the message objects, after the run.
 *
 * @example
 * const saver = SqliteSaver.fromConnString(path);
 * saver.serde = withMessageCache(saver.serde);
 */
export function withMessageCache(inner: CheckpointSerde): CheckpointSerde {
  const cache: SerializedCache = new WeakMap();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  return {
    async dumpsTyped(data) {
      if (data instanceof Uint8Array) return inner.dumpsTyped(data);
      // A fresh nonce per value: no string in the data can be taken for a placeholder.
      const nonce = randomBytes(9).toString("hex");
      const found: MessageObject[] = [];
      const substituted = substitute(data, found, (index) => `\u0000${nonce}:${index}`);
      if (found.length === 0) return inner.dumpsTyped(data);
      const texts = await Promise.all(
        found.map(async (message) => {
          const cached = cachedText(cache, message);
          if (cached !== undefined) return cached;
          const [type, bytes] = await inner.dumpsTyped(message);
          if (type !== "json") throw new Error(`a message serialized as ${type}, not json`);
          const text = decoder.decode(bytes);
          remember(cache, message, text);
          return text;
        }),
      );
      const [type, bytes] = await inner.dumpsTyped(substituted);
      if (type !== "json") return inner.dumpsTyped(data);
      const pattern = new RegExp(`"\\\\u0000${nonce}:(\\d+)"`, "g");
      const text = decoder
        .decode(bytes)
        .replace(pattern, (_, index: string) => texts[Number(index)] ?? "null");
      return ["json", encoder.encode(text)];
    },
    async loadsTyped(type, data) {
      if (type !== "json") return inner.loadsTyped(type, data);
      const text = typeof data === "string" ? data : decoder.decode(data);
      try {
        return revive(JSON.parse(text), cache);
      } catch (error) {
        if (error instanceof NeedsGenericLoad) return inner.loadsTyped(type, text);
        throw error;
      }
    },
  };
}
