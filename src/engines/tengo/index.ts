import type { EngineDescriptor } from '../engine.ts';
import { tengoModule } from './wasm.ts';

/** The real Tengo VM in WebAssembly, in pooled worker threads terminated at the time limit (the VM has no preemption). */
export const tengo: EngineDescriptor = {
  name: 'tengo',
  aliases: [],
  extensions: ['.tengo'],
  placement: 'thread',
  graceMs: 0,
  // Threads share one compiled program instead of each compiling 6 MB of WebAssembly.
  threadData: () => ({ compiled: tengoModule() }),
  factory: async (data) => new (await import('./engine.ts')).TengoEngineFactory({ compiled: data.compiled as object | undefined }),
};
