/**
 * Grammars for the local model (llama.cpp GBNF through node-llama-cpp): JSON Schemas turned
 * into the subset node-llama-cpp's JSON-schema grammar understands, and one grammar that lets
 * the model call a tool or answer. Pure functions: no model is needed to test them.
 *
 * What node-llama-cpp's JSON-schema grammar expresses: `type` (one or a list of string, number,
 * integer, boolean, null), `const` and `enum` of primitives, `oneOf`, objects with
 * `properties` / `additionalProperties` / `minProperties` / `maxProperties`, arrays with
 * `items` / `prefixItems` / `minItems` / `maxItems`, strings with `minLength` / `maxLength` or a
 * `format` of date-time, date or time, and `$ref` into `$defs`. It writes every listed property
 * (it ignores `required`), treats an unknown schema as `null` and defaults
 * `additionalProperties` to false. {@link toGrammarSchema} maps the rest onto that subset:
 * - `anyOf` becomes `oneOf`, a type list with object or array a `oneOf` of each type,
 *   `allOf` of objects one merged object, `definitions` `$defs`;
 * - `{}`, `true` and anything it cannot express (`not`, `if`, a `$ref` outside `$defs`, an
 *   object or array `const`) become "any JSON value";
 * - value constraints (`minimum`, `pattern`, other formats, `uniqueItems`, `required`…) are not
 *   in the grammar: the text always parses and has the schema's shape, and the AI SDK
 *   validates the exact schema afterwards (a value outside them is an `LlmObjectMismatch`);
 * - an object with listed properties gets exactly those (no extra keys: still valid, and a
 *   small model does not wander off adding keys) but an optional one that is a `$ref` (it may
 *   recurse, and every listed property is written); one without listed properties, any keys.
 */
import type { GbnfJsonSchema } from 'node-llama-cpp';

type Schema = Record<string, unknown>;

/** Any JSON value (node-llama-cpp has no schema for it: an array without `items` holds any values). */
export const ANY_JSON: GbnfJsonSchema = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'array' }, { type: 'object', additionalProperties: true }],
};

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const BASIC_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const GRAMMAR_FORMATS = new Set(['date-time', 'date', 'time']);

/** A JSON Schema (draft 7 / 2020-12) as node-llama-cpp's grammar schema: the same or a looser shape, never a stricter one. */
export function toGrammarSchema(schema: unknown): GbnfJsonSchema {
  const defs: Record<string, GbnfJsonSchema> = {};
  const root = translate(schema, defs);
  // node-llama-cpp resolves `$ref`s against the `$defs` of the nodes above them: keep them at the root.
  return Object.keys(defs).length ? ({ oneOf: [root], $defs: defs } as GbnfJsonSchema) : root;
}

function translate(schema: unknown, defs: Record<string, GbnfJsonSchema>): GbnfJsonSchema {
  if (!isObject(schema)) return ANY_JSON; // `true`, or not a schema
  for (const key of ['$defs', 'definitions'] as const) {
    const d = schema[key];
    if (isObject(d)) for (const [name, def] of Object.entries(d)) defs[name] ??= translate(def, defs);
  }
  const out = translateNode(schema, defs);
  if (schema.nullable === true) return { oneOf: [out, { type: 'null' }] };
  return typeof schema.description === 'string' && !('$ref' in out) ? ({ ...out, description: schema.description } as GbnfJsonSchema) : out;
}

