/**
 * @module Chat messages stored once each, beside the checkpoints that refer to them: a
 * checkpoint names its messages by key instead of holding the whole conversation again.
 */
import { createHash } from "node:crypto";
import {
  AIMessage,
  AIMessageChunk,
  BaseMessage,
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

type MessageClass = new (fields: Record<string, unknown>) => BaseMessage;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

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

/** Something only LangChain's generic loader reads as it should (a secret, an escaped value, a Set…). */
class NeedsGenericLoad extends Error {
  override readonly name = "NeedsGenericLoad";
}

const camelCases = new Map<string, string>();

/** As `@langchain/core/load`: a serialized key back to the constructor's (snake_case to camelCase unless aliased). */
function camelCase(key: string): string {
  let found = camelCases.get(key);
  if (found !== undefined) return found;
  const trimmed = key.trim();
  found = !/[-_\s]/.test(trimmed)
    ? trimmed
    : trimmed
        .replace(/[-_\s]+/g, "_")
        .toLowerCase()
        .replace(/_+([a-z0-9])/g, (_, char: string) => char.toUpperCase());
  // A few field names recur in every message; anything else is not kept.
  if (camelCases.size < 256) camelCases.set(key, found);
  return found;
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

/** Builds a message from its kwargs as the generic loader does; `parsed` kwargs come straight from JSON.parse (no `undefined` in them). */
function construct(builder: MessageClass, kwargs: Record<string, unknown>, parsed = false): BaseMessage {
  const aliases = inverseAliasesOf(builder);
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(kwargs)) {
    const value = parsed ? kwargs[key] : withoutUndefined(kwargs[key]);
    if (value !== undefined) fields[aliases[key] ?? camelCase(key)] = value;
  }
  return new builder(fields);
}

/**
 * A stored message whose text holds no LangChain record but its own (no nested `"lc":`, so
 * nothing escaped either): built straight from JSON.parse, with nothing to revive inside. JSON.stringify
 * writes a string's quotes escaped, so text inside strings cannot look like a key.
 */
function parsePlainMessage(text: string): BaseMessage | undefined {
  // An escaped value (`__lc_escaped__`) holds an object with an `lc` key: caught here too.
  if (!text.startsWith('{"lc":1,') || text.indexOf('"lc":', 2) >= 0) {
    return undefined;
  }
  const record = JSON.parse(text) as Record<string, unknown>;
  const builder = messageClassOf(record);
  const kwargs = record.kwargs;
  if (!builder || !isPlainObject(kwargs)) return undefined;
  return construct(builder, kwargs, true);
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
  if (record.lc !== 1) return record;
  const builder = messageClassOf(record);
  const kwargs = record.kwargs;
  if (!builder || typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) {
    throw new NeedsGenericLoad();
  }
  return construct(builder, kwargs as Record<string, unknown>);
}

/**
 * Wraps a saver's serializer: writes as it does; reads JSON in one synchronous pass that builds
 * chat messages with their constructors, and hands anything else LangChain would build (a
 * secret, an escaped value, a Set, another LangChain object) to it. LangChain's loader awaits
 * every value of the document and parses each message twice: a few hundred messages took a
 * few hundred milliseconds.
 */
export function withFastLoads(inner: CheckpointSerde): CheckpointSerde {
  const decoder = new TextDecoder();
  return {
    dumpsTyped: (data) => inner.dumpsTyped(data),
    async loadsTyped(type, data) {
      if (type !== "json") return inner.loadsTyped(type, data);
      const text = typeof data === "string" ? data : decoder.decode(data);
      try {
        return revive(JSON.parse(text));
      } catch (error) {
        if (error instanceof NeedsGenericLoad) return inner.loadsTyped(type, text);
        throw error;
      }
    },
  };
}

/** A message's text and key, the fields it was written from (to tell whether it changed), and where it is stored. */
interface Encoded {
  key: string;
  text: string;
  kwargs: unknown;
  /** Each `lc_kwargs` key and the value `toJSON` read for it, in turn. */
  fields: unknown[];
  /** The thread (and namespace) it is stored for. */
  storedIn: string | undefined;
}

type MessageObject = BaseMessage & Record<string, unknown>;

/** What `Serializable.toJSON` reads of a message: each `lc_kwargs` key, and its value (the message's own when it has it). */
function fieldsOf(message: MessageObject): unknown[] {
  const kwargs = (message.lc_kwargs ?? {}) as Record<string, unknown>;
  const fields: unknown[] = [];
  for (const key in kwargs) fields.push(key, key in message ? message[key] : kwargs[key]);
  return fields;
}

/** Whether `toJSON` would read the same objects as when `found` was written (compared without allocating). */
function unchanged(found: Encoded, message: MessageObject): boolean {
  const kwargs = message.lc_kwargs as Record<string, unknown> | undefined;
  if (found.kwargs !== kwargs || !kwargs) return false;
  const fields = found.fields;
  let index = 0;
  for (const key in kwargs) {
    if (fields[index] !== key || fields[index + 1] !== (key in message ? message[key] : kwargs[key]))
      return false;
    index += 2;
  }
  return index === fields.length;
}

/** A message to store: its key and text. */
export interface MessageBody {
  key: string;
  text: string;
}

/**
 * What stands in a checkpoint for messages stored apart: `{ lc: 3, type: "message", ref }` for
 * one, and `{ lc: 3, type: "messages", refs: "key,key,…" }` for an array of messages only (the
 * conversation), one string being much cheaper to write and read than an object per message.
 * (LangChain's own records are `lc: 1` and `lc: 2`.)
 */
type Ref = { lc: 3; type: "message"; ref: string } | { lc: 3; type: "messages"; refs: string };

function isRef(value: unknown): value is Ref {
  if (!isPlainObject(value) || value.lc !== 3) return false;
  return (
    (value.type === "message" && typeof value.ref === "string") ||
    (value.type === "messages" && typeof value.refs === "string")
  );
}

/**
 * Turns chat messages into stored bodies and refs, and back. Each message object is written once
 * (LangChain's serializer, then remembered) and its key is a digest of its text; a message read
 * back is remembered with the text it was read from, so it is not written again. A remembered
 * text is used only while the message's fields are the same objects as when it was remembered:
 * a message edited in place below its fields (an element of its content array changed) would be
 * written as it was, and LangGraph replaces messages (by id) rather than editing them. What is
 * remembered is a non-enumerable property of the message object (copied by no spread or
 * clone), so it goes with the message, at the end of a run.
 */
export class MessageCodec {
  readonly #serde: CheckpointSerde;
  /** Where a message object keeps its encoding: a property of its own, so it goes with the message. */
  readonly #slot = Symbol("authbus checkpoint encoding");
  readonly #decoder = new TextDecoder();

  constructor(serde: CheckpointSerde) {
    this.#serde = serde;
  }

  #recall(message: MessageObject): Encoded | undefined {
    return (message as unknown as Record<symbol, Encoded | undefined>)[this.#slot];
  }

  // Not a WeakMap: its table keeps the size of the most messages ever held at once, long after.
  #remember(message: MessageObject, encoded: Encoded): void {
    // A frozen message is written anew each time.
    if (!Object.isExtensible(message)) return;
    Object.defineProperty(message, this.#slot, { value: encoded, writable: true, configurable: true });
  }

  async #encode(message: MessageObject): Promise<Encoded> {
    const [type, bytes] = await this.#serde.dumpsTyped(message);
    if (type !== "json") throw new Error(`a message was serialized as ${type}, not json`);
    const text = this.#decoder.decode(bytes);
    const encoded: Encoded = {
      key: createHash("sha256").update(text).digest("base64url").slice(0, 32),
      text,
      kwargs: message.lc_kwargs,
      fields: fieldsOf(message),
      storedIn: undefined,
    };
    this.#remember(message, encoded);
    return encoded;
  }

  /**
   * A copy of `value` with its chat messages replaced by refs (containers on the way copied,
   * nothing changed in place), and the bodies not yet stored for `storedIn`. `Send`s are taken
   * apart as `JsonPlusSerializer` writes them, so the state a pending tool call carries refers
   * to the same bodies. With `onlyInSends`, messages elsewhere stay as they are (a task's own new
   * messages: written once, and their ids are only given them after).
   */
  async externalize(
    value: unknown,
    storedIn: string,
    options: { onlyInSends?: boolean } = {},
  ): Promise<{
    value: unknown;
    bodies: MessageBody[];
    stored: () => void;
    /** The longest array of messages only that was replaced (the conversation), as it was. */
    conversation: readonly BaseMessage[] | undefined;
  }> {
    const messages: MessageObject[] = [];
    const encodings: (Encoded | undefined)[] = [];
    /** Each ref made, with the messages (indexes in `messages`) it names. */
    const refs: { ref: Record<string, unknown>; from: number; to: number; one: boolean }[] = [];
    const add = (message: MessageObject) => {
      const found = this.#recall(message);
      messages.push(message);
      encodings.push(found && unchanged(found, message) ? found : undefined);
    };
    const conversations = new Map<unknown[], Record<string, unknown>>();
    const replace = (current: unknown, inSend: boolean): unknown => {
      if (typeof current !== "object" || current === null) return current;
      const take = !options.onlyInSends || inSend;
      if (BaseMessage.isInstance(current)) {
        if (!take) return current;
        const ref = { lc: 3, type: "message" };
        refs.push({ ref, from: messages.length, to: messages.length + 1, one: true });
        add(current as MessageObject);
        return ref;
      }
      if (Array.isArray(current)) {
        // The same conversation twice (the channel, and the state a Send carries): one walk.
        const seen = conversations.get(current);
        if (seen) return seen;
        if (take && current.length > 0 && BaseMessage.isInstance(current[0])) {
          // The conversation: one ref for all of it, when it holds messages only.
          const from = messages.length;
          for (const item of current) {
            if (!BaseMessage.isInstance(item)) break;
            add(item as MessageObject);
          }
          if (messages.length - from === current.length) {
            const ref = { lc: 3, type: "messages" };
            refs.push({ ref, from, to: messages.length, one: false });
            conversations.set(current, ref);
            return ref;
          }
          messages.length = from;
          encodings.length = from;
        }
        let copy: unknown[] | undefined;
        for (let index = 0; index < current.length; index++) {
          const next = replace(current[index], inSend);
          if (next !== current[index]) {
            copy ??= current.slice();
            copy[index] = next;
          }
        }
        return copy ?? current;
      }
      const send = current as { lg_name?: unknown; node?: unknown; args?: unknown; timeout?: unknown };
      if (send.lg_name === "Send") {
        const args = replace(send.args, true);
        if (args === send.args) return current;
        return { node: send.node, args, ...(send.timeout === undefined ? {} : { timeout: send.timeout }) };
      }
      if (!isPlainObject(current)) return current;
      let copy: Record<string, unknown> | undefined;
      for (const key of Object.keys(current)) {
        const next = replace(current[key], inSend);
        if (next !== current[key]) {
          copy ??= { ...current };
          copy[key] = next;
        }
      }
      return copy ?? current;
    };
    const replaced = replace(value, false);
    // Only messages not written before are serialized (awaited one by one: few, and a promise per
    // remembered message would cost more than the rest of this).
    for (let index = 0; index < messages.length; index++) {
      if (encodings[index]) continue;
      const message = messages[index] as MessageObject;
      // The same message twice (the conversation, and the state a Send carries): written once.
      const found = this.#recall(message);
      encodings[index] = found && unchanged(found, message) ? found : await this.#encode(message);
    }
    const keys = encodings.map((encoded) => (encoded as Encoded).key);
    for (const { ref, from, to, one } of refs) {
      if (one) ref.ref = keys[from];
      else ref.refs = keys.slice(from, to).join(",");
    }
    const bodies: MessageBody[] = [];
    const fresh = new Set<Encoded>();
    for (const encoded of encodings as Encoded[]) {
      if (encoded.storedIn === storedIn || fresh.has(encoded)) continue;
      bodies.push({ key: encoded.key, text: encoded.text });
      fresh.add(encoded);
    }
    /** Call once the bodies are stored: they are not offered again for `storedIn`. */
    const stored = () => {
      for (const encoded of fresh) encoded.storedIn = storedIn;
    };
    let conversation: readonly BaseMessage[] | undefined;
    for (const array of conversations.keys()) {
      if (!conversation || array.length > conversation.length) conversation = array as BaseMessage[];
    }
    return { value: replaced, bodies, stored, conversation };
  }

  /** The key `message` is stored under, while it is as it was when written or read. */
  keyOf(message: BaseMessage): string | undefined {
    const object = message as MessageObject;
    const found = this.#recall(object);
    return found && unchanged(found, object) ? found.key : undefined;
  }

  /** The keys `value` refers to (in its arrays and plain objects). */
  refsIn(value: unknown, keys = new Set<string>()): Set<string> {
    if (isRef(value)) {
      if (value.type === "message") keys.add(value.ref);
      else for (const key of value.refs.split(",")) keys.add(key);
    } else if (Array.isArray(value)) for (const item of value) this.refsIn(item, keys);
    else if (isPlainObject(value)) for (const item of Object.values(value)) this.refsIn(item, keys);
    return keys;
  }

  /**
   * Reads stored bodies back into messages, remembered as stored for `storedIn`. Plain data and
   * chat messages are built in one synchronous pass; a body with anything else goes through the
   * wrapped serializer.
   */
  async decode(bodies: readonly MessageBody[], storedIn: string): Promise<Map<string, BaseMessage>> {
    const messages = new Map<string, BaseMessage>();
    for (const body of bodies) {
      let message: unknown = parsePlainMessage(body.text);
      try {
        message ??= revive(JSON.parse(body.text));
      } catch (error) {
        if (!(error instanceof NeedsGenericLoad)) throw error;
        message = await this.#serde.loadsTyped("json", body.text);
      }
      if (!BaseMessage.isInstance(message))
        throw new Error(`the stored message ${body.key} is not a message`);
      const object = message as MessageObject;
      this.#remember(object, {
        key: body.key,
        text: body.text,
        kwargs: object.lc_kwargs,
        fields: fieldsOf(object),
        storedIn,
      });
      messages.set(body.key, message);
    }
    return messages;
  }

  /**
   * `value` with each ref replaced by the messages it names, in place (a value just read).
   *
   * @throws {Error} when a ref names a message that is not stored (the file was changed by hand).
   */
  internalize(value: unknown, messages: ReadonlyMap<string, BaseMessage>): unknown {
    const find = (key: string) => {
      const message = messages.get(key);
      if (!message) throw new Error(`the checkpoint refers to a message that is not stored (${key})`);
      return message;
    };
    if (isRef(value)) return value.type === "message" ? find(value.ref) : value.refs.split(",").map(find);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++)
        value[index] = this.internalize(value[index], messages);
    } else if (isPlainObject(value)) {
      for (const key of Object.keys(value)) value[key] = this.internalize(value[key], messages);
    }
    return value;
  }
}

