import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { renderDts, renderLua, renderTengo } from '../../src/bridge/types.ts';

const root = join(import.meta.dirname, '../..');
const dts = join(root, 'types/llmspell.d.ts');

/** Type-checks JavaScript spells (async function bodies) against types/llmspell.d.ts. */
function typeErrors(spells: Record<string, string>): string[] {
  const files = new Map(Object.entries(spells).map(([name, source]) => [`/spells/${name}`, `async function __spell() {\n${source}\n}\n`]));
  const options: ts.CompilerOptions = { allowJs: true, checkJs: true, noEmit: true, strict: true, target: ts.ScriptTarget.ES2023, lib: ['lib.es2023.d.ts'], types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.getSourceFile = (f, lang) => {
    const text = host.readFile(f);
    return text === undefined ? undefined : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram([...files.keys(), dts], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('editor support', () => {
  it('types/ is what the bridge schemas generate (run scripts/gen-types.ts after changing them)', () => {
    expect(readFileSync(dts, 'utf8')).toBe(renderDts());
    expect(readFileSync(join(root, 'types/llmspell.lua'), 'utf8')).toBe(renderLua());
    expect(readFileSync(join(root, 'docs/tengo.md'), 'utf8')).toBe(renderTengo());
  });

  it('type-checks the JavaScript examples', () => {
    const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.js'));
    expect(examples.length).toBeGreaterThan(0);
    const spells = Object.fromEntries(examples.map((f) => [f, readFileSync(join(root, 'examples', f), 'utf8')]));
    expect(typeErrors(spells)).toEqual([]);
  });

  it('catches a spell that passes the wrong type to the bridge', () => {
    const errors = typeErrors({ 'bad.js': 'const r = await llm.generate({ prompt: 42 });\nreturn r.txt;' });
    expect(errors.join('\n')).toMatch(/Type 'number' is not assignable to type 'string'/);
    expect(errors.join('\n')).toMatch(/Property 'txt' does not exist/);
  });
});
