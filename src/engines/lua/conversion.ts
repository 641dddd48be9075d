/**
 * Host → Lua values. Lua → host values are converted by the prelude's JSON encoder, which
 * applies the DESIGN §3 rules (arrays vs maps, UTF-8, cycles) where the table is visible.
 */
import type { Json } from '../../journal/types.ts';
import { kindAt, textAt } from '../memory-text.ts';

/** The parts of wasmoon's Emscripten module (Lua's C API) the conversion calls directly. */
export interface LuaCApi {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _lua_checkstack(L: number, n: number): number;
  _lua_createtable(L: number, arrayItems: number, fields: number): void;
  _lua_pushlstring(L: number, text: number, bytes: number): number;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushnil(L: number): void;
  _lua_rawset(L: number, index: number): void;
  _lua_rawseti(L: number, index: number, n: bigint): void;
  _lua_pushcclosure(L: number, fn: number, upvalues: number): void;
  _lua_tolstring(L: number, index: number, length: number): number;
  _lua_pcallk(L: number, args: number, results: number, handler: number, context: number, continuation: number): number;
  _lua_settop(L: number, index: number): void;
  _lua_xmove(from: number, to: number, n: number): void;
  addFunction(fn: (...args: number[]) => number, signature: string): number;
}

/** The string buffer kept between pushes; a larger one is made for one string and freed. */
const SCRATCH_KEPT_BYTES = 64 * 1024;

/**
 * Pushes JSON values onto a Lua stack with Lua's C API: JSON null becomes nil (an absent key,
 * or a hole in an array), integers Lua integers, other numbers floats. wasmoon's generic
 * conversion (a decoration, a type-extension lookup and a registry reference per value, a
 * string conversion per C call) took ~10 µs a value: an agent's result cost milliseconds.
 */
export class LuaValues {
  private readonly module: LuaCApi;
  private readonly encoder = new TextEncoder();
  /** Where lua_tolstring writes a string's length (a size_t: 4 bytes in wasm32). */
  private readonly lengthCell: number;
  /** Lua's memory as a Buffer (a new one after the memory grew). */
  private view: Buffer | undefined;
  /** Where strings are encoded on their way in (Lua copies them); one larger than SCRATCH_KEPT_BYTES is freed after use. */
  private scratch = 0;
  private scratchBytes = 0;
  /** A C function that pushes `pending`: called under lua_pcall, so running out of memory on the way is an error, not an abort. */
  private readonly pusher: number;
  private pending: Json = null;

  constructor(module: LuaCApi) {
    this.module = module;
    this.lengthCell = this.module._malloc(4);
    this.pusher = this.module.addFunction((L) => {
      this.push(L, this.pending);
      return 1;
    }, 'ii');
  }

  /**
   * Pushes `value` onto `thread` (a coroutine about to be resumed, whose stack Lua does not
   * protect) by way of a protected call on `main`. False when Lua ran out of memory.
   */
  pushProtected(main: number, thread: number, value: Json): boolean {
    const lua = this.module;
    if (!lua._lua_checkstack(thread, 2)) return false;
    this.pending = value;
    lua._lua_pushcclosure(main, this.pusher, 0);
    const status = lua._lua_pcallk(main, 0, 1, 0, 0, 0);
    this.pending = null;
    if (status !== 0) {
      lua._lua_settop(main, -2);
      return false;
    }
    lua._lua_xmove(main, thread, 1);
    return true;
  }

  push(L: number, value: Json): void {
    const lua = this.module;
    switch (typeof value) {
      case 'string':
        return this.pushString(L, value);
      case 'number':
        return Number.isSafeInteger(value) ? lua._lua_pushinteger(L, BigInt(value)) : lua._lua_pushnumber(L, value);
      case 'boolean':
        return lua._lua_pushboolean(L, value ? 1 : 0);
    }
    if (value === null) return lua._lua_pushnil(L);
    if (!lua._lua_checkstack(L, 3)) throw new Error('a value nested too deeply for the Lua stack');
    if (Array.isArray(value)) {
      lua._lua_createtable(L, value.length, 0);
      for (let i = 0; i < value.length; i++) {
        const item = value[i]!;
        if (item === null) continue;
        this.push(L, item);
        lua._lua_rawseti(L, -2, BigInt(i + 1));
      }
      return;
    }
    const keys = Object.keys(value);
    lua._lua_createtable(L, 0, keys.length);
    for (const key of keys) {
      const item = value[key];
      if (item === null || item === undefined) continue;
      this.pushString(L, key);
      this.push(L, item);
      lua._lua_rawset(L, -3);
    }
  }

  /** The string at `index` of L's stack, read from Lua's memory (a number there is converted, as Lua does). */
  text(L: number, index: number): string {
    const pointer = this.stringAt(L, index);
    return pointer ? textAt(this.bytes(), pointer, pointer + this.length()) : '';
  }

  /** The bytes of the string at `index` of L's stack, copied out of Lua's memory (a binary chunk, say). */
  bytesAt(L: number, index: number): Uint8Array {
    const pointer = this.stringAt(L, index);
    return this.module.HEAPU8.slice(pointer, pointer + (pointer ? this.length() : 0));
  }

  /** The host call kind at `index` of L's stack (see kindAt). */
  kind(L: number, index: number): string {
    const pointer = this.stringAt(L, index);
    return pointer ? kindAt(this.bytes(), pointer, pointer + this.length()) : '';
  }

  /** Where the string at `index` is in Lua's memory (0: none); its length goes to the length cell. */
  private stringAt(L: number, index: number): number {
    return this.module._lua_tolstring(L, index, this.lengthCell);
  }

  private length(): number {
    const heap = this.module.HEAPU8;
    const cell = this.lengthCell;
    return heap[cell]! | (heap[cell + 1]! << 8) | (heap[cell + 2]! << 16) | (heap[cell + 3]! << 24);
  }

  private bytes(): Buffer {
    const heap = this.module.HEAPU8;
    if (this.view?.buffer !== heap.buffer) this.view = Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength);
    return this.view;
  }

  private pushString(L: number, text: string): void {
    const lua = this.module;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = text.length * 3;
    if (most > this.scratchBytes) {
      if (this.scratch) lua._free(this.scratch);
      this.scratchBytes = Math.max(most, 4096);
      this.scratch = lua._malloc(this.scratchBytes);
    }
    const { written } = this.encoder.encodeInto(text, lua.HEAPU8.subarray(this.scratch, this.scratch + most));
    try {
      lua._lua_pushlstring(L, this.scratch, written);
    } finally {
      // Every engine of the thread shares this buffer: a large one would stay for good.
      if (this.scratchBytes > SCRATCH_KEPT_BYTES) {
        lua._free(this.scratch);
        this.scratch = 0;
        this.scratchBytes = 0;
      }
    }
  }
}