/** What a saver reads back: a checkpoint's channel values and its pending writes, for a thread. */
interface StoredTuple {
  config: { configurable?: Record<string, unknown> };
  checkpoint: { channel_values: unknown };
  pendingWrites?: unknown;
}

/**
 * What a compact saver does around its own tables, whatever the database: messages out of a
 * checkpoint or writes (their bodies to store first), and back into a tuple just read. A read
 * takes the messages the thread's latest checkpoint was written from while those objects still
 * live (held weakly; each checked unchanged since), so a run that follows another does not
 * parse the whole conversation again; only the bodies still missing are loaded.
 */
export class CheckpointMessages {
  readonly #serde: CheckpointSerde;
  #codec: MessageCodec;
  /** Per thread and namespace, the conversation its latest checkpoint was written from, held weakly. */
  readonly #recent = new Map<string, WeakRef<readonly BaseMessage[]>>();
  #puts = 0;

  constructor(serde: CheckpointSerde) {
    this.#serde = serde;
    this.#codec = new MessageCodec(serde);
  }

  /**
   * `value` with its messages replaced by refs, and the bodies not yet stored for the thread:
   * store them before (or with) what refers to them, then call `stored`.
   */
  externalize(
    value: unknown,
    threadId: string,
    namespace: string,
    options?: { onlyInSends?: boolean },
  ): ReturnType<MessageCodec["externalize"]> {
    return this.#codec.externalize(value, storedIn(threadId, namespace), options);
  }

