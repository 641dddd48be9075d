/** The pure kinds: `state.*` (run-scoped, queryable from outside the run), `event.emit`, `log.*`, `json.decode`. */
import { z } from 'zod';
import type { Json } from '../journal/types.ts';
import { SpellError } from '../errors/index.ts';
import type { ApiFunction, BridgeKind } from './kind.ts';

/** The arguments of a kind that takes one key (`state.get`, `state.delete`): what `<kind>:key` host calls carry. */
export const keyArgs = z.strictObject({ key: z.string().min(1) });
/** `state.set(k, v)`: setting nil deletes the key. */
const stateSetArgs = z.strictObject({ key: z.string().min(1), value: z.custom<Json>().optional() });
const none = z.strictObject({});
const eventEmitArgs = z.strictObject({ name: z.string().min(1), data: z.custom<Json>().optional() });
const logArgs = z.strictObject({ message: z.string(), fields: z.custom<Json>().optional() });
const jsonDecodeArgs = z.strictObject({ text: z.string() });

const logKind = (level: 'info' | 'warn' | 'error'): BridgeKind<z.output<typeof logArgs>> => ({
  kind: `log.${level}`,
  class: 'pure',
  args: logArgs,
  pure: (a, run) => (run.log(level, a.message, a.fields), null),
});

export const kinds: BridgeKind[] = [
  { kind: 'state.get', class: 'pure', args: keyArgs, readOnly: true, pure: (a: { key: string }, run) => run.state.get(a.key) ?? null },
  { kind: 'state.keys', class: 'pure', args: none, readOnly: true, pure: (_, run) => [...run.state.keys()].sort() },
  {
    kind: 'state.set',
    class: 'pure',
    args: stateSetArgs,
    pure: (a: z.output<typeof stateSetArgs>, run) => {
      run.changeState(a.value === undefined || a.value === null ? { op: 'delete', key: a.key } : { op: 'set', key: a.key, value: a.value });
      return null;
    },
  },
  { kind: 'state.delete', class: 'pure', args: keyArgs, pure: (a: { key: string }, run) => (run.changeState({ op: 'delete', key: a.key }), null) },
  { kind: 'event.emit', class: 'pure', args: eventEmitArgs, pure: (a: z.output<typeof eventEmitArgs>, run) => (run.emit(a.name, a.data ?? null), null) },
  logKind('info'),
  logKind('warn'),
  logKind('error'),
  {
    kind: 'json.decode',
    class: 'pure',
    args: jsonDecodeArgs,
    readOnly: true,
    pure: (a: { text: string }) => {
      try {
        return JSON.parse(a.text) as Json;
      } catch (error) {
        throw new SpellError('SpellBridgeArgument', `json.decode: ${(error as Error).message}`);
      }
    },
  },
];

const json = z.custom<unknown>().describe('Json');
export const docs: ApiFunction[] = [
  { module: 'state', name: 'get', doc: 'Reads run-scoped state (queryable from outside the run).', params: [{ name: 'key', schema: z.string() }], result: json, async: false },
  { module: 'state', name: 'set', doc: 'Writes run-scoped state; nil/undefined deletes the key.', params: [{ name: 'key', schema: z.string() }, { name: 'value', schema: json, optional: true }], result: null, async: false },
  { module: 'state', name: 'delete', doc: 'Deletes a state key.', params: [{ name: 'key', schema: z.string() }], result: null, async: false },
  { module: 'state', name: 'keys', doc: 'State keys, sorted.', params: [], result: z.array(z.string()), async: false },
  { module: 'event', name: 'emit', doc: 'Emits an event, visible live in `llmspell run` and through the run\'s events query.', params: [{ name: 'name', schema: eventEmitArgs.shape.name }, { name: 'data', schema: json, optional: true }], result: null, async: false },
  ...(['info', 'warn', 'error'] as const).map((level): ApiFunction => ({ module: 'log', name: level, doc: `Logs at ${level} level on the worker.`, params: [{ name: 'message', schema: logArgs.shape.message }, { name: 'fields', schema: json, optional: true }], result: null, async: false })),
  { module: 'json', name: 'encode', doc: 'Encodes a value as JSON text with the bridge\'s conversion rules.', params: [{ name: 'value', schema: json }], result: z.string(), async: false },
  { module: 'json', name: 'decode', doc: 'Decodes JSON text.', params: [{ name: 'text', schema: z.string() }], result: json, async: false },
];
