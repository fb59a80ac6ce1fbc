/**
 * Measures how long the whole kit (`startDemoServers`: authorization server + two MCP servers)
 * takes to start and stop. The first run includes loading oidc-provider and the MCP SDK.
 * Run: `pnpm --filter @authbus/testkit bench` (or `npx tsx bench/startup.ts`).
 */
import { startDemoServers } from "../src/index.js";

const runs = Number(process.env.RUNS ?? 20);
const starts: number[] = [];
const stops: number[] = [];

for (let i = 0; i < runs; i += 1) {
  const t0 = performance.now();
  const demo = await startDemoServers();
  const t1 = performance.now();
  await demo.close();
  const t2 = performance.now();
  starts.push(t1 - t0);
  stops.push(t2 - t1);
}

const [first = 0, ...warm] = starts;
const sorted = [...warm].sort((a, b) => a - b);
const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`startDemoServers, ${runs} runs on Node ${process.version}`);
console.log(`  first start (cold, loads oidc-provider + MCP SDK): ${fmt(first)}`);
console.log(`  warm start: median ${fmt(pick(0.5))}, p95 ${fmt(pick(0.95))}, max ${fmt(sorted.at(-1) ?? 0)}`);
console.log(`  close: median ${fmt([...stops].sort((a, b) => a - b)[Math.floor(stops.length / 2)] ?? 0)}`);
