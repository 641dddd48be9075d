/** Hostile Lua scripts: each ends with a typed error within its limit, and the next spell runs. */
import { afterAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../src/engines/pool.ts';
import { errorOf, resultOf, runOnce } from '../../helpers/engine.ts';
import { hostileCase, type HostileCase } from '../../helpers/hostile.ts';

const pool = new EnginePool({ maxThreadsPerEngine: 2 });
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
  ['debug library', 'return debug.getregistry()', 'SpellScriptError', /global 'debug'/],
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

  it('survives 100k bridge calls within the limit', async () => {
    expect(resultOf(await runOnce(pool, 'state.set("k", 1) local n = 0 for i = 1, 1e5 do n = n + state.get("k") end return n'))).toBe(100000);
  });

  it('gives every run a fresh Lua state: globals, string metatable and library changes do not leak', async () => {
    await runOnce(pool, 'leaked = "secret"; string.upper = nil; getmetatable("").__index = {}; setmetatable(_G, { __index = function() return 1 end })');
    expect(resultOf(await runOnce(pool, 'return { leaked = leaked, up = ("a"):upper(), missing = type(nothing_here) }'))).toEqual({ up: 'A', missing: 'nil' });
  });

  it('reports the next spell normally after a killed thread', async () => {
    expect(errorOf(await runOnce(pool, 'while true do end', { limits: { timeoutMs: 100 } })).type).toBe('SpellTimeout');
    expect(resultOf(await runOnce(pool, 'return "alive"'))).toBe('alive');
  });
});
