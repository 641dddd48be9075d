/**
 * Isolate side of the bridge, run once in every fresh V8 context before the spell: the
 * spell API in camelCase over one host callback, the conversion rules of DESIGN §3, and
 * deterministic Math.random and Date. Nothing of Node exists in the isolate.
 */
export const JS_PRELUDE = String.raw`
(function (global) {
  'use strict';
  const host = global.__host;
  delete global.__host;
  // Primordials: what the bridge uses is captured now, so a script that rewrites
  // prototypes or globals breaks only its own code, never the bridge's conversion.
  const { parse, stringify } = JSON;
  const { apply } = Reflect;
  const { keys: keysOf, freeze, defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  const { isArray } = Array;
  const toStringTag = Object.prototype.toString;
  const isWellFormed = String.prototype.isWellFormed;
  const { isFinite } = Number;
  const SafePromise = Promise;
  const SafeWeakMap = WeakMap;
  const { get: weakGet, set: weakSet, has: weakHas } = WeakMap.prototype;
  const RealError = Error;
  const SafeRangeError = RangeError;
  const errorToString = Error.prototype.toString;
  const regexpExec = RegExp.prototype.exec;
  const { indexOf: strIndexOf, slice: strSlice } = String.prototype;
  const pending = Object.create(null);
  let limits = { output: 0 };
  let fileName = 'spell.js';
  let done = false;

  // No WebAssembly: its memories live outside the isolate's heap limit. V8 installs it as a
  // configurable global and nothing else refers to it, so once deleted no script reaches it.
  delete global.WebAssembly;

  // Bridge errors are recognised by identity: the data of each error the bridge raised, kept
  // where no script reaches it. An object that only looks like one (same prototype, same
  // fields, a subclass) is a script error.
  const genuine = new SafeWeakMap();
  const token = {};
  class SpellError extends RealError {
    constructor(data, key) {
      if (key !== token) throw new TypeError('bridge errors are made by the bridge only');
      super(data.message);
      const d = freeze({ type: data.type, message: data.message, where: data.where || here() });
      defineProperty(this, 'name', { value: d.type });
      defineProperty(this, 'type', { value: d.type, enumerable: true });
      if (d.where) defineProperty(this, 'where', { value: d.where, enumerable: true });
      apply(weakSet, genuine, [this, d]);
      freeze(this);
    }
    toString() { return this.type + ': ' + (this.where ? this.where + ': ' : '') + this.message; }
  }
  const bridgeError = (data) => new SpellError(data, token);

  // Stack traces. V8 formats a stack on first read by calling Error.prepareStackTrace; the
  // bridge owns that property (a script may still set its own formatter, which is called
  // for the script's reads) and notes each error's real location on the way, from V8's own
  // call sites, so neither a formatter nor a rewritten CallSite can forge or break 'where'.
  let userPrepare;
  let bridgeReading = false;
  let sample;
  const wheres = new SafeWeakMap();
  function prepare(error, sites) {
    if (sample === null) { sample = sites; return ''; }
    let where;
    for (let i = 0; i < sites.length; i++) {
      if (apply(siteFile, sites[i], []) === fileName) { where = fileName + ':' + apply(siteLine, sites[i], []); break; }
    }
    if ((typeof error === 'object' && error !== null) || typeof error === 'function') apply(weakSet, wheres, [error, where]);
    if (bridgeReading || typeof userPrepare !== 'function') {
      let text;
      try { text = String(apply(errorToString, error, [])); } catch { text = 'Error'; }
      for (let i = 0; i < sites.length; i++) text += '\n    at ' + apply(siteToString, sites[i], []);
      return text;
    }
    return apply(userPrepare, RealError, [error, sites]);
  }
  defineProperty(RealError, 'prepareStackTrace', {
    get() { return prepare; },
    set(fn) { userPrepare = fn === prepare ? undefined : fn; },
    enumerable: false,
    configurable: false,
  });
  // Kept a plain number the script may change, but not remove or turn into a getter.
  defineProperty(RealError, 'stackTraceLimit', { value: 10, writable: true, enumerable: true, configurable: false });
  sample = null;
  const stackGetter = getOwnPropertyDescriptor(new RealError(), 'stack').get;
  apply(stackGetter, new RealError(), []);
  const siteProto = getPrototypeOf(sample[0]);
  const siteFile = siteProto.getFileName, siteLine = siteProto.getLineNumber, siteToString = siteProto.toString;
  sample = undefined;

  // file:line of the innermost frame in the spell's own file; never runs the script's formatter.
  function whereOf(error) {
    try {
      if (apply(weakHas, wheres, [error])) return apply(weakGet, wheres, [error]);
      const d = getOwnPropertyDescriptor(error, 'stack');
      if (!d || d.get !== stackGetter) return undefined;
      bridgeReading = true;
      let stack;
      try { stack = apply(stackGetter, error, []); } finally { bridgeReading = false; }
      if (apply(weakHas, wheres, [error])) return apply(weakGet, wheres, [error]);
      // Formatted by V8 without a formatter (a stack overflow): its own text.
      if (typeof stack !== 'string') return undefined;
      const at = apply(strIndexOf, stack, [fileName + ':']);
      if (at < 0) return undefined;
      const line = apply(regexpExec, /^\d+/, [apply(strSlice, stack, [at + fileName.length + 1])]);
      return line ? fileName + ':' + line[0] : undefined;
    } catch {
      return undefined;
    }
  }
  function here() {
    // Deep enough to reach the script past the bridge's own frames, whatever the script set.
    const limit = getOwnPropertyDescriptor(RealError, 'stackTraceLimit');
    if (limit.writable) RealError.stackTraceLimit = 64;
    const probe = new RealError();
    if (limit.writable) RealError.stackTraceLimit = limit.value;
    return whereOf(probe);
  }

  function conversionError(path, message) {
    throw bridgeError({ type: 'SpellBridgeArgument', message: path + ': ' + message });
  }

  // JSON with the bridge's rules: undefined/null in objects are absent, in arrays null.
  function encodeValue(v, path, seen, depth) {
    switch (typeof v) {
      case 'undefined': return 'null';
      case 'boolean': return v ? 'true' : 'false';
      case 'number':
        if (!isFinite(v)) conversionError(path, 'NaN and infinity cannot cross the bridge');
        return stringify(v);
      case 'string': {
        if (!apply(isWellFormed, v, [])) conversionError(path, 'string is not valid UTF-16 text (lone surrogate)');
        return stringify(v);
      }
      case 'object': {
        if (v === null) return 'null';
        for (let i = 0; i < seen.length; i++) if (seen[i] === v) conversionError(path, 'object contains itself (cycle)');
        if (depth > 200) conversionError(path, 'nesting deeper than 200 levels');
        const kind = apply(toStringTag, v, []);
        seen[seen.length] = v;
        let out;
        if (isArray(v)) {
          out = '[';
          for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + encodeValue(v[i], path + '[' + i + ']', seen, depth + 1);
          out += ']';
        } else if (kind === '[object Object]') {
          out = '{';
          let first = true;
          const keys = keysOf(v);
          for (let i = 0; i < keys.length; i++) {
            const key = keys[i];
            const item = v[key];
            if (item === undefined || item === null) continue;
            if (!apply(isWellFormed, key, [])) conversionError(path, 'key is not valid UTF-16 text');
            out += (first ? '' : ',') + stringify(key) + ':' + encodeValue(item, path + '.' + key, seen, depth + 1);
            first = false;
          }
          out += '}';
        } else {
          conversionError(path, 'a ' + kind.slice(8, -1) + ' cannot cross the bridge');
        }
        seen.length--;
        return out;
      }
      default:
        conversionError(path, 'a ' + typeof v + ' cannot cross the bridge');
    }
  }
  function encode(v, path) {
    const s = encodeValue(v, path, [], 0);
    if (s.length > limits.output) {
      throw bridgeError({ type: 'SpellOutputLimit', message: path + ': ' + s.length + ' bytes of JSON is over the output limit of ' + limits.output + ' bytes' });
    }
    return s;
  }
  // null inside objects is absent, as nil is in Lua.
  function reviver(key, value) { return value === null && !isArray(this) ? undefined : value; }
  function decode(text) { return parse(text, reviver); }

  // Host answers: '0' + JSON value, '1' + JSON error, '2' + id of work to await.
  function answer(text) {
    const status = text.charCodeAt(0);
    if (status === 48) return text.length === 1 ? undefined : decode(text.slice(1));
    if (status === 49) throw bridgeError(parse(text.slice(1)));
    const id = text.slice(1);
    return new SafePromise((resolve, reject) => { pending[id] = { resolve, reject }; });
  }
  function call(kind, args) {
    return answer(host(kind, encode(args, kind)));
  }
  // A call whose one argument is a key: a text key crosses as it is, not as JSON (the host
  // reads kind + ':key'); anything else goes the usual way and gets the usual error.
  function callKey(kind, key) {
    if (typeof key === 'string' && apply(isWellFormed, key, [])) return answer(host(kind + ':key', key));
    return call(kind, { key });
  }
  global.__settle = function (id, text) {
    const p = pending[id];
    delete pending[id];
    try { p.resolve(answer(text)); } catch (e) { p.reject(e); }
  };
  async function effect(kind, args) { return call(kind, args); }
  function options(fn, v) {
    if (v !== undefined && (v === null || typeof v !== 'object')) {
      throw bridgeError({ type: 'SpellBridgeArgument', message: fn + ': arguments must be an object, got ' + (v === null ? 'null' : typeof v), where: here() });
    }
    return v || {};
  }

  // What a thrown value means to the bridge. Reading a script's own error may run its code
  // (getters, Proxy traps): whatever that does, this returns data and never throws.
  function errorData(e) {
    if (apply(weakHas, genuine, [e])) {
      const d = apply(weakGet, genuine, [e]);
      return { type: d.type, message: d.message, where: d.where };
    }
    try {
      if (e instanceof RealError) {
        const message = String(e.message);
        const name = String(e.name);
        if (e instanceof SafeRangeError && apply(regexpExec, /allocation failed/, [message])) return { type: 'SpellMemoryLimit', message, where: whereOf(e) };
        if (e instanceof SafeRangeError && apply(regexpExec, /call stack/, [message])) return { type: 'SpellScriptError', message, where: whereOf(e) };
        return { type: 'SpellScriptError', message: (name && name !== 'Error' ? name + ': ' : '') + message, where: whereOf(e) };
      }
      let text;
      try { text = typeof e === 'string' ? e : stringify(e); } catch { text = undefined; }
      if (typeof text !== 'string') text = String(e);
      return { type: 'SpellScriptError', message: 'uncaught ' + text };
    } catch {
      return { type: 'SpellScriptError', message: 'uncaught error (reading it raised another error)' };
    }
  }

  // Hooks around llm and tool calls: run in the script, so replay runs them identically.
  // Order: higher priority first, then registration order.
  const hooks = { before: [], after: [] };
  const scriptTools = Object.create(null);
  const scriptToolNames = [];
  global.__callTool = function (name, argsJson) {
    const t = scriptTools[name];
    if (!t) return stringify({ ok: false, error: { type: 'UnknownTool', message: 'no tool "' + name + '" defined in the script' } });
    try {
      const value = t.fn(decode(argsJson));
      if (value instanceof SafePromise) throw bridgeError({ type: 'NotSupported', message: 'tool ' + name + ': tools defined in the script must return their result synchronously' });
      return '{"ok":true,"value":' + encode(value, 'tool result') + '}';
    } catch (e) {
      const data = errorData(e);
      if (data.type === 'SpellScriptError') data.type = 'ToolError';
      return stringify({ ok: false, error: data });
    }
  };
  let hookCount = 0;
  class Refusal { constructor(reason) { this.reason = String(reason); freeze(this); } }
  // The host checks the definition (kind, priority, that fn is a function); the function stays here.
  function addHook(phase, kind, fn, opts) {
    const spec = call('hook.define', { phase, kind, fn: typeof fn, priority: opts && typeof opts === 'object' ? opts.priority : undefined });
    const list = hooks[phase];
    list[list.length] = { kind: spec.kind, fn, priority: spec.priority, order: ++hookCount };
    // Insertion sort: a stable, total order that a script's Array.prototype cannot change.
    for (let i = list.length - 1; i > 0; i--) {
      const a = list[i - 1], b = list[i];
      if (a.priority > b.priority || (a.priority === b.priority && a.order < b.order)) break;
      list[i - 1] = b; list[i] = a;
    }
  }
  const hookMatches = (h, kind) => h.kind === '*' || h.kind === kind || kind.startsWith(h.kind + '.');
  async function hooked(kind, args) {
    for (let i = 0; i < hooks.before.length; i++) {
      const h = hooks.before[i];
      if (!hookMatches(h, kind)) continue;
      const r = await h.fn(args, kind);
      if (r instanceof Refusal) {
        call('event.emit', { name: 'hook.refused', data: { kind, reason: r.reason } });
        throw bridgeError({ type: 'HookRefused', message: kind + ' refused: ' + r.reason, where: here() });
      }
      if (r !== undefined && r !== null) args = r;
    }
    let result = await call(kind, args);
    for (let i = 0; i < hooks.after.length; i++) {
      const h = hooks.after[i];
      if (!hookMatches(h, kind)) continue;
      const r = await h.fn(result, args, kind);
      if (r !== undefined && r !== null) result = r;
    }
    return result;
  }

  // Parallel branches: the workflow runs each branch as its own chain of activities. A
  // re-execution of a branch gets {branch: i} and runs that branch's function only; everywhere
  // else the call answers with every branch's result, in branch order.
  async function runBranches(args, list, runOne) {
    const r = await call('parallel', args);
    if (r.branch === undefined) return r.value;
    let outcome;
    try {
      outcome = '{"ok":true,"value":' + encode(await runOne(list, r.branch), 'branch result') + '}';
    } catch (e) {
      outcome = '{"ok":false,"error":' + stringify(errorData(e)) + '}';
    }
    return answer(host('parallel.end', outcome));
  }
  // The functions stay in the script: the host checks their type names.
  function typesOf(fns) {
    if (!isArray(fns)) return fns === null ? 'null' : typeof fns;
    const types = [];
    for (let i = 0; i < fns.length; i++) types[i] = typeof fns[i];
    return types;
  }
  const callItem = (list, i) => list[i]();
  const parallel = (fns, opts) => runBranches({ fns: typesOf(fns), concurrency: options('parallel', opts).concurrency }, fns, callItem);
  parallel.map = (items, fn, opts) =>
    runBranches({ items: isArray(items) ? items.length : typeof items, fn: typeof fn, concurrency: options('parallel.map', opts).concurrency }, items, (list, i) => fn(list[i], i));
  parallel.settle = (fns, opts) => runBranches({ fns: typesOf(fns), concurrency: options('parallel.settle', opts).concurrency, settle: true }, fns, callItem);

  // Child spells: spawn starts one (a child workflow); its handle waits for, signals or cancels it.
  const handleOf = ({ id, child }) =>
    freeze({
      id,
      child,
      wait: () => effect('spell.wait', { child }),
      signal: (name, data) => effect('spell.signal', { child, name, data }),
      cancel: () => effect('spell.cancel', { child }),
    });
  async function spawn(target, input, opts) {
    const spec = typeof target === 'object' && target !== null ? { source: target.source, engine: target.engine } : { file: target };
    const started = await call('spell.spawn', { file: spec.file, source: spec.source, engine: spec.engine, input, options: opts });
    return handleOf(started);
  }

  const api = {
    llm: {
      generate: (args) => hooked('llm.generate', options('llm.generate', args)),
      object: (args) => hooked('llm.object', options('llm.object', args)),
      // The chunks are journaled with the text: onChunk sees the same chunks live and on replay.
      stream: async (args) => {
        const { on_chunk: onChunk, ...callArgs } = options('llm.stream', args);
        if (onChunk !== undefined && typeof onChunk !== 'function') {
          throw bridgeError({ type: 'SpellBridgeArgument', message: 'llm.stream: field "on_chunk": expected a function, got ' + typeof onChunk, where: here() });
        }
        const result = await hooked('llm.stream', callArgs);
        if (onChunk) for (let i = 0; i < (result.chunks || []).length; i++) await onChunk(result.chunks[i]);
        return result;
      },
    },
    tool: {
      call: (name, args) => hooked('tool.call', { name, args }),
      // Tools written in the script, for agents: run by the engine when the model calls them.
      define: (def) => {
        const d = options('tool.define', def);
        const spec = call('tool.define', { name: d.name, description: d.description, schema: d.schema, fn: typeof d.fn });
        if (!(spec.name in scriptTools)) scriptToolNames[scriptToolNames.length] = spec.name;
        scriptTools[spec.name] = { name: spec.name, description: spec.description, schema: spec.schema, fn: d.fn };
      },
      list: () => scriptToolNames.slice(),
    },
    // Agents: the config is plain data kept in the script; each run is one journaled effect whose
    // model and tool steps are checkpointed, so a lost worker resumes without repeating them.
    agent: {
      create: (config) => {
        const saved = call('agent.create', options('agent.create', config));
        return freeze({
          name: saved.name,
          run: (input) => {
            // Tools defined in the script travel as descriptions; their functions stay here.
            const defined = (saved.tools || []).filter((n) => n in scriptTools).map((n) => ({ name: n, description: scriptTools[n].description, schema: scriptTools[n].schema }));
            return hooked('agent.run', { ...saved, ...(defined.length ? { script_tools: defined } : {}), ...(typeof input === 'string' ? { prompt: input } : { messages: input }) });
          },
        });
      },
    },
    hook: {
      before: (kind, fn, opts) => addHook('before', kind, fn, opts),
      after: (kind, fn, opts) => addHook('after', kind, fn, opts),
      refuse: (reason) => new Refusal(reason),
    },
    sleep: (seconds) => effect('sleep', { seconds }),
    parallel,
    signal: { wait: (name, opts) => effect('signal.wait', { name, timeout: options('signal.wait', opts).timeout }) },
    step: async (name, fn, opts) => {
      if (typeof fn !== 'function') {
        throw bridgeError({ type: 'SpellBridgeArgument', message: 'step: field "fn": expected a function, got ' + typeof fn, where: here() });
      }
      const begun = await call('step', { name, options: opts });
      if (begun.replayed) return begun.value;
      let outcome;
      try {
        const value = await fn();
        outcome = '{"ok":true,"value":' + encode(value, 'step result') + '}';
      } catch (e) {
        outcome = '{"ok":false,"error":' + stringify(errorData(e)) + '}';
      }
      return answer(host('step.end', outcome));
    },
    state: {
      get: (key) => callKey('state.get', key),
      set: (key, value) => { call('state.set', { key, value }); },
      delete: (key) => { callKey('state.delete', key); },
      keys: () => call('state.keys', {}),
    },
    event: { emit: (name, data) => { call('event.emit', { name, data }); } },
    log: {
      info: (message, fields) => { call('log.info', { message, fields }); },
      warn: (message, fields) => { call('log.warn', { message, fields }); },
      error: (message, fields) => { call('log.error', { message, fields }); },
    },
    json: { encode: (v) => encode(v, 'json.encode'), decode: (text) => call('json.decode', { text }) },
    console: {},
  };
  function joinArgs(args) {
    let text = '';
    for (let i = 0; i < args.length; i++) text += (i > 0 ? ' ' : '') + (typeof args[i] === 'string' ? args[i] : stringify(args[i]));
    return text;
  }
  api.console.log = api.console.info = (...args) => api.log.info(joinArgs(args));
  api.console.warn = (...args) => api.log.warn(joinArgs(args));
  api.console.error = (...args) => api.log.error(joinArgs(args));
  for (const name of keysOf(api)) {
    freeze(api[name]);
    defineProperty(global, name, { value: api[name], writable: false, configurable: false, enumerable: false });
  }

  // Deterministic time and randomness: the workflow's time at this point of the run; a seeded PRNG.
  const RealDate = Date;
  const now = () => answer(host('spell.now', ''));
  class SpellDate extends RealDate {
    constructor(...args) { if (args.length === 0) super(now()); else super(...args); }
    static now() { return now(); }
  }
  global.Date = SpellDate;
  // The run's seeded sequence lives on the host, shared by every engine.
  Math.random = function random() { return answer(host('spell.random', '')); };

  global.__start = function (main, input, id, attempt, file, outputLimit) {
    fileName = file;
    limits.output = outputLimit;
    const spellInfo = freeze({
      input: input === '' ? undefined : decode(input),
      id,
      attempt,
      usage: () => call('spell.usage', {}),
      history: () => call('spell.history', {}),
      patched: (id) => call('spell.patched', { id }),
      spawn,
      continue_as_new: (next) => effect('spell.continue_as_new', { input: next }),
    });
    defineProperty(global, 'spell', { value: spellInfo, writable: false, configurable: false });
    let promise;
    try { promise = SafePromise.resolve(main(spellInfo.input)); } catch (e) { promise = SafePromise.reject(e); }
    promise.then(
      (value) => {
        let text;
        try { text = '{"ok":true,"value":' + encode(value, 'result') + '}'; }
        catch (e) { text = '{"ok":false,"error":' + stringify(errorData(e)) + '}'; }
        host('__finish', text);
      },
      (e) => host('__finish', '{"ok":false,"error":' + stringify(errorData(e)) + '}'),
    );
  };
})(globalThis);
`;
