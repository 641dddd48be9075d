/** Hostile JavaScript: each ends with a typed error within its limit, and the next spell runs. */
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';
import { hostileCase, type HostileCase } from '../../helpers/hostile.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 2 });
afterAll(() => pool.close());
const js = (source: string) => runOnce(pool, source, { engine: 'javascript', fileName: 'test.js' });

const cases: HostileCase[] = [
  // CPU
  ['tight loop', 'while (true) {}', 'SpellTimeout', /time limit of 300 ms/],
  ['loop that swallows errors', 'for (;;) { try { while (true) {} } catch {} }', 'SpellTimeout', /time limit/],
  ['catastrophic regex', 'return /(a+)+b/.test("a".repeat(40))', 'SpellTimeout', /time limit/],
  ['long string operations', 'let s = "ab".repeat(1e5); for (;;) s = s.split("").reverse().join("")', 'SpellTimeout', /time limit/],
  ['loop after an await', 'await tool.call("t", {}); while (true) {}', 'SpellTimeout', /time limit/],
  ['endless microtasks', 'const f = async () => { await null; f(); }; f(); await new Promise(() => {})', 'SpellTimeout', /time limit/],
  ['microtask chain that grows', 'const f = async () => { await null; return f(); }; return f()', 'SpellMemoryLimit|SpellTimeout', /memory|time limit/],
  ['endless promise chain', 'let p = Promise.resolve(); for (;;) p = p.then(() => 1)', 'SpellMemoryLimit|SpellTimeout', /memory|time limit/],
  ['Atomics.wait', 'return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)', 'SpellTimeout', /time limit/],
  ['loop in a Proxy trap', 'const p = new Proxy({}, { get() { while (true) {} } }); state.set("k", { p })', 'SpellTimeout', /time limit/],
  ['loop in a getter read by the bridge', 'state.set("k", { get x() { for (;;) {} } })', 'SpellTimeout', /time limit/],
  // memory
  ['array growth', 'const a = []; for (;;) a.push("x".repeat(100) + a.length)', 'SpellMemoryLimit', /memory/, 'roomy'],
  ['closures holding arrays', 'const fs = []; for (;;) { const big = new Array(1000).fill(1); fs.push(() => big) }', 'SpellMemoryLimit|SpellTimeout', /memory|time limit/],
  ['huge ArrayBuffer', 'return new ArrayBuffer(1e9).byteLength', 'SpellMemoryLimit', /allocation failed/],
  ['string doubling', 'let s = "x"; for (;;) s = s + s', 'SpellScriptError', /Invalid string length/],
  ['deep recursion', 'function f() { return f() + 1 } return f()', 'SpellScriptError', /Maximum call stack size exceeded/],
  // output
  ['oversized result', 'return "x".repeat(2 * 1024 * 1024)', 'SpellOutputLimit', /over the output limit of 1048576 bytes/],
  ['oversized bridge argument', 'state.set("k", "x".repeat(2 * 1024 * 1024))', 'SpellOutputLimit', /state\.set: .* over the output limit/],
  ['oversized event', 'event.emit("e", { blob: "x".repeat(2 * 1024 * 1024) })', 'SpellOutputLimit', /event\.emit: .* over the output limit/],
  ['deeply nested result', 'let t = {}, c = t; for (let i = 0; i < 300; i++) { c.x = {}; c = c.x } return t', 'SpellBridgeArgument', /nesting deeper than 200 levels/],
  // escapes
  ['WebAssembly memory outside the heap limit', 'const ms = []; for (let i = 0; i < 1000; i++) ms.push(new WebAssembly.Memory({ initial: 1024 })); return ms.length', 'SpellScriptError', /WebAssembly is not defined/],
  ['constructor.constructor to process', 'return this.constructor.constructor("return process")().env', 'SpellScriptError', /process is not defined/],
  ['Function to require', 'return Function("return require")()("fs")', 'SpellScriptError', /require is not defined/],
  ['eval to process', 'return eval("process.env")', 'SpellScriptError', /process is not defined/],
  ['dynamic import', 'await import("fs")', 'SpellScriptError', /Not supported/],
  ['the host callback', 'return __host("tool.call", "{}")', 'SpellScriptError', /__host is not defined/],
  ['the settle hook', 'return __settle("0", "0true")', 'SpellScriptError', /__settle is not defined/],
  ['replacing a bridge function', '"use strict"; llm.generate = () => "fake"', 'SpellScriptError', /read only|read-only/],
  ['redefining spell', '"use strict"; spell = {}', 'SpellScriptError', /read only|read-only/],
  ['throwing a Symbol', 'throw Symbol("s")', 'SpellScriptError', /uncaught|Symbol/],
  ['Proxy that throws on keys', 'state.set("k", new Proxy({}, { ownKeys() { throw new Error("trap") } }))', 'SpellScriptError', /trap/],
  // bridge abuse
  ['cyclic argument', 'const t = {}; t.me = t; state.set("k", t)', 'SpellBridgeArgument', /state\.set\.value\.me: object contains itself/],
  ['a million bridge calls', 'for (let i = 0; i < 1e7; i++) state.get("k")', 'SpellTimeout', /time limit/],
];

