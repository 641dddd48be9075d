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
