---@meta
-- Generated from the bridge registry (src/bridge) by scripts/gen-types.ts: do not edit.
-- Lua spells (LuaLS): add this folder to workspace.library.

---@class spell
---@field input any
---@field id string
---@field attempt integer
spell = {}

---@class SpellHandle
---@field id string
local SpellHandle = {}
--- Waits for the child spell; returns its result or raises SpellChildFailed.
function SpellHandle:wait() end
--- Sends a signal to the child spell's signal.wait(name).
---@param name string
---@param data? any
function SpellHandle:signal(name, data) end
--- Cancels the child spell.
function SpellHandle:cancel() end

llm = {}
tool = {}
signal = {}
--- Runs the functions as concurrent branches (each its own chain of activities); results in branch order. The first uncaught branch error cancels the others and is raised here.
---@class parallel_module
---@overload fun(fns: (fun(): any)[], options?: { concurrency?: integer }): any[]
parallel = {}
state = {}
event = {}
log = {}
json = {}

--- Defines a tool in the script, for agents (name it in agent tools); it may read state, not change it.
---@param definition { name: string, description?: string, schema?: table, fn: fun(args: any): any }
function tool.define(definition) end
--- Names of the tools defined in the script.
---@return string[]
function tool.list() end

--- Agents: the AI SDK tool loop over host tools registered on the worker; each run is one journaled effect.
agent = {}
---@class Agent
---@field name string
local Agent = {}
---@param input string|{ role: string, content: string }[]
---@return { text: string, steps: any[], finish_reason: string, usage: { input_tokens: integer, output_tokens: integer, total_tokens: integer }, model: string }
function Agent:run(input) end
---@param config { name: string, model?: string|string[], instructions: string, tools?: string[], max_steps?: integer, max_tokens?: integer }
---@return Agent
function agent.create(config) end

--- Hooks around llm and tool calls ("llm", "llm.generate", "tool.call", "*"): higher priority first, then registration order.
hook = {}
--- Runs before matching calls: return new args, nil to keep them, or hook.refuse(reason) (raises HookRefused).
---@param kind string
---@param fn fun(args: any, kind: string): any
---@param options? { priority?: number }
function hook.before(kind, fn, options) end
--- Runs after matching calls: return a new result, or nil to keep it.
---@param kind string
---@param fn fun(result: any, args: any, kind: string): any
---@param options? { priority?: number }
function hook.after(kind, fn, options) end
---@param reason string
function hook.refuse(reason) end

--- Generates text with a model (an effect: journaled, not repeated on replay). Give exactly one of prompt or messages.
---@param args { model?: string|string[], system?: string, prompt?: string, messages?: { role: 'system'|'user'|'assistant', content: string }[], temperature?: number, max_tokens?: integer, stop?: string[], seed?: integer }
---@return { text: string, finish_reason: string, usage: { input_tokens?: number, output_tokens?: number, total_tokens?: number }, model: string }
function llm.generate(args) end

--- Generates an object matching a JSON Schema (validated; a mismatch raises LlmObjectMismatch naming the path).
---@param args { model?: string|string[], system?: string, prompt?: string, messages?: { role: 'system'|'user'|'assistant', content: string }[], temperature?: number, max_tokens?: integer, stop?: string[], seed?: integer, schema: {  } }
---@return { object: any, finish_reason: string, usage: { input_tokens?: number, output_tokens?: number, total_tokens?: number }, model: string }
function llm.object(args) end

--- Streams text; the chunks are journaled with the text, and on_chunk (a function, also accepted in args) is called with each, live and on replay alike.
---@param args { model?: string|string[], system?: string, prompt?: string, messages?: { role: 'system'|'user'|'assistant', content: string }[], temperature?: number, max_tokens?: integer, stop?: string[], seed?: integer, on_chunk?: fun(chunk: string) }
---@return { text: string, chunks: string[], finish_reason: string, usage: { input_tokens?: number, output_tokens?: number, total_tokens?: number }, model: string }
function llm.stream(args) end

--- Calls a host tool registered on the worker (an effect).
---@param name string
---@param args? any
---@return any
function tool.call(name, args) end

--- Runs fn as one named durable step (one Temporal activity); its result is journaled.
---@param name string
---@param fn fun(): any
---@param options? { retry?: { max_attempts: integer, backoff?: number }, timeout?: number }
---@return any
function step(name, fn, options) end

--- A durable timer carried out by the workflow.
---@param seconds number
function sleep(seconds) end

--- Waits for a signal sent with `llmspell signal <run> <name> [JSON]`; nil/undefined on timeout.
---@param name string
---@param options? { timeout?: number }
---@return any
function signal.wait(name, options) end

--- Runs fn(item, index) for every item as concurrent branches; results in item order.
---@param items any[]
---@param fn fun(item: any, index: integer): any
---@param options? { concurrency?: integer }
---@return any[]
function parallel.map(items, fn, options) end

--- Like parallel, but returns every outcome: {ok = true, value} or {ok = false, error}.
---@param fns (fun(): any)[]
---@param options? { concurrency?: integer }
---@return { ok: boolean, value?: any, error?: any }[]
function parallel.settle(fns, options) end

--- Starts a child spell (a child workflow) from a file (relative to this spell's folder) or {source, engine}; returns a handle with wait(), signal(name, data), cancel(). Its budget is a lease on what this run has left.
---@param spell string|{ source: string, engine: string }
---@param input? any
---@param options? { budget?: { max_tokens?: integer, max_cost?: number }, model?: string, timeout_ms?: integer, memory_bytes?: integer }
---@return SpellHandle
function spell.spawn(spell, input, options) end

--- Ends this run's history and continues the same run id with a fresh journal, the new input and the run's state.
---@param input? any
function spell.continue_as_new(input) end

--- The run's history so far: {events, bytes, suggested} (suggested: Temporal suggests continuing as new).
---@return { events: number, bytes: number, suggested: boolean }
function spell.history() end

--- True on the patched code path: new runs, and runs past the point where they met this patch; false where a run recorded before the patch took the old path (a deliberate change, as Temporal's patched()).
---@param id string
---@return boolean
function spell.patched(id) end

--- Model usage and cost of the run so far.
---@return { input_tokens: number, output_tokens: number, total_tokens: number, cost: number, calls: number }
function spell.usage() end

--- Reads run-scoped state (queryable from outside the run).
---@param key string
---@return any
function state.get(key) end

--- Writes run-scoped state; nil/undefined deletes the key.
---@param key string
---@param value? any
function state.set(key, value) end

--- Deletes a state key.
---@param key string
function state.delete(key) end

--- State keys, sorted.
---@return string[]
function state.keys() end

--- Emits an event, visible live in `llmspell run` and through the run's events query.
---@param name string
---@param data? any
function event.emit(name, data) end

--- Logs at info level on the worker.
---@param message string
---@param fields? any
function log.info(message, fields) end

--- Logs at warn level on the worker.
---@param message string
---@param fields? any
function log.warn(message, fields) end

--- Logs at error level on the worker.
---@param message string
---@param fields? any
function log.error(message, fields) end

--- Encodes a value as JSON text with the bridge's conversion rules.
---@param value any
---@return string
function json.encode(value) end

--- Decodes JSON text.
---@param text string
---@return any
function json.decode(text) end
