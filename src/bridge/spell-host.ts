/** spell.spawn on the worker: reads the child's file (relative to the parent's folder) and names its engine. */
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { SpellError } from '../errors/index.ts';
import type { EffectContext, EffectDeps, EffectResult } from './kind.ts';
import type { ResolvedSpawn, SpawnArgs } from './spell.ts';

export async function resolveSpawn(args: SpawnArgs, _deps: EffectDeps, ctx: EffectContext): Promise<EffectResult> {
  if (!ctx.engineFor) throw new Error('spell.spawn needs the engine table');
  if (args.source !== undefined) {
    const engine = ctx.engineFor('', args.engine);
    const resolved: ResolvedSpawn = { source: args.source, fileName: `inline${engine.extension}`, engine: engine.name, ...(ctx.spellDir ? { dir: ctx.spellDir } : {}) };
    return { ok: true, value: { ...resolved } };
  }
  const file = args.file!;
  const path = isAbsolute(file) ? file : resolve(ctx.spellDir ?? process.cwd(), file);
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw new SpellError('SpellInputError', `spell.spawn: cannot read ${file} (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const resolved: ResolvedSpawn = { source, fileName: basename(path), engine: ctx.engineFor(path, args.engine).name, dir: dirname(path) };
  return { ok: true, value: { ...resolved } };
}
