/** JSON Schemas as node-llama-cpp grammar schemas, and the grammar of a reply: no model needed. */
import { describe, expect, it } from 'vitest';
import { Output } from 'ai';
import { z } from 'zod';
import { ANY_JSON, prefixRules, replyGrammar, tighten, toGrammarSchema, toolCallSchema } from '../../src/models/local-grammar.ts';

/** The JSON Schema the AI SDK hands the model for `llm.object`'s schema (via zod, as the bridge does). */
async function asSent(schema: object): Promise<unknown> {
  const format = await Output.object({ schema: z.fromJSONSchema(schema as never) }).responseFormat;
  return (format as { schema: unknown }).schema;
}

describe('toGrammarSchema', () => {
  it('keeps the shape of the structured-output example as the AI SDK sends it, without the noise the grammar misreads', async () => {
    const sent = await asSent({
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' }, hobbies: { type: 'array', items: { type: 'string' } } },
      required: ['name', 'age', 'hobbies'],
    });
    // zod adds `additionalProperties: {}` (node-llama-cpp reads `{}` as null) and integer bounds.
    expect(sent).toMatchObject({ additionalProperties: {}, properties: { age: { minimum: expect.any(Number) } } });
    expect(toGrammarSchema(sent)).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' }, hobbies: { type: 'array', items: { type: 'string' } } },
    });
  });

  it('maps unions, type lists, enums and nullables onto oneOf', async () => {
    expect(toGrammarSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({ oneOf: [{ type: 'string' }, { type: 'null' }] });
    expect(toGrammarSchema({ type: ['string', 'null'] })).toEqual({ type: ['string', 'null'] });
    expect(toGrammarSchema({ type: ['object', 'null'], properties: { a: { type: 'number' } } })).toEqual({
      oneOf: [{ type: 'object', properties: { a: { type: 'number' } } }, { type: 'null' }],
    });
    expect(toGrammarSchema({ type: 'string', enum: ['a', 'b'] })).toEqual({ enum: ['a', 'b'] });
    expect(toGrammarSchema({ const: 3 })).toEqual({ const: 3 });
    expect(toGrammarSchema({ type: 'integer', nullable: true })).toEqual({ oneOf: [{ type: 'integer' }, { type: 'null' }] });
  });

  it('loosens what a grammar cannot express to any JSON value, never to something stricter', () => {
    expect(toGrammarSchema({})).toEqual(ANY_JSON);
    expect(toGrammarSchema(true)).toEqual(ANY_JSON);
    expect(toGrammarSchema({ not: { type: 'string' } })).toEqual(ANY_JSON);
    expect(toGrammarSchema({ const: { a: 1 } })).toEqual(ANY_JSON);
    expect(toGrammarSchema({ $ref: 'https://example.com/schema' })).toEqual(ANY_JSON);
    // Value constraints stay with the validator; the grammar keeps the type.
    expect(toGrammarSchema({ type: 'string', format: 'email', pattern: '@' })).toEqual({ type: 'string' });
    expect(toGrammarSchema({ type: 'string', format: 'date' })).toEqual({ type: 'string', format: 'date' });
    expect(toGrammarSchema({ type: 'integer', minimum: 0, maximum: 10 })).toEqual({ type: 'integer' });
    // An object without listed properties takes any keys (node-llama-cpp's default would be none).
    expect(toGrammarSchema({ type: 'object' })).toEqual({ type: 'object', additionalProperties: true });
    expect(toGrammarSchema({ type: 'object', additionalProperties: { type: 'number' } })).toEqual({ type: 'object', additionalProperties: { type: 'number' } });
  });

  it('merges allOf objects, turns tuples into prefixItems and definitions into root $defs', () => {
    expect(toGrammarSchema({ allOf: [{ properties: { a: { type: 'string' } } }, { properties: { b: { type: 'boolean' } } }] })).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'boolean' } },
    });
    expect(toGrammarSchema({ type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false })).toEqual({
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: { type: 'null' },
      maxItems: 2,
    });
    expect(
      toGrammarSchema({ type: 'object', properties: { p: { $ref: '#/definitions/Point' } }, required: ['p'], definitions: { Point: { type: 'object', properties: { x: { type: 'number' } } } } }),
    ).toEqual({
      oneOf: [{ type: 'object', properties: { p: { $ref: '#/$defs/Point' } } }],
      $defs: { Point: { type: 'object', properties: { x: { type: 'number' } } } },
    });
  });

  it('leaves out an optional property that refers to a definition: every listed property is written, and it may recurse', () => {
    const node = { type: 'object', properties: { v: { type: 'integer' }, next: { $ref: '#/$defs/Node' }, kids: { type: 'array', items: { $ref: '#/$defs/Node' } } }, required: ['v', 'kids'] };
    expect(toGrammarSchema({ $ref: '#/$defs/Node', $defs: { Node: node } })).toEqual({
      oneOf: [{ $ref: '#/$defs/Node' }],
      $defs: { Node: { type: 'object', properties: { v: { type: 'integer' }, kids: { type: 'array', items: { $ref: '#/$defs/Node' } } } } },
    });
  });
});

