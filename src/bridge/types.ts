/** Renders the spell API (the bridge registry's docs) as TypeScript declarations, LuaLS annotations and a Tengo reference page. */
import { z } from 'zod';
import type { ApiFunction, ApiParam } from './kind.ts';
import { API } from './registry.ts';

/** Modules that are also callable (`parallel(fns)` and `parallel.map(…)`). */
const callable = (name: string) => API.some((f) => f.module === null && f.name === name) && API.some((f) => f.module === name);

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  description?: string;
  minimum?: number;
  maximum?: number;
};

const toSchema = (schema: z.ZodType): Schema => z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Schema;
const camel = (name: string) => name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

const HANDLE_TS = '{ readonly id: string; readonly child: string; wait(): Promise<any>; signal(name: string, data?: Json): Promise<void>; cancel(): Promise<void> }';

function tsType(s: Schema, indent = ''): string {
  if (s.description === 'ChunkFn') return '(chunk: string) => unknown';
  if (s.description === 'SpawnHandle') return HANDLE_TS;
  if (s.description === 'Json' || (!s.type && !s.anyOf && !s.enum)) return 'Json';
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf) return s.anyOf.map((x) => tsType(x, indent)).join(' | ');
  switch (s.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `Array<${s.items ? tsType(s.items, indent) : 'Json'}>`;
    case 'object': {
      const required = new Set(s.required ?? []);
      const inner = `${indent}  `;
      const fields = Object.entries(s.properties ?? {}).map(
        ([key, value]) => `${inner}${key}${required.has(key) ? '' : '?'}: ${tsType(value, inner)};`,
      );
      return `{\n${fields.join('\n')}\n${indent}}`;
    }
    default:
      return 'Json';
  }
}

