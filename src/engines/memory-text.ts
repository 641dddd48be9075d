/**
 * Text of host calls read straight from an engine's WebAssembly memory (Lua, Tengo): a call's
 * kind and its payload, on the path of every bridge call.
 */

/** Kinds of host call by a hash of their bytes: one of a few dozen, each made into a string once. */
const kinds = new Map<number, string>();

/** The host call kind at `start`..`end` of `bytes`. */
export function kindAt(bytes: Buffer, start: number, end: number): string {
  let hash = end - start;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0;
  const known = kinds.get(hash);
  if (known !== undefined && known.length === end - start) {
    let same = true;
    for (let i = 0; same && i < known.length; i++) same = known.charCodeAt(i) === bytes[start + i];
    if (same) return known;
  }
  const kind = bytes.toString('utf8', start, end);
  if (kinds.size < 256) kinds.set(hash, kind);
  return kind;
}

/** UTF-8 text at `start`..`end` of `bytes`; short ASCII (a key) without a call into Node. */
export function textAt(bytes: Buffer, start: number, end: number): string {
  if (end - start <= 16) {
    let text = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return bytes.toString('utf8', start, end);
      text += String.fromCharCode(c);
    }
    return text;
  }
  return bytes.toString('utf8', start, end);
}
