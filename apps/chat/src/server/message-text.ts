/** @module The text of a LangChain message, whether its content is a string or content blocks. */
import type { BaseMessage } from "@langchain/core/messages";

export function textOf(message: BaseMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  return content
    .map((block) =>
      typeof block === "string" ? block : "text" in block && typeof block.text === "string" ? block.text : "",
    )
    .filter((text) => text !== "")
    .join("\n");
}