function translateNode(s: Schema, defs: Record<string, GbnfJsonSchema>): GbnfJsonSchema {
  if (typeof s.$ref === 'string') {
    const m = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(s.$ref);
    return m ? { $ref: `#/$defs/${m[1]}` } as GbnfJsonSchema : ANY_JSON;
  }
  if ('const' in s) return isPrimitive(s.const) ? { const: s.const } : ANY_JSON;
  if (Array.isArray(s.enum)) return s.enum.length && s.enum.every(isPrimitive) ? { enum: s.enum } : ANY_JSON;
  const union = (Array.isArray(s.anyOf) && s.anyOf) || (Array.isArray(s.oneOf) && s.oneOf);
  if (union) {
    const { anyOf: _a, oneOf: _o, ...rest } = s;
    // Sibling keywords apply to every branch (`{type: "object", anyOf: [...]}`).
    return { oneOf: union.map((branch) => translate(isObject(branch) ? { ...rest, ...branch } : branch, defs)) };
  }
  if (Array.isArray(s.allOf)) {
    const { allOf, ...rest } = s;
    const parts = [rest, ...allOf].filter(isObject);
    if (allOf.length === 1) return translate({ ...rest, ...(allOf[0] as Schema) }, defs);
    if (parts.every((p) => p.type === undefined || p.type === 'object')) {
      return translate({ ...rest, allOf: undefined, type: 'object', properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) }, defs);
    }
    return ANY_JSON;
  }
  if (s.not !== undefined || s.if !== undefined) return ANY_JSON;
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? inferTypes(s) : [s.type];
  if (types.length === 0) return ANY_JSON;
  if (types.length > 1) {
    if (types.every((t) => BASIC_TYPES.has(t))) return { type: types as never };
    return { oneOf: types.map((t) => translateNode({ ...s, type: t }, defs)) };
  }
  switch (types[0]) {
    case 'object': {
      const properties = isObject(s.properties) ? s.properties : {};
      // The grammar writes every property it lists: an optional one that refers to a
      // definition is left out, since a definition may refer back to itself without end.
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      const names = Object.keys(properties).filter((n) => required.has(n) || !(isObject(properties[n]) && '$ref' in properties[n]));
      if (Object.keys(properties).length) {
        return { type: 'object', properties: Object.fromEntries(names.map((n) => [n, translate(properties[n], defs)])) };
      }
      const extra = s.additionalProperties;
      return {
        type: 'object',
        additionalProperties: extra === false ? false : isObject(extra) && Object.keys(extra).length ? translate(extra, defs) : true,
        ...(typeof s.minProperties === 'number' ? { minProperties: s.minProperties } : {}),
        ...(typeof s.maxProperties === 'number' ? { maxProperties: s.maxProperties } : {}),
      };
    }
    case 'array': {
      // draft 7 tuples: `items: [...]` (then `additionalItems`); 2020-12: `prefixItems` (then `items`).
      const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : undefined;
      const rest = Array.isArray(s.items) ? s.additionalItems : s.items;
      return {
        type: 'array',
        ...(prefix ? { prefixItems: prefix.map((p) => translate(p, defs)) } : {}),
        ...(rest !== undefined && rest !== true ? { items: rest === false ? { type: 'null' } : translate(rest, defs) } : {}),
        ...(rest === false && prefix ? { maxItems: prefix.length } : {}),
        ...(typeof s.minItems === 'number' ? { minItems: s.minItems } : {}),
        ...(typeof s.maxItems === 'number' ? { maxItems: s.maxItems } : {}),
      };
    }
    case 'string':
      if (typeof s.format === 'string' && GRAMMAR_FORMATS.has(s.format)) return { type: 'string', format: s.format as 'date' };
      return {
        type: 'string',
        ...(typeof s.minLength === 'number' ? { minLength: s.minLength } : {}),
        ...(typeof s.maxLength === 'number' ? { maxLength: s.maxLength } : {}),
      };
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type: types[0] };
    default:
      return ANY_JSON;
  }
}

/** The type a schema without `type` describes, from its keywords; none: any value. */
function inferTypes(s: Schema): string[] {
  if ('properties' in s || 'additionalProperties' in s) return ['object'];
  if ('items' in s || 'prefixItems' in s) return ['array'];
  if ('minLength' in s || 'maxLength' in s || 'pattern' in s || 'format' in s) return ['string'];
  return [];
}

