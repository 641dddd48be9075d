/**
 * Host → Lua values. Lua → host values are converted by the prelude's JSON encoder, which
 * applies the DESIGN §3 rules (arrays vs maps, UTF-8, cycles) where the table is visible.
 */
import type { Json } from '../../journal/types.ts';

/** JSON null becomes Lua nil: an absent key, or a hole in an array. */
export function toLua(value: Json): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(toLua);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = toLua(item);
    return out;
  }
  return value;
}
