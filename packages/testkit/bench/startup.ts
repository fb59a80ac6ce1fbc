/**
 * Measures how long the whole kit (`startDemoServers`: authorization server + `calendar` and
 * `files` MCP servers) takes to start and to close. Uses the built package (`dist/`), as other
 * packages do. Run: `pnpm --filter @authbus/testkit bench` (builds first), or `npx tsx bench/startup.ts`.
 */
const runs = Number(process.env.RUNS ?? 20);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { startDemoServers } = await import("../dist/index.js");
const imported = performance.now() - t0;

const starts: number[] = [];
const closes: number[] = [];
for (let i = 0; i < runs; i += 1) {
  const a = performance.now();
  const demo = await startDemoServers();
  const b = performance.now();
  await demo.close();
  starts.push(b - a);
  closes.push(performance.now() - b);
}

const [first = 0, ...warm] = starts;
const cpu = process.cpuUsage(cpu0);
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`startDemoServers on Node ${process.version}, ${runs} runs`);
console.log(`  import @authbus/testkit (MCP SDK, jose, zod):        ${ms(imported)}`);
console.log(`  first start (also loads oidc-provider):             ${ms(first)}`);
console.log(`  cold total (import + first start):                  ${ms(imported + first)}`);
console.log(
  `  CPU time of the whole run (user+system; wall times above grow when the machine is busy): ${ms((cpu.user + cpu.system) / 1000)}`,
);
console.log(`  warm start: median ${ms(quantile(warm, 0.5))}, p95 ${ms(quantile(warm, 0.95))}`);
console.log(`  close: median ${ms(quantile(closes, 0.5))}`);
