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
local mtype, floor, huge, tointeger = math.type, math.floor, math.huge, math.tointeger
local ipairs, tsort, ssub = ipairs, table.sort, string.sub
local sformat, sgsub, sbyte, smatch, concat, utf8len = string.format, string.gsub, string.byte, string.match, table.concat, utf8.len
local running, coroutine_yield = coroutine.running, coroutine.yield
local getinfo = debug.getinfo
local raw_load, raw_collectgarbage, raw_date, raw_time = load, collectgarbage, os.date, os.time
local raw_setmetatable = setmetatable

-- Errors raised into the script are tables: e.type, e.message, e.where; tostring(e) reads well.
local ErrorMT = { __name = 'SpellError', __tostring = function(e)
  return e.type .. ': ' .. (e.where and (e.where .. ': ') or '') .. e.message
end }

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
  error(setmetatable({ type = data.type, message = data.message, where = data.where or script_where() }, ErrorMT), 0)
end

-- JSON encoding with the bridge's conversion rules.
local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function escape(c) return escapes[c] or sformat('\\u%04x', sbyte(c)) end

local encode_value
-- An empty Lua table is an object; the bridge sends this one as an empty array.
local empty_array = {}
local function conversion_error(path, message)
  error(setmetatable({ type = 'SpellBridgeArgument', message = path .. ': ' .. message }, ErrorMT), 0)
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
      out[#out + 1] = '{'
      local first = true
      for k, item in next, v do
        local key
        if type(k) == 'string' then
          if not utf8len(k) then conversion_error(path, 'key is not valid UTF-8') end
          key = k
        elseif mtype(k) == 'integer' then key = sformat('%d', k)
        elseif type(k) == 'number' and k == k and k ~= huge and k ~= -huge then key = sformat('%.17g', k)
        else conversion_error(path, 'a ' .. type(k) .. ' key cannot cross the bridge') end
        if not first then out[#out + 1] = ',' end
        first = false
        out[#out + 1] = '"' .. sgsub(key, '[%c"\\]', escape) .. '":'
        encode_value(item, path .. '.' .. key, seen, out, depth + 1)
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
  if type(e) == 'table' and getmetatable(e) == ErrorMT then
    return { type = e.type, message = e.message, where = e.where }
  elseif e == 'not enough memory' then
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
    error(setmetatable({ type = 'SpellOutputLimit',
      message = (path or 'value') .. ': ' .. #s .. ' bytes of JSON is over the output limit of ' .. limits.output .. ' bytes' }, ErrorMT), 0)
  end
  return s
end

local main_co
-- The host answers a plain value, or a function for the rare cases (an error, work to await)
-- that returns (status, payload): a single return value keeps the common path cheap.
local function settle(r)
  local status, payload = r()
  -- Work to await: the main coroutine yields its id to the engine, which resumes it with the answer.
  if status == 2 then status, payload = coroutine_yield(payload) end
  if status == 1 then raise(payload) end
  return payload
end

-- Every bridge call goes through here: a recorded or pure call answers at once, new work is awaited.
local function call(kind, args)
  local ok, enc = pcall(encode, args, kind)
  if not ok then
    if type(enc) == 'table' then enc.where = script_where(); error(enc, 0) end
    error(enc, 0)
  end
  local r = host(kind, enc)
  if type(r) == 'function' then return settle(r) end
  return r
end

-- Calls whose only argument is a key skip JSON: the host receives the string itself.
local function call_key(kind, key)
  if type(key) ~= 'string' or not utf8len(key) then return call(kind, { key = key }) end
  local r = host(kind, key)
  if type(r) == 'function' then return settle(r) end
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
  local rr = host('parallel.end', outcome)
  if type(rr) == 'function' then return settle(rr) end
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
    local e = script_error(res)
    outcome = '{"ok":false,"error":' .. encode(e, 'step error') .. '}'
  end
  local r = host('step.end', outcome)
  if type(r) == 'function' then return settle(r) end
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

-- Running out of memory ends the run: pcall and xpcall do not catch it.
local raw_pcall, raw_xpcall = pcall, xpcall
local function rethrow_memory(ok, ...)
  if not ok and (...) == 'not enough memory' then error('not enough memory', 0) end
  return ok, ...
end
-- (Assigned through _G: the prelude's own locals shadow these names.)
_G.pcall = function(f, ...) return rethrow_memory(raw_pcall(f, ...)) end
_G.xpcall = function(f, handler, ...)
  return rethrow_memory(raw_xpcall(f, function(e)
    if e == 'not enough memory' then return e end
    return handler(e)
  end, ...))
end

-- Sandbox: no files, processes, native code, bytecode or GC hooks.
io, debug, package, require, dofile, loadfile = nil, nil, nil, nil, nil, nil
string.dump = nil
function load(chunk, chunkname, mode, env)
  if type(chunk) ~= 'string' then
    raise({ type = 'NotSupported', message = 'load: only source text can be loaded' })
  end
  if env == nil then return raw_load(chunk, chunkname, 't') end
  return raw_load(chunk, chunkname, 't', env)
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
-- Deterministic clock and random: time is the workflow's time at this point of the run.
local function now_ms() return host('spell.now') end
os = {
  time = function(t) if t ~= nil then return raw_time(t) end return floor(now_ms() / 1000) end,
  clock = function() return (now_ms() - start_ms) / 1000 end,
  date = function(fmt, t) return raw_date(fmt or '%c', t or floor(now_ms() / 1000)) end,
}
-- math.random draws from the run's seeded sequence, shared by every engine.
local raw_random = math.random
math.random = function(m, n)
  local r = host('spell.random')
  if m == nil then return r end
  if n == nil then m, n = 1, m end
  if m > n then raw_random(m, n) end -- raises Lua's own "interval is empty" error
  return m + floor(r * (n - m + 1))
end
math.randomseed = nil

function __llmspell_main(source, chunkname, input, id, attempt, started_ms, output_limit, memory_limit)
  main_co = running()
  __llmspell_main = nil -- one run per Lua state; the script cannot re-enter the driver
  start_ms, limits.output, limits.memory = started_ms, output_limit, memory_limit
  spell = {
    input = input, id = id, attempt = attempt,
    usage = function() return call('spell.usage', {}) end,
    history = function() return call('spell.history', {}) end,
    spawn = spawn,
    continue_as_new = function(next_input) return boundary('spell.continue_as_new', { input = next_input }) end,
  }
  local chunk, syntax = raw_load(source, chunkname, 't', _ENV)
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
