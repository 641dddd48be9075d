import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';

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

  it('reports syntax errors with file and line', async () => {
    const error = errorOf(await runOnce(pool, 'local x = \nreturn = 2', { fileName: 'broken.lua' }));
    expect(error).toMatchObject({ type: 'SpellSyntaxError', where: 'broken.lua:2' });
    expect(error.message).toMatch(/unexpected symbol near 'return'/);
  });
});

describe('lua engine: sandbox', () => {
  const tight = { timeoutMs: 300, memoryLimitBytes: 32 * 1024 * 1024 };
  const roomy = { timeoutMs: 10_000, memoryLimitBytes: 64 * 1024 * 1024 };
  const hostile: Array<[string, string, string, RegExp, typeof tight?]> = [
    ['infinite loop', 'while true do end', 'SpellTimeout', /time limit of 300 ms/],
    ['pcall-wrapped infinite loop', 'while true do pcall(function() while true do end end) end', 'SpellTimeout', /time limit/],
    ['runaway pattern match', 'return string.find(string.rep("a", 3000), ".-.-.-.-.-.-b")', 'SpellTimeout', /time limit/],
    ['memory bomb', 'local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end', 'SpellMemoryLimit', /memory/, roomy],
    ['string doubling', 'local s = "x" while true do s = s .. s end', 'SpellMemoryLimit', /memory/, roomy],
    ['deep recursion', 'local function f(n) return 1 + f(n + 1) end return f(1)', 'SpellScriptError', /stack overflow/, roomy],
    ['io.open', 'return io.open("/etc/passwd"):read("a")', 'SpellScriptError', /global 'io'/],
    ['require', 'return require("os")', 'SpellScriptError', /global 'require'/],
    ['os.execute', 'return os.execute("id")', 'SpellScriptError', /field 'execute'/],
    ['os.getenv', 'return os.getenv("HOME")', 'SpellScriptError', /field 'getenv'/],
    ['load of a binary chunk', 'return assert(load("\\27LuaT\\0"))()', 'SpellScriptError', /binary chunk/],
    ['string.dump', 'return string.dump(print)', 'SpellScriptError', /field 'dump'/],
    ['debug library', 'return debug.getregistry()', 'SpellScriptError', /global 'debug'/],
    ['__gc metamethod', 'setmetatable({}, { __gc = function() end })', 'NotSupported', /__gc metamethods are not allowed/],
    ['collectgarbage("stop")', 'collectgarbage("stop")', 'NotSupported', /collectgarbage\("stop"\) is not allowed/],
    ['string.rep output bomb', 'return string.rep("x", 2 * 1024 * 1024)', 'SpellOutputLimit', /over the output limit of 1048576 bytes/],
    ['oversized bridge argument', 'state.set("k", string.rep("x", 2 * 1024 * 1024))', 'SpellOutputLimit', /state\.set: .* over the output limit/],
  ];

  it.each(hostile)('%s ends with a typed error, and the next spell runs', async (_, source, type, message, limits = tight) => {
    const error = errorOf(await runOnce(pool, source, { limits }));
    expect(error.type).toBe(type);
    expect(error.message).toMatch(message);
    expect(resultOf(await runOnce(pool, 'return 1 + 1'))).toBe(2);
  });

  it('gives every run a fresh Lua state', async () => {
    await runOnce(pool, 'leaked = "secret"; string.upper = nil');
    expect(resultOf(await runOnce(pool, 'return { leaked = leaked, up = string.upper("a") }'))).toEqual({ up: 'A' });
  });
});