function luaType(s: Schema): string {
  if (s.description === 'ChunkFn') return 'fun(chunk: string)';
  if (s.description === 'SpawnHandle') return 'SpellHandle';
  if (s.description === 'Json' || (!s.type && !s.anyOf && !s.enum)) return 'any';
  if (s.enum) return s.enum.map((v) => JSON.stringify(v).replace(/"/g, "'")).join('|');
  if (s.anyOf) return s.anyOf.map(luaType).join('|');
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `${s.items ? luaType(s.items) : 'any'}[]`;
    case 'object': {
      const required = new Set(s.required ?? []);
      const fields = Object.entries(s.properties ?? {}).map(([key, value]) => `${key}${required.has(key) ? '' : '?'}: ${luaType(value)}`);
      return `{ ${fields.join(', ')} }`;
    }
    default:
      return 'any';
  }
}

const HEADER = 'Generated from the bridge registry (src/bridge) by scripts/gen-types.ts: do not edit.';

const TS_FN = { thunk: '() => Json | Promise<Json>', thunks: 'Array<() => Json | Promise<Json>>', item: '(item: any, index: number) => Json | Promise<Json>' };
const LUA_FN = { thunk: 'fun(): any', thunks: '(fun(): any)[]', item: 'fun(item: any, index: integer): any' };

function dtsParam(p: ApiParam): string {
  if (p.fn) return `${p.name}: ${TS_FN[p.fn]}`;
  return `${camel(p.name)}${p.optional ? '?' : ''}: ${tsType(toSchema(p.schema), '  ')}`;
}

function dtsFunction(f: ApiFunction, indent: string): string {
  // Free-form results (tool results, state values) are `any` so scripts can use them directly.
  const result = f.result ? tsType(toSchema(f.result), indent).replace(/^Json$/, 'any').replace(/: Json;/g, ': any;').replace(/Array<Json>/g, 'any[]') : 'void';
  const returns = f.async ? `Promise<${result}>` : result;
  const signature = `${f.name}(${f.params.map(dtsParam).join(', ')}): ${returns};`;
  return `${indent}/** ${f.doc} */\n${indent}${f.module ? '' : 'declare function '}${signature}`;
}

/** A module's declaration; a callable module (parallel) takes its call signature from the top-level function of its name. */
function dtsModule(module: string, extra: string[] = []): string {
  const call = API.find((f) => f.module === null && f.name === module);
  const members = [
    ...extra.map((line) => `  ${line}`),
    ...(call ? [dtsFunction({ ...call, module: module }, '  ').replace(`  ${call.name}(`, '  (')] : []),
    ...API.filter((f) => f.module === module).map((f) => dtsFunction(f, '  ')),
  ];
  return `declare const ${module}: {\n${members.join('\n')}\n};`;
}

export function renderDts(): string {
  const modules = [...new Set(API.map((f) => f.module).filter((m): m is string => m !== null))];
  const parts = [
    `// ${HEADER}`,
    '// JavaScript spells: the file is the body of an async function (top-level await and return).',
    '',
    '/** Plain data: undefined is absent in objects and null in arrays. */',
    'type Json = null | undefined | boolean | number | string | Json[] | { [key: string]: Json };',
    '/** One chat message (llm.generate messages). */',
    "type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };",
    '',
    '/** The spell\'s input (also spell.input). */',
    'declare const input: any;',
    '/** console.log/info/warn/error log through the bridge (log.*). */',
    'declare const console: { log(...args: unknown[]): void; info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };',
    '/** Tools written in the script, for agents (name them in agent tools); they may read state, not change it, and return synchronously. */',
    'declare const tool: {',
    '  call(name: string, args?: Json): Promise<any>;',
    '  define(definition: { name: string; description?: string; schema?: Record<string, unknown>; fn: (args: any) => Json }): void;',
    '  list(): string[];',
    '};',
    '/** An agent: the AI SDK tool loop over host tools registered on the worker; each run is one journaled effect. */',
    'declare const agent: {',
    '  create(config: { name: string; model?: string | string[]; instructions: string; tools?: string[]; max_steps?: number; max_tokens?: number }): {',
    '    readonly name: string;',
    '    run(input: string | ChatMessage[]): Promise<{ text: string; steps: any[]; finish_reason: string; usage: { input_tokens: number; output_tokens: number; total_tokens: number }; model: string }>;',
    '  };',
    '};',
    '/** Hooks around llm and tool calls ("llm", "llm.generate", "tool.call", "*"): higher priority first, then registration order. */',
    'declare const hook: {',
    '  /** Runs before matching calls: return new args, nothing to keep them, or hook.refuse(reason) (raises HookRefused). */',
    '  before(kind: string, fn: (args: any, kind: string) => any, options?: { priority?: number }): void;',
    '  /** Runs after matching calls: return a new result, or nothing to keep it. */',
    '  after(kind: string, fn: (result: any, args: any, kind: string) => any, options?: { priority?: number }): void;',
    '  refuse(reason: string): unknown;',
    '};',
    ...API.filter((f) => f.module === null && !callable(f.name)).map((f) => dtsFunction(f, '')),
    // `tool` is declared by hand above (define takes a function).
    ...modules
      .filter((m) => m !== 'tool')
      .map((m) => dtsModule(m, m === 'spell' ? ['readonly input: any;', 'readonly id: string;', 'readonly attempt: number;'] : [])),
    '',
  ];
  return parts.join('\n');
}

function luaFunction(f: ApiFunction): string {
  const lines = [`--- ${f.doc}`];
  for (const p of f.params) {
    lines.push(`---@param ${p.name}${p.optional ? '?' : ''} ${p.fn ? LUA_FN[p.fn] : luaType(toSchema(p.schema))}`);
  }
  if (f.result) lines.push(`---@return ${luaType(toSchema(f.result))}`);
  lines.push(`function ${f.module ? `${f.module}.` : ''}${f.name}(${f.params.map((p) => p.name).join(', ')}) end`);
  return lines.join('\n');
}

/** A module table; a callable one (parallel) gets its call signature as an overload. */
function luaModule(module: string): string {
  const call = API.find((f) => f.module === null && f.name === module);
  if (!call) return `${module} = {}`;
  const params = call.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.fn ? LUA_FN[p.fn] : luaType(toSchema(p.schema))}`).join(', ');
  return [`--- ${call.doc}`, `---@class ${module}_module`, `---@overload fun(${params}): ${call.result ? luaType(toSchema(call.result)) : 'nil'}`, `${module} = {}`].join('\n');
}

export function renderLua(): string {
  const modules = [...new Set(API.map((f) => f.module).filter((m): m is string => m !== null))];
  return [
    '---@meta',
    `-- ${HEADER}`,
    '-- Lua spells (LuaLS): add this folder to workspace.library.',
    '',
    '---@class spell',
    '---@field input any',
    '---@field id string',
    '---@field attempt integer',
    'spell = {}',
    '',
    '---@class SpellHandle',
    '---@field id string',
    'local SpellHandle = {}',
    '--- Waits for the child spell; returns its result or raises SpellChildFailed.',
    'function SpellHandle:wait() end',
    '--- Sends a signal to the child spell\'s signal.wait(name).',
    '---@param name string',
    '---@param data? any',
    'function SpellHandle:signal(name, data) end',
    '--- Cancels the child spell.',
    'function SpellHandle:cancel() end',
    '',
    ...modules.filter((m) => m !== 'spell').map(luaModule),
    '',
    '--- Defines a tool in the script, for agents (name it in agent tools); it may read state, not change it.',
    '---@param definition { name: string, description?: string, schema?: table, fn: fun(args: any): any }',
    'function tool.define(definition) end',
    '--- Names of the tools defined in the script.',
    '---@return string[]',
    'function tool.list() end',
    '',
    '--- Agents: the AI SDK tool loop over host tools registered on the worker; each run is one journaled effect.',
    'agent = {}',
    '---@class Agent',
    '---@field name string',
    'local Agent = {}',
    '---@param input string|{ role: string, content: string }[]',
    '---@return { text: string, steps: any[], finish_reason: string, usage: { input_tokens: integer, output_tokens: integer, total_tokens: integer }, model: string }',
    'function Agent:run(input) end',
    '---@param config { name: string, model?: string|string[], instructions: string, tools?: string[], max_steps?: integer, max_tokens?: integer }',
    '---@return Agent',
    'function agent.create(config) end',
    '',
    '--- Hooks around llm and tool calls ("llm", "llm.generate", "tool.call", "*"): higher priority first, then registration order.',
    'hook = {}',
    '--- Runs before matching calls: return new args, nil to keep them, or hook.refuse(reason) (raises HookRefused).',
    '---@param kind string',
    '---@param fn fun(args: any, kind: string): any',
    '---@param options? { priority?: number }',
    'function hook.before(kind, fn, options) end',
    '--- Runs after matching calls: return a new result, or nil to keep it.',
    '---@param kind string',
    '---@param fn fun(result: any, args: any, kind: string): any',
    '---@param options? { priority?: number }',
    'function hook.after(kind, fn, options) end',
    '---@param reason string',
    'function hook.refuse(reason) end',
    '',
    ...API.filter((f) => !(f.module === null && callable(f.name))).map(luaFunction).flatMap((f) => [f, '']),
  ].join('\n');
}

/** Tengo type names (type_name) for a schema. */
function tengoType(s: Schema): string {
  if (s.description === 'ChunkFn') return 'func(chunk)';
  if (s.description === 'SpawnHandle') return 'handle {id, wait(), signal(name, data), cancel()}';
  if (s.description === 'Json' || (!s.type && !s.anyOf && !s.enum)) return 'any';
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf) return s.anyOf.map(tengoType).join(' | ');
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
      return 'int';
    case 'number':
      return 'int | float';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[${s.items ? tengoType(s.items) : 'any'}]`;
    case 'object': {
      if (!s.properties) return 'map';
      const required = new Set(s.required ?? []);
      const fields = Object.entries(s.properties).map(([key, value]) => `${key}${required.has(key) ? '' : '?'}: ${tengoType(value)}`);
      return `{${fields.join(', ')}}`;
    }
    default:
      return 'any';
  }
}

