import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import type { Json, JournalEntry } from '../../../src/journal/types.ts';
import type { EffectResult } from '../../../src/runtime/protocol.ts';
import { argsDigest } from '../../../src/journal/canonical.ts';
import { errorOf, resultOf, runOnce, type RunOnceOptions } from '../../helpers/engine.ts';
import { runInZone } from '../../helpers/zone.ts';
import { SEEDED_42 } from '../../helpers/random.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 2 });
afterAll(() => pool.close());
const tengo = (source: string, options: RunOnceOptions = {}) => runOnce(pool, source, { engine: 'tengo', ...options });

describe('tengo engine: conversion', () => {
  it('converts maps, arrays, numbers and strings by the bridge rules', async () => {
    const outcome = await tengo(
      `return {
        array: [1, 2, 3], map: {a: 1, b: {c: "d"}}, empty_map: {}, empty_array: [],
        int: 42, float: 3.5, big: 9007199254740991, neg: -0.25,
        unicode: "héllo → 世界 🎉", bool: false, nested: [[1], {x: {}}],
        holes: [1, undefined, 3], absent: undefined, input: spell.input
      }`,
      { input: { list: [1, 2], obj: { k: 'v' }, n: 1.5 } },
    );
    expect(resultOf(outcome)).toEqual({
      array: [1, 2, 3],
      map: { a: 1, b: { c: 'd' } },
      empty_map: {},
      empty_array: [],
      int: 42,
      float: 3.5,
      big: 9007199254740991,
      neg: -0.25,
      unicode: 'héllo → 世界 🎉',
      bool: false,
      nested: [[1], { x: {} }],
      holes: [1, null, 3],
      input: { list: [1, 2], obj: { k: 'v' }, n: 1.5 },
    });
  });

  it('gives Tengo its own types: int vs float, undefined for null, mutable results', async () => {
    const outcome = await tengo(
      `v := spell.input
      r := state.get("missing")
      v.list = append(v.list, "added")
      return [type_name(v.i), type_name(v.f), type_name(v.list[1]), is_undefined(r), is_undefined(v.gone), v.list]`,
      { input: { i: 3, f: 2.5, list: [1, null], gone: null } },
    );
    expect(resultOf(outcome)).toEqual(['int', 'float', 'undefined', true, true, [1, null, 'added']]);
  });

  it('converts immutable values, chars and times; refuses bytes, error values and functions', async () => {
    const times = 'times := import("times")\n';
    expect(
      resultOf(
        await tengo(`${times}return {m: immutable({a: [1, 2]}), c: 'x', t: times.unix(1700000000, 5000000), arr: immutable([true])}`),
      ),
    ).toEqual({ m: { a: [1, 2] }, c: 'x', t: '2023-11-14T22:13:20.005Z', arr: [true] });
    for (const [source, message] of [
      ['return {b: bytes("hi")}', /result\.b: bytes cannot cross the bridge: convert them with string\(b\) or base64\.encode\(b\)/],
      ['return [error("x")]', /result\[0\]: an error value cannot cross the bridge/],
      ['return {f: func() {}}', /result\.f: a function cannot cross the bridge/],
      ['return {f: 1.0 / 0.0 * 1e308 * 1e308}', /result\.f: NaN and infinity cannot cross the bridge/],
      ['m := {}; m.self = m; return m', /result\.self: value contains itself \(cycle\)/],
      ['return {s: "\\xff"}', /result\.s: string is not valid UTF-8/],
    ] as const) {
      const error = errorOf(await tengo(source));
      expect(error.type, source).toBe('SpellBridgeArgument');
      expect(error.message, source).toMatch(message);
    }
  });

  it('returns bridge failures as error values the script tests with is_error', async () => {
    const outcome = await tengo('e := state.set("k", {bad: "\\xff"})\nreturn {is: is_error(e), type: e.value.type, message: e.value.message}');
    expect(resultOf(outcome)).toEqual({
      is: true,
      type: 'SpellBridgeArgument',
      message: 'state.set.value.bad: string is not valid UTF-8',
    });
  });

  it('reads and deletes state by key, and names the count when state.get or state.delete gets the wrong number of arguments', async () => {
    expect(resultOf(await tengo('state.set("a", 2)\nx := state.get("a")\nstate.delete("a")\nreturn [x, state.get("a")]'))).toEqual([2, null]);
    expect(errorOf(await tengo('x := 1\nreturn state.get()', { fileName: 'k.tengo' }))).toEqual({ type: 'SpellScriptError', message: 'wrong number of arguments: want=1, got=0', where: 'k.tengo:2' });
    expect(errorOf(await tengo('return state.delete("a", "b")'))).toMatchObject({ type: 'SpellScriptError', message: 'wrong number of arguments: want=1, got=2' });
  });

  it('calls state.get and state.delete given as callbacks with the one argument they take', async () => {
    // A hook gets as many arguments as its function declares: state.delete takes one (the call).
    expect(resultOf(await tengo('state.set("a", 1)\nhook.after("tool.call", state.delete)\ntool.call("t", {})\nreturn state.get("a")'))).toBe(1);
    const mapped = await tengo('return parallel.map(["a", "b"], state.get)');
    expect(mapped.next).toMatchObject({ type: 'boundary', call: { kind: 'parallel', args: { items: 2, fn: 'function' } } });
  });

  it('fails the run when the script returns an error value', async () => {
    expect(errorOf(await tengo('return error("gave up")'))).toEqual({ type: 'SpellScriptError', message: 'gave up' });
    expect(errorOf(await tengo('return error({type: "Policy", message: "no"})'))).toEqual({ type: 'Policy', message: 'no' });
  });

  it('reports syntax and runtime errors with file and line', async () => {
    expect(errorOf(await tengo('x := 1\ny := = 2', { fileName: 'broken.tengo' }))).toMatchObject({
      type: 'SpellSyntaxError',
      where: 'broken.tengo:2',
    });
    expect(errorOf(await tengo('a := 1\nb := 2\nreturn a.b.c()', { fileName: 'oops.tengo' }))).toMatchObject({
      type: 'SpellScriptError',
      where: 'oops.tengo:3',
    });
    expect(errorOf(await tengo('x := y + 1', { fileName: 'u.tengo' }))).toMatchObject({
      type: 'SpellSyntaxError',
      message: "unresolved reference 'y'",
      where: 'u.tengo:1',
    });
  });

  // The script runs inside a wrapper; a script that ends too early must not be reported at the
  // wrapper's closing token, on a line past the end of the file.
  it('reports a script that ends too early at its own last line', async () => {
    expect(errorOf(await tengo('return 1 +', { fileName: 'cut.tengo' }))).toEqual({ type: 'SpellSyntaxError', message: "expected operand, found 'EOF'", where: 'cut.tengo:1' });
    expect(errorOf(await tengo('x := 1\nif x > 0 {\n  x = 2\n', { fileName: 'open.tengo' }))).toEqual({ type: 'SpellSyntaxError', message: "expected '}', found 'EOF'", where: 'open.tengo:3' });
  });

  // A script's bytecode is kept for its next runs (a spell runs again at every step).
  it('runs a script again with its own input, lines and file name', async () => {
    for (let i = 0; i < 4; i++) {
      expect(resultOf(await tengo('return spell.input.n * 2', { input: { n: i }, fileName: 'again.tengo' }))).toBe(i * 2);
      expect(resultOf(await tengo('return spell.input.n * 3', { input: { n: i }, fileName: 'again.tengo' }))).toBe(i * 3);
      expect(errorOf(await tengo('a := 1\nreturn a.b.c()', { fileName: `again${i % 2}.tengo` }))).toMatchObject({
        type: 'SpellScriptError',
        where: `again${i % 2}.tengo:2`,
      });
    }
  });

  it('runs top-level code a script writes after closing its body, branches included', async () => {
    // The body returns 1; the loop makes x 12 only if every jump lands where it should; then a
    // second call of the body, on line 5, is refused.
    const source = [
      'return 1 })',
      'x := 0',
      'for i := 0; i < 3; i++ { if i == 1 && x > 0 { x += 10 } else { x += 1 } }',
      'if x != 12 { __l.main(func() { return 1 }) }',
      'y := x == 12 ? __l.main(func() { return 2 }) : 0',
      '__l.main(func() {',
    ].join('\n');
    expect(errorOf(await tengo(source, { fileName: 'top.tengo' }))).toMatchObject({ type: 'NotSupported', message: "the spell's body runs once", where: 'top.tengo:5' });
  });

  it('checks parallel and spell.spawn arguments, and refuses commands inside a step', async () => {
    expect(errorOf(await tengo('return parallel({a: func() { return 1 }})'))).toMatchObject({ type: 'SpellBridgeArgument', message: 'parallel: field "fns": expected a list of functions, got map' });
    expect(errorOf(await tengo('return spell.spawn(42)'))).toMatchObject({ type: 'SpellBridgeArgument', message: 'spell.spawn: field "file": Invalid input: expected string, received number' });
    expect(errorOf(await tengo('return step("s", func() { return parallel([func() { return 1 }]) })'))).toMatchObject({ type: 'NotSupported', message: 'parallel cannot be used inside step "s"' });
  });
});

