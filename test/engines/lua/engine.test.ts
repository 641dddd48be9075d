import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';
import type { Json } from '../../../src/journal/types.ts';
import { runInZone } from '../../helpers/zone.ts';
import { SEEDED_42 } from '../../helpers/random.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 2 });
afterAll(() => pool.close());

describe('lua engine: conversion', () => {
  it('converts tables, numbers and strings by the bridge rules', async () => {
    const outcome = await runOnce(
      pool,
      `return {
        array = {1, 2, 3}, map = {a = 1, b = {c = "d"}}, empty = {},
        int = 42, float = 3.5, big = 9007199254740991, neg = -0.25,
        unicode = "héllo → 世界 🎉", bool = false, nested = {{1}, {x = {}}},
        sparse = {[1] = "a", [3] = "c"}, holey = {[1] = "x", [9] = "y"}, input = ...,
      }`,
      { input: { list: [1, 2], obj: { k: 'v' }, n: 1.5 } },
    );
    expect(resultOf(outcome)).toEqual({
      array: [1, 2, 3],
      map: { a: 1, b: { c: 'd' } },
      empty: {},
      int: 42,
      float: 3.5,
      big: 9007199254740991,
      neg: -0.25,
      unicode: 'héllo → 世界 🎉',
      bool: false,
      nested: [[1], { x: {} }],
      sparse: ['a', null, 'c'],
      holey: { '1': 'x', '9': 'y' },
      input: { list: [1, 2], obj: { k: 'v' }, n: 1.5 },
    });
  });

  it('keeps integers integers and floats floats inside Lua', async () => {
    const outcome = await runOnce(pool, 'local v = ... return { math.type(v.i), math.type(v.f) }', { input: { i: 3, f: 2.5 } });
    expect(resultOf(outcome)).toEqual(['integer', 'float']);
  });

  it('takes host values whole: NUL inside strings, nulls as nil, deep nesting, integers past 2^53 as floats', async () => {
    let deep: Json = 'bottom';
    for (let i = 0; i < 150; i++) deep = { d: deep };
    const outcome = await runOnce(
      pool,
      `local v = ...
      local depth, t = 0, v.deep
      while type(t) == "table" do depth, t = depth + 1, t.d end
      return { nul = #v.nul, byte = v.nul:byte(2), holes = { v.holes[1], v.holes[2] == nil, v.holes[3] }, gone = v.gone == nil, depth = depth, bottom = t, huge = math.type(v.huge), key = v["k\\0ey"] }`,
      { input: { nul: 'a\u0000b', holes: [1, null, 3], gone: null, deep, huge: 2 ** 60, 'k\u0000ey': 'nul key' } },
    );
    expect(resultOf(outcome)).toEqual({ nul: 3, byte: 0, holes: [1, true, 3], gone: true, depth: 150, bottom: 'bottom', huge: 'float', key: 'nul key' });
  });

  it.each([
    ['invalid UTF-8', 'return { s = "\\xff\\xfe" }', /result\.s: string is not valid UTF-8/],
    ['a cycle', 'local t = {} t.self = t return t', /result\.self: table contains itself \(cycle\)/],
    ['a function', 'return { f = print }', /result\.f: a function cannot cross the bridge/],
    ['NaN', 'return 0/0', /result: NaN and infinity cannot cross the bridge/],
    ['a table key', 'return { [{}] = 1 }', /result: a table key cannot cross the bridge/],
  ])('refuses %s with an error naming the path', async (_, source, message) => {
    const error = errorOf(await runOnce(pool, source));
    expect(error.type).toBe('SpellBridgeArgument');
    expect(error.message).toMatch(message);
  });

  it('names the bad argument of a bridge call and lets the script catch it', async () => {
    const outcome = await runOnce(
      pool,
      'local ok, e = pcall(state.set, "k", { bad = "\\xff" })\nreturn { ok = ok, type = e.type, message = e.message, where = e.where }',
    );
    expect(resultOf(outcome)).toEqual({
      ok: false,
      type: 'SpellBridgeArgument',
      message: 'state.set.value.bad: string is not valid UTF-8',
      where: 'test.lua:1',
    });
  });

  it('sends a table\'s keys in sorted order, whatever order Lua iterates them in', async () => {
    // A new table per key count: Lua's hash layout (so `next`'s order) changes as a table grows.
    const source = 'local out = {}\nfor n = 2, 40 do local t = {}\nfor i = n, 1, -1 do t["k" .. i] = i end\nout[#out + 1] = json.encode(t) end\nreturn out';
    const encoded = resultOf(await runOnce(pool, source)) as string[];
    for (const text of encoded) expect(Object.keys(JSON.parse(text) as object)).toEqual(Object.keys(JSON.parse(text) as object).sort());
  });

  it('runs a script again from the code compiled ahead of it: its own input, and errors name its own file', async () => {
    // One thread: each run's engine is made after the last run, with the last run's script compiled.
    const one = new EnginePool({ maxThreadsPerEngine: 1 });
    try {
      const source = 'local n = ...\nif n.fail then error("failed " .. n.v) end\nreturn n.v * 2';
      for (let i = 0; i < 3; i++) expect(resultOf(await runOnce(one, source, { input: { v: i }, fileName: 'same.lua' }))).toBe(i * 2);
      // The same source under another name: compiled again, so errors name this run's file.
      expect(errorOf(await runOnce(one, source, { input: { v: 1, fail: true }, fileName: 'other.lua' }))).toMatchObject({ message: 'failed 1', where: 'other.lua:2' });
      expect(errorOf(await runOnce(one, source, { input: { v: 2, fail: true }, fileName: 'other.lua' }))).toMatchObject({ message: 'failed 2', where: 'other.lua:2' });
      for (let i = 0; i < 2; i++) expect(errorOf(await runOnce(one, 'return 1 +', { fileName: 'bad.lua' }))).toMatchObject({ type: 'SpellSyntaxError', where: 'bad.lua:1' });
    } finally {
      await one.close();
    }
  });

  it('reports syntax errors with file and line', async () => {
    const error = errorOf(await runOnce(pool, 'local x = \nreturn = 2', { fileName: 'broken.lua' }));
    expect(error).toMatchObject({ type: 'SpellSyntaxError', where: 'broken.lua:2' });
    expect(error.message).toMatch(/unexpected symbol near 'return'/);
  });
});