const TENGO_FN = {
  thunk: 'a function (no arguments); its result is journaled',
  thunks: 'an array of functions (no arguments), one per branch',
  item: 'a function called as fn(item, index) for each item',
};

function tengoFunction(f: ApiFunction): string[] {
  const name = `${f.module ? `${f.module}.` : ''}${f.name}`;
  const params = f.params.map((p) => (p.optional ? `${p.name}?` : p.name)).join(', ');
  const lines = [`### \`${name}(${params})\``, '', f.doc.replace(/nil\/undefined/g, 'undefined').replace(/raises (\w+)/g, 'returns a $1 error'), ''];
  for (const p of f.params) {
    const schema = toSchema(p.schema);
    if (p.fn) {
      lines.push(`- \`${p.name}\`: ${TENGO_FN[p.fn]}`);
    } else if (schema.type === 'object' && schema.properties) {
      lines.push(`- \`${p.name}\`${p.optional ? ' (optional)' : ''}: a map`);
      const required = new Set(schema.required ?? []);
      for (const [key, value] of Object.entries(schema.properties)) {
        lines.push(`  - \`${key}\`${required.has(key) ? '' : ' (optional)'}: ${tengoType(value)}`);
      }
    } else {
      lines.push(`- \`${p.name}\`${p.optional ? ' (optional)' : ''}: ${tengoType(schema)}`);
    }
  }
  lines.push(`- returns: ${f.result ? tengoType(toSchema(f.result)) : 'undefined'}, or an error value`, '');
  return lines;
}

