import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { importsOf } from '../../src/workflow-bundle.ts';

const src = join(import.meta.dirname, '../../src');
/** What code bundled into Temporal's workflow sandbox may import. */
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'canonicalize', '@noble/hashes/sha2.js', '@noble/hashes/utils.js'];
/** The folders it may reach, types included (DESIGN §1: the workflow depends on the contract only). */
const ALLOWED_FOLDERS = ['workflows', 'contract', 'journal'];

/** Every module of the workflow's sandbox code: src/workflows and the pure modules it imports. */
function sandboxModules(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { spec } of importsOf(readFileSync(file, 'utf8'))) if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
  };
  for (const file of readdirSync(join(src, 'workflows'), { recursive: true, encoding: 'utf8' })) if (file.endsWith('.ts')) visit(join(src, 'workflows', file));
  return [...seen];
}

it('the workflow\'s modules keep no state at module level: every run on a worker shares them (preloadModules)', () => {
  // A module-level variable or collection would be one value for all the runs of a worker
  // (Temporal freezes shared modules' exports, not their variables, Maps or Sets).
  const stateful = /^(?:export )?(?:let|var)\s|^(?:export )?const \w+(?::[^=]+)? = new (?:Map|Set|WeakMap|WeakSet)\b/;
  const offending = sandboxModules().flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (stateful.test(line) ? [`${relative(src, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
  expect(offending).toEqual([]);
  expect(sandboxModules().length).toBeGreaterThan(15);
});

it('src/workflows imports only @temporalio/workflow and the pure contract and journal, types included', () => {
  const modules = sandboxModules();
  const offending = modules.flatMap((file) =>
    importsOf(readFileSync(file, 'utf8')).flatMap(({ spec }) => {
      if (!spec.startsWith('.')) return ALLOWED_PACKAGES.includes(spec) ? [] : [`${relative(src, file)} imports ${spec}`];
      const target = resolve(dirname(file), spec);
      return ALLOWED_FOLDERS.includes(relative(src, target).split('/')[0]!) ? [] : [`${relative(src, file)} imports ${relative(src, target)}`];
    }),
  );
  expect(offending).toEqual([]);
  // The walk did follow the pure modules the workflow uses.
  expect(modules.map((f) => relative(src, f))).toEqual(expect.arrayContaining(['journal/canonical.ts', 'contract/settings.ts', 'workflows/commands/parallel.ts']));
});
