/** Hostile Tengo scripts: each ends with a typed error within its limit, and the next spell runs. */
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';
import { hostileCase, type HostileCase } from '../../helpers/hostile.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 2 });
afterAll(() => pool.close());

const cases: HostileCase[] = [
  // CPU: the VM has no preemption; the thread is terminated at the limit.
  ['tight loop', 'for {}', 'SpellTimeout', /time limit of 300 ms/],
  ['loop in a closure', 'f := func() { for true {} }; f()', 'SpellTimeout', /time limit/],
  ['loop after an effect', 'tool.call("t", {}); for {}', 'SpellTimeout', /time limit/],
  ['loop inside a step', 'step("s", func() { for {} })', 'SpellTimeout', /time limit/],
  ['loop in a hook', 'hook.before("*", func(a) { for {} }); tool.call("t", {})', 'SpellTimeout', /time limit/],
  ['runaway regular expression work', 'text := import("text"); s := text.repeat("a", 100000); for { text.re_replace("(a|b)*c", s, "x") }', 'SpellTimeout', /time limit/],
  ['a million bridge calls', 'for i := 0; i < 1000000; i++ { state.get("k") }', 'SpellTimeout', /time limit/],
  // memory
  ['object allocation bomb', 'for i := 0; true; i++ {}', 'SpellMemoryLimit', /object allocation limit exceeded/, 'roomy'],
  ['array growth', 'a := []; for { a = append(a, [1, 2, 3, 4, 5, 6, 7, 8]) }', 'SpellMemoryLimit', /memory|allocation limit/, 'roomy'],
  ['string doubling', 's := "x"; for { s += s }', 'SpellMemoryLimit', /string size limit/, 'roomy'],
  ['huge text.repeat', 'text := import("text"); return len(text.repeat("x", 10000000000))', 'SpellMemoryLimit', /string size limit/, 'roomy'],
  ['huge bytes', 'return len(bytes(10000000000))', 'SpellMemoryLimit', /bytes size limit/, 'roomy'],
  ['map bomb', 'm := {}; for i := 0; true; i++ { m["k" + i] = [i, i, i, i] }', 'SpellMemoryLimit', /memory|allocation limit/, 'roomy'],
  ['deep recursion', 'f := func(n) { return 1 + f(n + 1) }; return f(1)', 'SpellScriptError', /stack overflow/, 'roomy'],
  ['deep recursion in a step', 'f := func(n) { return 1 + f(n + 1) }; return step("s", func() { return f(1) })', 'SpellScriptError', /stack overflow/, 'roomy'],
  ['runaway fmt formatting', 'fmt := import("fmt"); text := import("text"); s := text.repeat("x", 5000000); return len(fmt.sprintf("%s%s%s", s, s, s))', 'SpellMemoryLimit', /string size limit/, 'roomy'],
  ['runaway fmt.println', 'fmt := import("fmt"); text := import("text"); s := text.repeat("x", 8000000); fmt.println(s, s, s)', 'SpellMemoryLimit', /string size limit/, 'roomy'],
  // output
  ['oversized result', 'text := import("text"); return text.repeat("x", 2 * 1024 * 1024)', 'SpellOutputLimit', /result: .*over the output limit of 1048576 bytes/],
  ['oversized bridge argument', 'text := import("text"); state.set("k", text.repeat("x", 2 * 1024 * 1024))', 'SpellOutputLimit', /state\.set: .*over the output limit/],
  ['deeply nested result', 'm := {}; c := m; for i := 0; i < 300; i++ { c.x = {}; c = c.x }; return m', 'SpellBridgeArgument', /nesting deeper than 200 levels/],
  // escapes
  ['import of os', 'os := import("os"); return os.getenv("HOME")', 'NotSupported', /the os module is not available to spells/],
  ['file import', 'm := import("./secret"); return m', 'SpellSyntaxError', /module '\.\/secret' not found/],
  ['import of the bridge natives', 'h := import("llmspell/host"); return h.call("tool.call", {name: "t"})', 'SpellSyntaxError', /module 'llmspell\/host' not found/],
  ['second copy of the prelude (skipping hooks)', 'l := import("llmspell"); return l.tool.call("t", {})', 'SpellSyntaxError', /module 'llmspell' not found/],
  ['times.sleep', 'times := import("times"); times.sleep(10000000000)', 'NotSupported', /use sleep\(seconds\), a durable timer/],
  ['rand.seed of a non-integer', 'rand := import("rand"); rand.seed("x")', 'SpellScriptError', /invalid type for argument 'first'/],
  // bridge abuse
  ['function as argument', 'e := tool.call("t", {f: func() {}}); return error(e.value)', 'SpellBridgeArgument', /tool\.call\.args\.f: a function cannot cross the bridge/],
  ['running the body twice', '__l.main(func() { return 1 })', 'NotSupported', /runs once/],
  // The prelude's module function (which makes the API) is not a name scripts can reach.
  ['a second copy of the API (without the hooks)', 'hook.before("*", func(a) { return hook.refuse("no") }); api := __llmspell(); return api.tool.call("t", {})', 'SpellSyntaxError', /unresolved reference '__llmspell'/],
];

