import type { EngineDescriptor } from '../engine.ts';

/**
 * V8 isolates (isolated-vm) in pooled child processes: isolates stop themselves through
 * isolated-vm timeouts, but one thrashing at its heap limit can ignore both its timeout and
 * its memory limit, so a process past its limit plus a grace period is killed.
 */
export const javascript: EngineDescriptor = {
  name: 'javascript',
  aliases: ['js'],
  extensions: ['.js', '.mjs'],
  placement: 'process',
  graceMs: 1000,
  factory: async () => new (await import('./engine.ts')).JavaScriptEngineFactory(),
};
