/**
 * The official Lua 5.4.6 test files (./testes, see its README), each run as a spell in the
 * sandbox. Those that need no feature the sandbox removes must pass; each of the others is
 * listed with the removed features it uses, and must stop on the first one.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { runOnce } from '../../helpers/engine.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 1 });
afterAll(() => pool.close());

const PASSING = ['math', 'sort', 'vararg', 'utf8', 'tpack', 'constructs', 'code', 'pm'];

/** file → the removed features it uses, and how its run stops (on the first it reaches). */
const NEEDS: Record<string, [string, RegExp]> = {
  strings: ['io (io.stdin), os.setlocale', /global 'io'/],
  nextvar: ['package.loaded, debug.setmetatable, collectgarbage("stop"), io', /global 'package'/],
  closure: ['debug.upvalueid, debug.upvaluejoin', /field 'upvalueid'/],
  goto: ['debug.upvalueid', /field 'upvalueid'/],
  events: ['io (io.stdin), debug.setmetatable, debug.setuservalue, debug.getuservalue', /global 'io'/],
  calls: ['string.dump, debug.getupvalue, debug.setupvalue, debug.upvaluejoin', /field 'dump'/],
  attrib: ['require and package (module search, loadlib), io, os.remove', /module 'io' not found/],
  coroutine: ['debug.sethook, debug.getlocal, debug.setlocal, debug.setupvalue', /field 'sethook'/],
  errors: ['io, string.dump, collectgarbage("stop"), __gc', /assertion failed/], // a message check on io.stdin
  bitwise: ['require of a module file (bwcoercion.lua), package.preload', /module 'bwcoercion' not found/],
  locals: ['require of a module file (tracegc.lua, which uses __gc), debug.sethook, collectgarbage("stop"), os.exit', /module 'tracegc' not found/],
  literals: ['os.setlocale', /field 'setlocale'/],
};

/**
 * Set before each file, on its first line (a comment), so line numbers stay the file's:
 * _port and _soft as all.lua sets them for a portable, quick run, and a `require` that only
 * returns standard libraries (spells have them as globals): most files start with
 * `local debug = require "debug"`, and a spell has the reduced debug library.
 */
const HEADER = "_port, _soft = true, true; require = function(name) return _G[name] or error(\"module '\" .. name .. \"' not found\") end; ";

function source(file: string): string {
  const bytes = readFileSync(new URL(`./testes/${file}.lua`, import.meta.url));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Latin-1 files (README): their non-ASCII bytes, all in short strings, as decimal escapes.
    text = Array.from(bytes, (b) => (b >= 128 ? `\\${b}` : String.fromCharCode(b))).join('');
  }
  return HEADER + text;
}

const run = (file: string) =>
  runOnce(pool, source(file), {
    fileName: `${file}.lua`,
    limits: { timeoutMs: 60_000, memoryLimitBytes: 256 * 1024 * 1024, outputLimitBytes: 16 * 1024 * 1024 },
  });

describe('official Lua 5.4.6 test files in the sandbox', () => {
  it.each(PASSING)('%s.lua passes', { timeout: 120_000 }, async (file) => {
    const outcome = await run(file);
    expect(outcome.next, JSON.stringify(outcome.next)).toMatchObject({ type: 'done' });
  });

  it.each(Object.entries(NEEDS))('%s.lua needs removed features', { timeout: 120_000 }, async (file, [, stops]) => {
    const outcome = await run(file);
    expect(outcome.next.type).toBe('failed');
    if (outcome.next.type === 'failed') expect(outcome.next.error.message).toMatch(stops);
  });
});