export function renderTengo(): string {
  return [
    '# llmspell for Tengo: reference',
    '',
    `<!-- ${HEADER} -->`,
    '',
    'A Tengo spell (`.tengo`) runs on the real Tengo VM (github.com/d5/tengo v2) compiled to WebAssembly.',
    'The file is the body of a function: `return` ends the spell with its result. The API has the Lua',
    'names (`llm.generate({...})`, `state.get(k)`, `step(name, fn)`); an agent\'s run is `a.run(input)`.',
    '',
    '## Errors are values',
    '',
    'Tengo has no exceptions. A bridge call that fails returns an error value: test it with',
    '`is_error(r)`; `r.value.type` and `r.value.message` say what happened (`SpellBridgeArgument`,',
    '`ToolError`, `HookRefused`, ...). A step whose fn returns an error value failed; `step` returns that',
    'error (or retries, with `retry`). A spell that returns an error value fails with it. Runtime errors',
    '(calling undefined, a stack overflow) cannot be caught: they fail the run, and the step they happen',
    'in. Misusing a definition (`hook.*`, `tool.define`, `agent.create`) ends the run.',
    '',
    '## Values across the bridge',
    '',
    '| Tengo | JSON |',
    '|---|---|',
    '| `int`, `float` | number (integers come back as `int`, other numbers as `float`) |',
    '| `string`, `char` | string (UTF-8; an invalid string is an error naming its path) |',
    '| `bool` | boolean |',
    '| `map`, `immutable-map` | object (`undefined` values are absent) |',
    '| `array`, `immutable-array` | array (`undefined` items are null) |',
    '| `undefined` | null; null comes back as `undefined` |',
    '| `time` | string, RFC 3339 in UTC |',
    '| `bytes` | an error: convert with `string(b)` or `base64.encode(b)` |',
    '| `error`, functions | an error (functions only as tool.define / hook callbacks) |',
    '',
    'Cycles, nesting deeper than 200 levels and values over the output limit are errors.',
    '',
    '## Modules and limits',
    '',
    '`import` gives the safe standard modules: `math`, `text`, `json` (Tengo\'s own: bytes), `base64`, `hex`,',
    '`enum`, `fmt` (`print`/`println`/`printf` write log records), `times` (`now`, `since`, `until` read',
    'the run\'s deterministic clock, UTC; `sleep` is refused: use `sleep(seconds)`), `rand` (the run\'s',
    'seeded sequence, the same as Lua\'s `math.random`; `seed` is refused). There is no `os` and no file',
    'import. Tengo\'s own limits come from the run\'s memory limit: strings and bytes up to a quarter of',
    'it, and at most memory limit / 8 objects created per run (Tengo counts every value it makes);',
    'the WebAssembly heap is capped at the memory limit. `error` is a Tengo keyword: write',
    '`log["error"](message)`.',
    '',
    '## Spell',
    '',
    '- `spell.input`, `spell.id` (string), `spell.attempt` (int); `spell.usage()`, `spell.history()`, `spell.spawn(…)`, `spell.continue_as_new(input)` below',
    '- A child spell\'s handle (`h := spell.spawn(...)`): `h.id`, `h.wait()` (the child\'s result, or a `SpellChildFailed` error value), `h.signal(name, data)`, `h.cancel()`',
    '- `parallel` is both callable and indexable: `parallel([f, g])`, `parallel.map(items, fn)`, `parallel.settle([f, g])`',
    '',
    '## Agents, tools and hooks',
    '',
    '- `agent.create({name, model?, instructions, tools?, max_steps?, max_tokens?})` → agent; `a.run(prompt or messages)` → {text, steps, finish_reason, usage, model}',
    '- `tool.define({name, description?, schema?, fn})`: `fn(args)` runs when an agent calls the tool; it may read state, not change it. `tool.list()` → names',
    '- `hook.before(kind, func(args, kind), {priority?})`: return new args, `undefined` to keep them, or `hook.refuse(reason)` (the call returns a `HookRefused` error)',
    '- `hook.after(kind, func(result, args, kind), {priority?})`: return a new result, or `undefined` to keep it',
    '- Callbacks may declare fewer parameters: they get as many as they declare.',
    '',
    '## Functions',
    '',
    ...API.flatMap(tengoFunction),
  ].join('\n');
}
