//go:build js && wasm

package main

// The host's side of a run (engine.ts), imported straight into WebAssembly: a call takes
// and returns numbers only, without syscall/js's conversions and reference table (a bridge
// call is most of its cost). The host must not call back into Go from these.

// hostCall is a bridge call: the request (kind, NUL, payload) is at ptr, length bytes, in a
// buffer of capacity bytes, where the host writes its answer. It returns the answer's length,
// or minus the capacity it needs (then asked again with length -1 and a larger buffer).
//
//go:wasmimport llmspell call
func hostCall(ptr uint32, length, capacity int32) int32

// hostNow is the run's clock (journaled time), in milliseconds since the epoch.
//
//go:wasmimport llmspell now
func hostNow() float64

// hostRandom is the run's next random number in [0, 1).
//
//go:wasmimport llmspell random
func hostRandom() float64