describe('reply grammars', () => {
  const json = [
    'root ::= "{" whitespace-b-1-4-rule "\\"n\\"" ":" [ ]? integer-number-rule whitespace-b-0-4-rule "}" "\\n\\n\\n\\n" [\\n]*',
    'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?',
    'whitespace-b-1-4-rule ::= [\\n] ("    " | "\\t") | [ ]?',
    'whitespace-b-0-4-rule ::= [\\n] | [ ]?',
  ].join('\n');

  it('renames every rule of a grammar under a prefix, leaving literals and repetitions alone, and drops the trailing newlines', () => {
    const renamed = prefixRules(json, 'answer');
    expect(renamed.split('\n')[0]).toBe('answer ::= "{" answer-whitespace-b-1-4-rule "\\"n\\"" ":" [ ]? answer-integer-number-rule answer-whitespace-b-0-4-rule "}"');
    expect(renamed).toContain('answer-integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15})');
    expect(prefixRules('root ::= value # a comment\nvalue ::= "x"', 'p')).toBe('p ::= p-value \np-value ::= "x"');
  });

  it('writes JSON on one line and integers a validator accepts', () => {
    const tight = tighten(json);
    expect(tight).toContain('whitespace-b-1-4-rule ::= [ ]?');
    expect(tight).toContain('whitespace-b-0-4-rule ::= [ ]?');
    expect(tight).toContain('integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,14})\n');
  });

  it('joins a tool call and an answer: a call opens with <tool_call>, free text never does', () => {
    const both = replyGrammar({ call: json, answer: 'text' });
    expect(both.split('\n').slice(0, 3)).toEqual([
      'root ::= reply-call | reply-text',
      'reply-call ::= "<tool_call>" call "</tool_call>"',
      expect.stringMatching(/^call ::= "\{" call-whitespace/),
    ]);
    expect(both).toContain('reply-text ::= [^<] [^\\x00]*');
    expect(replyGrammar({ call: json }).split('\n')[0]).toBe('root ::= reply-call');
    expect(replyGrammar({ call: json, answer: json })).toContain('root ::= reply-call | answer\n');
  });

  it('describes a call as the tool name and that tool\'s arguments', () => {
    const tools = [
      { name: 'word_count', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
      { name: 'now', inputSchema: { type: 'object' } },
    ];
    expect(toolCallSchema(tools)).toEqual({
      oneOf: [
        { type: 'object', properties: { name: { const: 'word_count' }, arguments: { type: 'object', properties: { text: { type: 'string' } } } } },
        { type: 'object', properties: { name: { const: 'now' }, arguments: { type: 'object', additionalProperties: true } } },
      ],
    });
  });
});
