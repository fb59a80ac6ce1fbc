/**
 * @module Runs the README's agent example end to end from the installed tarballs: the example
 * pauses on `connect_calendar`, the person consents on the testkit's pages through the example's
 * own `handler` (launch link, then OAuth callback), the thread resumes and the answer comes from
 * `list_events`. Copied into the temporary app by scripts/pack-install-check.mjs.
 */
import { pendingAuthInterrupts } from "@authbus/langgraph";
import { approveConsent, DEMO_EVENTS } from "@authbus/testkit";
import { demo } from "./readme-runtime.js";

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`README example: ${message}`);
}

// The thread, app session and user the example's run names (read from it by the check).
const [threadId = "", session = "", subject = ""] = process.argv.slice(2);
const headers = { "x-readme-session": session };

// Evaluating the example runs it: `agent.invoke(…)` pauses for consent.
const example = await import("./readme-agent.run.js");
const config = { configurable: { thread_id: threadId } };

const [card, ...others] = pendingAuthInterrupts(await example.agent.graph.getState(config));
check(card && others.length === 0, "expected one consent card after the first run");
check(card.value.serverName === "calendar", `card for ${card.value.serverName}, not calendar`);
check(card.value.reason === "missing_token", `card reason ${card.value.reason}`);
console.log(
  `  paused: ${card.value.serverName} (${card.value.reason}), scopes ${card.value.scopes.join(" ")}`,
);

const launched = await example.handler(new Request(card.value.authorizationUrl, { headers }));
const location = launched.headers.get("location");
check(launched.status === 302 && location, `launch link answered ${launched.status}`);
const callbackUrl = await approveConsent(location, { user: subject });
const callback = await example.handler(new Request(callbackUrl, { headers }));
check(callback.status === 200, `callback answered ${callback.status}`);
await example.authbus.idle();

const state = await example.agent.graph.getState(config);
check(pendingAuthInterrupts(state).length === 0, "the thread still waits after the callback");
const messages = (state.values as { messages: { content: unknown }[] }).messages;
const last = messages.at(-1)?.content;
const answer = typeof last === "string" ? last : JSON.stringify(last);
check(answer.includes(DEMO_EVENTS[0].title), `the resumed run answered ${JSON.stringify(answer)}`);
check(demo.calendar.callCount("list_events") === 1, "list_events should have run exactly once");
check(
  demo.calendar.foreignTokens().length === 0,
  "the calendar server received a token for another resource",
);
check(
  demo.calendar.receivedTokens.length > 0 && demo.calendar.receivedTokens.every((token) => token.accepted),
  "the calendar server refused a token it received",
);
console.log(`  resumed after consent: ${answer.slice(0, 100)}…`);

await example.authbus.close();
(example.authbus.stores as { close?: () => void }).close?.();
await demo.close();
