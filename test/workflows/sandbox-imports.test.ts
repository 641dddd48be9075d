import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const src = join(import.meta.dirname, '../../src');
/** What code bundled into Temporal's workflow sandbox may import. */
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'canonicalize', '@noble/hashes/sha2.js', '@noble/hashes/utils.js'];

function importsOf(file: string): Array<{ spec: string; typeOnly: boolean }> {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)';/gms)].map((m) => ({ spec: m[2]!, typeOnly: !!m[1] }));
}

it('src/workflows imports only @temporalio/workflow, types and pure modules', () => {
  const seen = new Set<string>();
  const offending: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { spec, typeOnly } of importsOf(file)) {
      if (typeOnly) continue;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (!ALLOWED_PACKAGES.includes(spec)) offending.push(`${file.slice(src.length + 1)} imports ${spec}`);
    }
  };
  for (const file of readdirSync(join(src, 'workflows'))) visit(join(src, 'workflows', file));
  expect(offending).toEqual([]);
  // The walk did follow the pure modules the workflow uses.
  expect([...seen].map((f) => f.slice(src.length + 1))).toContain('journal/canonical.ts');
});
