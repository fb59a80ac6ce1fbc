/**
 * @module Whether the next `interrupt()` of the running task will return a resume value: the one
 * place that reads a private LangGraph field.
 *
 * LangGraph re-runs a node from its start on resume and matches `interrupt()` calls by order.
 * A consent must not be begun again on that replay (a second consent would show a second
 * card), so the wrapper looks first. LangGraph has no public call for this; the task's
 * scratchpad (`__pregel_scratchpad`, also read by langchain's own `ToolNode`) holds the
 * answers. Only {@link readScratchpad} reads it. When its shape is not the one expected, every
 * function here answers as outside a task (`"unknown"`), and callers fall back to
 * begin-then-interrupt, which consent coalescing keeps to one consent; `peek-resume.test.ts`
 * fails on such a LangGraph upgrade. See the README, "Private LangGraph fields".
 */
import { getConfig } from "@langchain/langgraph";

/** LangGraph's `CONFIG_KEY_SCRATCHPAD`, not exported by its public entry points. */
const SCRATCHPAD_KEY = "__pregel_scratchpad";

/** The part of LangGraph's task scratchpad that `interrupt()` reads. */
interface TaskScratchpad {
  interruptCounter: number;
  resume: unknown[];
  nullResume?: unknown;
}

function isScratchpad(value: unknown): value is TaskScratchpad {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<TaskScratchpad>;
  return typeof candidate.interruptCounter === "number" && Array.isArray(candidate.resume);
}

/** The scratchpad of the task running now, or `undefined` outside a graph task. */
function readScratchpad(): TaskScratchpad | undefined {
  let config: ReturnType<typeof getConfig> | undefined;
  try {
    config = getConfig();
  } catch {
    return undefined;
  }
  const scratchpad: unknown = config?.configurable?.[SCRATCHPAD_KEY];
  return isScratchpad(scratchpad) ? scratchpad : undefined;
}

/**
 * An object that stands for the running task (the same for every call in one run of the task),
 * to key what parallel calls of the task share; `undefined` outside a task.
 */
export function currentTaskKey(): object | undefined {
  return readScratchpad();
}

/** The result of {@link peekResume}. */
export type PeekedResume =
  | { kind: "answered"; value: unknown }
  | { kind: "unanswered" }
  | { kind: "unknown" };

/**
 * Tells what the next `interrupt()` call of the current task would do: return `value`
 * (`answered`), or throw to pause (`unanswered`). Mirrors `interrupt()`'s own order: the
 * task's indexed resume values first, then a plain `Command({ resume })` value.
 */
export function peekResume(): PeekedResume {
  const scratchpad = readScratchpad();
  if (!scratchpad) return { kind: "unknown" };
  const next = scratchpad.interruptCounter + 1;
  if (next < scratchpad.resume.length) return { kind: "answered", value: scratchpad.resume[next] };
  if (scratchpad.nullResume !== undefined) return { kind: "answered", value: scratchpad.nullResume };
  return { kind: "unanswered" };
}

/** The answers the running task has not read yet, in the order `interrupt()` would return them. */
export function unreadResumes(): unknown[] {
  const scratchpad = readScratchpad();
  if (!scratchpad) return [];
  const unread = scratchpad.resume.slice(scratchpad.interruptCounter + 1);
  return scratchpad.nullResume === undefined ? unread : [...unread, scratchpad.nullResume];
}
