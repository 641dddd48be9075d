import type { EngineDescriptor } from '../engine.ts';

/** Lua 5.4 (wasmoon) in pooled worker threads, terminated at the time limit (pattern matching is uninterruptible C). */
export const lua: EngineDescriptor = {
  name: 'lua',
  aliases: [],
  extensions: ['.lua'],
  placement: 'thread',
  graceMs: 0,
  factory: async () => new (await import('./engine.ts')).LuaEngineFactory(),
};