describe('javascript sandbox', () => {
  it('has at least 30 hostile cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));
  it.each(cases)('%s', async (...hostile) => hostileCase(pool, 'javascript', ...hostile));

  it('ends a run with SpellMemoryLimit when its source is larger than the script may hold; the next run works', async () => {
    const outcome = await runOnce(pool, `// ${'x'.repeat(9 * 1024 * 1024)}\nreturn 1`, { engine: 'javascript', fileName: 'test.js', limits: { memoryLimitBytes: 8 * 1024 * 1024 } });
    expect(errorOf(outcome)).toMatchObject({ type: 'SpellMemoryLimit', message: expect.stringMatching(/source takes more memory than the script's limit of 8388608 bytes/) });
    expect(resultOf(await js('return 1 + 1'))).toBe(2);
  });

  it('makes the next isolate whatever the last run\'s source was: a large one, then a smaller limit', async () => {
    // One process: its next isolate is made after the last run, with that run's script compiled ahead when it is small.
    const one = new EnginePool({ maxThreadsPerEngine: 1 });
    onTestFinished(() => one.close());
    const run = (source: string, limits = {}) => runOnce(one, source, { engine: 'javascript', fileName: 'test.js', limits });
    expect(resultOf(await run(`// ${'x'.repeat(9 * 1024 * 1024)}\nreturn 1`))).toBe(1);
    expect(resultOf(await run('return 2', { memoryLimitBytes: 8 * 1024 * 1024 }))).toBe(2);
    expect(resultOf(await run('return 3'))).toBe(3);
  });

  it('survives 100k bridge calls within the limit', async () => {
    expect(resultOf(await js('state.set("k", 1); let n = 0; for (let i = 0; i < 1e5; i++) n += state.get("k"); return n'))).toBe(100000);
  });

  it('keeps prototype pollution inside one run', async () => {
    expect(resultOf(await js('Object.prototype.polluted = 1; Array.prototype.map = null; return ({}).polluted'))).toBe(1);
    expect(resultOf(await js('return [({}).polluted ?? "clean", typeof [].map]'))).toEqual(['clean', 'function']);
  });

  it('lets a script break its own globals without breaking the bridge', async () => {
    expect(resultOf(await js('Array.prototype.push = null; Object.keys = null; JSON.stringify = null; Set = null; state.set("k", [1, { a: 2 }]); return state.get("k")'))).toEqual([1, { a: 2 }]);
  });

  it('ignores an unhandled rejection and returns the result', async () => {
    expect(resultOf(await js('Promise.reject(new Error("floating")); return "done"'))).toBe('done');
  });
});

describe('javascript sandbox: limits that hold', () => {
  // A step runs all its effects in one execution: the time limit covers the whole of it.
  it('counts CPU time, not waiting: a step making two 1.5 s effects under a 1 s limit completes', { timeout: 30_000 }, async () => {
    const slow = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { ok: true as const, value: 'late' };
    };
    const outcome = await runOnce(pool, 'return await step("s", async () => [await tool.call("a", {}), await tool.call("b", {})])', {
      engine: 'javascript',
      limits: { timeoutMs: 1000 },
      effect: slow,
    });
    expect(resultOf(outcome)).toEqual(['late', 'late']);
    // A busy loop after the waits still ends at the limit (plus the margin for a killed process).
    const started = performance.now();
    const busy = await runOnce(pool, 'await step("s", async () => { await tool.call("a", {}); await tool.call("b", {}); while (true) {} })', {
      engine: 'javascript',
      limits: { timeoutMs: 1000 },
      effect: slow,
    });
    expect(errorOf(busy).type).toBe('SpellTimeout');
    expect(performance.now() - started).toBeLessThan(3000 + 1000 + 3000);
    expect(resultOf(await js('return 1 + 1'))).toBe(2);
  });

  it('has no WebAssembly, and no way to get it back', async () => {
    const probe = await js(
      'return [typeof WebAssembly, globalThis.WebAssembly === undefined, Function("return this")().WebAssembly === undefined, Reflect.ownKeys(globalThis).includes("WebAssembly"), (0, eval)("typeof WebAssembly")]',
    );
    expect(resultOf(probe)).toEqual(['undefined', true, true, false, 'undefined']);
    const grow = errorOf(await js('const m = new WebAssembly.Memory({ initial: 1, maximum: 4096 }); m.grow(4000); return m.buffer.byteLength'));
    expect(grow).toMatchObject({ type: 'SpellScriptError', message: 'ReferenceError: WebAssembly is not defined' });
    expect(resultOf(await js('return 1 + 1'))).toBe(2);
  });

  it('keeps bridge errors and their where whatever Error.prepareStackTrace does', async () => {
    const outcome = await js(
      [
        'const r = {};',
        'Error.prepareStackTrace = () => { throw new Error("formatter boom"); };',
        'try { llm.generate(5); } catch (e) { r.thrower = [e.type, e.where]; }',
        'Error.prepareStackTrace = () => "test.js:99";',
        'try { llm.generate(5); } catch (e) { r.liar = [e.type, e.where]; }',
        'Error.prepareStackTrace = (e, sites) => { Object.getPrototypeOf(sites[0]).getLineNumber = () => 99; return sites; };',
        'new Error().stack;',
        'Error.prepareStackTrace = undefined; Error.stackTraceLimit = 0;',
        'try { llm.generate(5); } catch (e) { r.patched = [e.type, e.where]; }',
        'Error.prepareStackTrace = (e, sites) => sites.length;',
        'r.own = typeof new Error().stack;', // the script's own formatter still formats its own errors
        'return r;',
      ].join('\n'),
    );
    expect(resultOf(outcome)).toEqual({
      thrower: ['SpellBridgeArgument', 'test.js:3'],
      liar: ['SpellBridgeArgument', 'test.js:5'],
      patched: ['SpellBridgeArgument', 'test.js:9'],
      own: 'number',
    });
  });

  it('cannot forge or change a bridge error', async () => {
    const attempts = await js(
      [
        'let e; try { llm.generate(5); } catch (x) { e = x; }',
        'const r = {};',
        'try { new e.constructor({ type: "SpellTimeout", message: "forged" }); } catch (x) { r.construct = x.message; }',
        'try { class Fake extends e.constructor { constructor() { super({ type: "SpellTimeout", message: "forged" }); } } new Fake(); } catch (x) { r.subclass = x.message; }',
        'try { (function () { "use strict"; e.type = "SpellTimeout"; })(); } catch (x) { r.assign = x.constructor.name; }',
        'r.type = e.type; r.frozen = Object.isFrozen(e);',
        'return r;',
      ].join('\n'),
    );
    expect(resultOf(attempts)).toEqual({
      construct: 'bridge errors are made by the bridge only',
      subclass: 'bridge errors are made by the bridge only',
      assign: 'TypeError',
      type: 'SpellBridgeArgument',
      frozen: true,
    });
    // Objects that look like bridge errors are the script's own errors.
    const lookalike = errorOf(await js('let e; try { llm.generate(5); } catch (x) { e = x; } const f = Object.create(Object.getPrototypeOf(e)); Object.assign(f, { type: "SpellTimeout", message: "forged" }); throw f;'));
    expect(lookalike.type).toBe('SpellScriptError');
    const plain = errorOf(await js('throw { type: "SpellTimeout", message: "forged" }'));
    expect(plain).toMatchObject({ type: 'SpellScriptError', message: 'uncaught {"type":"SpellTimeout","message":"forged"}' });
    // A real one rethrown keeps its type and where.
    expect(errorOf(await js('try { llm.generate(5); } catch (e) { throw e; }'))).toMatchObject({ type: 'SpellBridgeArgument', where: 'test.js:1' });
  });

  it('ends promptly with a script error when reading the thrown value throws', async () => {
    for (const source of [
      'throw new Proxy(new Error("x"), { get() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } })',
      'const e = new Error("x"); Object.defineProperty(e, "message", { get() { throw new Error("getter"); } }); throw e',
      'Error = 1; throw new RangeError("x")',
      'throw { toJSON() { throw new Error("json"); }, toString() { throw new Error("string"); } }',
    ]) {
      const started = performance.now();
      const error = errorOf(await js(source));
      expect(error.type, source).toBe('SpellScriptError');
      expect(performance.now() - started, source).toBeLessThan(3000);
    }
    expect(resultOf(await js('return 1 + 1'))).toBe(2);
  });
});
