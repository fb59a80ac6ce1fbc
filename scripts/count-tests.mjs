// Sums Vitest's per-package "Tests" lines from a turbo run into one closing line.
import { readFileSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";

const text = stripVTControlCharacters(readFileSync(process.argv[2] ?? 0, "utf8"));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split("\n")) {
  const match = /^\S*:?\s*Tests\s+(.*)$/.exec(line.trim());
  if (!match?.[1]) continue;
  passed += Number(/(\d+) passed/.exec(match[1])?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(match[1])?.[1] ?? 0);
  skipped += Number(/(\d+) skipped/.exec(match[1])?.[1] ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (passed === 0) process.exit(1);
