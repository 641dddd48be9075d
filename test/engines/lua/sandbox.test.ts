/** Hostile Lua scripts: each ends with a typed error within its limit, and the next spell runs. */
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';
import { hostileCase, type HostileCase } from '../../helpers/hostile.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 2 });
/** A function that allocates until the memory limit. */
const GROW = 'function() local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end end';
afterAll(() => pool.close());

const cases: HostileCase[] = [
  // CPU
  ['tight loop', 'while true do end', 'SpellTimeout', /time limit of 300 ms/],
  ['loop that swallows errors', 'while true do pcall(function() while true do end end) end', 'SpellTimeout', /time limit/],
  ['xpcall handler loop', 'xpcall(function() error("x") end, function() while true do end end)', 'SpellTimeout', /time limit/],
  ['runaway pattern match', 'return string.find(string.rep("a", 3000), ".-.-.-.-.-.-b")', 'SpellTimeout', /time limit/],
  ['long gsub', 'local s = string.rep("ab", 1e6) while true do s = s:gsub("a", "a") end', 'SpellTimeout', /time limit/],
  ['loop in loaded text', 'load("while true do end")()', 'SpellTimeout', /time limit/],
  ['loop after an effect', 'tool.call("t", {}) while true do end', 'SpellTimeout', /time limit/],
  ['coroutine ping-pong forever', 'local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end', 'SpellTimeout', /time limit/],
  // memory
  ['table growth', 'local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end', 'SpellMemoryLimit', /memory/, 'roomy'],
  ['string doubling', 'local s = "x" while true do s = s .. s end', 'SpellMemoryLimit', /memory/, 'roomy'],
  ['closures', 'local fs = {} for i = 1, 1e9 do local big = string.rep("y", 100) .. i fs[i] = function() return big end end', 'SpellMemoryLimit', /memory/, 'roomy'],
  ['table.concat bomb', 'local t = {} for i = 1, 1e7 do t[i] = "abcdefgh" end return #table.concat(t)', 'SpellMemoryLimit', /memory/, 'roomy'],
  ['huge string.rep', 'return #string.rep("x", 1e10)', 'SpellScriptError', /resulting string too large|not enough memory/],
  ['deep recursion', 'local function f(n) return 1 + f(n + 1) end return f(1)', 'SpellMemoryLimit', /memory/, 'roomy'],
  ['deep recursion in pcall', 'local function f(n) return 1 + f(n + 1) end local ok, e = pcall(f, 1) return tostring(e)', 'SpellMemoryLimit', /memory/, 'roomy'],
  // a memory error cannot be caught
  ['memory error in pcall', `pcall(${GROW}) return "swallowed"`, 'SpellMemoryLimit', /memory/, 'roomy'],
  ['memory error in xpcall', `xpcall(${GROW}, function(e) return e end) return "swallowed"`, 'SpellMemoryLimit', /memory/, 'roomy'],
  ['memory error in coroutine.resume', `local ok, e = coroutine.resume(coroutine.create(${GROW})) return "swallowed"`, 'SpellMemoryLimit', /memory/, 'roomy'],
  ['memory error through coroutine.wrap', `pcall(coroutine.wrap(${GROW})) return "swallowed"`, 'SpellMemoryLimit', /memory/, 'roomy'],
  ['memory error in a __close run by coroutine.close', `local co = coroutine.create(function() local x <close> = setmetatable({}, { __close = ${GROW} }) coroutine.yield() end) coroutine.resume(co) local ok, e = coroutine.close(co) return "swallowed"`, 'SpellMemoryLimit', /memory/, 'roomy'],
  ['memory error replaced by a __close error', `pcall(function() local x <close> = setmetatable({}, { __close = function() error("replaced") end }) ;(${GROW})() end) return "swallowed"`, 'SpellMemoryLimit', /memory/, 'roomy'],
  ['memory error inside a step', `step("s", function() pcall(${GROW}) end) return "swallowed"`, 'SpellMemoryLimit', /memory/, 'roomy'],
  ['memory error in load', 'local f, e = load("return {" .. string.rep("{},", 3e6) .. "}") return "swallowed"', 'SpellMemoryLimit', /memory/, 'roomy'],
  // output
  ['oversized result', 'return string.rep("x", 2 * 1024 * 1024)', 'SpellOutputLimit', /over the output limit of 1048576 bytes/],
  ['oversized bridge argument', 'state.set("k", string.rep("x", 2 * 1024 * 1024))', 'SpellOutputLimit', /state\.set: .* over the output limit/],
  ['oversized event', 'event.emit("e", { blob = string.rep("x", 2 * 1024 * 1024) })', 'SpellOutputLimit', /event\.emit: .* over the output limit/],
  ['deeply nested result', 'local t = {} local c = t for i = 1, 300 do c.x = {} c = c.x end return t', 'SpellBridgeArgument', /nesting deeper than 200 levels/],
  // escapes
  ['io.open', 'return io.open("/etc/passwd"):read("a")', 'SpellScriptError', /global 'io'/],
  ['require', 'return require("os")', 'SpellScriptError', /global 'require'/],
  ['os.execute', 'return os.execute("id")', 'SpellScriptError', /field 'execute'/],
  ['os.getenv', 'return os.getenv("HOME")', 'SpellScriptError', /field 'getenv'/],
  ['os.exit', 'os.exit(1)', 'SpellScriptError', /field 'exit'/],
  ['load of a binary chunk', 'return assert(load("\\27LuaT\\0"))()', 'SpellScriptError', /binary chunk/],
  ['string.dump', 'return string.dump(print)', 'SpellScriptError', /field 'dump'/],
  ['debug beyond traceback and getinfo', 'return debug.getregistry()', 'SpellScriptError', /field 'getregistry'/],
  ['debug.sethook', 'debug.sethook(function() end, "l")', 'SpellScriptError', /field 'sethook'/],
  ['dofile', 'return dofile("/etc/passwd")', 'SpellScriptError', /global 'dofile'/],
  ['loadfile', 'return loadfile("/etc/passwd")', 'SpellScriptError', /global 'loadfile'/],
  ['package.loadlib', 'return package.loadlib("libc.so.6", "system")', 'SpellScriptError', /global 'package'/],
  ['__gc metamethod', 'setmetatable({}, { __gc = function() end })', 'NotSupported', /__gc metamethods are not allowed/],
  ['collectgarbage("stop")', 'collectgarbage("stop")', 'NotSupported', /collectgarbage\("stop"\) is not allowed/],
  ['effect inside a coroutine', 'return coroutine.wrap(function() return llm.generate{ prompt = "x" } end)()', 'NotSupported', /llm\.generate cannot be called inside a coroutine/],
  // bridge abuse
  ['cyclic argument', 'local t = {} t.me = t state.set("k", t)', 'SpellBridgeArgument', /state\.set\.value\.me: table contains itself/],
  ['function as argument', 'tool.call("t", { f = print })', 'SpellBridgeArgument', /tool\.call\.args\.f: a function cannot cross the bridge/],
  ['invalid UTF-8 key', 'state.set("\\xff", 1)', 'SpellBridgeArgument', /state\.set\.key: string is not valid UTF-8/],
  ['a million bridge calls', 'for i = 1, 1e6 do state.get("k") end', 'SpellTimeout', /time limit/],
];

