// oidc-provider ships no types for its memory adapter module; this is the part used here.
declare module "oidc-provider/lib/adapters/memory_adapter.js" {
  // biome-ignore lint/style/noDefaultExport: describes oidc-provider's module, which exports it as default.
  export default class MemoryAdapter {
    constructor(model: string, store?: unknown, clockTolerance?: number);
  }
}
