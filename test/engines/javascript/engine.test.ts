import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';
import { runInZone } from '../../helpers/zone.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 2 });
afterAll(() => pool.close());
const js = (source: string, options: Parameters<typeof runOnce>[2] = {}) =>
  runOnce(pool, source, { engine: 'javascript', fileName: 'test.js', ...options });

describe('javascript engine: conversion', () => {
  it('converts objects, arrays, numbers and strings by the bridge rules', async () => {
    const outcome = await js(
      `return {
        array: [1, 2, 3], map: { a: 1, b: { c: 'd' } }, empty: {}, emptyList: [],
        int: 42, float: 3.5, big: 9007199254740991, neg: -0.25,
        unicode: 'héllo → 世界 🎉', bool: false, nested: [[1], { x: {} }],
        holes: [1, undefined, null, 3], dropped: { u: undefined, n: null, k: 1 }, input,
      }`,
      { input: { list: [1, null, 2], obj: { k: 'v', gone: null }, n: 1.5 } },
    );
    expect(resultOf(outcome)).toEqual({
      array: [1, 2, 3],
      map: { a: 1, b: { c: 'd' } },
      empty: {},
      emptyList: [],
      int: 42,
      float: 3.5,
      big: 9007199254740991,
      neg: -0.25,
      unicode: 'héllo → 世界 🎉',
      bool: false,
      nested: [[1], { x: {} }],
      holes: [1, null, null, 3],
      dropped: { k: 1 },
      input: { list: [1, null, 2], obj: { k: 'v' }, n: 1.5 },
    });
  });

  it.each([
    ['a lone surrogate', "return { s: '\\ud800' }", /result\.s: string is not valid UTF-16 text/],
    ['a cycle', 'const t = {}; t.self = t; return t', /result\.self: object contains itself \(cycle\)/],
    ['a function', 'return { f: () => 1 }', /result\.f: a function cannot cross the bridge/],
    ['NaN', 'return 0 / 0', /result: NaN and infinity cannot cross the bridge/],
    ['a BigInt', 'return [1n]', /result\[0\]: a bigint cannot cross the bridge/],
    ['a Date', 'return { d: new Date(0) }', /result\.d: a Date cannot cross the bridge/],
    ['a Map', 'return new Map()', /result: a Map cannot cross the bridge/],
  ])('refuses %s with an error naming the path', async (_, source, message) => {
    const error = errorOf(await js(source));
    expect(error.type).toBe('SpellBridgeArgument');
    expect(error.message).toMatch(message);
  });

  it('names the bad argument of a bridge call and lets the script catch it', async () => {
    const outcome = await js("try { state.set('k', { bad: Symbol('s') }) } catch (e) {\nreturn { type: e.type, message: e.message, where: e.where, text: String(e) } }");
    expect(resultOf(outcome)).toEqual({
      type: 'SpellBridgeArgument',
      message: 'state.set.value.bad: a symbol cannot cross the bridge',
      where: 'test.js:1',
      text: 'SpellBridgeArgument: test.js:1: state.set.value.bad: a symbol cannot cross the bridge',
    });
  });

  it('reports syntax errors and uncaught errors with file and line', async () => {
    expect(errorOf(await js('const x = ;', { fileName: 'broken.js' }))).toEqual({
      type: 'SpellSyntaxError',
      message: "Unexpected token ';'",
      where: 'broken.js:1',
    });
    expect(errorOf(await js('let a = 1;\nthrow new TypeError("bad thing")', { fileName: 'throws.js' }))).toEqual({
      type: 'SpellScriptError',
      message: 'TypeError: bad thing',
      where: 'throws.js:2',
    });
  });

  // The script runs inside a wrapper; a script that ends too early must not be reported at the
  // wrapper's closing token, on a line past the end of the file.
  it('reports a script that ends too early at its own last line', async () => {
    expect(errorOf(await js('return 1 +', { fileName: 'cut.js' }))).toEqual({ type: 'SpellSyntaxError', message: 'Unexpected end of input', where: 'cut.js:1' });
    expect(errorOf(await js('let x = 1\nif (x > 0) {\n  x = 2\n', { fileName: 'open.js' }))).toEqual({ type: 'SpellSyntaxError', message: 'Unexpected end of input', where: 'open.js:4' });
    // A '}' too many closes the wrapper's function: the error names it, on the script's last line of code.
    expect(errorOf(await js('if (input) {\n  return 1\n}\n}\n', { fileName: 'brace.js' }))).toEqual({ type: 'SpellSyntaxError', message: "Unexpected token '}'", where: 'brace.js:4' });
  });

  it('runs a script again from its compiled code with the same results and error lines', async () => {
    // Every step runs the script again: the second run of a source takes V8's code cache.
    const source = 'const n = input.n;\nif (n > 1) throw new RangeError("too big: " + n)\nreturn n * 2';
    for (const n of [1, 1, 2, 2]) {
      const outcome = await js(source, { fileName: 'again.js', input: { n } });
      if (n === 1) expect(resultOf(outcome)).toBe(2);
      else expect(errorOf(outcome)).toEqual({ type: 'SpellScriptError', message: 'RangeError: too big: 2', where: 'again.js:2' });
    }
    // The next isolate has the last script compiled ahead; the same source under another name
    // is compiled again, so its errors name this run's file.
    expect(errorOf(await js(source, { fileName: 'other.js', input: { n: 3 } }))).toEqual({ type: 'SpellScriptError', message: 'RangeError: too big: 3', where: 'other.js:2' });
    expect(resultOf(await js(source, { fileName: 'other.js', input: { n: 0 } }))).toBe(0);
  });

  it('has no Node globals and deterministic Math.random and Date', async () => {
    const outcome = await js(
      'return [typeof process, typeof require, typeof Buffer, typeof setTimeout, typeof fetch, Math.random(), Date.now(), new Date().getTime()]',
      { seed: 5, startedAtMs: 1_750_000_000_000 },
    );
    const again = await js('return [Math.random()]', { seed: 5 });
    const result = resultOf(outcome) as unknown[];
    expect(result.slice(0, 5)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    expect(result[5]).toBe((resultOf(again) as number[])[0]);
    expect(result.slice(6)).toEqual([1_750_000_000_000, 1_750_000_000_000]);
  });

  it('checks parallel and spell.spawn arguments, and refuses commands inside a step', async () => {
    expect(errorOf(await js('await parallel({})'))).toMatchObject({ type: 'SpellBridgeArgument', message: 'parallel: field "fns": expected a list of functions, got object' });
    expect(errorOf(await js('await spell.spawn(42)'))).toMatchObject({ type: 'SpellBridgeArgument', message: 'spell.spawn: field "file": Invalid input: expected string, received number' });
    expect(errorOf(await js('await step("s", () => parallel([() => 1]))'))).toMatchObject({ type: 'NotSupported', message: 'parallel cannot be used inside step "s"' });
  });

  it('gives the same Date local time whatever the worker\'s time zone: UTC', { timeout: 60_000 }, async () => {
    const source =
      'const d = new Date(); return [d.getHours(), d.toString(), d.getTimezoneOffset(), new Date(2024, 5, 1).getTime(), Intl.DateTimeFormat().resolvedOptions().timeZone, d.toLocaleString("en-US")]';
    const [tokyo, newYork] = await Promise.all([runInZone('Asia/Tokyo', 'javascript', source), runInZone('America/New_York', 'javascript', source)]);
    // The workers ran in those zones; the engine process and the script saw UTC in both.
    expect([tokyo.hostOffsetMinutes, newYork.hostOffsetMinutes]).toEqual([-540, 300]);
    expect(tokyo.next).toEqual({
      type: 'done',
      result: [22, 'Tue Nov 14 2023 22:13:20 GMT+0000 (Coordinated Universal Time)', 0, 1_717_200_000_000, 'UTC', '11/14/2023, 10:13:20 PM'],
    });
    expect(newYork.next).toEqual(tokyo.next);
  });
});
