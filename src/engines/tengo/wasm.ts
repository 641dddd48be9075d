/**
 * The Tengo host program (tengo.wasm, built by scripts/build-tengo.sh), compiled once per
 * process: the pool hands the compiled module to every Tengo engine thread, which then
 * share its machine code instead of each compiling 6 MB of WebAssembly.
 */
import { readFileSync } from 'node:fs';

/** The parts of the WebAssembly API used here: Node has it, @types/node does not declare it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export type WasmModule = object;
export const WebAssemblyApi = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => WasmModule;
    compile(bytes: Uint8Array): Promise<WasmModule>;
    instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
  };
}).WebAssembly;

export const TENGO_WASM = new URL('./tengo.wasm', import.meta.url);

let compiled: WasmModule | undefined;

/** The program compiled (lazily, once per process; V8 compiles its functions as they first run). */
export function tengoModule(): WasmModule {
  return (compiled ??= new WebAssemblyApi.Module(readFileSync(TENGO_WASM)));
}
