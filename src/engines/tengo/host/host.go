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

// hostRequest writes the new run's texts at ptr when they fit in capacity bytes: its file
// name, input (JSON) and spell id, each followed by NUL, then its source. It returns their
// length in bytes, larger than capacity when they did not fit (then nothing was written).
//
//go:wasmimport llmspell request
func hostRequest(ptr uint32, capacity int32) int32

// hostDone ends the run: its outcome ({ok, value} or {ok, error} as JSON) is at ptr.
//
//go:wasmimport llmspell done
func hostDone(ptr uint32, length int32)

// hostReseed reseeds the run's random sequence (math.randomseed in Lua, rand.seed here).
//
//go:wasmimport llmspell reseed
func hostReseed(seed int64)
