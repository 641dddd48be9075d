/** The engine registry: a new engine is its folder (exporting a descriptor) plus one line here. */
import { extname } from 'node:path';
import { SpellError } from '../errors/index.ts';
import type { EngineDescriptor } from './engine.ts';
import { lua } from './lua/index.ts';
import { javascript } from './javascript/index.ts';
import { tengo } from './tengo/index.ts';

export const ENGINES: readonly EngineDescriptor[] = [lua, javascript, tengo];

/** The usual file extension of each engine's spells. */
export const SPELL_EXTENSIONS: Readonly<Record<string, string>> = Object.fromEntries(ENGINES.map((e) => [e.name, e.extensions[0]!]));

const names = () => ENGINES.flatMap((e) => [e.name, ...e.aliases]);

/** The engine called `name` (or one of its aliases); throws SpellInputError. */
export function engineNamed(name: string): EngineDescriptor {
  const engine = ENGINES.find((e) => e.name === name || e.aliases.includes(name));
  if (!engine) throw new SpellError('SpellInputError', `unknown engine "${name}" (supported: ${names().join(', ')})`);
  return engine;
}

/** The engine for a spell file: by `engine` name when given, else by the file's extension. */
export function engineFor(file: string, engine?: string): EngineDescriptor {
  if (engine !== undefined) return engineNamed(engine);
  const extension = extname(file);
  const byExtension = ENGINES.find((e) => e.extensions.includes(extension));
  if (!byExtension) {
    throw new SpellError(
      'SpellInputError',
      `${file}: cannot tell the engine from the extension "${extension}" (supported: ${ENGINES.flatMap((e) => e.extensions).join(', ')}); use --engine`,
    );
  }
  return byExtension;
}