describe('lua sandbox', () => {
  it('has at least 30 hostile cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));
  it.each(cases)('%s', async (...hostile) => hostileCase(pool, 'lua', ...hostile));

  it.each([
    ['its input', 'return #(...)', 'input', /input takes more memory than the script's limit of 8388608 bytes/],
    ['an effect result', 'return #tool.call("t", {})', 'effect', /limit of 8388608 bytes/],
    ['its source', `-- ${'x'.repeat(9 * 1024 * 1024)}\nreturn 1`, 'none', /source takes more memory than the script's limit of 8388608 bytes/],
  ])('ends a run with SpellMemoryLimit when %s is larger than the script may hold; the next run works', async (_, source, how, message) => {
    const big = Array.from({ length: 300_000 }, (_, i) => ({ i, s: 'x'.repeat(20) }));
    const limits = { memoryLimitBytes: 8 * 1024 * 1024 };
    const outcome = await runOnce(pool, source, how === 'effect' ? { limits, effect: async () => ({ ok: true, value: big }) } : how === 'input' ? { limits, input: big } : { limits });
    expect(errorOf(outcome)).toMatchObject({ type: 'SpellMemoryLimit', message: expect.stringMatching(message) });
    expect(resultOf(await runOnce(pool, 'return 1 + 1'))).toBe(2);
  });

  it('holds each run to its own memory limit, whatever ran on the thread before it', async () => {
    // One thread: each run's state is made after the last run, with the last run's script compiled ahead when it is small.
    const one = new EnginePool({ maxThreadsPerEngine: 1 });
    onTestFinished(() => one.close());
    const limits = { memoryLimitBytes: 8 * 1024 * 1024 };
    expect(resultOf(await runOnce(one, `return #"${'y'.repeat(6 * 1024 * 1024)}"`))).toBe(6 * 1024 * 1024);
    expect(resultOf(await runOnce(one, 'local t = {} for i = 1, 1e5 do t[i] = i end return #t', { limits }))).toBe(100000);
    // A source larger than the limit fails on every attempt, not only on the first.
    for (let i = 0; i < 2; i++) expect(errorOf(await runOnce(one, `-- ${'x'.repeat(9 * 1024 * 1024)}\nreturn 1`, { limits }))).toMatchObject({ type: 'SpellMemoryLimit' });
  });

  it('ends a run with SpellMemoryLimit when a bridge call answers with more than the script may still hold', async () => {
    // Each state.get makes a new 3 MB string: the third does not fit in 8 MiB.
    const source = 'local s = string.rep("x", 3e6) state.set("k", s) local kept = {} for i = 1, 5 do kept[i] = state.get("k") end return #kept';
    const outcome = await runOnce(pool, source, { limits: { memoryLimitBytes: 8 * 1024 * 1024, outputLimitBytes: 4 * 1024 * 1024 } });
    expect(errorOf(outcome)).toMatchObject({ type: 'SpellMemoryLimit', message: expect.stringMatching(/limit of 8388608 bytes/) });
    expect(resultOf(await runOnce(pool, 'return 1 + 1'))).toBe(2);
  });

  it('survives 100k bridge calls within the limit', async () => {
    expect(resultOf(await runOnce(pool, 'state.set("k", 1) local n = 0 for i = 1, 1e5 do n = n + state.get("k") end return n'))).toBe(100000);
  });

  it('gives every run a fresh Lua state: globals, string metatable and library changes do not leak', async () => {
    await runOnce(pool, 'leaked = "secret"; string.upper = nil; getmetatable("").__index = {}; setmetatable(_G, { __index = function() return 1 end })');
    expect(resultOf(await runOnce(pool, 'return { leaked = leaked, up = ("a"):upper(), missing = type(nothing_here) }'))).toEqual({ up: 'A', missing: 'nil' });
  });

  it('lets a script raise and catch an error that only reads "not enough memory"', async () => {
    expect(resultOf(await runOnce(pool, 'local ok, e = pcall(error, "not enough memory", 0) return { ok, e }'))).toEqual([false, 'not enough memory']);
    expect(errorOf(await runOnce(pool, 'error("not enough memory", 0)'))).toMatchObject({ type: 'SpellScriptError', message: 'not enough memory' });
  });

  it('keeps bridge errors read-only and unforgeable', async () => {
    const attempts = await runOnce(pool, [
      'local ok, e = pcall(llm.generate, 5)',
      'local r = { type = e.type, meta = getmetatable(e) }',
      'r.set = select(2, pcall(function() e.type = "SpellTimeout" end))',
      'r.rawset = select(2, pcall(rawset, e, "type", "SpellTimeout"))',
      'r.setmeta = select(2, pcall(setmetatable, e, nil))',
      'r.copy = select(2, pcall(setmetatable, { type = "SpellTimeout", message = "x" }, getmetatable(e)))',
      'r.after = e.type',
      'for k, v in pairs(e) do r["field_" .. k] = v end',
      // the bridge's own functions cannot be had from the stack
      'xpcall(function() llm.generate(5) end, function() for level = 1, 10 do local i = debug.getinfo(level, "fS") if i and i.func and i.short_src ~= "test.lua" then r.leaked = (r.leaked or 0) + 1 end end end)',
      'return r',
    ].join('\n'));
    expect(resultOf(attempts)).toMatchObject({
      type: 'SpellBridgeArgument',
      meta: 'SpellError',
      set: expect.stringMatching(/bridge errors are read-only/),
      rawset: expect.stringMatching(/bridge errors are read-only/),
      setmeta: expect.stringMatching(/protected metatable/),
      copy: expect.stringMatching(/table expected/),
      after: 'SpellBridgeArgument',
      field_type: 'SpellBridgeArgument',
    });
    expect(resultOf(attempts)).not.toHaveProperty('leaked', expect.any(Number));
    // Looking like a bridge error is not being one; rethrowing a real one keeps its type.
    const forged = errorOf(await runOnce(pool, 'error(setmetatable({ type = "SpellTimeout", message = "forged" }, { __name = "SpellError", __tostring = function() return "SpellTimeout: forged" end }))'));
    expect(forged.type).toBe('SpellScriptError');
    expect(errorOf(await runOnce(pool, 'local ok, e = pcall(llm.generate, 5) error(e)'))).toMatchObject({ type: 'SpellBridgeArgument', where: 'test.lua:1' });
    expect(resultOf(await runOnce(pool, 'return 1 + 1'))).toBe(2);
  });

  it('reports the next spell normally after a killed thread', async () => {
    expect(errorOf(await runOnce(pool, 'while true do end', { limits: { timeoutMs: 100 } })).type).toBe('SpellTimeout');
    expect(resultOf(await runOnce(pool, 'return "alive"'))).toBe('alive');
  });
});