/**
 * A GBNF grammar with every rule renamed `<prefix>-<name>` and its root renamed `<prefix>`, so
 * that grammars generated separately (each with its own `root`, `string-rule`, `rule0`…) can be
 * joined into one. Drops the four newlines node-llama-cpp's JSON-schema grammars end with (a
 * stop trigger for models that never end their turn; a grammar that is complete already only
 * lets the model end its turn).
 */
export function prefixRules(gbnf: string, prefix: string): string {
  const text = gbnf.replace(/ "\\n\\n\\n\\n" \[\\n\]\*$/m, '');
  const defined = new Set([...text.matchAll(/^([a-zA-Z0-9_-]+)\s*::=/gm)].map((m) => m[1]!));
  // Rule names are the bare words outside string literals, character classes and comments.
  return text.replace(/"(?:\\.|[^"\\])*"|\[(?:\\.|[^\]\\])*\]|#[^\n]*|[a-zA-Z0-9_-]+/g, (token) => {
    if (token.startsWith('#')) return '';
    if (!defined.has(token)) return token;
    return token === 'root' ? prefix : `${prefix}-${token}`;
  });
}

/**
 * A node-llama-cpp JSON-schema grammar, tightened for a small model (only rules by the names
 * it generates change; under other names the grammar stays as it was, still correct):
 * - JSON on one line: its white-space rules also allow a line break and indentation at each
 *   level, which a small model takes, spending up to a third of a short object's tokens;
 * - integers of at most 15 digits and no exponent, so that they are safe integers (a schema
 *   validator rejects `1e20` or 16 nines as an integer).
 */
export function tighten(gbnf: string): string {
  return gbnf
    .replace(/^(whitespace-[abn]-\d+-\d+-rule) ::= .*$/gm, '$1 ::= [ ]?')
    .replace(/^(comma-whitespace-[abn]-\d+-\d+-rule) ::= .*$/gm, '$1 ::= "," [ ]?')
    .replace(/^integer-number-rule ::= .*$/m, 'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,14})');
}

/** How the model writes a tool call, and the tags of a tool's result in the history. */
export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';
export const TOOL_RESULT_OPEN = '<tool_response>';
export const TOOL_RESULT_CLOSE = '</tool_response>';

/** A call of one of these tools: `{"name": <one of them>, "arguments": <that tool's input>}`. */
export function toolCallSchema(tools: ReadonlyArray<{ name: string; inputSchema: unknown }>): GbnfJsonSchema {
  const calls = tools.map((t) => ({ type: 'object', properties: { name: { const: t.name }, arguments: toGrammarSchema(t.inputSchema) } }) as GbnfJsonSchema);
  return calls.length === 1 ? calls[0]! : { oneOf: calls };
}

/**
 * The grammar of one reply. `call`: GBNF of the call's JSON (a tool call is
 * `<tool_call>{…}</tool_call>`); `answer`: GBNF of a JSON answer, or `text` for free text (which
 * cannot start with `<`, so the first character decides between a call and an answer).
 */
export function replyGrammar(parts: { call?: string; answer?: string | 'text' }): string {
  const rules: string[] = [];
  const alternatives: string[] = [];
  if (parts.call) {
    alternatives.push('reply-call');
    rules.push(`reply-call ::= ${JSON.stringify(TOOL_CALL_OPEN)} call ${JSON.stringify(TOOL_CALL_CLOSE)}`, prefixRules(parts.call, 'call'));
  }
  if (parts.answer === 'text') {
    alternatives.push('reply-text');
    rules.push('reply-text ::= [^<] [^\\x00]*');
  } else if (parts.answer) {
    alternatives.push('answer');
    rules.push(prefixRules(parts.answer, 'answer'));
  }
  if (!alternatives.length) throw new Error('replyGrammar: nothing to reply with');
  return [`root ::= ${alternatives.join(' | ')}`, ...rules].join('\n');
}