describe('tengo engine: replay and callbacks', () => {
  it('replays recorded calls without awaiting and reaches the next new effect', async () => {
    const calls = Array.from({ length: 50 }, (_, i) => i);
    const journal: JournalEntry[] = calls.map((i) => ({
      seq: i,
      kind: 'tool.call',
      name: 'add',
      argsDigest: argsDigest({ name: 'add', args: { a: i } }),
      result: i * 2,
      startedAt: 0,
      durationMs: 0,
      attempt: 1,
    }));
    let effects = 0;
    const outcome = await tengo('sum := 0\nfor i := 0; i < 51; i++ { sum += tool.call("add", {a: i}) }\nreturn sum', {
      journal,
      effect: async () => {
        effects++;
        return { ok: true, value: 1000 };
      },
    });
    expect(effects).toBe(1);
    expect(outcome.entries.map((e) => e.seq)).toEqual([50]);
    expect(outcome.next).toEqual({ type: 'done', result: 2 * (49 * 50) / 2 + 1000 });
  });

  it('carries answers larger than its call buffer (64 KiB) intact', async () => {
    const big = 'é'.repeat(150_000);
    const outcome = await tengo('text := import("text")\nr := tool.call("big", {})\nreturn {n: len(r), same: r == text.repeat("é", 150000)}', {
      effect: async () => ({ ok: true, value: big }),
    });
    expect(resultOf(outcome)).toEqual({ n: 300_000, same: true });
  });

  it('passes hooks as many arguments as they declare, in priority order', async () => {
    const outcome = await tengo(`seen := []
hook.before("tool", func() { seen = append(seen, "none") })
hook.before("tool.call", func(args, kind) { seen = append(seen, kind) }, {priority: 5})
hook.after("*", func(result, args, kind) { return {result: result, kind: kind, name: args.name} })
return {r: tool.call("t", {}), seen: seen}`);
    expect(resultOf(outcome)).toEqual({ r: { result: { echoed: { name: 't', args: {} } }, kind: 'tool.call', name: 't' }, seen: ['tool.call', 'none'] });
  });

  it('ends the run when a definition is misused, naming the field', async () => {
    expect(errorOf(await tengo('hook.before("llm", 42)', { fileName: 'h.tengo' }))).toEqual({
      type: 'SpellBridgeArgument',
      message: 'hook.before: field "fn": expected a function, got int',
      where: 'h.tengo:1',
    });
    expect(errorOf(await tengo('tool.define({name: "x"})'))).toMatchObject({ message: 'tool.define: field "fn": expected a function, got undefined' });
  });

  it('fails a step on a runtime error inside it (Tengo cannot catch runtime errors)', async () => {
    const outcome = await tengo('step("s", func() { x := 1; return x.y.z() })', { fileName: 'st.tengo' });
    expect(outcome.entries).toMatchObject([{ kind: 'step', name: 's', error: { type: 'SpellScriptError', where: 'st.tengo:1' } }]);
    expect(errorOf(outcome).type).toBe('SpellScriptError');
  });

  it('runs tools the script defined while an agent runs; a runtime error in one fails the run, not the engine', async () => {
    const source = `tool.define({name: "twice", fn: func(args) { return {twice: args.n * 2, seen: state.get("k")} }})
tool.define({name: "refuse", fn: func(args) { return error("not today") }})
tool.define({name: "dig", fn: func(args) { f := func(n) { return 1 + f(n + 1) }; return f(args.n) }})
state.set("k", "v")
return agent.create({name: "a", instructions: "", tools: ["twice", "refuse", "dig"]}).run("go")`;
    const agentCalling = (...tools: string[]) => async (_: unknown, callScriptTool: (name: string, args: Json) => Promise<EffectResult>): Promise<EffectResult> => {
      const results: Json[] = [];
      for (const name of tools) results.push((await callScriptTool(name, { n: 21 })) as unknown as Json);
      return { ok: true, value: results };
    };
    expect(resultOf(await tengo(source, { effect: agentCalling('twice', 'refuse', 'nope') }))).toEqual([
      { ok: true, value: { twice: 42, seen: 'v' } },
      { ok: false, error: { type: 'ToolError', message: 'not today' } },
      { ok: false, error: { type: 'UnknownTool', message: 'no tool "nope" defined in the script' } },
    ]);
    expect(errorOf(await tengo(source, { effect: agentCalling('dig') }))).toMatchObject({ type: 'SpellScriptError', message: 'stack overflow (recursion too deep)' });
    expect(resultOf(await tengo('return "alive"'))).toBe('alive');
  });

  it('routes fmt printing to log records and keeps times and rand deterministic', async () => {
    const source = `fmt := import("fmt"); times := import("times"); rand := import("rand")
fmt.printf("n=%d\\n", 7)
fmt.print("a", "b")
return {now: times.time_unix(times.now()), r: rand.intn(1000), p: rand.perm(4), zone: times.time_location(times.now())}`;
    const a = await tengo(source, { seed: 42 });
    const b = await tengo(source, { seed: 42 });
    expect(a.logs.map((l) => l.message)).toEqual(['n=7', 'ab']);
    expect(resultOf(a)).toEqual(resultOf(b));
    expect(resultOf(a)).toMatchObject({ now: 1_700_000_000, zone: 'UTC' });
    expect(resultOf(await tengo(source, { seed: 43 }))).not.toEqual(resultOf(a));
  });
});

