/**
 * Lua side of the bridge, run once in every fresh Lua state before the spell.
 * It removes what a spell must not reach (DESIGN §4), converts values to JSON with the
 * conversion rules of DESIGN §3, and defines the spell API on top of one host function.
 */
export const LUA_PRELUDE = String.raw`
local host = ...
local limits, start_ms = { output = 0, memory = 0 }, 0
local type, next, rawlen, rawget, tostring, select, error, pcall, setmetatable, getmetatable =
      type, next, rawlen, rawget, tostring, select, error, pcall, setmetatable, getmetatable
local mtype, floor, huge, tointeger, ult, tonumber = math.type, math.floor, math.huge, math.tointeger, math.ult, tonumber
local ipairs, tsort, ssub = ipairs, table.sort, string.sub
local sformat, sgsub, sbyte, smatch, concat, utf8len = string.format, string.gsub, string.byte, string.match, table.concat, utf8.len
local running, coroutine_yield = coroutine.running, coroutine.yield
local getinfo, traceback = debug.getinfo, debug.traceback
local raw_load, raw_collectgarbage, raw_date, raw_time = load, collectgarbage, os.date, os.time
local raw_setmetatable, raw_rawset, raw_pcall, raw_xpcall = setmetatable, rawset, pcall, xpcall
local MEMERR = 'not enough memory'

-- Errors raised into the script are read-only tables: e.type, e.message, e.where; tostring(e)
-- reads well. The bridge knows its own errors by identity: their data lives in a weak table
-- no script reaches, and their metatable is protected, so a script can neither make one
-- (a SpellTimeout, say) nor change one it caught.
local bridge_errors = setmetatable({}, { __mode = 'k' })
local ErrorMT = {
  __name = 'SpellError',
  __index = function(e, k) local d = bridge_errors[e] return d and d[k] end,
  __newindex = function() error('bridge errors are read-only', 2) end,
  __tostring = function(e)
    local d = bridge_errors[e]
    return d.type .. ': ' .. (d.where and (d.where .. ': ') or '') .. d.message
  end,
  __pairs = function(e)
    local d = bridge_errors[e]
    return next, { type = d.type, message = d.message, where = d.where }, nil
  end,
  __metatable = 'SpellError',
}
local function bridge_error(data)
  local e = {}
  bridge_errors[e] = { type = data.type, message = data.message, where = data.where }
  return raw_setmetatable(e, ErrorMT)
end
-- Whether Lua ran out of memory in this run: a flag on the host, which a script cannot catch or clear.
local function out_of_memory() return host('spell.memory') end

local function script_where()
  for level = 3, 30 do
    local info = getinfo(level, 'Sl')
    if not info then return nil end
    if info.source ~= '=llmspell' and info.currentline and info.currentline > 0 then
      return info.short_src .. ':' .. info.currentline
    end
  end
end

local function raise(data)
  error(bridge_error({ type = data.type, message = data.message, where = data.where or script_where() }), 0)
end

-- JSON encoding with the bridge's conversion rules.
local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function escape(c) return escapes[c] or sformat('\\u%04x', sbyte(c)) end

local encode_value
-- An empty Lua table is an object; the bridge sends this one as an empty array.
local empty_array = {}
local function conversion_error(path, message)
  error(bridge_error({ type = 'SpellBridgeArgument', message = path .. ': ' .. message, where = script_where() }), 0)
end

function encode_value(v, path, seen, out, depth)
  local t = type(v)
  if t == 'nil' then out[#out + 1] = 'null'
  elseif t == 'boolean' then out[#out + 1] = v and 'true' or 'false'
  elseif t == 'number' then
    if v ~= v or v == huge or v == -huge then conversion_error(path, 'NaN and infinity cannot cross the bridge') end
    if mtype(v) == 'integer' then out[#out + 1] = sformat('%d', v) else out[#out + 1] = sformat('%.17g', v) end
  elseif t == 'string' then
    if not utf8len(v) then conversion_error(path, 'string is not valid UTF-8') end
    out[#out + 1] = '"' .. sgsub(v, '[%c"\\]', escape) .. '"'
  elseif v == empty_array then out[#out + 1] = '[]'
  elseif t == 'table' then
    if seen[v] then conversion_error(path, 'table contains itself (cycle)') end
    if depth > 200 then conversion_error(path, 'nesting deeper than 200 levels') end
    seen[v] = true
    -- Keys 1..n are an array; holes (nil, e.g. a JSON null) are kept as null unless the
    -- table is mostly holes, which is an object with string keys.
    local n, count, is_array = 0, 0, true
    for k in next, v do
      count = count + 1
      if mtype(k) ~= 'integer' or k < 1 then is_array = false elseif k > n then n = k end
    end
    if count == 0 then
      out[#out + 1] = '{}'
    elseif is_array and n <= 2 * count then
      out[#out + 1] = '['
      for i = 1, n do
        if i > 1 then out[#out + 1] = ',' end
        encode_value(rawget(v, i), path .. '[' .. i .. ']', seen, out, depth + 1)
      end
      out[#out + 1] = ']'
    else
      -- Keys in sorted order: a table's iteration order varies from run to run, and what a
      -- spell sends (a JSON Schema's properties, a prompt built from a table) must not.
      local keys, items = {}, {}
      for k, item in next, v do
        local key
        if type(k) == 'string' then
          if not utf8len(k) then conversion_error(path, 'key is not valid UTF-8') end
          key = k
        elseif mtype(k) == 'integer' then key = sformat('%d', k)
        elseif type(k) == 'number' and k == k and k ~= huge and k ~= -huge then key = sformat('%.17g', k)
        else conversion_error(path, 'a ' .. type(k) .. ' key cannot cross the bridge') end
        keys[#keys + 1] = key
        items[key] = item
      end
      tsort(keys)
      out[#out + 1] = '{'
      for i, key in ipairs(keys) do
        if i > 1 then out[#out + 1] = ',' end
        out[#out + 1] = '"' .. sgsub(key, '[%c"\\]', escape) .. '":'
        encode_value(items[key], path .. '.' .. key, seen, out, depth + 1)
      end
      out[#out + 1] = '}'
    end
    seen[v] = nil
  else
    conversion_error(path, 'a ' .. t .. ' cannot cross the bridge')
  end
end

local function encode_value_text(v)
  local out = {}
  encode_value(v, 'error', {}, out, 0)
  return concat(out)
end

-- An error value raised by the script itself, as journaled error data.
local function script_error(e)
  local d = bridge_errors[e]
  if d then
    return { type = d.type, message = d.message, where = d.where }
  elseif out_of_memory() then
    return { type = 'SpellMemoryLimit', message = 'the script used more memory than its limit of ' .. limits.memory .. ' bytes' }
  elseif type(e) == 'string' then
    local where, msg = smatch(e, '^([^:]+:%d+): (.*)$')
    return { type = 'SpellScriptError', message = msg or e, where = where }
  end
  local ok, text = pcall(encode_value_text, e)
  return { type = 'SpellScriptError', message = 'uncaught ' .. (ok and text or tostring(e)) }
end

local function encode(v, path)
  local out = {}
  encode_value(v, path or 'value', {}, out, 0)
  local s = concat(out)
  if #s > limits.output then
    error(bridge_error({ type = 'SpellOutputLimit', where = script_where(),
      message = (path or 'value') .. ': ' .. #s .. ' bytes of JSON is over the output limit of ' .. limits.output .. ' bytes' }), 0)
  end
  return s
end

local main_co
-- The rare answers of the host: an error (status 1) or work to await (status 2).
local function settle(status, payload)
  -- Work to await: the main coroutine yields its id to the engine, which resumes it with the answer.
  if status == 2 then status, payload = coroutine_yield(payload) end
  if status == 1 then raise(payload) end
  return payload
end

-- Every bridge call goes through here: a recorded or pure call answers at once, new work is awaited.
-- The host answers with a value, or with nil, a status (1 error, 2 work to await) and its payload.
local function call(kind, args)
  local r, status, payload = host(kind, encode(args, kind))
  if status then return settle(status, payload) end
  return r
end

-- Calls whose only argument is a key skip JSON: the host receives the string itself (as kind
-- .. ':key'); any other key goes the usual way and gets the usual error.
local function call_key(kind, key)
  if type(key) ~= 'string' or not utf8len(key) then return call(kind, { key = key }) end
  local r, status, payload = host(kind .. ':key', key)
  if status then return settle(status, payload) end
  return r
end

-- Effects and commands may not run inside a script's own coroutine: the await must reach the engine.
local function boundary(kind, args)
  if running() ~= main_co then
    raise({ type = 'NotSupported', message = kind .. ' cannot be called inside a coroutine' })
  end
  return call(kind, args)
end

local function check_opts(fn, v)
  if v ~= nil and type(v) ~= 'table' then
    raise({ type = 'SpellBridgeArgument', message = fn .. ': arguments must be a table, got ' .. type(v) })
  end
  return v or {}
end

-- Tools written in the script (tool.define), for agents: run by the engine when the model calls them.
local script_tools, script_tool_names = {}, {}

-- Hooks around llm and tool calls: run in the script, so replay runs them identically.
-- Order: higher priority first, then registration order.
local hooks, hook_count, RefuseMT = { before = {}, after = {} }, 0, {}
-- The host checks the definition (kind, priority, that fn is a function); the function stays here.
local function add_hook(phase, kind, fn, opts)
  local spec = call('hook.define', { phase = phase, kind = kind, fn = type(fn), priority = type(opts) == 'table' and opts.priority or nil })
  hook_count = hook_count + 1
  local list = hooks[phase]
  list[#list + 1] = { kind = spec.kind, fn = fn, priority = spec.priority, order = hook_count }
  tsort(list, function(a, b)
    if a.priority ~= b.priority then return a.priority > b.priority end
    return a.order < b.order
  end)
end
local function hook_matches(h, kind)
  return h.kind == '*' or h.kind == kind or ssub(kind, 1, #h.kind + 1) == h.kind .. '.'
end
local function hooked(kind, args)
  for _, h in ipairs(hooks.before) do
    if hook_matches(h, kind) then
      local r = h.fn(args, kind)
      if getmetatable(r) == RefuseMT then
        call('event.emit', { name = 'hook.refused', data = { kind = kind, reason = r.reason } })
        raise({ type = 'HookRefused', message = kind .. ' refused: ' .. r.reason })
      elseif r ~= nil then
        args = r
      end
    end
  end
  local result = boundary(kind, args)
  for _, h in ipairs(hooks.after) do
    if hook_matches(h, kind) then
      local r = h.fn(result, args, kind)
      if r ~= nil then result = r end
    end
  end
  return result
end
-- Agents: the config is plain data kept in the script; each run is one journaled effect whose
-- model and tool steps are checkpointed, so a lost worker resumes without repeating them.
local AgentMT = { __index = {} }
AgentMT.__index.run = function(self, input)
  local args = {}
  for k, v in next, self.config do args[k] = v end
  -- Tools defined in the script travel as descriptions; their functions stay here.
  local defined = {}
  for _, name in ipairs(args.tools or {}) do
    local t = script_tools[name]
    if t then defined[#defined + 1] = { name = t.name, description = t.description, schema = t.schema } end
  end
  if #defined > 0 then args.script_tools = defined end
  if type(input) == 'string' then args.prompt = input else args.messages = input end
  return hooked('agent.run', args)
end
agent = {
  create = function(config)
    config = call('agent.create', check_opts('agent.create', config))
    return setmetatable({ name = config.name, config = config }, AgentMT)
  end,
}

hook = {
  before = function(kind, fn, opts) add_hook('before', kind, fn, opts) end,
  after = function(kind, fn, opts) add_hook('after', kind, fn, opts) end,
  refuse = function(reason) return setmetatable({ reason = tostring(reason) }, RefuseMT) end,
}

-- The spell API (DESIGN §3).
llm = {
  generate = function(args) return hooked('llm.generate', check_opts('llm.generate', args)) end,
  object = function(args) return hooked('llm.object', check_opts('llm.object', args)) end,
  -- The chunks are journaled with the text: on_chunk sees the same chunks live and on replay.
  stream = function(args)
    args = check_opts('llm.stream', args)
    local on_chunk = args.on_chunk
    if on_chunk ~= nil and type(on_chunk) ~= 'function' then
      raise({ type = 'SpellBridgeArgument', message = 'llm.stream: field "on_chunk": expected a function, got ' .. type(on_chunk) })
    end
    local call_args = {}
    for k, v in next, args do if k ~= 'on_chunk' then call_args[k] = v end end
    local result = hooked('llm.stream', call_args)
    if on_chunk then for _, chunk in ipairs(result.chunks or {}) do on_chunk(chunk) end end
    return result
  end,
}
tool = {
  call = function(name, args) return hooked('tool.call', { name = name, args = args }) end,
  define = function(def)
    def = check_opts('tool.define', def)
    local spec = call('tool.define', { name = def.name, description = def.description, schema = def.schema, fn = type(def.fn) })
    if script_tools[spec.name] == nil then script_tool_names[#script_tool_names + 1] = spec.name end
    script_tools[spec.name] = { name = spec.name, description = spec.description, schema = spec.schema, fn = def.fn }
  end,
  list = function()
    local names = {}
    for i, name in ipairs(script_tool_names) do names[i] = name end
    return names
  end,
}

function __llmspell_call_tool(name, args_json)
  local t = script_tools[name]
  if not t then return '{"ok":false,"error":{"type":"UnknownTool","message":"no tool \\"' .. name .. '\\" defined in the script"}}' end
  local ok, res = pcall(function() return t.fn(call('json.decode', { text = args_json })) end)
  if ok then
    local eok, enc = pcall(encode, res, 'tool result')
    if eok then return '{"ok":true,"value":' .. enc .. '}' end
    res = enc
  end
  local e = script_error(res)
  e.type = e.type == 'SpellScriptError' and 'ToolError' or e.type
  return '{"ok":false,"error":' .. encode(e, 'tool error') .. '}'
end
function sleep(seconds) return boundary('sleep', { seconds = seconds }) end

-- Parallel branches: the workflow runs each branch as its own chain of activities. A re-execution
-- of a branch gets {branch = i} here and runs that branch's function only; everywhere else the
-- call answers with every branch's result, in branch order.
local function run_branches(args, list, run_one)
  local r = boundary('parallel', args)
  if r.branch == nil then return r.value end
  local ok, res = pcall(run_one, list, r.branch + 1)
  local outcome
  if ok then
    local eok, enc = pcall(encode, res, 'branch result')
    if eok then outcome = '{"ok":true,"value":' .. enc .. '}' else ok, res = false, enc end
  end
  if not ok then outcome = '{"ok":false,"error":' .. encode(script_error(res), 'branch error') .. '}' end
  local rr, status, payload = host('parallel.end', outcome)
  if status then return settle(status, payload) end
  return rr
end
-- The functions stay in the script: the host checks their type names.
local function fn_types(fns)
  if type(fns) ~= 'table' then return type(fns) end
  if rawlen(fns) == 0 then return empty_array end
  local types = {}
  for i = 1, rawlen(fns) do types[i] = type(rawget(fns, i)) end
  return types
end
local function call_item(fns, i) return fns[i]() end
parallel = setmetatable({
  map = function(items, fn, opts)
    opts = check_opts('parallel.map', opts)
    local count = type(items) == 'table' and rawlen(items) or type(items)
    return run_branches({ items = count, fn = type(fn), concurrency = opts.concurrency }, items, function(list, i) return fn(list[i], i) end)
  end,
  settle = function(fns, opts)
    opts = check_opts('parallel.settle', opts)
    return run_branches({ fns = fn_types(fns), concurrency = opts.concurrency, settle = true }, fns, call_item)
  end,
}, {
  __call = function(_, fns, opts)
    opts = check_opts('parallel', opts)
    return run_branches({ fns = fn_types(fns), concurrency = opts.concurrency }, fns, call_item)
  end,
  __metatable = false,
})

-- Child spells: spawn starts one (a child workflow); its handle waits for, signals or cancels it.
local HandleMT = {
  __index = {
    wait = function(self) return boundary('spell.wait', { child = self.child }) end,
    signal = function(self, name, data) return boundary('spell.signal', { child = self.child, name = name, data = data }) end,
    cancel = function(self) return boundary('spell.cancel', { child = self.child }) end,
  },
  __metatable = false,
}
local function spawn(target, input, opts)
  local args = type(target) == 'table' and { source = target.source, engine = target.engine } or { file = target }
  args.input, args.options = input, opts
  local started = boundary('spell.spawn', args)
  return setmetatable({ id = started.id, child = started.child }, HandleMT)
end
signal = {
  wait = function(name, opts)
    opts = check_opts('signal.wait', opts)
    return boundary('signal.wait', { name = name, timeout = opts.timeout })
  end,
}
function step(name, fn, opts)
  if type(fn) ~= 'function' then
    raise({ type = 'SpellBridgeArgument', message = 'step: field "fn": expected a function, got ' .. type(fn) })
  end
  local begun = boundary('step', { name = name, options = opts })
  if begun.replayed then return begun.value end
  local ok, res = pcall(fn)
  local outcome
  if ok then
    local eok, enc = pcall(encode, res, 'step result')
    if eok then outcome = '{"ok":true,"value":' .. enc .. '}' else ok, res = false, enc end
  end
  if not ok then
    if out_of_memory() then error(MEMERR, 0) end
    local e = script_error(res)
    outcome = '{"ok":false,"error":' .. encode(e, 'step error') .. '}'
  end
  local r, status, payload = host('step.end', outcome)
  if status then return settle(status, payload) end
  return r
end
state = {
  get = function(key) return call_key('state.get', key) end,
  set = function(key, value) call('state.set', { key = key, value = value }) end,
  delete = function(key) call_key('state.delete', key) end,
  keys = function() return call('state.keys', {}) end,
}
event = { emit = function(name, data) call('event.emit', { name = name, data = data }) end }
log = {
  info = function(message, fields) call('log.info', { message = message, fields = fields }) end,
  warn = function(message, fields) call('log.warn', { message = message, fields = fields }) end,
  error = function(message, fields) call('log.error', { message = message, fields = fields }) end,
}
json = {
  encode = function(v) return encode(v, 'json.encode') end,
  decode = function(text) return call('json.decode', { text = text }) end,
}
function print(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
  call('log.info', { message = concat(parts, '\t') })
end

-- Running out of memory ends the run: nothing that catches errors catches it (pcall, xpcall,
-- coroutine.resume, coroutine.close, load), whatever error value reaches them (an error in a
-- __close handler can replace it); the flag is the host's.
local function rethrow_memory(ok, ...)
  if not ok and out_of_memory() then error(MEMERR, 0) end
  return ok, ...
end
-- (Assigned through _G: the prelude's own locals shadow these names.)
_G.pcall = function(f, ...) return rethrow_memory(raw_pcall(f, ...)) end
_G.xpcall = function(f, handler, ...)
  return rethrow_memory(raw_xpcall(f, function(e)
    if out_of_memory() then return e end
    return handler(e)
  end, ...))
end

-- Coroutines: effects yield to llmspell's driver, but the script's main chunk runs as Lua's
-- main coroutine would (coroutine.running() is it and true; it cannot yield).
local co_resume, co_close, co_isyieldable = coroutine.resume, coroutine.close, coroutine.isyieldable
coroutine.resume = function(co, ...) return rethrow_memory(co_resume(co, ...)) end
coroutine.close = function(co) return rethrow_memory(co_close(co)) end
coroutine.running = function()
  local co, ismain = running()
  return co, ismain or co == main_co
end
coroutine.isyieldable = function(...)
  local co = select('#', ...) > 0 and ... or running()
  if co == main_co then return false end
  return co_isyieldable(...)
end
coroutine.yield = function(...)
  if running() == main_co then error('attempt to yield from outside a coroutine', 0) end
  return coroutine_yield(...)
end

-- debug, reduced to traceback and getinfo. getinfo never hands out llmspell's own functions
-- or C functions found on the stack (the unguarded pcall, say): only the script's.
local function visible(info)
  if info and info.func ~= nil and (info.what == 'C' or info.source == '=llmspell') then info.func = nil end
  return info
end
debug = {
  traceback = traceback,
  getinfo = function(...)
    local n, first = select('#', ...), ...
    local thread = type(first) == 'thread'
    local target = thread and select(2, ...) or first
    if type(target) == 'function' then return getinfo(...) end
    local what = thread and select(3, ...) or select(2, ...)
    what = what == nil and 'flnSrtu' or what
    if type(target) ~= 'number' then return getinfo(...) end -- Lua's own error for a bad argument
    -- Asking for the function needs the source too, to tell whose it is.
    local extra = type(what) == 'string' and smatch(what, 'f') and not smatch(what, 'S') and 'S' or ''
    local info
    if thread then info = getinfo(first, target, what .. extra)
    else info = getinfo(target >= 0 and target + 1 or target, what .. extra) end -- + 1: this wrapper
    info = visible(info)
    if info and extra ~= '' then
      info.source, info.short_src, info.what, info.linedefined, info.lastlinedefined = nil, nil, nil, nil, nil
    end
    return info
  end,
}

-- Sandbox: no files, processes, native code, bytecode or GC hooks.
io, package, require, dofile, loadfile = nil, nil, nil, nil, nil
string.dump = nil
function load(chunk, chunkname, mode, ...)
  if type(chunk) ~= 'string' and type(chunk) ~= 'function' then
    raise({ type = 'NotSupported', message = 'load: only source text can be loaded' })
  end
  -- Text only: 'b' is taken out of the mode, so a binary chunk is refused as Lua refuses it.
  mode = sgsub(mode == nil and 'bt' or tostring(mode), 'b', '')
  local f, err = raw_load(chunk, chunkname, mode, ...)
  if not f and out_of_memory() then error(MEMERR, 0) end
  return f, err
end
local allowed_gc = { collect = true, count = true, step = true }
function collectgarbage(opt, ...)
  opt = opt or 'collect'
  if not allowed_gc[opt] then raise({ type = 'NotSupported', message = 'collectgarbage("' .. tostring(opt) .. '") is not allowed' }) end
  return raw_collectgarbage(opt, ...)
end
_G.setmetatable = function(t, mt)
  if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then
    raise({ type = 'NotSupported', message = '__gc metamethods are not allowed' })
  end
  return raw_setmetatable(t, mt)
end
_G.rawset = function(t, k, v)
  if bridge_errors[t] then error('bridge errors are read-only', 2) end
  return raw_rawset(t, k, v)
end

-- Deterministic clock: time is the workflow's time at this point of the run, and dates are
-- UTC whatever the worker's time zone (a replay on another worker formats the same).
local function now_ms() return host('spell.now') end
local function date_field(t, key, default, delta)
  local v = t[key]
  local n = tointeger(v)
  if n == nil and type(v) == 'string' and tonumber(v) then n = tointeger(tonumber(v)) end
  if n == nil then
    if v ~= nil then error("field '" .. key .. "' is not an integer", 3) end
    if default == nil then error("field '" .. key .. "' missing in date table", 3) end
    return default
  end
  if n - delta > 0x7fffffff or n - delta < -0x80000000 then error("field '" .. key .. "' is out-of-bound", 3) end
  return n - delta
end
-- os.time{...} reads the fields as UTC (timegm) and normalizes them, as Lua does in local time.
local function utc_time(t)
  local year, month = date_field(t, 'year', nil, 1900) + 1900, date_field(t, 'month', nil, 1)
  local day, hour = date_field(t, 'day', nil, 0), date_field(t, 'hour', 12, 0)
  local min, sec = date_field(t, 'min', 0, 0), date_field(t, 'sec', 0, 0)
  year, month = year + month // 12, month % 12 + 1
  local y = month <= 2 and year - 1 or year
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * ((month + 9) % 12) + 2) // 5
  local days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
  local time = ((days + day - 1) * 24 + hour) * 3600 + min * 60 + sec
  local ok, n = raw_pcall(raw_date, '!*t', time)
  if not ok then error('time result cannot be represented in this installation', 2) end
  t.year, t.month, t.day, t.hour, t.min, t.sec, t.yday, t.wday, t.isdst =
    n.year, n.month, n.day, n.hour, n.min, n.sec, n.yday, n.wday, false
  return time
end
os = {
  time = function(t)
    if t == nil then return floor(now_ms() / 1000) end
    if type(t) ~= 'table' then error("bad argument #1 to 'time' (table expected, got " .. type(t) .. ")", 2) end
    return utc_time(t)
  end,
  clock = function() return (now_ms() - start_ms) / 1000 end,
  date = function(fmt, t)
    fmt = fmt == nil and '%c' or fmt
    if type(fmt) == 'string' and ssub(fmt, 1, 1) ~= '!' then fmt = '!' .. fmt end
    if t == nil then t = floor(now_ms() / 1000) end
    return raw_date(fmt, t)
  end,
  difftime = os.difftime,
}

-- math.random draws from the run's sequence, shared by every engine; math.randomseed reseeds
-- that sequence (deterministically: with no argument the seed is drawn from the sequence).
local function checkint(v, i, fname)
  local n = tointeger(v)
  if n == nil and type(v) == 'string' and tonumber(v) then n = tointeger(tonumber(v)) end
  if n ~= nil then return n end
  if type(v) == 'number' or (type(v) == 'string' and tonumber(v)) then
    error("bad argument #" .. i .. " to '" .. fname .. "' (number has no integer representation)", 3)
  end
  error("bad argument #" .. i .. " to '" .. fname .. "' (number expected, got " .. (v == nil and 'no value' or type(v)) .. ")", 3)
end
local function random64()
  local high, low = host('spell.random64')
  return (high << 32) | low
end
-- Lua 5.4's projection of 64 random bits into [0, n] (n unsigned): unbiased.
local function project(ran, n)
  if n & (n + 1) == 0 then return ran & n end
  local lim = n
  lim = lim | (lim >> 1); lim = lim | (lim >> 2); lim = lim | (lim >> 4)
  lim = lim | (lim >> 8); lim = lim | (lim >> 16); lim = lim | (lim >> 32)
  ran = ran & lim
  while ult(n, ran) do ran = random64() & lim end
  return ran
end
local reseeded = false
math.random = function(...)
  local argc = select('#', ...)
  if argc == 0 then return host('spell.random') + 0.0 end
  local low, up
  if argc == 1 then
    low, up = 1, checkint(..., 1, 'random')
    if up == 0 then return random64() end
  elseif argc == 2 then
    low, up = checkint((...), 1, 'random'), checkint(select(2, ...), 2, 'random')
  else
    error('wrong number of arguments', 2)
  end
  if low > up then error("bad argument #1 to 'random' (interval is empty)", 2) end
  -- Ranges that fit 32 bits keep the formula runs have always used (and Tengo's rand.intn);
  -- wider ones, and every range once reseeded, take Lua's own projection.
  if not reseeded and ult(up - low, 0xffffffff) then
    return low + floor(host('spell.random') * (up - low + 1))
  end
  return low + project(random64(), up - low)
end
math.randomseed = function(...)
  local x, y
  if select('#', ...) == 0 then
    x, y = random64(), 0
  else
    x = checkint((...), 1, 'randomseed')
    y = select('#', ...) >= 2 and checkint(select(2, ...), 2, 'randomseed') or 0
  end
  host('spell.reseed', sformat('%d,%d', x, y))
  reseeded = true
  return x, y
end

local started = false
function __llmspell_main(source, chunkname, input, id, attempt, started_ms, output_limit, memory_limit)
  -- One run per Lua state; the script cannot re-enter the driver.
  if started then error('the spell runs once', 0) end
  started = true
  main_co = running()
  __llmspell_main = nil
  start_ms, limits.output, limits.memory = started_ms, output_limit, memory_limit
  spell = {
    input = input, id = id, attempt = attempt,
    usage = function() return call('spell.usage', {}) end,
    history = function() return call('spell.history', {}) end,
    patched = function(patch) return call('spell.patched', { id = patch }) end,
    spawn = spawn,
    continue_as_new = function(next_input) return boundary('spell.continue_as_new', { input = next_input }) end,
  }
  -- The host may pass the script already compiled (a function), or its source.
  local chunk, syntax = source, nil
  if type(source) ~= 'function' then chunk, syntax = raw_load(source, chunkname, 't', _ENV) end
  -- The run holds no source text either way, so its memory is the same on both paths.
  source = nil
  if not chunk then
    local where, msg = smatch(syntax, '^([^:]+:%d+): (.*)$')
    return '{"ok":false,"error":' .. encode({ type = 'SpellSyntaxError', message = msg or syntax, where = where }) .. '}'
  end
  local ok, res = pcall(chunk, input)
  if ok then
    local eok, enc = pcall(encode, res, 'result')
    if eok then return '{"ok":true,"value":' .. enc .. '}' end
    ok, res = false, enc
  end
  local e = script_error(res)
  return '{"ok":false,"error":' .. encode(e, 'error') .. '}'
end
`;