  /** Remembers (weakly) the conversation of a thread's latest checkpoint, once it is saved. */
  remember(threadId: string, namespace: string, conversation: readonly BaseMessage[] | undefined): void {
    const key = storedIn(threadId, namespace);
    if (conversation) this.#recent.set(key, new WeakRef(conversation));
    else this.#recent.delete(key);
    // One entry per thread written lately: those whose conversation is gone are dropped now and then.
    this.#puts += 1;
    if (this.#puts % 1024 === 0) {
      for (const [entry, ref] of this.#recent) if (ref.deref() === undefined) this.#recent.delete(entry);
    }
  }

  /**
   * The tuple with its refs replaced by the messages they name, in place; `load` gives the
   * stored bodies of the keys it is asked for (more is fine: they are skipped).
   *
   * @throws {Error} when a ref names a message that is not stored.
   */
  async internalize<T extends StoredTuple>(
    tuple: T,
    load: (
      threadId: string,
      namespace: string,
      keys: ReadonlySet<string>,
    ) => readonly MessageBody[] | Promise<readonly MessageBody[]>,
  ): Promise<T> {
    const keys = this.#codec.refsIn(tuple.checkpoint.channel_values);
    this.#codec.refsIn(tuple.pendingWrites, keys);
    if (keys.size === 0) return tuple;
    const threadId = String(tuple.config.configurable?.thread_id);
    const namespace = String(tuple.config.configurable?.checkpoint_ns ?? "");
    const where = storedIn(threadId, namespace);
    const messages = new Map<string, BaseMessage>();
    for (const message of this.#recent.get(where)?.deref() ?? []) {
      const key = this.#codec.keyOf(message);
      if (key !== undefined && keys.has(key)) messages.set(key, message);
    }
    if (messages.size < keys.size) {
      const missing = new Set([...keys].filter((key) => !messages.has(key)));
      const bodies = (await load(threadId, namespace, missing)).filter((body) => missing.has(body.key));
      for (const [key, message] of await this.#codec.decode(bodies, where)) messages.set(key, message);
    }
    this.#codec.internalize(tuple.checkpoint.channel_values, messages);
    this.#codec.internalize(tuple.pendingWrites, messages);
    return tuple;
  }

  /** Forgets what was stored for `threadId` (its bodies were deleted): every message is written anew. */
  forgetThread(threadId: string): void {
    for (const key of this.#recent.keys()) if (key.startsWith(`${threadId}\u0000`)) this.#recent.delete(key);
    this.#codec = new MessageCodec(this.#serde);
  }
}

/** Where a thread's (and namespace's) messages are stored, as the codec names it. */
function storedIn(threadId: string, namespace: string): string {
  return `${threadId}\u0000${namespace}`;
}