describe('tengo engine: the run\'s random sequence and clock', () => {
  it('reseeds the run\'s sequence with rand.seed, as Lua\'s math.randomseed does', async () => {
    const source = 'rand := import("rand"); rand.seed(42); return [rand.float(), rand.float()]';
    expect(resultOf(await runOnce(pool, source, { engine: 'tengo', seed: 3 }))).toEqual(SEEDED_42);
    expect(resultOf(await runOnce(pool, source, { engine: 'tengo', seed: 4 }))).toEqual(SEEDED_42);
  });

  it('gives the same times output whatever the worker\'s time zone: UTC', { timeout: 60_000 }, async () => {
    const source = 'times := import("times"); t := times.now(); return [times.time_hour(t), times.time_format(t, "2006-01-02 15:04:05 MST"), times.time_unix(times.date(2024, 6, 1, 0, 0, 0, 0))]';
    const [tokyo, newYork] = await Promise.all([runInZone('Asia/Tokyo', 'tengo', source), runInZone('America/New_York', 'tengo', source)]);
    expect([tokyo.hostOffsetMinutes, newYork.hostOffsetMinutes]).toEqual([-540, 300]);
    expect(tokyo.next).toEqual({ type: 'done', result: [22, '2023-11-14 22:13:20 UTC', 1_717_200_000] });
    expect(newYork.next).toEqual(tokyo.next);
  });
});