describe('tengo sandbox', () => {
  it('has at least 20 hostile cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));
  it.each(cases)('%s', async (...hostile) => hostileCase(pool, 'tengo', ...hostile));

  it('names the cycle in a bridge argument and lets the script go on', async () => {
    const outcome = await runOnce(pool, 'm := {}; m.me = m; e := state.set("k", m); return e.value.message', { engine: 'tengo' });
    expect(resultOf(outcome)).toBe('state.set.value.me: value contains itself (cycle)');
  });

  it('survives 100k bridge calls within the limit', async () => {
    expect(resultOf(await runOnce(pool, 'state.set("k", 1); n := 0; for i := 0; i < 100000; i++ { n += state.get("k") }; return n', { engine: 'tengo' }))).toBe(100000);
  });

  it('gives every run a fresh VM: nothing a script changes leaks into the next run', async () => {
    // One thread, so both runs use the same Go program (and the API it set up ahead for the second).
    const one = new EnginePool({ maxThreadsPerEngine: 1 });
    onTestFinished(() => one.close());
    await runOnce(one, 'state.set("k", 1); llm.x = "leaked"; spell.id = "leaked"; spell.input.n = 2; hook.before("*", func(a) { return hook.refuse("leaked hook") })', {
      engine: 'tengo',
      input: { n: 1 },
    });
    expect(resultOf(await runOnce(one, 'return {x: llm.x, id: spell.id, input: spell.input, r: tool.call("t", {})}', { engine: 'tengo', spellId: 'next' }))).toEqual({
      id: 'next',
      r: { echoed: { name: 't', args: {} } },
    });
  });

  it('enforces the memory limit on the WebAssembly heap', async () => {
    // Small objects, each well under Tengo's own limits, until the heap is full.
    const error = errorOf(
      await runOnce(pool, 'a := []; text := import("text"); for i := 0; true; i++ { a = append(a, text.repeat("y", 4096) + i) }', {
        engine: 'tengo',
        limits: { memoryLimitBytes: 16 * 1024 * 1024, timeoutMs: 10_000 },
      }),
    );
    expect(error.type).toBe('SpellMemoryLimit');
    expect(resultOf(await runOnce(pool, 'return "alive"', { engine: 'tengo' }))).toBe('alive');
  });

  it('ends a run with SpellMemoryLimit when its source is larger than the script may hold; the next run works', async () => {
    const outcome = await runOnce(pool, `// ${'x'.repeat(9 * 1024 * 1024)}\nreturn 1`, { engine: 'tengo', limits: { memoryLimitBytes: 8 * 1024 * 1024 } });
    expect(errorOf(outcome).type).toBe('SpellMemoryLimit');
    expect(resultOf(await runOnce(pool, 'return "alive"', { engine: 'tengo' }))).toBe('alive');
  });

  it('reports the next spell normally after a killed thread', async () => {
    expect(errorOf(await runOnce(pool, 'for {}', { engine: 'tengo', limits: { timeoutMs: 100 } })).type).toBe('SpellTimeout');
    expect(resultOf(await runOnce(pool, 'return "alive"', { engine: 'tengo' }))).toBe('alive');
  });
});