describe('lua engine: standard library as Lua 5.4 has it', () => {
  it('runs the main chunk as the main coroutine', async () => {
    const outcome = await runOnce(
      pool,
      [
        'local co, ismain = coroutine.running()',
        'local ok, e = pcall(coroutine.yield)',
        'local inner = coroutine.wrap(function() local c, m = coroutine.running() return { m, coroutine.isyieldable(), c ~= co, coroutine.status(co) } end)()',
        'local answer = tool.call("t", {})', // effects still yield to llmspell's driver
        'return { ismain, type(co), coroutine.isyieldable(), coroutine.isyieldable(co), coroutine.status(co), ok, e, inner, answer ~= nil, coroutine.running() == co }',
      ].join('\n'),
    );
    expect(resultOf(outcome)).toEqual([true, 'thread', false, false, 'running', false, 'attempt to yield from outside a coroutine', [false, true, true, 'normal'], true, true]);
  });

  it('keeps math.random(0) and math.randomseed with their Lua 5.4 meanings, deterministically', async () => {
    const source = [
      'local full = math.random(0)',
      // Lua 5.4's own generator after randomseed(1007): its first value, from Lua's test suite
      'math.randomseed(1007)',
      'local first = math.random(0)',
      'local x, y = math.randomseed()', // no argument: a seed drawn from the run's sequence, returned
      'local a = math.random(0)',
      'math.randomseed(x, y)',
      'return { math.type(full), first == 0x7a7040a5a323c9d6, a == math.random(0), x, y, math.random(1, 6), math.random(math.mininteger, math.maxinteger) ~= nil,',
      '  select(2, pcall(math.random, 1.5)), select(2, pcall(math.random, 2, 1)), select(2, pcall(math.random, 1, 2, 3)) }',
    ].join('\n');
    const one = resultOf(await runOnce(pool, source, { seed: 11 })) as unknown[];
    const two = resultOf(await runOnce(pool, source, { seed: 11 })) as unknown[];
    expect(one).toEqual(two);
    expect(one.slice(0, 3)).toEqual(['integer', true, true]);
    expect(one.slice(7)).toEqual([
      // As in Lua: called through pcall (a C function), the message has no position.
      "bad argument #1 to 'random' (number has no integer representation)",
      "bad argument #1 to 'random' (interval is empty)",
      'wrong number of arguments',
    ]);
    // A reseeded run draws the same floats as Tengo's rand after rand.seed (engine.test.ts there).
    expect(resultOf(await runOnce(pool, 'math.randomseed(42) return { math.random(), math.random() }'))).toEqual(SEEDED_42);
  });

  it('formats dates in UTC and reads date tables as UTC', async () => {
    const outcome = await runOnce(pool, 'return { os.date("%Y-%m-%d %H:%M:%S"), os.date("*t").hour, os.date("!%H"), os.time({ year = 2024, month = 1, day = 1, hour = 0 }), os.date("%c", 0) }');
    expect(resultOf(outcome)).toEqual(['2023-11-14 22:13:20', 22, '22', 1_704_067_200, 'Thu Jan 01 00:00:00 1970']);
    const normalized = await runOnce(pool, 'local t = { year = 2024, month = 14, day = 0 } local s = os.time(t) return { s, t.year, t.month, t.day, t.hour, t.isdst }');
    expect(resultOf(normalized)).toEqual([1_738_324_800, 2025, 1, 31, 12, false]);
  });

  it('gives the same os.date output whatever the worker\'s time zone', { timeout: 60_000 }, async () => {
    const source = 'return { os.date(), os.date("%H:%M"), os.date("*t").hour, os.time({ year = 2024, month = 6, day = 1 }) }';
    const [tokyo, newYork] = await Promise.all([runInZone('Asia/Tokyo', 'lua', source), runInZone('America/New_York', 'lua', source)]);
    // The zones took effect in the processes the engine threads ran in...
    expect([tokyo.hostOffsetMinutes, newYork.hostOffsetMinutes]).toEqual([-540, 300]);
    // ...and the script saw UTC in both.
    expect(tokyo.next).toEqual({ type: 'done', result: ['Tue Nov 14 22:13:20 2023', '22:13', 22, 1_717_243_200] });
    expect(newYork.next).toEqual(tokyo.next);
  });

  it('keeps debug.traceback and debug.getinfo, without llmspell\'s own functions', async () => {
    const outcome = await runOnce(
      pool,
      'local function f() return debug.getinfo(1, "nSlf"), debug.getinfo(2, "l").currentline, debug.traceback("msg") end\nlocal info, caller, tb = f()\nreturn { info.currentline, info.short_src, info.func == f, caller, tb:sub(1, 20), debug.getinfo(f).linedefined, debug.sethook == nil, debug.getlocal == nil }',
    );
    expect(resultOf(outcome)).toEqual([1, 'test.lua', true, 2, 'msg\nstack traceback:', 1, true, true]);
  });
});
