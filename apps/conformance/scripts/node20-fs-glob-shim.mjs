// `fs` as the conformance suite imports it, with the one Node 22 export it names but never calls here.
export * from "node:fs";
export { default } from "node:fs";

export function globSync() {
  throw new Error("fs.globSync needs Node.js 22; the conformance CLI uses it only for `tier-check`");
}
